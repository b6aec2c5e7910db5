"""The ledger read back, usage lines with it (migration 0014): balances by
billing.ledger's rule, the check that the balances kept agree with it, a
customer's statement, and the export.

Posting is store.runs'; payments and credits store.payments'."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from billing.ledger import CHARGE_SIGNS, PAYMENT_SIGNS, ChargeEvent, PaymentEvent, StatementLine, statement_lines
from billing.money import format_money, format_price, from_micros
from billing.usage_lines import USAGE, describe

from .models import database
from .payments import list_payments
from .sql import as_date
from .csvio import write_records

# billing.ledger's rule as SQL, written once: what each payment line and each
# posted charge adds to the balance.
_PAYMENT_SIGNED = "CASE kind " + " ".join(f"WHEN '{k}' THEN {s} * amount" for k, s in PAYMENT_SIGNS.items()) + " END"
_CHARGE_SIGNED = f"CASE auto_decrement WHEN 1 THEN {CHARGE_SIGNS[True]} * amount ELSE {CHARGE_SIGNS[False]} * amount END"
_BALANCE_OF = (
    f"COALESCE((SELECT SUM({_PAYMENT_SIGNED}) FROM payment p WHERE p.customer_id = {{id}}), 0) + "
    f"COALESCE((SELECT SUM({_CHARGE_SIGNED}) FROM ledger l WHERE l.customer_id = {{id}}), 0) + "
    f"COALESCE((SELECT SUM({_CHARGE_SIGNED}) FROM usage_line u WHERE u.customer_id = {{id}}), 0)"
)

__all__ = ["StatementLine", "check_balances", "export_ledger", "ledger_balance", "statement", "unbilled_total"]


def ledger_balance(customer_id: int) -> Decimal:
    """The customer's balance worked out from the payments and the ledger."""
    row = database.execute_sql("SELECT " + _BALANCE_OF.format(id="?"), (customer_id,) * 3).fetchone()
    return from_micros(row[0])


def check_balances() -> list[tuple[int, str, Decimal, Decimal]]:
    """(customer id, name, balance kept, balance from the ledger) where they differ."""
    rows = database.execute_sql(f"SELECT c.id, c.name, c.balance, {_BALANCE_OF.format(id='c.id')} FROM customer c").fetchall()
    return [(cid, name, from_micros(kept), from_micros(derived)) for cid, name, kept, derived in rows if kept != derived]


def statement(customer_id: int, start: date | None = None, end: date | None = None) -> tuple[Decimal, list[StatementLine]]:
    """Opening balance at `start` and every ledger and payment line in [start, end]."""
    rows = database.execute_sql(
        "SELECT l.id, l.date, l.kind, p.name, l.quantity, l.period_start, l.period_end, l.amount, l.auto_decrement "
        "FROM ledger l JOIN package p ON p.id = l.package_id WHERE l.customer_id = ?",
        (customer_id,),
    ).fetchall()
    events: list = [
        ChargeEvent(lid, as_date(d), kind, name, qty, as_date(ps), as_date(pe), from_micros(amount), bool(auto))
        for lid, d, kind, name, qty, ps, pe, amount, auto in rows
    ]
    events += [
        ChargeEvent(uid, as_date(d), USAGE, describe(calls, seconds, free), calls, as_date(d), as_date(d), from_micros(amount), bool(auto))
        for uid, d, amount, calls, seconds, free, auto in database.execute_sql(
            "SELECT id, date, amount, calls, seconds, free_seconds, auto_decrement FROM usage_line WHERE customer_id = ?",
            (customer_id,),
        ).fetchall()
    ]
    events += [PaymentEvent(p.id, p.date, p.kind, p.amount, p.description, p.reference) for p in list_payments(customer_id)]
    return statement_lines(events, start, end)


def unbilled_total(customer_id: int) -> Decimal:
    """Posted lines that did not come off the balance (no auto decrement,
    usage not prepaid): for invoicing."""
    row = database.execute_sql(
        "SELECT COALESCE((SELECT SUM(amount) FROM ledger WHERE customer_id = ? AND auto_decrement = 0), 0) + "
        "COALESCE((SELECT SUM(amount) FROM usage_line WHERE customer_id = ? AND auto_decrement = 0), 0)",
        (customer_id, customer_id),
    ).fetchone()
    return from_micros(row[0])


LEDGER_FIELDS = (
    "posted_at", "posted_by", "run", "date", "customer", "package", "allocation", "kind", "quantity",
    "period_start", "period_end", "amount", "cost", "retail_price", "cost_price", "auto_decrement",
)


def export_ledger(out, fmt: str = "csv", customer_id: int | None = None, start: date | None = None, end: date | None = None, precision: int = 2) -> int:
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
    # Usage lines (kind usage, no package or allocation: what the calls were instead) among the ledger's.
    filters = " AND ".join(where)
    sql = (
        "SELECT l.posted_at, l.posted_by, l.run_id, l.date, c.name, p.name, l.allocation_id, l.kind, l.quantity, "
        "l.period_start, l.period_end, l.amount, l.cost, l.retail_price, l.cost_price, l.auto_decrement, 0, 0, 0, l.id "
        "FROM ledger l JOIN customer c ON c.id = l.customer_id JOIN package p ON p.id = l.package_id "
        + (f"WHERE {filters} " if where else "")
        + "UNION ALL SELECT l.posted_at, l.posted_by, l.run_id, l.date, c.name, NULL, NULL, 'usage', l.calls, "
        "l.date, l.date, l.amount, 0, NULL, NULL, l.auto_decrement, 1, l.seconds, l.free_seconds, l.id "
        "FROM usage_line l JOIN customer c ON c.id = l.customer_id "
        + (f"WHERE {filters} " if where else "")
        + "ORDER BY 4, 17, 20"
    )

    def records():
        for r in database.execute_sql(sql, params * 2):
            usage = bool(r[16])
            yield {
                "posted_at": r[0], "posted_by": r[1], "run": str(r[2] or ""), "date": str(r[3]), "customer": r[4],
                "package": describe(r[8], r[17], r[18]) if usage else r[5], "allocation": "" if usage else str(r[6]),
                "kind": r[7], "quantity": str(r[8]), "period_start": str(r[9]), "period_end": str(r[10]),
                "amount": format_money(from_micros(r[11]), precision), "cost": format_money(from_micros(r[12]), precision),
                "retail_price": "" if usage else format_price(from_micros(r[13])),
                "cost_price": "" if usage else format_price(from_micros(r[14])),
                "auto_decrement": "yes" if r[15] else "no",
            }

    return write_records(records(), LEDGER_FIELDS, out, fmt)
