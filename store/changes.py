"""Changing an allocation from a date (billing.changes says the rules): end
it the day before, start its successor that day, in one transaction; and the
customer's other minimum-spend commitments, for the form's warning."""

from __future__ import annotations

from datetime import date, timedelta

from peewee import fn

from billing.accounts import line_limit_problem, largest_price, minimum_days_problem
from billing.changes import ChangeFacts, change_problem, commitments_warning

from .allocations import get_allocation
from .errors import AllocationConflict, FieldError, NotFound, StoreError
from .dialect import now_text
from .models import Allocation, Package, database
from .scan import AllocationRow
from .sql import as_date

ONE_DAY = timedelta(days=1)


class ChangeRefused(StoreError):
    """A change from a date that can't be made; the message says why."""


def posted_through(allocation_id: int) -> tuple[date | None, date | None]:
    """The latest date of a posted line of the allocation, and the latest
    period end of its posted setup and recurring lines (None: none posted)."""
    row = database.execute_sql(
        "SELECT MAX(date), MAX(CASE WHEN kind != 'minimum_spend' THEN period_end END) FROM ledger WHERE allocation_id = ?",
        (allocation_id,),
    ).fetchone()
    return as_date(row[0]), as_date(row[1])


def successor_of(allocation_id: int) -> AllocationRow | None:
    """The allocation that follows this one (a change from a date), if any."""
    found = database.execute_sql("SELECT id FROM allocation WHERE follows_id = ?", (allocation_id,)).fetchone()
    return get_allocation(found[0]) if found else None


def change_facts(current: AllocationRow) -> ChangeFacts:
    """What a change of `current` is checked against."""
    last, period = posted_through(current.id)
    after = successor_of(current.id)
    return ChangeFacts(
        current.start, current.end, current.first_start, current.prorate, current.quantity, current.package_id,
        current.package_terms.minimum_days, last, period, after.start if after is not None else None,
    )


def has_posted(allocation_id: int) -> bool:
    return database.execute_sql("SELECT 1 FROM ledger WHERE allocation_id = ? LIMIT 1", (allocation_id,)).fetchone() is not None


def change_allocation(
    allocation_id: int, day: date, quantity: int | None = None, package_id: int | None = None, version: int | None = None
) -> tuple[AllocationRow, AllocationRow]:
    """End the allocation on `day` - 1 and start a successor on `day` with
    the new quantity and/or package (None: as it is), linked to it; all or
    nothing. `version` (the one the operator saw) refuses a change of an
    allocation someone else saved since. Returns (the ended one, the successor)."""
    with database.atomic():
        current = get_allocation(allocation_id)
        if current is None:
            raise NotFound("this allocation was removed by someone else")
        if version is not None and current.version != version:
            raise AllocationConflict(current)
        quantity = current.quantity if quantity is None else quantity
        package_id = current.package_id if package_id is None else package_id
        package = Package.get_or_none(Package.id == package_id)
        if package is None:
            raise FieldError("package", "that package no longer exists")
        if package_id != current.package_id and package.archived:
            raise FieldError("package", f"'{package.name}' is archived: it is not offered for new allocations")
        problem = change_problem(change_facts(current), day, quantity, package_id)
        if problem:
            raise ChangeRefused(f"can't change it from {day}: {problem}")
        field, price = largest_price(package.retail, package.cost, package.setup_retail, package.setup_cost)
        problem = line_limit_problem(quantity, field, price)
        if problem:
            raise FieldError("quantity", problem)
        if current.end is not None:
            problem = minimum_days_problem(current.first_start, current.end, package.minimum_days)
            if problem:
                raise FieldError("end_date", f"{problem} (counted from the first start, {current.first_start})")
        now = now_text()
        Allocation.update(
            {Allocation.end_date: day - ONE_DAY, Allocation.version: Allocation.version + 1, Allocation.updated_at: now}
        ).where(Allocation.id == allocation_id).execute()
        new_id = Allocation.insert(
            {
                Allocation.customer: current.customer_id,
                Allocation.package: package_id,
                Allocation.quantity: quantity,
                Allocation.start_date: day,
                Allocation.end_date: current.end,
                Allocation.auto_decrement: current.auto_decrement,
                Allocation.prorate: current.prorate,
                Allocation.reference: current.reference,
                Allocation.follows: allocation_id,
                Allocation.chain_start: current.first_start,
                Allocation.updated_at: now,
                # Its own free minutes go with it on the same package.
                Allocation.free_minutes: current.free_minutes if package_id == current.package_id else None,
            }
        ).execute()
    return get_allocation(allocation_id), get_allocation(new_id)


def other_commitments(customer_id: int, exclude_id: int | None = None) -> list[tuple[str, date, date | None]]:
    """The customer's minimum-spend allocations (but `exclude_id`), as
    (package #id, start, end)."""
    rows = database.execute_sql(
        "SELECT a.id, p.name, a.start_date, a.end_date FROM allocation a JOIN package p ON p.id = a.package_id "
        "WHERE a.customer_id = ? AND p.minimum_spend = 1 AND a.id IS NOT ? ORDER BY a.start_date, a.id",
        (customer_id, exclude_id),
    ).fetchall()
    return [(f"{name} #{aid}", as_date(start), as_date(end)) for aid, name, start, end in rows]


def commitments_overlap(customer_id: int, start: date, end: date | None, exclude_id: int | None = None) -> str | None:
    """The warning the allocation form shows when a minimum-spend allocation
    from `start` to `end` would share days with another of the customer's."""
    return commitments_warning(start, end, other_commitments(customer_id, exclude_id))
