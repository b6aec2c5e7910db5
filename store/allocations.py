"""Allocations: packages given to customers. Reading them in bulk is
store.scan's; the charges they make, store.charges'."""

from __future__ import annotations

from datetime import date

from peewee import fn

from billing.accounts import AllocationDraft, largest_price, line_limit_problem, minimum_days_problem, removal_problem
from billing.package_kind import FREE_MINUTES, check_free_minutes

from .errors import AllocationConflict, FieldError, MinimumDays, NotFound, StoreError
from .dialect import now_text
from .models import Allocation, Customer, Package, UpstreamService, database
from .packages import PackageQuery, list_packages
from .scan import ROW_COLUMNS, AllocationRow, RowCache
from .sql import like_pattern

PAGE = 200
#: update_allocation's `free_minutes` when the caller leaves them as they are.
AS_IT_IS = object()


def get_allocation(allocation_id: int) -> AllocationRow | None:
    raw = database.execute_sql(f"SELECT {ROW_COLUMNS} FROM allocation a WHERE a.id = ?", (allocation_id,)).fetchall()
    return RowCache().rows(raw)[0] if raw else None


def _filtered(customer_id: int, text: str) -> tuple[str, list]:
    where, params = "a.customer_id = ?", [customer_id]
    text = text.strip()
    if text:
        pattern = like_pattern(text)
        where += (
            " AND (a.reference LIKE ? ESCAPE '\\' OR a.package_id IN "
            "(SELECT id FROM package WHERE name LIKE ? ESCAPE '\\'))"
        )
        params += [pattern, pattern]
    return where, params


def list_allocations(customer_id: int, text: str = "", after_id: int | None = None, limit: int = PAGE) -> list[AllocationRow]:
    """One page of a customer's allocations, in the order they were made."""
    where, params = _filtered(customer_id, text)
    if after_id is not None:
        where += " AND a.id > ?"
        params.append(after_id)
    sql = f"SELECT {ROW_COLUMNS} FROM allocation a WHERE {where} ORDER BY a.id LIMIT ?"
    return RowCache().rows(database.execute_sql(sql, [*params, limit]).fetchall())


def count_allocations(customer_id: int, text: str = "") -> int:
    where, params = _filtered(customer_id, text)
    return database.execute_sql(f"SELECT COUNT(*) FROM allocation a WHERE {where}", params).fetchone()[0]


# --- saving -------------------------------------------------------------------


def _check_package(package_id: int, *, new: bool) -> Package:
    package = Package.get_or_none(Package.id == package_id)
    if package is None:
        raise FieldError("package", "that package no longer exists")
    if new and package.archived:
        raise FieldError("package", f"'{package.name}' is archived: it is not offered for new allocations")
    return package


def _values(customer_id: int, package_id: int, draft: AllocationDraft) -> dict:
    return {
        Allocation.customer: customer_id,
        Allocation.package: package_id,
        Allocation.quantity: draft.quantity,
        Allocation.start_date: draft.start,
        Allocation.end_date: draft.end,
        Allocation.auto_decrement: draft.auto_decrement,
        Allocation.prorate: draft.prorate,
        Allocation.reference: draft.reference,
        Allocation.updated_at: now_text(),
    }


def _check_quantity(package: Package, quantity: int) -> None:
    """No line of the allocation may pass the largest a book holds."""
    field, price = largest_price(package.retail, package.cost, package.setup_retail, package.setup_cost)
    problem = line_limit_problem(quantity, field, price)
    if problem:
        raise FieldError("quantity", problem)


def _check_end(draft: AllocationDraft, minimum_days: int, first_start: date | None = None) -> None:
    """The end is not before the start, nor before the minimum days counted
    from the first start of the allocation's chain (a change from a date)."""
    if draft.end is not None:
        if draft.end < draft.start:
            raise FieldError("end_date", f"{draft.end} is before the start date {draft.start}")
        problem = minimum_days_problem(first_start or draft.start, draft.end, minimum_days)
        if problem:
            raise FieldError("end_date", problem)


def _check_followed(current: AllocationRow, draft: AllocationDraft) -> None:
    """An allocation another follows keeps its dates: they are the chain's."""
    row = database.execute_sql("SELECT start_date FROM allocation WHERE follows_id = ?", (current.id,)).fetchone()
    if row is None:
        return
    if draft.start != current.start or draft.end != current.end:
        field = "start_date" if draft.start != current.start else "end_date"
        raise FieldError(
            field, f"another allocation follows this one from {row[0]}: its dates are fixed (change or remove that one)"
        )


def _check_free_minutes(package: Package, free_minutes: int | None) -> None:
    """An allocation's own free minutes: a whole number, of a free-minutes package's allocation."""
    check_free_minutes(free_minutes)
    if free_minutes is not None and package.type != FREE_MINUTES:
        raise FieldError("free_minutes", f"'{package.name}' is a {package.type} package: only a free_minutes package's allocation has free minutes")


def create_allocation(customer_id: int, package_id: int, draft: AllocationDraft, *, free_minutes: int | None = None) -> AllocationRow:
    """A new allocation; `free_minutes` its own minutes per unit per period
    (a free-minutes package's allocation; None: the package's)."""
    with database.atomic():
        if not Customer.select().where(Customer.id == customer_id).exists():
            raise FieldError("customer", "that customer no longer exists")
        package = _check_package(package_id, new=True)
        _check_end(draft, package.minimum_days)
        _check_quantity(package, draft.quantity)
        _check_free_minutes(package, free_minutes)
        values = {**_values(customer_id, package_id, draft), Allocation.free_minutes: free_minutes}
        new_id = Allocation.insert(values).execute()
    return get_allocation(new_id)


def update_allocation(allocation_id: int, version: int, package_id: int, draft: AllocationDraft, *, free_minutes=AS_IT_IS) -> AllocationRow:
    """Save an edit made to `version`. `free_minutes`: its own minutes (None:
    the package's); left out, they stay as they are (and go, with a move to a
    package that is not a free-minutes one)."""
    with database.atomic():
        current = get_allocation(allocation_id)
        if current is None:
            raise NotFound("this allocation was removed by someone else")
        package = _check_package(package_id, new=package_id != current.package_id)
        _check_followed(current, draft)
        _check_end(draft, package.minimum_days, current.chain_start)
        _check_quantity(package, draft.quantity)
        if free_minutes is AS_IT_IS:
            free_minutes = current.free_minutes if package.type == FREE_MINUTES else None
        _check_free_minutes(package, free_minutes)
        values = _values(current.customer_id, package_id, draft)
        values[Allocation.free_minutes] = free_minutes
        values[Allocation.version] = Allocation.version + 1
        changed = (
            Allocation.update(values)
            .where((Allocation.id == allocation_id) & (Allocation.version == version))
            .execute()
        )
        if not changed:
            raise AllocationConflict(get_allocation(allocation_id))
    return get_allocation(allocation_id)


def removal_refusal(allocation_id: int, today: date) -> StoreError | None:
    """Why the allocation can't be removed (None: it can), to say before asking:
    removed already, before start + the package's minimum days, or charges of
    it posted in the ledger."""
    current = get_allocation(allocation_id)
    if current is None:
        return NotFound("this allocation was already removed")
    # Removing a successor undoes a change (the chain runs on): no minimum days.
    problem = None if current.follows_id else removal_problem(
        current.package, current.first_start, current.package_terms.minimum_days, today
    )
    if problem:
        return MinimumDays(problem)
    follower = database.execute_sql("SELECT id, start_date FROM allocation WHERE follows_id = ?", (allocation_id,)).fetchone()
    if follower is not None:
        return StoreError(f"allocation #{follower[0]} follows this one from {follower[1]}: remove that one first")
    posted = database.execute_sql("SELECT COUNT(*) FROM ledger WHERE allocation_id = ?", (allocation_id,)).fetchone()[0]
    if posted:
        return StoreError(
            f"{posted} charge(s) of this allocation are posted in the ledger: give it an end date instead of removing it"
        )
    return None


def remove_allocation(allocation_id: int, today: date) -> None:
    """Remove an allocation; refused before start + the package's minimum
    days, and once a charge of it is posted."""
    with database.atomic():
        refusal = removal_refusal(allocation_id, today)
        if refusal is not None:
            raise refusal
        current = get_allocation(allocation_id)
        Allocation.delete().where(Allocation.id == allocation_id).execute()
        if current is not None and current.follows_id is not None:
            # Removing a successor undoes the change: the allocation it
            # followed runs on to the successor's end again.
            Allocation.update({Allocation.end_date: current.end, Allocation.version: Allocation.version + 1}).where(
                Allocation.id == current.follows_id
            ).execute()


# --- packages to pick, services switched on -----------------------------------


def search_packages(text: str, limit: int = 8):
    """Packages offered for a new allocation: not archived, name containing text."""
    return list_packages(PackageQuery(text=text, show_archived=False), None, limit)


def active_services(customer_id: int, today: date) -> list[tuple[str, int, str]]:
    """(service, quantity, package) of allocations active today that switch a service on."""
    select = (
        Allocation.select(UpstreamService.name, fn.SUM(Allocation.quantity), fn.GROUP_CONCAT(Package.name.distinct()))
        .join(Package, on=(Allocation.package == Package.id))
        .join(UpstreamService, on=(Package.upstream_service == UpstreamService.id))
        .where(
            (Allocation.customer == customer_id)
            & (Allocation.start_date <= today)
            & (Allocation.end_date.is_null() | (Allocation.end_date >= today))
        )
        .group_by(UpstreamService.name)
        .order_by(UpstreamService.name)
        .tuples()
    )
    return [(name, int(qty), packages or "") for name, qty, packages in select]
