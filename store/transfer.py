"""CSV and JSON in and out of the book: all rows or none, each bad row named."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, TextIO

from billing.catalogue import FIELD_LABELS, PACKAGE_FIELDS, FieldError, PackageDraft, format_match, parse_package
from billing.money import format_price

from .errors import ImportFailed, RowProblem
from .models import Package, UpstreamService, database
from .packages import PackageQuery, _values, list_packages

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class ImportResult:
    added: int = 0
    updated: int = 0
    services_added: list[str] = field(default_factory=list)


def read_table(
    source: str | Path | TextIO, columns: tuple[str, ...], required: tuple[str, ...]
) -> list[tuple[int, dict[str, str]]]:
    """Rows of a CSV file as (line number, {column: text}); header checked.

    Raises ImportFailed for a file that can't be read, a bad header, or rows
    with the wrong number of cells.
    """
    try:
        if isinstance(source, (str, Path)):
            with open(source, "rb") as handle:
                raw = handle.read()
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                line = raw[: exc.start].count(b"\n") + 1
                raise ImportFailed(
                    [RowProblem(line, None, f"{source}: not UTF-8 text (save the file as UTF-8 CSV)")]
                ) from None
        else:
            text = source.read()
            if text.startswith("\ufeff"):
                text = text[1:]
    except FileNotFoundError:
        raise ImportFailed([RowProblem(None, None, f"{source}: no such file")]) from None
    except IsADirectoryError:
        raise ImportFailed([RowProblem(None, None, f"{source}: is a directory, not a CSV file")]) from None
    except PermissionError:
        raise ImportFailed([RowProblem(None, None, f"{source}: permission denied")]) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    problems: list[RowProblem] = []
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise ImportFailed([RowProblem(1, None, f"the file is empty; the first line must be the header: {','.join(columns)}")])
        names = [cell.strip().lower() for cell in header]
        for name in names:
            if name not in columns:
                problems.append(RowProblem(1, name or "(blank)", f"unknown column (expected some of: {','.join(columns)})"))
        seen = set()
        for name in names:
            if name in seen:
                problems.append(RowProblem(1, name, "appears twice in the header"))
            seen.add(name)
        for name in required:
            if name not in names:
                problems.append(RowProblem(1, name, "required column is missing from the header"))
        if problems:
            raise ImportFailed(problems)
        rows: list[tuple[int, dict[str, str]]] = []
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(names):
                problems.append(RowProblem(line, None, f"has {len(cells)} cells; the header has {len(names)}"))
                continue
            rows.append((line, dict(zip(names, (unescape_cell(c) for c in cells)))))
    except csv.Error as exc:
        problems.append(RowProblem(reader.line_num, None, f"not valid CSV ({exc})"))
    if problems:
        raise ImportFailed(problems)
    if not rows:
        raise ImportFailed([RowProblem(None, None, "the file has a header but no rows")])
    return rows


def import_packages(source: str | Path | TextIO, *, add_services: bool = False) -> ImportResult:
    """Import packages from CSV: every row valid or nothing written.

    A name that exists (case aside) updates that package; a new name adds one.
    An upstream service the book doesn't know is an error unless
    `add_services`, when it is added.
    """
    rows = read_table(source, PACKAGE_FIELDS, ("name",))
    problems: list[RowProblem] = []
    drafts: list[tuple[int, PackageDraft]] = []
    first_line: dict[str, int] = {}
    for line, cells in rows:
        draft, errors = parse_package(cells)
        for error in errors:
            column = "frequency_match" if error.field == "match" else error.field
            problems.append(RowProblem(line, column, error.message))
        if draft is None:
            continue
        key = draft.name.casefold()
        if key in first_line:
            problems.append(RowProblem(line, "name", f"'{draft.name}' is also on line {first_line[key]}"))
            continue
        first_line[key] = line
        drafts.append((line, draft))
    known = {name.casefold() for (name,) in UpstreamService.select(UpstreamService.name).tuples()}
    new_services: list[str] = []
    for line, draft in drafts:
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
    result = ImportResult(services_added=new_services)
    with database.atomic():
        existing = {
            name.casefold(): pid for pid, name in Package.select(Package.id, Package.name).tuples()
        }
        for _line, draft in drafts:
            values = _values(draft, create_service=add_services)
            package_id = existing.get(draft.name.casefold())
            if package_id is None:
                Package.insert(values).execute()
                result.added += 1
            else:
                values[Package.version] = Package.version + 1
                Package.update(values).where(Package.id == package_id).execute()
                result.updated += 1
    return result


def package_record(row) -> dict:
    """A package as export writes it: the CSV columns, in order."""
    return {
        "name": row.name,
        "retail": format_price(row.retail),
        "cost": format_price(row.cost),
        "setup_retail": format_price(row.setup_retail),
        "setup_cost": format_price(row.setup_cost),
        "frequency": row.frequency.value,
        "frequency_match": format_match(row.match, row.frequency),
        "description": row.description,
        "upstream_service": row.upstream_service or "",
        "minimum_spend": "yes" if row.minimum_spend else "no",
        "minimum_days": str(row.minimum_days),
    }


def iter_all_packages():
    after = None
    query = PackageQuery(sort="name")
    while True:
        page = list_packages(query, after, 1000)
        if not page:
            return
        yield from page
        after = page[-1]


def escape_cell(value: str) -> str:
    """Keep a spreadsheet from running a cell as a formula."""
    if value and value.startswith(FORMULA_STARTS + ("'",)):
        return "'" + value
    return value


def unescape_cell(value: str) -> str:
    """Undo `escape_cell`, so what packdesk exports imports back unchanged."""
    if len(value) > 1 and value[0] == "'" and value[1] in "=+-@\t\r'":
        return value[1:]
    return value


def write_records(records, columns: tuple[str, ...], out: TextIO, fmt: str, json_value: Callable[[str, str], object] | None = None) -> int:
    count = 0
    if fmt == "json":
        items = []
        for record in records:
            items.append({k: (json_value(k, v) if json_value else v) for k, v in record.items()})
            count += 1
        json.dump(items, out, indent=2, ensure_ascii=False)
        out.write("\n")
        return count
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for record in records:
        writer.writerow([escape_cell(record[c]) for c in columns])
        count += 1
    return count


def _package_json_value(key: str, value: str):
    if key == "minimum_spend":
        return value == "yes"
    if key == "minimum_days":
        return int(value)
    return value


def export_packages(out: TextIO, fmt: str = "csv") -> int:
    """Every package, CSV (the import's columns) or JSON; returns the count."""
    return write_records((package_record(r) for r in iter_all_packages()), PACKAGE_FIELDS, out, fmt, _package_json_value)


__all__ = [
    "FIELD_LABELS",
    "FieldError",
    "ImportFailed",
    "ImportResult",
    "RowProblem",
    "export_packages",
    "import_packages",
    "read_table",
]
