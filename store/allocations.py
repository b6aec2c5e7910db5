"""Allocations: packages given to customers, and the charges they make."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Iterator, TextIO

from peewee import JOIN, SQL, NodeList, Value, fn

from billing.accounts import ALLOCATION_FIELDS, AllocationDraft, first_allowed_end, minimum_days_problem, parse_allocation
from billing.catalogue import FieldError
from billing.charges import AllocationTerms, Charge, PackageTerms, allocation_charges
from billing.minimum import run_rate, run_rate_window, true_ups
from billing.money import from_micros
from billing.schedule import ONE_DAY, Frequency
from decimal import Decimal

from .models import Allocation, Customer, Package, UpstreamService, database
from .errors import AllocationConflict, ImportFailed, MinimumDays, NotFound, RowProblem, StoreError
from .transfer import read_table, write_records

PAGE = 200


def _match(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in text.split())


def terms_of(package) -> PackageTerms:
    return PackageTerms(
        retail=package["retail"],
        cost=package["cost"],
        setup_retail=package["setup_retail"],
        setup_cost=package["setup_cost"],
        frequency=Frequency(package["frequency"]),
        match=_match(package["frequency_match"]),
        minimum_spend=bool(package["minimum_spend"]),
        minimum_days=package["minimum_days"],
    )


@dataclass(frozen=True, slots=True)
class AllocationRow:
    id: int
    customer_id: int
    customer: str
    package_id: int
    package: str
    package_terms: PackageTerms
    package_archived: bool
    upstream_service: str | None
    quantity: int
    start: date
    end: date | None
    auto_decrement: bool
    prorate: bool
    reference: str
    version: int

    def terms(self) -> AllocationTerms:
        return AllocationTerms(self.start, self.end, self.quantity, self.prorate, self.id)

    def draft(self) -> AllocationDraft:
        return AllocationDraft(self.quantity, self.start, self.end, self.auto_decrement, self.prorate, self.reference)


_COLUMNS = (
    Allocation.id,
    Allocation.customer.alias("customer_id"),
    Customer.name.alias("customer_name"),
    Allocation.package.alias("package_id"),
    Package.name.alias("package_name"),
    Package.retail,
    Package.cost,
    Package.setup_retail,
    Package.setup_cost,
    Package.frequency,
    Package.frequency_match,
    Package.minimum_spend,
    Package.minimum_days,
    Package.archived,
    UpstreamService.name.alias("service"),
    Allocation.quantity,
    Allocation.start_date,
    Allocation.end_date,
    Allocation.auto_decrement,
    Allocation.prorate,
    Allocation.reference,
    Allocation.version,
)


def _select():
    return (
        Allocation.select(*_COLUMNS)
        .join(Customer, on=(Allocation.customer == Customer.id))
        .switch(Allocation)
        .join(Package, on=(Allocation.package == Package.id))
        .join(UpstreamService, JOIN.LEFT_OUTER, on=(Package.upstream_service == UpstreamService.id))
        .dicts()
    )


def _as_date(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _row(r: dict, cache: dict | None = None) -> AllocationRow:
    key = r["package_id"]
    terms = cache.get(key) if cache is not None else None
    if terms is None:
        terms = terms_of(r)
        if cache is not None:
            cache[key] = terms
    return AllocationRow(
        id=r["id"],
        customer_id=r["customer_id"],
        customer=r["customer_name"],
        package_id=r["package_id"],
        package=r["package_name"],
        package_terms=terms,
        package_archived=bool(r["archived"]),
        upstream_service=r["service"],
        quantity=r["quantity"],
        start=_as_date(r["start_date"]),
        end=_as_date(r["end_date"]),
        auto_decrement=bool(r["auto_decrement"]),
        prorate=bool(r["prorate"]),
        reference=r["reference"],
        version=r["version"],
    )


def get_allocation(allocation_id: int) -> AllocationRow | None:
    found = list(_select().where(Allocation.id == allocation_id))
    return _row(found[0]) if found else None


def _filter(select, text: str):
    text = text.strip()
    if not text:
        return select
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = Value(f"%{escaped}%")
    return select.where(
        NodeList((Package.name, SQL("LIKE"), pattern, SQL("ESCAPE '\\'")))
        | NodeList((Allocation.reference, SQL("LIKE"), pattern, SQL("ESCAPE '\\'")))
    )


def list_allocations(customer_id: int, text: str = "", after_id: int | None = None, limit: int = PAGE) -> list[AllocationRow]:
    """One page of a customer's allocations, in the order they were made."""
    select = _filter(_select().where(Allocation.customer == customer_id), text)
    if after_id is not None:
        select = select.where(Allocation.id > after_id)
    cache: dict = {}
    return [_row(r, cache) for r in select.order_by(Allocation.id).limit(limit)]


def count_allocations(customer_id: int, text: str = "") -> int:
    select = (
        Allocation.select(fn.COUNT(Allocation.id))
        .join(Package, on=(Allocation.package == Package.id))
        .where(Allocation.customer == customer_id)
    )
    return _filter(select, text).scalar() or 0


def _load_packages(ids, cache: dict) -> None:
    """Read the packages `ids` not in `cache` yet: id -> (name, terms, archived, service)."""
    missing = [i for i in ids if i not in cache]
    for chunk in range(0, len(missing), 900):
        part = missing[chunk : chunk + 900]
        marks = ",".join("?" * len(part))
        rows = database.execute_sql(
            "SELECT p.id, p.name, p.retail, p.cost, p.setup_retail, p.setup_cost, p.frequency, p.frequency_match, "
            "p.minimum_spend, p.minimum_days, p.archived, s.name FROM package p "
            f"LEFT JOIN upstream_service s ON s.id = p.upstream_service_id WHERE p.id IN ({marks})",
            part,
        ).fetchall()
        for pid, name, retail, cost, setup_retail, setup_cost, freq, match, minimum, days, archived, service in rows:
            terms = PackageTerms(
                retail=from_micros(retail),
                cost=from_micros(cost),
                setup_retail=from_micros(setup_retail),
                setup_cost=from_micros(setup_cost),
                frequency=Frequency(freq),
                match=_match(match),
                minimum_spend=bool(minimum),
                minimum_days=days,
            )
            cache[pid] = (name, terms, bool(archived), service)


def _load_customers(ids, cache: dict) -> None:
    missing = [i for i in ids if i not in cache]
    for chunk in range(0, len(missing), 900):
        part = missing[chunk : chunk + 900]
        marks = ",".join("?" * len(part))
        for cid, name in database.execute_sql(f"SELECT id, name FROM customer WHERE id IN ({marks})", part).fetchall():
            cache[cid] = name


def _settling_on(day: date) -> tuple[str, list]:
    """The SQL condition (and its parameters) that picks the allocations of
    minimum-spend packages that may settle a period on `day`: those with a
    charge date on it after their start, and those that ended the day before.

    Which start dates charge on `day` is `charge_day_starts`'s to say; this
    only turns it into SQL the (package, start, end) index answers.
    """
    from billing.minimum import charge_day_starts

    everyone: list[int] = []
    by_start: dict[tuple[str, frozenset], list[int]] = {}
    rows = database.execute_sql(
        "SELECT id, frequency, frequency_match FROM package WHERE minimum_spend = 1 AND frequency != 'none'"
    ).fetchall()
    for pid, frequency, match in rows:
        terms = PackageTerms(frequency=Frequency(frequency), match=_match(match), minimum_spend=True)
        rule = charge_day_starts(terms, day)
        if rule is True:
            everyone.append(pid)
        elif rule:
            by_start.setdefault(rule, []).append(pid)
    if not rows:
        return "0", []
    ids = lambda pids: ",".join(str(int(p)) for p in pids)  # noqa: E731 - integers from the book
    before = (day - ONE_DAY).isoformat()
    ways = ["a.end_date = ?"]
    params: list = [day.isoformat(), before, before]
    if everyone:
        ways.append(f"a.package_id IN ({ids(everyone)})")
    for (part, values), pids in by_start.items():
        if part == "day":
            key, wanted = "CAST(substr(a.start_date, 9, 2) AS INTEGER)", sorted(values)
        elif part == "weekday":  # SQLite counts weekdays from Sunday
            key, wanted = "CAST(strftime('%w', a.start_date) AS INTEGER)", sorted((v + 1) % 7 for v in values)
        else:
            key, wanted = "substr(a.start_date, 6, 5)", sorted(f"{m:02d}-{d:02d}" for m, d in values)
        ways.append(f"(a.package_id IN ({ids(pids)}) AND {key} IN ({','.join('?' * len(wanted))}))")
        params.extend(wanted)
    sql = (
        f"a.package_id IN ({ids(pid for pid, _, _ in rows)}) AND a.start_date < ? "
        f"AND (a.end_date IS NULL OR a.end_date >= ?) AND ({' OR '.join(ways)})"
    )
    return sql, params


def iter_allocations(
    customer_id: int | None = None,
    batch: int = 20000,
    *,
    minimum_spend: bool = False,
    settling_on: date | None = None,
) -> Iterator[AllocationRow]:
    """Every allocation (of one customer, or of the book), read in batches;
    with `minimum_spend`, only those of minimum-spend packages, and with
    `settling_on` only those of them that may settle a period on that day.

    Plain SQL and a cache of packages and customer names: a whole book of
    allocations is read at several hundred thousand rows a second.
    """
    packages: dict = {}
    customers: dict = {}
    after = 0
    where = ["a.id > ?"]
    extra: list = []
    if customer_id is not None:
        where.append("a.customer_id = ?")
        extra.append(customer_id)
    if settling_on is not None:
        condition, params = _settling_on(settling_on)
        where.append(condition)
        extra.extend(params)
        minimum_spend = True
    elif minimum_spend:
        where.append("a.package_id IN (SELECT id FROM package WHERE minimum_spend = 1)")
    sql = (
        "SELECT a.id, a.customer_id, a.package_id, a.quantity, a.start_date, a.end_date, a.auto_decrement, "
        f"a.prorate, a.reference, a.version FROM allocation a WHERE {' AND '.join(where)} ORDER BY a.id LIMIT ?"
    )
    fromiso = date.fromisoformat
    # The book's minimum-spend allocations are few: one query through the
    # package index instead of pages scanned by id.
    one_query = minimum_spend and customer_id is None
    if one_query:
        sql = sql.replace(" ORDER BY a.id LIMIT ?", "")
    done = False
    while not done:
        if one_query:
            rows = database.execute_sql(sql, [0, *extra]).fetchall()
            done = True
        else:
            rows = database.execute_sql(sql, [after, *extra, batch]).fetchall()
        if not rows:
            return
        _load_packages({r[2] for r in rows}, packages)
        _load_customers({r[1] for r in rows}, customers)
        for aid, cid, pid, qty, start, end, auto, prorate, reference, version in rows:
            name, terms, archived, service = packages[pid]
            yield AllocationRow(
                aid,
                cid,
                customers[cid],
                pid,
                name,
                terms,
                archived,
                service,
                qty,
                fromiso(start) if isinstance(start, str) else start,
                (fromiso(end) if isinstance(end, str) else end) if end is not None else None,
                bool(auto),
                bool(prorate),
                reference,
                version,
            )
        after = rows[-1][0]


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
        Allocation.updated_at: fn.strftime("%Y-%m-%dT%H:%M:%SZ", "now"),
    }


def _check_end(draft: AllocationDraft, minimum_days: int) -> None:
    if draft.end is not None:
        if draft.end < draft.start:
            raise FieldError("end_date", f"{draft.end} is before the start date {draft.start}")
        problem = minimum_days_problem(draft.start, draft.end, minimum_days)
        if problem:
            raise FieldError("end_date", problem)


def create_allocation(customer_id: int, package_id: int, draft: AllocationDraft) -> AllocationRow:
    with database.atomic():
        if not Customer.select().where(Customer.id == customer_id).exists():
            raise FieldError("customer", "that customer no longer exists")
        package = _check_package(package_id, new=True)
        _check_end(draft, package.minimum_days)
        new_id = Allocation.insert(_values(customer_id, package_id, draft)).execute()
    return get_allocation(new_id)


def update_allocation(allocation_id: int, version: int, package_id: int, draft: AllocationDraft) -> AllocationRow:
    with database.atomic():
        current = get_allocation(allocation_id)
        if current is None:
            raise NotFound("this allocation was removed by someone else")
        package = _check_package(package_id, new=package_id != current.package_id)
        _check_end(draft, package.minimum_days)
        values = _values(current.customer_id, package_id, draft)
        values[Allocation.version] = Allocation.version + 1
        changed = (
            Allocation.update(values)
            .where((Allocation.id == allocation_id) & (Allocation.version == version))
            .execute()
        )
        if not changed:
            raise AllocationConflict(get_allocation(allocation_id))
    return get_allocation(allocation_id)


def remove_allocation(allocation_id: int, today: date) -> None:
    """Remove an allocation; refused before start + the package's minimum days."""
    with database.atomic():
        current = get_allocation(allocation_id)
        if current is None:
            raise NotFound("this allocation was already removed")
        minimum = current.package_terms.minimum_days
        if minimum and today < first_allowed_end(current.start, minimum):
            raise MinimumDays(
                f"'{current.package}' has {minimum} minimum days: this allocation can be removed "
                f"from {first_allowed_end(current.start, minimum)} (or given an end date from then)"
            )
        posted = database.execute_sql("SELECT COUNT(*) FROM ledger WHERE allocation_id = ?", (allocation_id,)).fetchone()[0]
        if posted:
            raise StoreError(
                f"{posted} charge(s) of this allocation are posted in the ledger: give it an end date instead of removing it"
            )
        Allocation.delete().where(Allocation.id == allocation_id).execute()


# --- packages to pick, services switched on -----------------------------------


def search_packages(text: str, limit: int = 8):
    """Packages offered for a new allocation: not archived, name containing text."""
    from .packages import PackageQuery, list_packages

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


# --- charges ----------------------------------------------------------------------


def chargeable(charge: Charge) -> bool:
    """A line with something to charge: 0.00 with no cost is nothing (a true-up
    whose usage covered the commitment, or a minimum-spend date without cost)."""
    return bool(charge.amount or charge.cost)


def iter_charges(
    since: date,
    until: date,
    precision: int,
    customer_id: int | None = None,
    today: date | None = None,
    *,
    include_nothing: bool = False,
) -> Iterator[tuple[AllocationRow, Charge]]:
    """Every charge dated in [since, until] of the book's allocations (or one
    customer's), minimum-spend true-ups included (estimated from `today` for
    periods that have not ended; without `today` they are left out).

    Lines of nothing (see `chargeable`) are left out unless `include_nothing`
    (projections show a true-up falling to 0.00)."""
    minimum: list[AllocationRow] = []
    for allocation in iter_allocations(customer_id):
        terms = allocation.package_terms
        if allocation.start > until:
            continue
        if allocation.end is None or allocation.end >= since:
            for charge in allocation_charges(terms, allocation.terms(), since, until, precision):
                if include_nothing or charge.amount or charge.cost:
                    yield allocation, charge
        if terms.minimum_spend and today is not None:
            minimum.append(allocation)
    if minimum:
        for pair in true_ups_of(minimum, since, until, precision, today):
            if include_nothing or chargeable(pair[1]):
                yield pair


def allocation_true_ups(
    allocation: AllocationRow, since: date | None, until: date | None, precision: int, today: date, memo: dict | None = None
):
    """The minimum-spend true-ups of one allocation settled in [since, until].

    `memo` keeps the usage sums (each customer's run rate, each window) across
    calls: a customer's allocations of one schedule share their windows."""
    from .usage import usage_sum

    customer = allocation.customer_id
    memo = {} if memo is None else memo

    def usage(a: date, b: date) -> Decimal:
        key = (customer, a, b)
        total = memo.get(key)
        if total is None:
            total = memo[key] = usage_sum(customer, a, b)
        return total

    rate = run_rate(usage(*run_rate_window(today)))
    return true_ups(allocation.package_terms, allocation.terms(), since, until, precision, usage, today, rate)


def book_true_ups(since: date, until: date, precision: int, today: date) -> list[tuple[AllocationRow, Charge]]:
    """Every minimum-spend true-up of the book settled in [since, until].

    For one settle date the database picks out the few allocations that can
    settle on it (see `_settling_on`) instead of walking all of them."""
    if since == until:
        return true_ups_of(iter_allocations(settling_on=since), since, until, precision, today)
    return true_ups_of(iter_allocations(minimum_spend=True), since, until, precision, today)


def true_ups_of(allocations, since: date | None, until: date, precision: int, today: date) -> list[tuple[AllocationRow, Charge]]:
    """The true-ups of these minimum-spend allocations settled in [since, until].

    The database sums usage: one GROUP BY per distinct period window and one
    for the run rate, never a Python loop over usage rows.
    """
    from billing.minimum import known_window, spend_periods, true_up
    from .usage import usage_sums

    wanted: list[tuple] = []  # (allocation, its terms, period, known window)
    windows: dict[tuple[date, date], set[int]] = {}
    for allocation in allocations:
        if allocation.start > until:
            continue
        terms = allocation.terms()
        for period in spend_periods(allocation.package_terms, terms, since, until):
            window = known_window(period, today)
            wanted.append((allocation, terms, period, window))
            customers = windows.get(window)
            if customers is None:
                customers = windows[window] = set()
            customers.add(allocation.customer_id)

    def sums(a: date, b: date, customers: set[int]) -> dict:
        if b <= a:
            return {}
        return usage_sums(a, b, sorted(customers))

    known = {window: sums(window[0], window[1], customers) for window, customers in windows.items()}
    # The run rate only estimates periods not ended yet.
    pending = {w[0].customer_id for w in wanted if w[2].end > today}
    rates = {c: run_rate(total) for c, total in sums(*run_rate_window(today), pending).items()} if pending else {}
    zero = Decimal(0)
    result = []
    append = result.append
    for allocation, terms, period, window in wanted:
        customer = allocation.customer_id
        spent = known[window].get(customer, zero)
        append((allocation, true_up(allocation.package_terms, terms, period, spent, today, rates.get(customer, zero), precision)))
    return result


# --- import / export ------------------------------------------------------------


def import_allocations(source: str | Path | TextIO, today: date | None = None) -> int:
    """Import allocations, all rows or none; customer and package by name."""
    rows = read_table(source, ALLOCATION_FIELDS, ("customer", "package", "start_date"))
    customers = {n.casefold(): i for i, n in Customer.select(Customer.id, Customer.name).tuples()}
    packages = {
        n.casefold(): (i, days, archived)
        for i, n, days, archived in Package.select(Package.id, Package.name, Package.minimum_days, Package.archived).tuples()
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
