"""Calls on the ledger in the book: plan a run's usage lines, post them
exactly once, keep each customer's mark (billing.usage_lines says what they
are).

Exactly once rests on the database: the UNIQUE (customer_id, date) key of
`usage_line` and `INSERT ... ON CONFLICT DO NOTHING`, inside transactions
that take the ledger's lock first (store.dialect.lock_ledger), so two runs
at once take turns and post each day once. A batch of customers is one
transaction: their lines, chained to the line before (store.chain), the
balances of prepaid customers, and their marks moved forward. A mark moves
forward only if no import moved it back meanwhile (`usage_seq`), and then
to the first day with calls after the days the run covered.

Calls imported for a day whose line is posted are not billed (a posted line
never changes): store.usage_marks counts them for the import to say so.
"""

from __future__ import annotations

from datetime import date, timedelta

from billing.calls import day_start
from billing.money import to_micros
from billing.run import RunPlan, SKIPPED_KEPT, customer_key
from billing.usage_lines import due_lines, last_usage_day

from . import chain, settings
from .call_days import bundle_rows, customer_days, plain_days
from .dialect import connection, lock_ledger
from .posting import USAGE_LINES, insert_chained, move_balances
from .errors import RunRefused
from .models import database
from .scan import RowCache
from .sql import as_date, chunks, iso, marks

#: Lines posted per transaction (a customer's lines are never split).
BATCH = 5000
#: Customers planned per round trip.
PLAN_CHUNK = 400
ONE_DAY = timedelta(days=1)


# --- planning -------------------------------------------------------------------


def _posted_days(lows: dict[int, date], until: date) -> dict[int, set[date]]:
    """Each customer's days whose usage lines are posted, in [lows[customer], until]."""
    found: dict[int, set[date]] = {}
    if not lows:
        return found
    values = ",".join("(?, date(?))" for _ in lows)
    params = [v for cid, low in lows.items() for v in (cid, iso(low))]
    rows = database.execute_sql(
        f"WITH m(id, low) AS (VALUES {values}) SELECT u.customer_id, u.date FROM m "
        "JOIN usage_line u ON u.customer_id = m.id AND u.date >= m.low AND u.date <= ?",
        [*params, iso(until)],
    ).fetchall()
    for cid, day in rows:
        found.setdefault(cid, set()).add(as_date(day))
    return found


def plan_usage(
    plan: RunPlan,
    precision: int,
    post_from: date | None,
    customer_id: int | None = None,
    since: date | None = None,
    grace_days: int = 0,
) -> RunPlan:
    """Add to `plan` the usage lines a run for plan.run_date posts: those of
    the customers whose mark is due, each day with calls from the mark to
    the run date less the grace days, not posted yet. Lines before the
    book's post-from date or the run's `since` are skipped."""
    last = last_usage_day(plan.run_date, grace_days)
    sql = "SELECT id, name, usage_prepaid, usage_from, usage_seq FROM customer WHERE usage_from <= ?"
    params: list = [iso(last)]
    if customer_id is not None:
        sql += " AND id = ?"
        params.append(customer_id)
    due = database.execute_sql(sql + " ORDER BY id", params).fetchall()
    cache = RowCache()
    found = []
    for part in chunks(due, PLAN_CHUNK):
        lows = {cid: as_date(mark) for cid, _name, _prepaid, mark, _seq in part}
        bundles = bundle_rows(lows, min(lows.values()), cache)
        posted = _posted_days(lows, last)
        plain = plain_days({cid: low for cid, low in lows.items() if cid not in bundles}, last)
        for cid, name, prepaid, mark, seq in part:
            mark = as_date(mark)
            days = customer_days(cid, bundles[cid], mark, last) if cid in bundles else plain.get(cid, {})
            try:
                usage = due_lines(cid, name, bool(prepaid), days, mark, last, posted.get(cid, ()), post_from, since, precision)
            except ValueError as exc:
                raise RunRefused(f"{exc}; nothing was posted") from None
            found.extend(line.pair() for line in usage.lines)
            plan.skipped_count += len(usage.skipped)
            room = SKIPPED_KEPT - len(plan.skipped)
            plan.skipped.extend(line.pair() for line in usage.skipped[: max(0, room)])
            plan.usage_marks[cid] = (usage.owed, seq)
    found.sort(key=lambda pair: (pair[1].date, customer_key(pair[0].customer)))
    plan.usage = found
    plan.usage_through = last
    return plan


def with_usage(
    plan: RunPlan, precision: int, customer_id: int | None, since: date | None, grace_days: int, from_start: bool = False
) -> RunPlan:
    """`plan` with its usage lines while the book's usage billing is on (a
    plan read from every allocation's start, to check the run marks, has none)."""
    book = settings.load()
    if from_start or not book.usage_billing:
        return plan
    return plan_usage(plan, precision, book.post_from, customer_id, since, grace_days)


# --- posting --------------------------------------------------------------------

# Forward: to the first day left owed, else the first day with calls after
# the days covered; only where no import moved the mark back meanwhile.
_MARK = (
    "UPDATE customer SET usage_from = COALESCE(date(?), (SELECT date(substr(MIN(c.start), 1, 10)) FROM call c "
    "WHERE c.customer_id = ? AND c.start >= ?)) WHERE id = ? AND usage_seq = ?"
)


def post_usage(plan: RunPlan, run_id: int, user: str, batch_size: int = BATCH) -> list[tuple]:
    """Post the plan's usage lines, a batch of whole customers a transaction,
    and move those customers' marks; the (UsageLine, Charge) pairs this run
    posted (another run's are left alone)."""
    by_customer: dict[int, list] = {cid: [] for cid in plan.usage_marks}
    for pair in plan.usage:
        by_customer.setdefault(pair[0].customer_id, []).append(pair)
    posted: list[tuple] = []
    customers = sorted(by_customer)
    start = 0
    while start < len(customers):
        group, count = [], 0
        while start < len(customers) and (not group or count + len(by_customer[customers[start]]) <= batch_size):
            group.append(customers[start])
            count += len(by_customer[customers[start]])
            start += 1
        pairs = sorted((p for cid in group for p in by_customer[cid]), key=lambda p: (p[1].date, customer_key(p[0].customer)))
        at = chain.now_text()
        rows = [
            (line.customer_id, line.date.isoformat(), to_micros(line.amount), line.calls, line.seconds, line.free_seconds,
             1 if line.prepaid else 0, run_id, at, user)
            for line, _charge in pairs
        ]
        with database.atomic():
            lock_ledger()
            fresh = insert_chained(USAGE_LINES, rows)
            totals: dict[int, int] = {}
            for i in fresh:
                if rows[i][6]:
                    totals[rows[i][0]] = totals.get(rows[i][0], 0) + rows[i][2]
            move_balances(totals)
            moves = [
                (iso(owed), cid, day_start(plan.usage_through + ONE_DAY), cid, seq)
                for cid in group
                for owed, seq in (plan.usage_marks.get(cid, (None, None)),)
                if seq is not None
            ]
            if moves:
                connection().executemany(_MARK, moves)
            database.execute_sql("UPDATE billing_run SET lines = lines + ? WHERE id = ?", (len(fresh), run_id))
        posted.extend(pairs[i] for i in fresh)
    return posted
