"""CSV and JSON files in and out of the book: read a table with its header
checked and each bad row named; write records; keep spreadsheets from
running a cell as a formula (and undo that on the way back in)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Callable, TextIO

from .errors import ImportFailed, RowProblem

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def read_bytes(source: str | Path) -> bytes:
    """A file's bytes, or ImportFailed saying in a sentence why it can't be read."""
    try:
        return Path(source).read_bytes()
    except FileNotFoundError:
        raise ImportFailed([RowProblem(None, None, f"{source}: no such file")]) from None
    except IsADirectoryError:
        raise ImportFailed([RowProblem(None, None, f"{source}: is a directory, not a CSV file")]) from None
    except PermissionError:
        raise ImportFailed([RowProblem(None, None, f"{source}: permission denied")]) from None


def read_table(
    source: str | Path | TextIO, columns: tuple[str, ...], required: tuple[str, ...]
) -> list[tuple[int, dict[str, str]]]:
    """Rows of a CSV file as (line number, {column: text}); header checked.

    Raises ImportFailed for a file that can't be read, a bad header, or rows
    with the wrong number of cells.
    """
    if isinstance(source, (str, Path)):
        raw = read_bytes(source)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise ImportFailed([RowProblem(line, None, f"{source}: not UTF-8 text (save the file as UTF-8 CSV)")]) from None
    else:
        text = source.read()
        if text.startswith("\ufeff"):
            text = text[1:]
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
