"""The audit log as the app shows it: every change (store.audit) and every
committed billing run (the billing_run table: date, lines, who, status),
newest first, each row naming the package or customer it is about beside
its id."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass

from .audit import AuditRow, list_audit
from .models import database
from .sql import chunks, like_pattern, marks

#: Fields whose values are ids of a named record: (table the id is of).
ID_FIELDS = {"customer_id": "customer", "package_id": "package", "upstream_service_id": "upstream_service"}


@dataclass(frozen=True, slots=True)
class LogRow:
    """One row of the log: a change (kind 'change', `ref` its audit id) or a
    billing run (kind 'run', `ref` the run's id; its `field` is the run date,
    `new` the lines posted and the status, `name` the customer or 'all
    customers')."""

    kind: str
    ref: int
    at: str
    by: str
    entity: str
    entity_id: int
    #: The name of the package or customer the row is about ('' when gone or none).
    name: str
    action: str
    field: str | None
    old: str | None
    new: str | None
    #: The changes go on, after this row, with audit ids below this one (None: from the newest).
    audit_before: int | None

    @property
    def id(self) -> int:
        """Unique among the rows of the log (a run's is negative)."""
        return self.ref if self.kind == "change" else -self.ref


def list_log(text: str = "", after: LogRow | None = None, limit: int = 200) -> list[LogRow]:
    """Up to `limit` rows after `after` (keyset paging): changes by audit id,
    runs by the time they started, merged newest first; a run sorts before
    the changes of the same moment. `text` filters both, literally."""
    audit_before = after.audit_before if after else None
    changes = list_audit(text, audit_before, limit)
    low = changes[-1].at if len(changes) == limit else None  # runs older than this wait for the next page
    runs = _runs(text, after, low)
    rows = [_change(c) for c in changes] + runs
    rows.sort(key=lambda r: (r.at, r.kind == "run", r.ref), reverse=True)
    rows = rows[:limit]
    shown: list[LogRow] = []
    before = audit_before
    for row in rows:
        if row.kind == "change":
            before = row.ref
        shown.append(_with(row, audit_before=before))
    return _named(shown)


def _change(row: AuditRow) -> LogRow:
    return LogRow("change", row.id, row.at, row.by, row.entity, row.entity_id, "", row.action, row.field, row.old, row.new, None)


def _with(row: LogRow, **changes) -> LogRow:
    values = {name: getattr(row, name) for name in LogRow.__slots__}
    values.update(changes)
    return LogRow(**values)


def _runs(text: str, after: LogRow | None, low: str | None) -> list[LogRow]:
    where, params = ["1 = 1"], []  # a condition PostgreSQL takes too (not an integer)
    if after is not None:
        if after.kind == "run":
            where.append("(started_at < ? OR (started_at = ? AND id < ?))")
            params += [after.at, after.at, after.ref]
        else:
            where.append("started_at < ?")
            params.append(after.at)
    if low is not None:
        where.append("started_at >= ?")
        params.append(low)
    text = text.strip()
    if text:
        pattern = like_pattern(text)
        where.append(
            "('run' LIKE ? ESCAPE '\\' OR posted_by LIKE ? ESCAPE '\\' OR CAST(run_date AS TEXT) LIKE ? ESCAPE '\\' "
            "OR COALESCE(ended, '') LIKE ? ESCAPE '\\' OR customer_id IN (SELECT id FROM customer WHERE name LIKE ? ESCAPE '\\'))"
        )
        params += [pattern] * 5
    sql = (
        "SELECT id, started_at, posted_by, run_date, customer_id, lines, finished_at, ended, pid, host FROM billing_run "
        f"WHERE {' AND '.join(f'({w})' for w in where)} ORDER BY started_at DESC, id DESC"
    )
    rows = []
    for rid, started, by, run_date, customer_id, lines, finished, ended, pid, host in database.execute_sql(sql, params).fetchall():
        status = ended or ("finished" if finished else _running_or_interrupted(host, pid))
        rows.append(
            LogRow(
                "run", rid, started, by, "run", rid, "", "run", str(run_date),
                str(customer_id) if customer_id else None, f"{lines:,} line(s), {status}", None,
            )
        )
    return rows


def _running_or_interrupted(host: str, pid: int | None) -> str:
    """An unfinished run: still posting, or its process is gone."""
    if host != socket.gethostname():
        return "running (on " + host + ")"
    if not pid:
        return "interrupted"
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return "interrupted"
    except PermissionError:
        return "running"
    return "running"


def _names_of(table: str, ids: set[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for part in chunks(sorted(ids)):
        sql = f"SELECT id, name FROM {table} WHERE id IN ({marks(len(part))})"
        found.update(database.execute_sql(sql, list(part)).fetchall())
    return found


def _owners(table: str, ids: set[int]) -> dict[int, str]:
    """usage and payment ids -> their customer's name; allocation ids -> 'customer · package'."""
    found: dict[int, str] = {}
    for part in chunks(sorted(ids)):
        if table == "allocation":
            sql = (
                "SELECT a.id, c.name || ' · ' || p.name FROM allocation a JOIN customer c ON c.id = a.customer_id "
                f"JOIN package p ON p.id = a.package_id WHERE a.id IN ({marks(len(part))})"
            )
        else:
            sql = f"SELECT t.id, c.name FROM {table} t JOIN customer c ON c.id = t.customer_id WHERE t.id IN ({marks(len(part))})"
        found.update(database.execute_sql(sql, list(part)).fetchall())
    return found


def _named(rows: list[LogRow]) -> list[LogRow]:
    """Each row with the name of what it is about, and names beside ids in its values."""
    wanted: dict[str, set[int]] = {}
    for row in rows:
        if row.kind == "run":
            if row.old:
                wanted.setdefault("customer", set()).add(int(row.old))
            continue
        wanted.setdefault(row.entity, set()).add(row.entity_id)
        table = ID_FIELDS.get(row.field or "")
        if table:
            for value in (row.old, row.new):
                if value and value.isdigit():
                    wanted.setdefault(table, set()).add(int(value))
    names: dict[str, dict[int, str]] = {}
    for table, ids in wanted.items():
        if table in ("package", "customer", "upstream_service"):
            names[table] = _names_of(table, ids)
        elif table in ("allocation", "usage", "payment"):
            names[table] = _owners(table, ids)

    def beside(table: str | None, value: str | None) -> str | None:
        if not table or not value or not value.isdigit():
            return value
        name = names.get(table, {}).get(int(value))
        return f"{value} {name}" if name else value

    out = []
    for row in rows:
        if row.kind == "run":
            customer = names.get("customer", {}).get(int(row.old)) if row.old else None
            out.append(_with(row, name=customer or "all customers", old=None))
            continue
        table = ID_FIELDS.get(row.field or "")
        out.append(
            _with(
                row, name=names.get(row.entity, {}).get(row.entity_id, ""),
                old=beside(table, row.old), new=beside(table, row.new),
            )
        )
    return out
