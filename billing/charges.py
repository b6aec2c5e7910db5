"""Setup and recurring charges of one allocation (BILLING.md, "Recurring charges").

Everything is a pure function of frozen terms and a date window: no clock, no
database. Amounts are rounded once per line, half up, to the book's precision.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Iterator, NamedTuple

from .money import round_money
from .schedule import (
    ONE_DAY,
    Frequency,
    effective_match,
    next_date_after,
    previous_date_before,
    schedule_dates,
)

SETUP = "setup"
RECURRING = "recurring"
MINIMUM_SPEND = "minimum_spend"
KINDS = (SETUP, RECURRING, MINIMUM_SPEND)
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class PackageTerms:
    """What a package charges, as billing needs it."""

    retail: Decimal = ZERO
    cost: Decimal = ZERO
    setup_retail: Decimal = ZERO
    setup_cost: Decimal = ZERO
    frequency: Frequency = Frequency.MONTHLY
    match: tuple[int, ...] = ()
    minimum_spend: bool = False
    minimum_days: int = 0
    #: Price versions (BILLING.md, "Lifecycle rules"): () when one set of
    #: prices holds on every date (the fields above); else the starts of the
    #: versions in ascending order and, beside them, each version's terms
    #: (no timeline of their own). See `with_prices`.
    price_starts: tuple[date, ...] = ()
    price_terms: tuple["PackageTerms", ...] = ()

    def on(self, day: date) -> "PackageTerms":
        """The terms with the prices in force on `day`."""
        if not self.price_starts:
            return self
        return self.price_terms[max(0, bisect_right(self.price_starts, day) - 1)]


@dataclass(frozen=True, slots=True)
class PriceVersion:
    """A package's prices from `effective_from` until the next version."""

    effective_from: date
    retail: Decimal = ZERO
    cost: Decimal = ZERO
    setup_retail: Decimal = ZERO
    setup_cost: Decimal = ZERO


def with_prices(package: PackageTerms, versions) -> PackageTerms:
    """`package` with these price versions. One version (or none) gives flat
    terms with its prices, so a package that never changed price charges
    exactly as before; more give a timeline, the fields holding the first
    version's prices. The first version holds from the beginning, whatever
    its date: no charge is ever without a price."""
    versions = sorted(versions, key=lambda v: v.effective_from)
    flat = [
        replace(package, retail=v.retail, cost=v.cost, setup_retail=v.setup_retail, setup_cost=v.setup_cost,
                price_starts=(), price_terms=())
        for v in versions
    ]
    if len(flat) <= 1:
        return flat[0] if flat else replace(package, price_starts=(), price_terms=())
    return replace(flat[0], price_starts=tuple(v.effective_from for v in versions), price_terms=tuple(flat))


def price_day(charge: "Charge") -> date:
    """The date whose prices a line uses: its charge date; a true-up's, its
    period's first day (a setup line is dated on the start date)."""
    return charge.period_start if charge.kind == MINIMUM_SPEND else charge.date


@dataclass(frozen=True, slots=True)
class AllocationTerms:
    """One package given to one customer."""

    start: date
    end: date | None = None
    quantity: int = 1
    prorate: bool = False
    id: int | None = field(default=None, compare=False)
    #: The first start of its chain when it follows another allocation (a
    #: change from a date): the schedule and the minimum days count from it.
    chain_start: date | None = None
    #: False for a successor of the same package: its setup was charged once.
    setup: bool = True

    @property
    def anchor(self) -> date:
        """The date the schedule is worked out from: the chain's first start."""
        return self.chain_start or self.start

    @property
    def continues(self) -> bool:
        """A successor that starts after its chain did (a change from a date)."""
        return self.chain_start is not None and self.chain_start < self.start


class Charge(NamedTuple):
    """One line billing produces. `period_end` is inclusive.

    A NamedTuple rather than a frozen dataclass: a billing run makes millions
    of these and a tuple is built about three times faster.
    """

    date: date
    kind: str
    period_start: date
    period_end: date
    quantity: int
    amount: Decimal
    cost: Decimal
    allocation: int | None = None
    basis: object = None  # minimum_spend lines: a billing.minimum.TrueUpBasis


def _days(a: date, b: date) -> int:
    """Whole dates in [a, b)."""
    return (b - a).days


def allocation_charges(
    package: PackageTerms,
    allocation: AllocationTerms,
    since: date,
    until: date | None,
    precision: int = 2,
) -> Iterator[Charge]:
    """Every setup and recurring charge of `allocation` dated in [since, until].

    Ascending by date; on one date the setup line comes first. `until=None`
    runs forever (take what you need with itertools.islice).
    Minimum-spend packages charge their cost on each charge date and no retail
    (the commitment is settled by true-ups, which need usage).
    """
    if package.price_starts:
        yield from _versioned_charges(package, allocation, since, until, precision)
        return
    start, end, qty = allocation.start, allocation.end, allocation.quantity
    alloc_id = allocation.id
    lo = max(start, since)
    hi = until
    if end is not None and (hi is None or end < hi):
        hi = end
    if hi is not None and hi < lo:
        return

    if lo == start and allocation.setup:
        setup_amount = round_money(package.setup_retail * qty, precision)
        setup_cost = round_money(package.setup_cost * qty, precision)
        if setup_amount or setup_cost:
            yield Charge(start, SETUP, start, start, qty, setup_amount, setup_cost, alloc_id)

    frequency = package.frequency
    if frequency is Frequency.NONE:
        return
    anchor = allocation.anchor
    match = effective_match(frequency, package.match, anchor)
    retail = ZERO if package.minimum_spend else package.retail
    full_amount = round_money(retail * qty, precision)
    full_cost = round_money(package.cost * qty, precision)

    def part(value: Decimal, covered: int, whole: int) -> Decimal:
        return round_money(value * qty * covered / whole, precision)

    if allocation.prorate and next(schedule_dates(frequency, match, anchor, start, start), None) is None:
        # Start is not a schedule date: the part before the first date is
        # charged on the start date, as a share of the whole period.
        if lo == start:
            first_date = next_date_after(frequency, match, anchor, start)
            prev = previous_date_before(frequency, match, anchor, start)
            stop = first_date if end is None or end >= first_date else end + ONE_DAY
            covered, whole = _days(start, stop), _days(prev, first_date)
            yield Charge(
                start,
                RECURRING,
                start,
                stop - ONE_DAY,
                qty,
                part(retail, covered, whole),
                part(package.cost, covered, whole),
                alloc_id,
            )

    dates = schedule_dates(frequency, match, anchor, lo, None)
    current = next(dates)
    # The hot loop: a billing run makes millions of these lines. tuple.__new__
    # skips the NamedTuple's Python-level constructor.
    make = tuple.__new__
    prorate_end = end if allocation.prorate else None
    while hi is None or current <= hi:
        following = next(dates)
        period_end = following - ONE_DAY
        if prorate_end is not None and period_end > prorate_end:
            covered, whole = _days(current, end + ONE_DAY), _days(current, following)
            yield Charge(
                current,
                RECURRING,
                current,
                end,
                qty,
                part(retail, covered, whole),
                part(package.cost, covered, whole),
                alloc_id,
            )
        else:
            yield make(Charge, (current, RECURRING, current, period_end, qty, full_amount, full_cost, alloc_id, None))
        current = following


def _versioned_charges(
    package: PackageTerms, allocation: AllocationTerms, since: date, until: date | None, precision: int
) -> Iterator[Charge]:
    """allocation_charges for a package with price versions: each version's
    days [from, next from) charged at its prices. A line belongs to the
    version of its charge date, so the setup line (dated on the start date)
    and a first prorated part take the prices in force on the start date."""
    starts, terms = package.price_starts, package.price_terms
    first = max(0, bisect_right(starts, since) - 1)
    for i in range(first, len(starts)):
        lo = since if i == first else max(since, starts[i])
        hi = until
        if i + 1 < len(starts):
            to = starts[i + 1] - ONE_DAY
            hi = to if hi is None or to < hi else hi
        if hi is not None and hi < lo:
            if until is not None and starts[i] > until:
                return
            continue
        yield from allocation_charges(terms[i], allocation, lo, hi, precision)
