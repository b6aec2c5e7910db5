"""The audit log: every change to packages, customers, allocations, usage and
payments, written by triggers in the same transaction as the change."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import TextIO

from billing.money import format_price, from_micros

from .models import database
from .csvio import write_records
from .dialect import set_bulk
from .sql import like_pattern

MONEY = {
    ("package", "retail"), ("package", "cost"), ("package", "setup_retail"), ("package", "setup_cost"),
    ("customer", "tax_percent"), ("usage", "amount"), ("payment", "amount"),
}
AUDIT_FIELDS = ("at", "by", "entity", "entity_id", "action", "field", "old", "new")


_BULK = [0]


def bulk_flag() -> int:
    """1 while a file import writes (the triggers then write one audit row per
    new record), else 0."""
    return 1 if _BULK[0] else 0


@contextmanager
def bulk():
    """Mark the writes inside as a file import's (see migration 0008); inside
    the import's transaction (on PostgreSQL the triggers read it there)."""
    _BULK[0] += 1
    set_bulk(True)
    try:
        yield
    finally:
        _BULK[0] -= 1
        if not _BULK[0]:
            set_bulk(False)


@dataclass(frozen=True, slots=True)
class AuditRow:
    id: int
    at: str
    by: str
    entity: str
    entity_id: int
    action: str
    field: str | None
    old: str | None
    new: str | None


def _show(entity: str, field: str | None, value) -> str | None:
    if value is None:
        return None
    if (entity, field) in MONEY:
        try:
            return format_price(from_micros(int(value)))
        except (TypeError, ValueError):
            return str(value)
    return str(value)


#: SQL: true where (entity, field) of the row holds money (micro-units).
_MONEY_SQL = " OR ".join(f"(entity = '{e}' AND field = '{f}')" for e, f in sorted(MONEY))


def shown_money(value) -> str | None:
    """A money column's stored micro-units as the screens show them
    (178510000 -> '178.51'); the SQL function packdesk_money."""
    return _show("package", "retail", value)


def _filter(text: str) -> tuple[str, list]:
    """WHERE clause (and its parameters) for rows holding `text` as it is
    shown, taken literally (% and _ are not wildcards): in the entity, field,
    who, the old or new value (money as shown: 178.51, never 178510000) or
    the name of the package or customer the row is about."""
    pattern = like_pattern(text.strip())
    like = "LIKE ? ESCAPE '\\'"

    def value(column: str) -> str:
        return f"(CASE WHEN {_MONEY_SQL} THEN packdesk_money({column}) ELSE {column} END) {like}"

    names = (
        f"(entity = 'package' AND entity_id IN (SELECT id FROM package WHERE name {like})) OR "
        f"(entity = 'customer' AND entity_id IN (SELECT id FROM customer WHERE name {like}))"
    )
    where = f"(entity {like} OR field {like} OR by {like} OR {value('old')} OR {value('new')} OR {names})"
    return where, [pattern] * 7


def list_audit(text: str = "", before_id: int | None = None, limit: int = 200) -> list[AuditRow]:
    """Newest first; `text` filters on entity, field, who, values (as shown)
    and the name of the package or customer, literally."""
    where, params = [], []
    if before_id is not None:
        where.append("id < ?")
        params.append(before_id)
    if text.strip():
        clause, more = _filter(text)
        where.append(clause)
        params += more
    sql = "SELECT id, at, by, entity, entity_id, action, field, old, new FROM audit"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY id DESC LIMIT ?"
    params.append(limit)
    rows = database.execute_sql(sql, params).fetchall()
    return [AuditRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], _show(r[3], r[6], r[7]), _show(r[3], r[6], r[8])) for r in rows]


def export_audit(out: TextIO, fmt: str = "csv") -> int:
    def records():
        for r in database.execute_sql("SELECT id, at, by, entity, entity_id, action, field, old, new FROM audit ORDER BY id"):
            yield {
                "at": r[1], "by": r[2], "entity": r[3], "entity_id": str(r[4]), "action": r[5],
                "field": r[6] or "", "old": _show(r[3], r[6], r[7]) or "", "new": _show(r[3], r[6], r[8]) or "",
            }

    return write_records(records(), AUDIT_FIELDS, out, fmt)
