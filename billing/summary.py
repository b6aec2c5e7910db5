"""What a package will charge, for the live panel beside the form and the list.

Monthly-equivalent retail is retail x charge dates per year / 12, with charge
dates per year counted as:

- daily: 365.25 (the average year, leap days included)
- weekly: chosen weekdays x 365.25 / 7
- monthly: the distinct charge dates of a four-year cycle with one leap year
  (2024-2027) / 4: [15, 31] gives 24, [29, 30, 31] gives 30 (Februaries
  and 30-day months fold days together), [31] gives 12
- yearly: 1; none: 0

It is a comparison figure for the catalogue, never a posted amount.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from .charges import SETUP, AllocationTerms, Charge, PackageTerms, allocation_charges
from .money import round_money
from .schedule import Frequency, effective_match, schedule_dates

ZERO = Decimal(0)
TWELVE = Decimal(12)
YEAR_DAYS = Decimal("365.25")


@lru_cache(maxsize=4096)
def _monthly_dates_per_year(match: tuple[int, ...]) -> Decimal:
    dates = schedule_dates(Frequency.MONTHLY, match, date(2024, 1, 1), date(2024, 1, 1), date(2027, 12, 31))
    return Decimal(sum(1 for _ in dates)) / 4


def charges_per_year(frequency: Frequency, match: tuple[int, ...], start: date | None = None) -> Decimal:
    """How many charge dates a year the schedule gives, on average."""
    if frequency is Frequency.DAILY:
        return YEAR_DAYS
    if frequency is Frequency.WEEKLY:
        count = len(set(match)) or 1
        return Decimal(count) * YEAR_DAYS / 7
    if frequency is Frequency.MONTHLY:
        chosen = tuple(sorted(set(match))) or ((start.day,) if start else (1,))
        return _monthly_dates_per_year(chosen)
    if frequency is Frequency.YEARLY:
        return Decimal(1)
    return ZERO


def monthly_equivalent(amount: Decimal, frequency: Frequency, match: tuple[int, ...]) -> Decimal:
    """`amount` per charge date, as an amount per average month (not rounded)."""
    return amount * charges_per_year(frequency, match) / TWELVE


def margin_percent(retail: Decimal, cost: Decimal) -> Decimal | None:
    """Margin as a percentage of retail, one decimal; None when retail is zero."""
    if not retail:
        return None
    return ((retail - cost) * 100 / retail).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class PackageSummary:
    """Everything the live panel shows for one unit of a package from today."""

    setup: Charge | None
    next_charges: tuple[Charge, ...]
    monthly_retail: Decimal
    monthly_cost: Decimal
    monthly_margin: Decimal
    margin_percent: Decimal | None
    yearly_retail: Decimal
    yearly_cost: Decimal
    charges_per_year: Decimal
    minimum_spend: bool
    commitment: Decimal

    @property
    def yearly_margin(self) -> Decimal:
        return self.yearly_retail - self.yearly_cost


def package_summary(package: PackageTerms, today: date, precision: int = 2, count: int = 5) -> PackageSummary:
    """The next `count` charges of one unit allocated today, and the figures
    that compare packages: monthly equivalent, margin and yearly value."""
    allocation = AllocationTerms(start=today, quantity=1)
    lines = allocation_charges(package, allocation, today, None, precision)
    setup = None
    upcoming: list[Charge] = []
    for charge in lines:
        if charge.kind == SETUP:
            setup = charge
            continue
        upcoming.append(charge)
        if len(upcoming) >= count:
            break
    match = effective_match(package.frequency, package.match, today)
    per_year = charges_per_year(package.frequency, match)
    yearly_retail = round_money(package.retail * per_year, precision)
    yearly_cost = round_money(package.cost * per_year, precision)
    monthly_retail = round_money(package.retail * per_year / TWELVE, precision)
    monthly_cost = round_money(package.cost * per_year / TWELVE, precision)
    return PackageSummary(
        setup=setup,
        next_charges=tuple(upcoming),
        monthly_retail=monthly_retail,
        monthly_cost=monthly_cost,
        monthly_margin=monthly_retail - monthly_cost,
        margin_percent=margin_percent(package.retail, package.cost),
        yearly_retail=yearly_retail,
        yearly_cost=yearly_cost,
        charges_per_year=per_year,
        minimum_spend=package.minimum_spend,
        commitment=round_money(package.retail, precision),
    )
