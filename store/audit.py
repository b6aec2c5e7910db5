"""The audit log: every change to packages, customers, allocations, usage and
payments, written by triggers in the same transaction as the change."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import TextIO

from billing.money import format_price, from_micros

from .models import database
from .csvio import write_records

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
    """Mark the writes inside as a file import's (see migration 0008)."""
    _BULK[0] += 1
    try:
        yield
    finally:
        _BULK[0] -= 1


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


def list_audit(text: str = "", before_id: int | None = None, limit: int = 200) -> list[AuditRow]:
    """Newest first; `text` filters on entity, field, who or values."""
    where, params = [], []
    if before_id is not None:
        where.append("id < ?")
        params.append(before_id)
    if text.strip():
        like = f"%{text.strip()}%"
        where.append("(entity LIKE ? OR field LIKE ? OR by LIKE ? OR old LIKE ? OR new LIKE ?)")
        params += [like] * 5
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
