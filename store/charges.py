"""The charges the book's allocations make: setup and recurring lines, and
minimum-spend true-ups with usage spend summed by the database (usage
records and the net cost of calls: store.call_spend). The rules are
billing's; this module only feeds them rows and spend sums."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Iterable, Iterator

from billing.charges import Charge, allocation_charges
from billing.minimum import SpendPeriod, known_window, run_rate, run_rate_window, spend_periods, true_up, true_ups
from billing.run import chargeable, chargeable_lines

from .scan import AllocationRow, iter_allocations, iter_by_customer, iter_raw
from .call_spend import spend_sum, spend_sums

ZERO = Decimal(0)


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
    customer's), allocation by allocation (charges_by_customer's order),
    minimum-spend true-ups included (estimated from `today` for
    periods that have not ended; without `today` they are left out).

    Lines of nothing (billing.run.nothing) are left out unless
    `include_nothing` (projections show a true-up falling to 0.00)."""
    for row, lines in charges_by_customer(since, until, precision, customer_id, today, include_nothing=include_nothing):
        for charge in lines:
            yield row, charge


def charges_by_customer(
    since: date,
    until: date,
    precision: int,
    customer_id: int | None = None,
    today: date | None = None,
    *,
    include_nothing: bool = False,
    by_customer: bool = True,
    names: tuple[str | None, str | None] = (None, None),
) -> Iterator[tuple[AllocationRow, list[Charge]]]:
    """The charges of [since, until] allocation by allocation (each with its
    list of lines; those with none are left out), in the order
    of billing.run.customer_key then allocation id; each allocation's lines
    by date, setup before recurring before its true-up. A caller that wants
    run order (date first) files them by date as they come: nothing here
    holds more than a batch of allocations' lines. The minimum-spend
    allocations' true-ups are worked out a batch of rows at a time. Without
    `by_customer` the allocations come in id order (the first lines come
    sooner: no index walk by name)."""
    batches = iter_by_customer(customer_id, names=names) if by_customer else (rows for rows, _raw in iter_raw(customer_id, 5000))
    for batch in batches:
        owed: dict[int, list[Charge]] = {}
        if today is not None:
            minimum = [row for row in batch if row.package_terms.minimum_spend]
            for row, charge in true_ups_of(minimum, since, until, precision, today):
                if include_nothing or chargeable(charge):
                    owed.setdefault(row.id, []).append(charge)
        for row in batch:
            lines: list[Charge] = []
            if row.start <= until and (row.end is None or row.end >= since):
                found = allocation_charges(row.package_terms, row.terms(), since, until, precision)
                lines = list(found) if include_nothing else chargeable_lines(found)
            true_ups = owed.pop(row.id, None)
            if true_ups:
                lines.extend(true_ups)
            if lines:
                yield row, lines


def allocation_true_ups(
    allocation: AllocationRow, since: date | None, until: date | None, precision: int, today: date, memo: dict | None = None
):
    """The minimum-spend true-ups of one allocation settled in [since, until].

    `memo` keeps the usage sums (each customer's run rate, each window) across
    calls: a customer's allocations of one schedule share their windows."""
    customer = allocation.customer_id
    memo = {} if memo is None else memo

    def usage(a: date, b: date) -> Decimal:
        key = (customer, a, b)
        total = memo.get(key)
        if total is None:
            total = memo[key] = spend_sum(customer, a, b)
        return total

    rate = run_rate(usage(*run_rate_window(today)))
    return true_ups(allocation.package_terms, allocation.terms(), since, until, precision, usage, today, rate)


def book_true_ups(since: date, until: date, precision: int, today: date) -> list[tuple[AllocationRow, Charge]]:
    """Every minimum-spend true-up of the book settled in [since, until]."""
    return true_ups_of(iter_allocations(minimum_spend=True), since, until, precision, today)


def true_ups_of(allocations, since: date | None, until: date, precision: int, today: date) -> list[tuple[AllocationRow, Charge]]:
    """The true-ups of these minimum-spend allocations settled in [since, until]."""
    wanted = []
    for allocation in allocations:
        if allocation.start > until:
            continue
        periods = spend_periods(allocation.package_terms, allocation.terms(), since, until)
        wanted.extend((allocation, period) for period in periods)
    return true_ups_for(wanted, precision, today)


def true_ups_for(wanted: Iterable[tuple[AllocationRow, SpendPeriod]], precision: int, today: date) -> list[tuple[AllocationRow, Charge]]:
    """The true-up of each (allocation, period).

    The database sums usage: one GROUP BY per distinct period window and one
    for the run rate, never a Python loop over usage rows; calls of customers
    with free minutes are read for their bundles' periods (store.call_spend)."""
    wanted = list(wanted)
    windows: dict[tuple[date, date], set[int]] = {}
    for allocation, period in wanted:
        windows.setdefault(known_window(period, today), set()).add(allocation.customer_id)

    def sums(a: date, b: date, customers: set[int]) -> dict:
        if b <= a:
            return {}
        return spend_sums(a, b, sorted(customers))

    known = {window: sums(window[0], window[1], customers) for window, customers in windows.items()}
    # The run rate only estimates periods not ended yet.
    pending = {allocation.customer_id for allocation, period in wanted if period.end > today}
    rates = {c: run_rate(total) for c, total in sums(*run_rate_window(today), pending).items()} if pending else {}
    result = []
    append = result.append
    terms_of: dict[int, object] = {}
    for allocation, period in wanted:
        customer = allocation.customer_id
        spent = known[known_window(period, today)].get(customer, ZERO)
        terms = terms_of.get(allocation.id)
        if terms is None:
            terms = terms_of[allocation.id] = allocation.terms()
        append((allocation, true_up(allocation.package_terms, terms, period, spent, today, rates.get(customer, ZERO), precision)))
    return result
