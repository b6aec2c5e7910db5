"""Usage records: what customers' calls cost them, by day. The database sums."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TextIO

from peewee import JOIN, fn

from billing.catalogue import FieldError
from billing.money import format_price, from_micros, to_micros
from billing.usage import USAGE_FIELDS, parse_source, parse_usage_amount, parse_usage_date

from . import marks
from .book import current_user
from .dialect import connection, now_text
from .models import Customer, Usage, UsageImport, database
from .sql import as_date, chunks, marks as placeholders
from .errors import ImportFailed, NotFound, RowProblem, StoreError
from .csvio import read_bytes, read_table, write_records

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class UsageRow:
    id: int
    customer_id: int
    date: date
    amount: Decimal
    source: str
    version: int
    file_name: str | None = None


# --- sums -------------------------------------------------------------------------


def usage_sum(customer_id: int, start: date, end: date) -> Decimal:
    """Usage of one customer dated in [start, end)."""
    if end <= start:
        return ZERO
    total = (
        Usage.select(fn.COALESCE(fn.SUM(Usage.amount), 0).coerce(False))
        .where((Usage.customer == customer_id) & (Usage.date >= start) & (Usage.date < end))
        .scalar()
    )
    return from_micros(total or 0)


def usage_sums(start: date, end: date, customer_ids: list[int] | None = None) -> dict[int, Decimal]:
    """Usage per customer dated in [start, end), summed by the database."""
    if end <= start:
        return {}
    if customer_ids is None:
        rows = database.execute_sql(
            "SELECT customer_id, SUM(amount) FROM usage WHERE date >= ? AND date < ? GROUP BY customer_id",
            (start.isoformat(), end.isoformat()),
        ).fetchall()
        return {cid: from_micros(total) for cid, total in rows if total is not None}
    # Only the customers asked for, each summed through the (customer, date) index.
    result: dict[int, Decimal] = {}
    ids = list(customer_ids)
    for part in chunks(ids):
        rows = database.execute_sql(
            f"SELECT customer_id, SUM(amount) FROM usage WHERE customer_id IN ({placeholders(len(part))}) AND date >= ? AND date < ? "
            "GROUP BY customer_id",
            (*part, start.isoformat(), end.isoformat()),
        ).fetchall()
        result.update((cid, from_micros(total)) for cid, total in rows if total is not None)
    return result


def daily_usage(customer_id: int, start: date, end: date) -> list[tuple[date, Decimal, int]]:
    """(date, total, records) per day with usage in [start, end)."""
    query = (
        Usage.select(Usage.date, fn.SUM(Usage.amount).coerce(False), fn.COUNT(Usage.id))
        .where((Usage.customer == customer_id) & (Usage.date >= start) & (Usage.date < end))
        .group_by(Usage.date)
        .order_by(Usage.date)
        .tuples()
    )
    return [(as_date(d), from_micros(total), count) for d, total, count in query]


# --- records ---------------------------------------------------------------------


def list_usage(customer_id: int, after: UsageRow | None = None, limit: int = 200) -> list[UsageRow]:
    """A customer's records, newest first (keyset on date, id)."""
    query = (
        Usage.select(Usage, UsageImport.file_name)
        .join(UsageImport, JOIN.LEFT_OUTER)
        .where(Usage.customer == customer_id)
    )
    if after is not None:
        query = query.where((Usage.date < after.date) | ((Usage.date == after.date) & (Usage.id < after.id)))
    rows = query.order_by(Usage.date.desc(), Usage.id.desc()).limit(limit)
    result = []
    for u in rows:
        name = u.import_ref.file_name if u.__data__.get("import_ref") else None
        result.append(UsageRow(u.id, u.customer_id, as_date(u.date), u.amount, u.source, u.version, name))
    return result


def get_usage(usage_id: int) -> UsageRow | None:
    u = Usage.get_or_none(Usage.id == usage_id)
    if u is None:
        return None
    return UsageRow(u.id, u.customer_id, as_date(u.date), u.amount, u.source, u.version)


def add_usage(customer_id: int, day: date, amount: Decimal, source: str = "") -> UsageRow:
    with database.atomic():
        if not Customer.select().where(Customer.id == customer_id).exists():
            raise NotFound("that customer no longer exists")
        new_id = Usage.insert(customer=customer_id, date=day, amount=amount, source=source).execute()
        marks.reopen_true_ups([(customer_id, day)])
    return get_usage(new_id)


def update_usage(usage_id: int, version: int, day: date, amount: Decimal, source: str) -> UsageRow:
    with database.atomic():
        before = get_usage(usage_id)
        changed = (
            Usage.update(date=day, amount=amount, source=source, version=Usage.version + 1)
            .where((Usage.id == usage_id) & (Usage.version == version))
            .execute()
        )
        if not changed:
            current = get_usage(usage_id)
            if current is None:
                raise NotFound("this usage record was deleted by someone else")
            raise StoreError(
                f"someone else changed this record first (now {current.date} {format_price(current.amount)}); nothing was written"
            )
        marks.reopen_true_ups([(before.customer_id, min(before.date, day))])
    return get_usage(usage_id)


def delete_usage(usage_id: int) -> None:
    with database.atomic():
        before = get_usage(usage_id)
        if before is None or not Usage.delete().where(Usage.id == usage_id).execute():
            raise NotFound("this usage record was already deleted")
        marks.reopen_true_ups([(before.customer_id, before.date)])


# --- import / export -------------------------------------------------------------


@dataclass
class UsageImportResult:
    rows: int
    total: Decimal
    replaced: int = 0


def import_usage(source: str | Path, *, replace: bool = False, today: date | None = None) -> UsageImportResult:
    """Import a usage file, all rows or none.

    The same file (same content) twice is refused, naming when it came in;
    a file named like an earlier one is refused too unless `replace`, which
    removes what the earlier file(s) of that name (or content) brought first.
    """
    path = Path(source)
    raw = read_bytes(path)
    digest = hashlib.sha256(raw).hexdigest()
    name = path.name
    earlier = list(
        UsageImport.select().where((UsageImport.sha256 == digest) | (UsageImport.file_name == name)).order_by(UsageImport.id)
    )
    if earlier and not replace:
        same = [e for e in earlier if e.sha256 == digest]
        if same:
            e = same[0]
            raise ImportFailed(
                [RowProblem(None, None, f"{name}: this file was already imported on {e.imported_at} by {e.imported_by or 'someone'} "
                            f"({e.rows} rows); nothing imported. Use --replace to replace what it brought.")]
            )
        e = earlier[0]
        raise ImportFailed(
            [RowProblem(None, None, f"{name}: a different file of this name was imported on {e.imported_at} ({e.rows} rows); "
                        "nothing imported. Use --replace to replace what that file brought, or rename this file if it is new usage.")]
        )
    rows = read_table(path, USAGE_FIELDS, ("customer", "date", "amount"))
    customers = {n.casefold(): i for i, n in Customer.select(Customer.id, Customer.name).tuples()}
    problems: list[RowProblem] = []
    ready: list[tuple[int, date, Decimal, str]] = []
    for line, cells in rows:
        values = []
        customer_name = " ".join((cells.get("customer") or "").split())
        cid = customers.get(customer_name.casefold())
        if not customer_name:
            problems.append(RowProblem(line, "customer", "is required"))
        elif cid is None:
            problems.append(RowProblem(line, "customer", f"'{customer_name}' is not a customer of this book"))
        for key, parse in (("date", lambda t: parse_usage_date(t, None)), ("amount", parse_usage_amount), ("source", parse_source)):
            try:
                values.append(parse(cells.get(key) or ""))
            except FieldError as exc:
                problems.append(RowProblem(line, key, exc.message))
        if cid is not None and len(values) == 3:
            ready.append((cid, values[0], values[1], values[2] or name))
    if problems:
        raise ImportFailed(problems)
    # Rows as the database stores them, made before the write lock is taken.
    prepared = [(cid, day.isoformat(), to_micros(amount), src) for cid, day, amount, src in ready]
    earliest: dict[int, date] = {}
    for cid, day, _amount, _src in ready:
        if cid not in earliest or day < earliest[cid]:
            earliest[cid] = day
    replaced = 0
    with database.atomic():
        for e in earlier:
            marks.reopen_true_ups(
                Usage.select(Usage.customer, fn.MIN(Usage.date)).where(Usage.import_ref == e.id).group_by(Usage.customer).tuples()
            )
            replaced += Usage.delete().where(Usage.import_ref == e.id).execute()
            UsageImport.delete().where(UsageImport.id == e.id).execute()
        import_id = UsageImport.insert(file_name=name, sha256=digest, rows=len(ready), imported_at=now_text(), imported_by=current_user()).execute()
        connection().executemany(
            "INSERT INTO usage (customer_id, date, amount, source, import_id) VALUES (?, ?, ?, ?, ?)",
            [(*row, import_id) for row in prepared],
        )
        marks.reopen_true_ups(earliest.items())
    total = sum((r[2] for r in ready), ZERO)
    return UsageImportResult(len(ready), total, replaced)


def export_usage(out: TextIO, fmt: str = "csv", customer_id: int | None = None, start: date | None = None, end: date | None = None) -> int:
    """Usage records (oldest first), optionally one customer's, dated in [start, end]."""

    def records():
        after = 0
        while True:
            query = (
                Usage.select(Usage.id, Customer.name, Usage.date, Usage.amount, Usage.source)
                .join(Customer)
                .where(Usage.id > after)
            )
            if customer_id is not None:
                query = query.where(Usage.customer == customer_id)
            if start is not None:
                query = query.where(Usage.date >= start)
            if end is not None:
                query = query.where(Usage.date <= end)
            batch = list(query.order_by(Usage.id).limit(5000).tuples())
            if not batch:
                return
            for uid, name, day, amount, src in batch:
                if not isinstance(amount, Decimal):
                    amount = from_micros(amount)
                yield {"customer": name, "date": as_date(day).isoformat(), "amount": format_price(amount), "source": src}
            after = batch[-1][0]

    return write_records(records(), USAGE_FIELDS, out, fmt)
