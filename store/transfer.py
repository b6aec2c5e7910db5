"""Packages in and out of CSV and JSON files.

Import: every row valid or nothing written; a name that exists (case aside)
updates that package, changing only the columns the file has; a new name
adds one. Export writes every column import reads, so import then export
gives back the same file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from billing.catalogue import PACKAGE_COLUMNS, PackageDraft, parse_bool, yes_no
from billing.package_kind import package_file_texts, read_package
from billing.prices import PRICE_FIELDS, parse_effective_from

from .audit import bulk
from .dialect import connection
from .csvio import read_table, write_records
from .errors import FieldError, ImportFailed, RowProblem
from .models import UpstreamService, database
from . import prices
from .packages import (
    ROW_COLUMNS, VERSIONED, PackageQuery, check_lines, largest_quantity, list_packages, prices_today, refresh_monthly,
    row_values, set_prices,
)

#: Import reads one more column than export packages writes: when a row's
#: new prices take effect (YYYY-MM-DD or `beginning`; empty: the default,
#: store.prices.default_from). New packages take their prices from the beginning.
IMPORT_COLUMNS = PACKAGE_COLUMNS + ("effective_from",)
#: The package columns an update writes on the row (prices are versions).
UPDATED = tuple(i for i, c in enumerate(ROW_COLUMNS) if c not in VERSIONED or c == "monthly_retail")


@dataclass
class ImportResult:
    added: int = 0
    updated: int = 0
    services_added: list[str] = field(default_factory=list)


def _existing(today=None) -> dict[str, tuple]:
    """name (casefolded) -> (id, its texts with today's prices, archived) of every package."""
    return {row.name.casefold(): (row.id, package_file_texts(row.draft()), row.archived) for row in iter_all_packages(today)}


def import_packages(source: str | Path | TextIO, *, add_services: bool = False, today=None) -> ImportResult:
    """Import packages from CSV: every row valid or nothing written.

    An upstream service the book doesn't know is an error unless
    `add_services`, when it is added. Everything is read and checked before
    the one short write transaction."""
    rows = read_table(source, IMPORT_COLUMNS, ("name",))
    today = today or prices_today()
    existing = _existing(today)
    problems: list[RowProblem] = []
    ready: list[tuple[int, int | None, PackageDraft, bool | None]] = []
    effective: dict[int, object] = {}  # line -> when its prices take effect (None: default)
    priced = any(f in cells for _line, cells in rows[:1] for f in PRICE_FIELDS)
    first_line: dict[tuple, int] = {}
    for line, cells in rows:
        name = " ".join((cells.get("name") or "").split())
        found = existing.get(name.casefold()) if name else None
        texts = dict(found[1]) if found else {}
        texts.update((k, v) for k, v in cells.items() if k not in ("archived", "effective_from"))
        draft, errors = read_package(texts)
        try:
            effective[line] = parse_effective_from(cells.get("effective_from", ""), None)
        except FieldError as exc:
            errors.append(exc)
        archived = None
        if "archived" in cells:
            try:
                archived = parse_bool("archived", cells["archived"])
            except FieldError as exc:
                errors.append(exc)
        for error in errors:
            column = "frequency_match" if error.field == "match" else error.field
            problems.append(RowProblem(line, column, error.message))
        if draft is None or errors:
            continue
        # A package may change prices from several dates in one file (an export of prices).
        key = (draft.name.casefold(), effective.get(line) if found else None)
        if key in first_line:
            problems.append(RowProblem(line, "name", f"'{draft.name}' is also on line {first_line[key]}"))
            continue
        first_line[key] = line
        if found:
            try:
                check_lines(found[0], draft, largest_quantity(found[0]))
            except FieldError as exc:
                problems.append(RowProblem(line, exc.field, exc.message))
                continue
        ready.append((line, found[0] if found else None, draft, archived))
    known = {name.casefold() for (name,) in UpstreamService.select(UpstreamService.name).tuples()}
    new_services: list[str] = []
    for line, _pid, draft, _archived in ready:
        service = draft.upstream_service
        if service and service.casefold() not in known:
            if add_services:
                if service.casefold() not in {s.casefold() for s in new_services}:
                    new_services.append(service)
            else:
                problems.append(
                    RowProblem(line, "upstream_service", f"'{service}' is not an upstream service of this book (add it, or import with --add-services)")
                )
    if problems:
        raise ImportFailed(problems)
    # Everything is ready before the write lock is taken: one short transaction.
    inserts = [row_values(draft, None) + (draft.upstream_service,) for _l, pid, draft, _a in ready if pid is None]
    updates = [(row_values(draft, None) + (draft.upstream_service,), archived, pid) for _l, pid, draft, archived in ready if pid is not None]
    columns = ", ".join(ROW_COLUMNS)
    with database.atomic(), bulk():
        services = _services(new_services)
        conn = connection()
        conn.executemany(
            f"INSERT INTO package ({columns}) VALUES ({', '.join('?' * len(ROW_COLUMNS))})",
            [_with_service(values, services) for values in inserts],
        )
        assignments = ", ".join(f"{ROW_COLUMNS[i]} = ?" for i in UPDATED)
        conn.executemany(
            f"UPDATE package SET {assignments}, archived = COALESCE(?, archived), version = version + 1, "
            "updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?",
            [(*_unversioned(_with_service(values, services)), None if archived is None else int(archived), pid)
             for values, archived, pid in updates],
        )
        repriced = [
            pid for line, pid, draft, _archived in ready
            if priced and pid is not None and set_prices(pid, draft, effective[line] or prices.default_from(pid, today))
        ]
        refresh_monthly(repriced)
        conn.executemany(
            "UPDATE package SET archived = 1 WHERE name = ? COLLATE NOCASE",
            [(draft.name,) for _l, pid, draft, archived in ready if pid is None and archived],
        )
    return ImportResult(sum(1 for r in ready if r[1] is None), sum(1 for r in ready if r[1] is not None), new_services)


def _services(new: list[str]) -> dict[str, int]:
    """Add the new upstream services; every service's id by name (casefolded)."""
    for name in new:
        UpstreamService.insert(name=name).execute()
    return {name.casefold(): sid for sid, name in UpstreamService.select(UpstreamService.id, UpstreamService.name).tuples()}


def _unversioned(values: tuple) -> tuple:
    return tuple(values[i] for i in UPDATED)


def _with_service(values: tuple, services: dict[str, int]) -> tuple:
    """Row values with the service name at the end turned into its id."""
    *columns, service = values
    columns[8] = services[service.casefold()] if service else None
    return tuple(columns)


def package_record(row) -> dict:
    """A package as export writes it: the file's columns, in order."""
    texts = {**package_file_texts(row.draft()), "archived": yes_no(row.archived)}
    return {column: texts[column] for column in PACKAGE_COLUMNS}


def iter_all_packages(today=None):
    after = None
    query = PackageQuery(sort="name", today=today)
    while True:
        page = list_packages(query, after, 1000)
        if not page:
            return
        yield from page
        after = page[-1]


def _package_json_value(key: str, value: str):
    if key in ("minimum_spend", "archived"):
        return value == "yes"
    if key in ("minimum_days", "free_minutes"):
        return int(value)
    return value


def export_packages(out: TextIO, fmt: str = "csv") -> int:
    """Every package, CSV (the import's columns) or JSON; returns the count."""
    return write_records((package_record(r) for r in iter_all_packages()), PACKAGE_COLUMNS, out, fmt, _package_json_value)
