"""Allocations in and out of CSV and JSON files: all rows or none, each bad
row named with its line, column and reason."""

from __future__ import annotations

from datetime import date
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from billing.accounts import (
    ALLOCATION_FIELDS,
    AllocationDraft,
    largest_price,
    line_limit_problem,
    parse_allocation,
    parse_field_date,
    parse_reference,
)
from billing.catalogue import yes_no

from .allocations import _values
from .errors import FieldError, ImportFailed, RowProblem
from .models import Allocation, Customer, Package, database
from .scan import AllocationRow, iter_allocations
from .sql import chunks, marks
from .audit import bulk
from .csvio import read_table, write_records


@dataclass
class AllocationImport:
    added: int = 0
    updated: int = 0


def _existing(customer_ids: set[int]) -> dict[tuple, tuple]:
    """(customer, package, start, reference) -> (id, texts of its fields) for these customers."""
    found: dict[tuple, tuple] = {}
    for part in chunks(sorted(customer_ids)):
        rows = database.execute_sql(
            "SELECT id, customer_id, package_id, start_date, reference, quantity, end_date, auto_decrement, prorate "
            f"FROM allocation WHERE customer_id IN ({marks(len(part))})",
            list(part),
        ).fetchall()
        for aid, cid, pid, start, reference, qty, end, auto, prorate in rows:
            texts = {
                "quantity": str(qty), "start_date": str(start), "end_date": str(end or ""),
                "auto_decrement": yes_no(bool(auto)), "prorate": yes_no(bool(prorate)), "reference": reference,
            }
            found[(cid, pid, str(start), reference)] = (aid, texts)
    return found


def import_allocations(source: str | Path | TextIO, today: date | None = None) -> AllocationImport:
    """Import allocations, all rows or none; customer and package by name.

    A row with the customer, package, start date and reference of an
    allocation the book has updates it (only the columns the file has), so
    importing the same file twice allocates nothing twice; two such rows in
    one file are refused."""
    rows = read_table(source, ALLOCATION_FIELDS, ("customer", "package", "start_date"))
    customers = {n.casefold(): i for i, n in Customer.select(Customer.id, Customer.name).tuples()}
    packages = {
        n.casefold(): (i, days, archived, largest_price(retail, cost, setup_retail, setup_cost))
        for i, n, days, archived, retail, cost, setup_retail, setup_cost in Package.select(
            Package.id, Package.name, Package.minimum_days, Package.archived,
            Package.retail, Package.cost, Package.setup_retail, Package.setup_cost,
        ).tuples()
    }
    existing = _existing({customers[n] for n in ((" ".join((c.get("customer") or "").split())).casefold() for _, c in rows) if n in customers})
    problems: list[RowProblem] = []
    inserts: list[tuple[int, int, AllocationDraft]] = []
    updates: list[tuple[int, AllocationDraft]] = []
    seen: dict[tuple, int] = {}
    for line, cells in rows:
        customer_name = " ".join((cells.get("customer") or "").split())
        package_name = " ".join((cells.get("package") or "").split())
        customer_id = customers.get(customer_name.casefold())
        package = packages.get(package_name.casefold())
        if not customer_name:
            problems.append(RowProblem(line, "customer", "is required"))
        elif customer_id is None:
            problems.append(RowProblem(line, "customer", f"'{customer_name}' is not a customer of this book"))
        if not package_name:
            problems.append(RowProblem(line, "package", "is required"))
        elif package is None:
            problems.append(RowProblem(line, "package", f"'{package_name}' is not a package of this book"))
        match = None
        if customer_id is not None and package is not None:
            try:
                start = parse_field_date("start_date", cells.get("start_date") or "", None, required=True)
                match = existing.get((customer_id, package[0], start.isoformat(), parse_reference(cells.get("reference") or "")))
            except FieldError:
                pass  # parse_allocation below names it
        if match is None and package is not None and package[2]:
            problems.append(RowProblem(line, "package", f"'{package_name}' is archived: not offered for new allocations"))
        merged = {**match[1], **cells} if match else cells
        draft, errors = parse_allocation(merged, None, package[1] if package else 0)
        for error in errors:
            problems.append(RowProblem(line, error.field, error.message))
        if draft is not None and package is not None:
            too_big = line_limit_problem(draft.quantity, *package[3])
            if too_big:
                problems.append(RowProblem(line, "quantity", too_big))
        if draft is None or customer_id is None or package is None:
            continue
        same = (customer_id, package[0], draft.start, draft.reference)
        if same in seen:
            problems.append(
                RowProblem(line, None, f"same customer, package, start date and reference as line {seen[same]}")
            )
            continue
        seen[same] = line
        if match:
            updates.append((match[0], draft))
        elif not package[2]:
            inserts.append((customer_id, package[0], draft))
    if problems:
        raise ImportFailed(problems)
    with database.atomic(), bulk():
        for customer_id, package_id, draft in inserts:
            Allocation.insert(_values(customer_id, package_id, draft)).execute()
        for allocation_id, draft in updates:
            values = {k: v for k, v in _values(0, 0, draft).items() if k.name not in ("customer", "package")}
            values[Allocation.version] = Allocation.version + 1
            Allocation.update(values).where(Allocation.id == allocation_id).execute()
    return AllocationImport(len(inserts), len(updates))


def allocation_record(row: AllocationRow) -> dict:
    return {
        "customer": row.customer,
        "package": row.package,
        "quantity": str(row.quantity),
        "start_date": row.start.isoformat(),
        "end_date": row.end.isoformat() if row.end else "",
        "auto_decrement": yes_no(row.auto_decrement),
        "prorate": yes_no(row.prorate),
        "reference": row.reference,
    }


def _json_value(key: str, value: str):
    if key in ("auto_decrement", "prorate"):
        return value == "yes"
    if key == "quantity":
        return int(value)
    if key == "end_date":
        return value or None
    return value


def export_allocations(out: TextIO, fmt: str = "csv") -> int:
    return write_records((allocation_record(r) for r in iter_allocations()), ALLOCATION_FIELDS, out, fmt, _json_value)
