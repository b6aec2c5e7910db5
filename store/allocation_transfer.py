"""Allocations in and out of CSV and JSON files: all rows or none, each bad
row named with its line, column and reason."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TextIO

from billing.accounts import ALLOCATION_FIELDS, AllocationDraft, largest_price, line_limit_problem, parse_allocation

from .allocations import _values
from .errors import ImportFailed, RowProblem
from .models import Allocation, Customer, Package, database
from .scan import AllocationRow, iter_allocations
from .csvio import read_table, write_records


def import_allocations(source: str | Path | TextIO, today: date | None = None) -> int:
    """Import allocations, all rows or none; customer and package by name."""
    rows = read_table(source, ALLOCATION_FIELDS, ("customer", "package", "start_date"))
    customers = {n.casefold(): i for i, n in Customer.select(Customer.id, Customer.name).tuples()}
    packages = {
        n.casefold(): (i, days, archived, largest_price(retail, cost, setup_retail, setup_cost))
        for i, n, days, archived, retail, cost, setup_retail, setup_cost in Package.select(
            Package.id, Package.name, Package.minimum_days, Package.archived,
            Package.retail, Package.cost, Package.setup_retail, Package.setup_cost,
        ).tuples()
    }
    problems: list[RowProblem] = []
    ready: list[tuple[int, int, AllocationDraft]] = []
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
        elif package[2]:
            problems.append(RowProblem(line, "package", f"'{package_name}' is archived: not offered for new allocations"))
        draft, errors = parse_allocation(cells, None, package[1] if package else 0)
        for error in errors:
            problems.append(RowProblem(line, error.field, error.message))
        if draft is not None and package is not None:
            too_big = line_limit_problem(draft.quantity, *package[3])
            if too_big:
                problems.append(RowProblem(line, "quantity", too_big))
        if draft is not None and customer_id is not None and package is not None and not package[2]:
            ready.append((customer_id, package[0], draft))
    if problems:
        raise ImportFailed(problems)
    with database.atomic():
        for customer_id, package_id, draft in ready:
            Allocation.insert(_values(customer_id, package_id, draft)).execute()
    return len(ready)


def allocation_record(row: AllocationRow) -> dict:
    return {
        "customer": row.customer,
        "package": row.package,
        "quantity": str(row.quantity),
        "start_date": row.start.isoformat(),
        "end_date": row.end.isoformat() if row.end else "",
        "auto_decrement": "yes" if row.auto_decrement else "no",
        "prorate": "yes" if row.prorate else "no",
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
