"""Setup and recurring charges of one allocation (BILLING.md, "Recurring charges").

Everything is a pure function of frozen terms and a date window: no clock, no
database. Amounts are rounded once per line, half up, to the book's precision.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
