"""Calls: one row per call a switch reported (migration 0013), imported from
CSV files (`packdesk import calls`), read by the screens a page at a time and
by the bundle rules a time range at a time, and exported in the import's
columns (export, then import, changes nothing).

An import is all rows or none. Every row is read and checked, and the calls
already in the book are looked up a batch of ids at a time: one with the
same values is skipped and counted, one with other values refuses the file,
naming the call and what differs (a call repeated in the file likewise).
Every problem is named (line, column, why) before anything is written; then
the new calls go in, in one transaction.

It is written for files of millions of calls: a row is read without a
Decimal or a dict, customers are looked up once, the book is asked about a
batch of call ids per query, and the rows go in with executemany (COPY on
PostgreSQL).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Iterator, TextIO

from billing.calls import CALL_FIELDS, CallReader, CallRowError, customer_key, day_start
from billing.minutes import normalise_number
from billing.money import format_price, from_micros

from . import settings
from .book import current_user
from .csvio import read_bytes, unescape_cell, write_records
from .dialect import connection, engine, now_text
from .errors import ImportFailed, RowProblem
from .models import CallImport, database
from .sql import chunks, marks
from .usage_marks import calls_added

PAGE = 200
#: Rows per executemany, and call ids per lookup of those already in the book.
BATCH = 50_000
LOOKUP = 5000
_COLUMNS = "call_id, customer_id, start, destination, seconds, cost"
#: What differs between a call in the book and one in a file, by position in a stored row.
_SHOWN = ("customer", "start", "destination", "seconds", "cost")


@dataclass(frozen=True, slots=True)
class CallRow:
    """A call as the app and the bundle rules read it: `start` in the
    book's time zone, `cost` before any free minutes."""

    id: int
    call_id: str
    customer_id: int
    start: datetime
    destination: str
    seconds: int
    cost: Decimal


def _row(r: tuple) -> CallRow:
    return CallRow(r[0], r[1], r[2], datetime.fromisoformat(r[3]), r[4], r[5], from_micros(r[6]))


_SELECT = f"SELECT id, {_COLUMNS} FROM call"


# --- reading ----------------------------------------------------------------------


def get_call(call_id: str) -> CallRow | None:
    """The call with this switch id, or None."""
    found = database.execute_sql(f"{_SELECT} WHERE call_id = ?", (call_id,)).fetchone()
    return _row(found) if found else None


def _prefix(text: str) -> str:
    """A destination prefix to filter by ('44', '^44', '+44'): digits."""
    value = (text or "").strip().lstrip("^")
    return normalise_number(value, "destination") if value else ""


def _filtered(customer_id: int, prefix: str) -> tuple[str, list]:
    where, params = "customer_id = ?", [customer_id]
    digits = _prefix(prefix)
    if digits:
        where += " AND destination LIKE ?"
        params.append(digits + "%")
    return where, params


def list_calls(customer_id: int, after: CallRow | None = None, limit: int = PAGE, prefix: str = "") -> list[CallRow]:
    """One page of a customer's calls, newest first (keyset on start, id),
    only those to destinations starting with `prefix` when it is given
    (FieldError when it is not digits)."""
    where, params = _filtered(customer_id, prefix)
    if after is not None:
        stamp = after.start.isoformat(timespec="seconds")
        where += " AND (start < ? OR (start = ? AND id < ?))"
        params += [stamp, stamp, after.id]
    sql = f"{_SELECT} WHERE {where} ORDER BY start DESC, id DESC LIMIT ?"
    return [_row(r) for r in database.execute_sql(sql, [*params, limit]).fetchall()]


def count_calls(customer_id: int, prefix: str = "") -> int:
    where, params = _filtered(customer_id, prefix)
    return database.execute_sql(f"SELECT COUNT(*) FROM call WHERE {where}", params).fetchone()[0]


def _bound(value: date | datetime | str) -> str:
    """A time-range bound as starts are kept: a date is its first second."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            raise ValueError("a call's time is the book's local time: give a naive datetime")
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, date):
        return day_start(value)
    return str(value)


def iter_calls(customer_id: int, since: date | datetime, until: date | datetime, batch: int = 5000) -> Iterator[CallRow]:
    """A customer's calls that started in [since, until), in start order
    (then id): what the bundle rules read. A date is its first second."""
    low, high = _bound(since), _bound(until)
    sql = (
        f"{_SELECT} WHERE customer_id = ? AND start < ? AND (start > ? OR (start = ? AND id > ?)) "
        "ORDER BY start, id LIMIT ?"
    )
    first = f"{_SELECT} WHERE customer_id = ? AND start >= ? AND start < ? ORDER BY start, id LIMIT ?"
    rows = database.execute_sql(first, (customer_id, low, high, batch)).fetchall()
    while rows:
        yield from (_row(r) for r in rows)
        if len(rows) < batch:
            return
        stamp, last = rows[-1][3], rows[-1][0]
        rows = database.execute_sql(sql, (customer_id, high, stamp, stamp, last, batch)).fetchall()


def calls_between(customer_id: int, since: date | datetime, until: date | datetime) -> list[CallRow]:
    """`iter_calls` as a list."""
    return list(iter_calls(customer_id, since, until))


def call_totals(customer_id: int, since: date | datetime, until: date | datetime) -> tuple[int, int, Decimal]:
    """(calls, seconds, cost) of a customer's calls that started in [since, until)."""
    count, seconds, cost = database.execute_sql(
        "SELECT COUNT(*), COALESCE(SUM(seconds), 0), COALESCE(SUM(cost), 0) FROM call "
        "WHERE customer_id = ? AND start >= ? AND start < ?",
        (customer_id, _bound(since), _bound(until)),
    ).fetchone()
    return count, int(seconds), from_micros(cost)


# --- import ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CallImportResult:
    added: int
    #: Calls already in the book with the same values: skipped.
    already: int
    #: Calls repeated further down the same file, the same: skipped.
    repeated: int
    seconds: int
    cost: Decimal
    #: Calls added on days whose usage line is posted already: not billed (store.usage_lines).
    on_posted: int = 0

    @property
    def skipped(self) -> int:
        return self.already + self.repeated


def _table(source: Path) -> tuple[csv.reader, list[str]]:
    """A reader of the file's rows after its header, and the header, checked
    as store.csvio.read_table checks it (every column of CALL_FIELDS)."""
    raw = read_bytes(source)
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ImportFailed([RowProblem(line, None, f"{source}: not UTF-8 text (save the file as UTF-8 CSV)")]) from None
    reader = csv.reader(io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8-sig", newline=""))
    expected = ",".join(CALL_FIELDS)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise ImportFailed([RowProblem(1, None, f"not valid CSV ({exc})")]) from None
    if header is None or not any(cell.strip() for cell in header):
        raise ImportFailed([RowProblem(1, None, f"the file is empty; the first line must be the header: {expected}")])
    names = [cell.strip().lower() for cell in header]
    problems = [RowProblem(1, n or "(blank)", f"unknown column (expected {expected})") for n in names if n not in CALL_FIELDS]
    problems += [RowProblem(1, n, "appears twice in the header") for i, n in enumerate(names) if n in names[:i]]
    problems += [RowProblem(1, n, "required column is missing from the header") for n in CALL_FIELDS if n not in names]
    if problems:
        raise ImportFailed(problems)
    return reader, names


def _read(source: Path, timezone: str) -> tuple[list[tuple], list[int], dict[str, int], int, dict[int, str], list[RowProblem]]:
    """Every row of the file read: (the good rows as the book keeps them,
    their line numbers, each call id's row, how many rows repeated an earlier
    one, customer names by id, a problem for each bad row)."""
    reader, names = _table(source)
    order = [names.index(f) for f in CALL_FIELDS]
    width = len(names)
    names_of = {cid: name for cid, name in database.execute_sql("SELECT id, name FROM customer").fetchall()}
    read = CallReader({customer_key(name): cid for cid, name in names_of.items()}, timezone).read
    straight = order == list(range(6))
    rows: list[tuple] = []
    lines: list[int] = []
    first: dict[str, int] = {}
    problems: list[RowProblem] = []
    repeated = 0
    keep, keep_line, seen = rows.append, lines.append, first.setdefault
    try:
        for cells in reader:
            if len(cells) != width:
                if any(c.strip() for c in cells):
                    problems.append(RowProblem(reader.line_num, None, f"has {len(cells)} cells; the header has {width}"))
                continue
            if not straight:
                cells = [cells[i] for i in order]
            try:
                if cells[0][:1] == "'" or cells[1][:1] == "'":
                    raise CallRowError([])  # a cell export kept from running as a formula
                row = read(*cells)
            except CallRowError:
                if not any(c.strip() for c in cells):
                    continue
                try:
                    row = read(*(unescape_cell(c) for c in cells))
                except CallRowError as exc:
                    problems.extend(RowProblem(reader.line_num, e.field, e.message) for e in exc.errors)
                    continue
            count = len(rows)
            at = seen(row[0], count)
            if at != count:
                if rows[at] != row:
                    problems.append(_repeat_problem(reader.line_num, lines[at], row, rows[at], names_of))
                repeated += 1
                continue
            keep(row)
            keep_line(reader.line_num)
    except csv.Error as exc:
        problems.append(RowProblem(reader.line_num, None, f"not valid CSV ({exc})"))
    if not rows and not problems:
        problems.append(RowProblem(None, None, "the file has a header but no rows"))
    return rows, lines, first, repeated, names_of, problems


def _shown(index: int, value, names_of: dict[int, str]) -> str:
    if index == 0:
        return names_of.get(value, f"#{value}")
    if index == 4:
        return format_price(from_micros(value))
    return str(value)


def _differences(mine: tuple, theirs: tuple, names_of: dict[int, str]) -> str:
    """'start 2025-03-03T10:00:00 in the book, 2025-03-03T10:00:05 in the file; ...'."""
    return "; ".join(
        f"{what} {_shown(i, b, names_of)} in the book, {_shown(i, a, names_of)} in the file"
        for i, (what, a, b) in enumerate(zip(_SHOWN, mine[1:], theirs[1:]))
        if a != b
    )


def _repeat_problem(line: int, earlier: int, row: tuple, first: tuple, names_of: dict[int, str]) -> RowProblem:
    text = _differences(row, first, names_of).replace("in the book", f"on line {earlier}").replace("in the file", "here")
    return RowProblem(line, "call_id", f"call '{row[0]}' is also on line {earlier} with other values: {text}")


def _lookup_size() -> int:
    """Call ids per query: LOOKUP, or fewer where SQLite takes fewer parameters."""
    if engine() == "sqlite":
        import sqlite3

        return min(LOOKUP, connection().getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
    return LOOKUP


def _in_book(rows: list[tuple], lines: list[int], where: dict[str, int], names_of: dict[int, str]) -> tuple[set[str], list[RowProblem]]:
    """The ids of the rows' calls already in the book with the same values,
    and a problem for each with other values: a query per batch of ids
    (`where`: each call id's row)."""
    same: set[str] = set()
    problems: list[RowProblem] = []
    for part in chunks([row[0] for row in rows], _lookup_size()):
        found = database.execute_sql(f"SELECT {_COLUMNS} FROM call WHERE call_id IN ({marks(len(part))})", list(part)).fetchall()
        for stored in found:
            i = where[stored[0]]
            if tuple(stored) == rows[i]:
                same.add(stored[0])
            else:
                what = _differences(rows[i], tuple(stored), names_of)
                problems.append(RowProblem(lines[i], "call_id", f"call '{stored[0]}' is already in the book with other values: {what}"))
    return same, problems


def _insert(rows: list[tuple], import_id: int) -> None:
    """The rows into the book, inside the caller's transaction: executemany
    on SQLite, COPY on PostgreSQL (where executemany goes a row at a time)."""
    if engine() == "postgresql":
        with database.cursor().copy(f"COPY call ({_COLUMNS}, import_id) FROM STDIN") as copy:
            for row in rows:
                copy.write_row((*row, import_id))
        return
    sql = f"INSERT INTO call ({_COLUMNS}, import_id) VALUES (?, ?, ?, ?, ?, ?, {import_id})"
    conn = connection()
    for i in range(0, len(rows), BATCH):
        conn.executemany(sql, rows[i : i + BATCH])


def import_calls(source: str | Path, *, timezone: str | None = None) -> CallImportResult:
    """Import a calls file (columns CALL_FIELDS, any order), all rows or
    none; `start`s are in the book's time zone (default: the book's setting).
    Returns what was added and what was skipped.

    The calls already in the book are looked up before the write lock is
    taken; the lock is held only for the insert. Should another import add
    one of these calls in between, the book's UNIQUE key refuses it and
    nothing is written (run it again: that call is then skipped)."""
    path = Path(source)
    rows, lines, where, repeated, names_of, problems = _read(path, timezone or settings.load().timezone)
    same, in_book = _in_book(rows, lines, where, names_of)
    problems += in_book
    if problems:
        raise ImportFailed(sorted(problems, key=lambda p: p.line or 0))
    new = [row for row in rows if row[0] not in same] if same else rows
    on_posted = 0
    if new:
        try:
            with database.atomic():
                import_id = CallImport.insert(
                    file_name=path.name, rows=len(new), skipped=len(same) + repeated, imported_at=now_text(), imported_by=current_user()
                ).execute()
                _insert(new, int(import_id))
                on_posted = calls_added(new)
        except Exception as exc:
            if not any(kind.__name__ == "IntegrityError" for kind in type(exc).__mro__):
                raise
            raise ImportFailed(
                [RowProblem(None, "call_id", "another import added some of these calls meanwhile; nothing was imported: run it again")]
            ) from None
    return CallImportResult(
        len(new), len(same), repeated, sum(row[4] for row in new), from_micros(sum(row[5] for row in new)), on_posted
    )


# --- export ------------------------------------------------------------------------


def export_calls(out: TextIO, fmt: str = "csv", customer_id: int | None = None, start: date | None = None, end: date | None = None) -> int:
    """Calls in start order (then id), in the import's columns; optionally
    one customer's, those that started on dates in [start, end]."""

    def records():
        where, params = [], []
        if customer_id is not None:
            where.append("c.customer_id = ?")
            params.append(customer_id)
        if start is not None:
            where.append("c.start >= ?")
            params.append(day_start(start))
        if end is not None:
            where.append("c.start < ?")
            params.append(day_start(end + timedelta(days=1)))
        base = (
            "SELECT c.id, c.call_id, k.name, c.start, c.destination, c.seconds, c.cost FROM call c "
            "JOIN customer k ON k.id = c.customer_id"
        )
        after: tuple | None = None
        while True:
            clauses, values = list(where), list(params)
            if after is not None:
                clauses.append("(c.start > ? OR (c.start = ? AND c.id > ?))")
                values += [after[0], after[0], after[1]]
            sql = base + (f" WHERE {' AND '.join(clauses)}" if clauses else "") + " ORDER BY c.start, c.id LIMIT 5000"
            batch = database.execute_sql(sql, values).fetchall()
            for _id, call_id, name, stamp, destination, seconds, cost in batch:
                yield {
                    "call_id": call_id, "customer": name, "start": stamp, "destination": destination,
                    "seconds": str(seconds), "cost": format_price(from_micros(cost)),
                }
            if len(batch) < 5000:
                return
            after = (batch[-1][3], batch[-1][0])

    return write_records(records(), CALL_FIELDS, out, fmt, lambda k, v: int(v) if k == "seconds" else v)

