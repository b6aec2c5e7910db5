"""The billing run and the ledger: simulate, post each charge exactly once,
payments and credits, balances kept in step, and the check that proves it.

Exactly once rests on the database, not on care: a UNIQUE key on
(allocation, kind, date) and `INSERT ... ON CONFLICT DO NOTHING` inside
IMMEDIATE transactions, so a second run, or two runs at once, post nothing
twice. Each batch is one transaction: a run killed part way leaves whole
batches or nothing, and the rerun posts the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Callable, Iterable, Iterator

from billing.charges import KINDS, Charge, allocation_charges
from billing.money import from_micros, to_micros

from .allocations import AllocationRow, iter_allocations
from .book import current_user
from .models import Setting, database
from .errors import RunRefused, StoreError

BATCH = 2000
ZERO = Decimal(0)


@dataclass
class RunPlan:
    """What a run for `run_date` would post, and what it skips (before `since`)."""

    run_date: date
    since: date | None
    lines: list[tuple[AllocationRow, Charge]] = field(default_factory=list)
    skipped: list[tuple[AllocationRow, Charge]] = field(default_factory=list)  # the first 1,000
    skipped_count: int = 0

    def totals(self) -> tuple[Decimal, Decimal]:
        retail = sum((c.amount for _, c in self.lines), ZERO)
        cost = sum((c.cost for _, c in self.lines), ZERO)
        return retail, cost


@dataclass
class RunResult:
    run_id: int | None
    posted: int
    already: int
    retail: Decimal
    cost: Decimal
    posted_lines: list[tuple[AllocationRow, Charge]] = field(default_factory=list)


def post_from() -> date | None:
    """The book's "post charges from" date: nothing dated earlier is ever posted."""
    found = Setting.get_or_none(Setting.key == "post_from")
    if found is None or not found.value:
        return None
    return date.fromisoformat(found.value)


def set_post_from(day: date | None) -> None:
    value = day.isoformat() if day else ""
    with database.atomic():
        Setting.insert(key="post_from", value=value).on_conflict(
            conflict_target=[Setting.key], update={Setting.value: value}
        ).execute()


def _posted_keys(allocation_ids: list[int], until: date) -> set[tuple[int, str, str]]:
    if not allocation_ids:
        return set()
    lo, hi = min(allocation_ids), max(allocation_ids)
    cursor = database.execute_sql(
        "SELECT allocation_id, kind, date FROM ledger WHERE allocation_id BETWEEN ? AND ? AND date <= ?",
        (lo, hi, until.isoformat()),
    )
    return {(a, k, str(d)) for a, k, d in cursor.fetchall()}


def _batches(iterable: Iterable, size: int) -> Iterator[list]:
    batch = []
    for item in iterable:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


SKIPPED_KEPT = 1000


def _sort(plan: "RunPlan", allocation, charge, posted, floor) -> None:
    """File one charge: nothing, posted already, skipped (before floor) or to post."""
    if not (charge.amount or charge.cost):
        return  # nothing to charge: never posted
    if (allocation.id, charge.kind, charge.date.isoformat()) in posted:
        return
    if floor is not None and charge.date < floor:
        plan.skipped_count += 1
        if len(plan.skipped) < SKIPPED_KEPT:
            plan.skipped.append((allocation, charge))
    else:
        plan.lines.append((allocation, charge))


def plan_run(
    run_date: date,
    today: date,
    precision: int,
    customer_id: int | None = None,
    since: date | None = None,
    progress: Callable[[int], None] | None = None,
) -> RunPlan:
    """Every charge dated on or before `run_date` that is not posted yet.

    Charges dated before `since` (or the book's "post charges from" date, the
    later of the two) are skipped: listed, never posted. Minimum-spend
    true-ups are included once their period has ended on or before run_date.
    """
    from .allocations import true_ups_of

    floor = max((d for d in (since, post_from()) if d is not None), default=None)
    plan = RunPlan(run_date, floor)
    minimum: list[AllocationRow] = []
    posted_true_ups: set = set()
    seen = 0
    for batch in _batches(iter_allocations(customer_id), 5000):
        posted = _posted_keys([a.id for a in batch], run_date)
        for allocation in batch:
            seen += 1
            if allocation.start > run_date:
                continue
            terms = allocation.package_terms
            if terms.minimum_spend:
                minimum.append(allocation)
                posted_true_ups.update(k for k in posted if k[0] == allocation.id and k[1] == "minimum_spend")
            for charge in allocation_charges(terms, allocation.terms(), allocation.start, run_date, precision):
                _sort(plan, allocation, charge, posted, floor)
        if progress is not None:
            progress(seen)
    # True-ups of periods ended by run_date, usage summed by the database.
    for allocation, charge in true_ups_of(minimum, None, run_date, precision, today):
        if not charge.basis.estimate:
            _sort(plan, allocation, charge, posted_true_ups, floor)
    key = lambda pair: (pair[1].date, pair[0].customer.casefold(), pair[0].id, KINDS.index(pair[1].kind))  # noqa: E731
    plan.lines.sort(key=key)
    plan.skipped.sort(key=key)
    return plan


_INSERT = (
    "INSERT INTO ledger (allocation_id, customer_id, package_id, kind, date, period_start, period_end, quantity, "
    "amount, cost, retail_price, cost_price, setup_retail_price, setup_cost_price, auto_decrement, run_id, posted_by) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (allocation_id, kind, date) DO NOTHING"
)


def commit_run(
    plan: RunPlan,
    today: date,
    customer_id: int | None = None,
    batch_size: int = BATCH,
    progress: Callable[[int, int], None] | None = None,
) -> RunResult:
    """Post the plan's lines in transactions of `batch_size`; each line once.

    A line another run posted meanwhile is left alone (counted in `already`).
    Balances of auto-decrement allocations move in the same transaction.
    """
    if plan.run_date > today:
        raise RunRefused(f"can't post charges dated after today ({today}): run for {plan.run_date} only simulates")
    user = current_user()
    with database.atomic():
        cursor = database.execute_sql(
            "INSERT INTO billing_run (run_date, since, customer_id, posted_by) VALUES (?, ?, ?, ?)",
            (plan.run_date.isoformat(), plan.since.isoformat() if plan.since else None, customer_id, user),
        )
        run_id = cursor.lastrowid
    posted = 0
    posted_lines: list[tuple[AllocationRow, Charge]] = []
    retail = cost = ZERO
    done = 0
    memo: dict = {}

    def micros(value: Decimal) -> int:
        found = memo.get(value)
        if found is None:
            found = memo[value] = to_micros(value)
        return found

    for batch in _batches(plan.lines, batch_size):
        rows = []
        for allocation, charge in batch:
            terms = allocation.package_terms
            rows.append(
                (
                    allocation.id,
                    allocation.customer_id,
                    allocation.package_id,
                    charge.kind,
                    charge.date.isoformat(),
                    charge.period_start.isoformat(),
                    charge.period_end.isoformat(),
                    charge.quantity,
                    micros(charge.amount),
                    micros(charge.cost),
                    micros(terms.retail),
                    micros(terms.cost),
                    micros(terms.setup_retail),
                    micros(terms.setup_cost),
                    1 if allocation.auto_decrement else 0,
                    run_id,
                    user,
                )
            )
        with database.atomic():
            conn = database.connection()
            before = conn.execute("SELECT COALESCE(MAX(id), 0) FROM ledger").fetchone()[0]
            conn.executemany(_INSERT, rows)
            mine = conn.execute(
                "SELECT allocation_id, kind, date FROM ledger WHERE run_id = ? AND id > ?", (run_id, before)
            ).fetchall()
            conn.execute(
                "UPDATE customer SET balance = balance - t.total FROM (SELECT customer_id, SUM(amount) AS total "
                "FROM ledger WHERE run_id = ? AND id > ? AND auto_decrement = 1 GROUP BY customer_id) AS t "
                "WHERE customer.id = t.customer_id",
                (run_id, before),
            )
            conn.execute("UPDATE billing_run SET lines = lines + ? WHERE id = ?", (len(mine), run_id))
        keys = {(a, k, str(d)) for a, k, d in mine}
        for allocation, charge in batch:
            if (allocation.id, charge.kind, charge.date.isoformat()) in keys:
                posted_lines.append((allocation, charge))
                retail += charge.amount
                cost += charge.cost
        posted += len(mine)
        done += len(batch)
        if progress is not None:
            progress(done, len(plan.lines))
    with database.atomic():
        database.execute_sql(
            "UPDATE billing_run SET finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?", (run_id,)
        )
    return RunResult(run_id, posted, len(plan.lines) - posted, retail, cost, posted_lines)


# --- payments and credits -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PaymentRow:
    id: int
    customer_id: int
    date: date
    amount: Decimal
    kind: str
    description: str
    reference: str
    reverses_id: int | None
    reversed_by: int | None
    created_by: str


def record_payment(customer_id: int, day: date, amount: Decimal, kind: str = "payment", description: str = "", reference: str = "") -> PaymentRow:
    if kind not in ("payment", "credit"):
        raise StoreError(f"'{kind}' is not payment or credit")
    if amount <= 0:
        raise StoreError("the amount must be more than 0")
    with database.atomic():
        exists = database.execute_sql("SELECT 1 FROM customer WHERE id = ?", (customer_id,)).fetchone()
        if not exists:
            raise StoreError("that customer no longer exists")
        cursor = database.execute_sql(
            "INSERT INTO payment (customer_id, date, amount, kind, description, reference, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (customer_id, day.isoformat(), to_micros(amount), kind, description.strip(), reference.strip(), current_user()),
        )
        database.execute_sql("UPDATE customer SET balance = balance + ? WHERE id = ?", (to_micros(amount), customer_id))
    return get_payment(cursor.lastrowid)


def reverse_payment(payment_id: int, day: date, description: str = "") -> PaymentRow:
    """Reverse a payment or credit with a reversing line; the original stays."""
    with database.atomic():
        original = get_payment(payment_id)
        if original is None:
            raise StoreError(f"there is no payment {payment_id}")
        if original.kind == "reversal":
            raise StoreError(f"payment {payment_id} is itself a reversal; record a new payment instead")
        if original.reversed_by is not None:
            raise StoreError(f"payment {payment_id} was already reversed (by {original.reversed_by})")
        cursor = database.execute_sql(
            "INSERT INTO payment (customer_id, date, amount, kind, description, reference, reverses_id, created_by) "
            "VALUES (?, ?, ?, 'reversal', ?, ?, ?, ?)",
            (
                original.customer_id,
                day.isoformat(),
                to_micros(original.amount),
                description.strip() or f"reverses {original.kind} {original.id}",
                original.reference,
                original.id,
                current_user(),
            ),
        )
        database.execute_sql(
            "UPDATE customer SET balance = balance - ? WHERE id = ?", (to_micros(original.amount), original.customer_id)
        )
    return get_payment(cursor.lastrowid)


_PAYMENT_SELECT = (
    "SELECT p.id, p.customer_id, p.date, p.amount, p.kind, p.description, p.reference, p.reverses_id, "
    "(SELECT r.id FROM payment r WHERE r.reverses_id = p.id), p.created_by FROM payment p "
)


def _payment(row) -> PaymentRow:
    return PaymentRow(row[0], row[1], date.fromisoformat(str(row[2])), from_micros(row[3]), row[4], row[5], row[6], row[7], row[8], row[9])


def get_payment(payment_id: int) -> PaymentRow | None:
    row = database.execute_sql(_PAYMENT_SELECT + "WHERE p.id = ?", (payment_id,)).fetchone()
    return _payment(row) if row else None


def list_payments(customer_id: int) -> list[PaymentRow]:
    rows = database.execute_sql(_PAYMENT_SELECT + "WHERE p.customer_id = ? ORDER BY p.date, p.id", (customer_id,)).fetchall()
    return [_payment(r) for r in rows]


# --- balances, statement, check ---------------------------------------------------


def ledger_balance(customer_id: int) -> Decimal:
    """Payments and credits, less reversals, less posted auto-decrement charges."""
    row = database.execute_sql(
        "SELECT "
        "(SELECT COALESCE(SUM(CASE kind WHEN 'reversal' THEN -amount ELSE amount END), 0) FROM payment WHERE customer_id = ?) - "
        "(SELECT COALESCE(SUM(amount), 0) FROM ledger WHERE customer_id = ? AND auto_decrement = 1)",
        (customer_id, customer_id),
    ).fetchone()
    return from_micros(row[0])


def check_balances() -> list[tuple[int, str, Decimal, Decimal]]:
    """(customer id, name, balance kept, balance from the ledger) where they differ."""
    rows = database.execute_sql(
        "SELECT c.id, c.name, c.balance, "
        "COALESCE((SELECT SUM(CASE kind WHEN 'reversal' THEN -amount ELSE amount END) FROM payment p WHERE p.customer_id = c.id), 0) - "
        "COALESCE((SELECT SUM(amount) FROM ledger l WHERE l.customer_id = c.id AND l.auto_decrement = 1), 0) "
        "FROM customer c"
    ).fetchall()
    return [(cid, name, from_micros(kept), from_micros(derived)) for cid, name, kept, derived in rows if kept != derived]


@dataclass(frozen=True, slots=True)
class StatementLine:
    date: date
    what: str
    detail: str
    debit: Decimal  # charges that come off the balance
    credit: Decimal  # payments and credits
    balance: Decimal | None  # running balance after the line (None for unbilled charges)
    unbilled: Decimal  # charges of allocations without auto decrement


def statement(customer_id: int, start: date | None = None, end: date | None = None) -> tuple[Decimal, list[StatementLine]]:
    """Opening balance at `start` and every ledger and payment line in [start, end]."""
    ledger = database.execute_sql(
        "SELECT l.date, l.kind, p.name, l.quantity, l.period_start, l.period_end, l.amount, l.auto_decrement, l.id "
        "FROM ledger l JOIN package p ON p.id = l.package_id WHERE l.customer_id = ?",
        (customer_id,),
    ).fetchall()
    payments = list_payments(customer_id)
    events = []
    for d, kind, name, qty, ps, pe, amount, auto, lid in ledger:
        events.append((str(d), 1, lid, "charge", (kind, name, qty, ps, pe, from_micros(amount), bool(auto))))
    for p in payments:
        events.append((p.date.isoformat(), 0, p.id, "payment", p))
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    balance = ZERO
    opening = ZERO
    lines: list[StatementLine] = []
    for day_text, _order, _id, sort, data in events:
        day = date.fromisoformat(day_text)
        if sort == "payment":
            signed = -data.amount if data.kind == "reversal" else data.amount
            balance += signed
            line = StatementLine(
                day,
                data.kind,
                f"#{data.id} {data.description}".strip() + (f" ref {data.reference}" if data.reference else ""),
                data.amount if signed < 0 else ZERO,
                signed if signed > 0 else ZERO,
                balance,
                ZERO,
            )
        else:
            kind, name, qty, ps, pe, amount, auto = data
            detail = f"{qty} x {name} {kind} {ps}..{pe}"
            if auto:
                balance -= amount
                line = StatementLine(day, "charge", detail, amount, ZERO, balance, ZERO)
            else:
                line = StatementLine(day, "unbilled", detail, ZERO, ZERO, None, amount)
        if start is not None and day < start:
            opening = balance
            continue
        if end is not None and day > end:
            continue
        lines.append(line)
    return opening, lines


def unbilled_total(customer_id: int) -> Decimal:
    row = database.execute_sql(
        "SELECT COALESCE(SUM(amount), 0) FROM ledger WHERE customer_id = ? AND auto_decrement = 0", (customer_id,)
    ).fetchone()
    return from_micros(row[0])


LEDGER_FIELDS = (
    "posted_at", "posted_by", "run", "date", "customer", "package", "allocation", "kind", "quantity",
    "period_start", "period_end", "amount", "cost", "retail_price", "cost_price", "auto_decrement",
)


def export_ledger(out, fmt: str = "csv", customer_id: int | None = None, start: date | None = None, end: date | None = None, precision: int = 2) -> int:
    from billing.money import format_money, format_price

    from .transfer import write_records

    where, params = [], []
    if customer_id is not None:
        where.append("l.customer_id = ?")
        params.append(customer_id)
    if start is not None:
        where.append("l.date >= ?")
        params.append(start.isoformat())
    if end is not None:
        where.append("l.date <= ?")
        params.append(end.isoformat())
    sql = (
        "SELECT l.posted_at, l.posted_by, l.run_id, l.date, c.name, p.name, l.allocation_id, l.kind, l.quantity, "
        "l.period_start, l.period_end, l.amount, l.cost, l.retail_price, l.cost_price, l.auto_decrement "
        "FROM ledger l JOIN customer c ON c.id = l.customer_id JOIN package p ON p.id = l.package_id "
        + (("WHERE " + " AND ".join(where)) if where else "")
        + " ORDER BY l.date, l.id"
    )

    def records():
        for r in database.execute_sql(sql, params):
            yield {
                "posted_at": r[0], "posted_by": r[1], "run": str(r[2] or ""), "date": str(r[3]), "customer": r[4],
                "package": r[5], "allocation": str(r[6]), "kind": r[7], "quantity": str(r[8]),
                "period_start": str(r[9]), "period_end": str(r[10]),
                "amount": format_money(from_micros(r[11]), precision), "cost": format_money(from_micros(r[12]), precision),
                "retail_price": format_price(from_micros(r[13])), "cost_price": format_price(from_micros(r[14])),
                "auto_decrement": "yes" if r[15] else "no",
            }

    return write_records(records(), LEDGER_FIELDS, out, fmt)
