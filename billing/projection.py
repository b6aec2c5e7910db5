"""Projections: charges grouped by month, totals, tax, margin and a bar chart.

Totals are sums of rounded lines (BILLING.md, "Money"); tax is a separate line
per month, rounded once, half up, on that month's retail total.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Iterable

from .charges import Charge
from .money import round_money

ZERO = Decimal(0)
HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class MonthTotal:
    month: date  # the first of the month
    retail: Decimal
    cost: Decimal
    tax: Decimal = ZERO

    @property
    def margin(self) -> Decimal:
        return self.retail - self.cost

    @property
    def with_tax(self) -> Decimal:
        return self.retail + self.tax


def months_between(start: date, end: date) -> list[date]:
    """First days of every month from start's month to end's month."""
    months = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(date(year, month, 1))
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return months


def add_months(day: date, count: int) -> date:
    """The same day `count` months on, clamped to the month's last day."""
    import calendar

    index = day.month - 1 + count
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def tax_on(amount: Decimal, tax_percent: Decimal, precision: int) -> Decimal:
    return round_money(amount * tax_percent / HUNDRED, precision)


def month_totals(
    charges: Iterable[Charge],
    start: date,
    end: date,
    tax_percent: Decimal = ZERO,
    precision: int = 2,
) -> list[MonthTotal]:
    """One row per month from start to end (empty months too)."""
    retail: dict[date, Decimal] = defaultdict(lambda: ZERO)
    cost: dict[date, Decimal] = defaultdict(lambda: ZERO)
    for charge in charges:
        key = charge.date.replace(day=1)
        retail[key] += charge.amount
        cost[key] += charge.cost
    return [
        MonthTotal(m, retail[m], cost[m], tax_on(retail[m], tax_percent, precision) if tax_percent else ZERO)
        for m in months_between(start, end)
    ]


BLOCKS = " ▏▎▍▌▋▊▉█"


def bar(value: Decimal, top: Decimal, width: int) -> str:
    """A horizontal bar of `width` cells at most, in eighths."""
    if top <= 0 or value <= 0:
        return ""
    eighths = int(value * width * 8 / top)
    full, part = divmod(eighths, 8)
    return "█" * full + (BLOCKS[part] if part else "")


def totals(charges: Iterable[Charge]) -> tuple[Decimal, Decimal]:
    retail = cost = ZERO
    for charge in charges:
        retail += charge.amount
        cost += charge.cost
    return retail, cost


class BookTotals:
    """Running totals of the book projection: per month and per package."""

    def __init__(self, start: date, end: date) -> None:
        self.months = {m: [ZERO, ZERO] for m in months_between(start, end)}
        self.packages: dict[str, list] = {}
        self.lines = 0

    def add(self, package: str, charges) -> None:
        months = self.months
        entry = self.packages.get(package)
        if entry is None:
            entry = self.packages[package] = [ZERO, ZERO, 0]
        for charge in charges:
            month = months[charge.date.replace(day=1)]
            month[0] += charge.amount
            month[1] += charge.cost
            entry[0] += charge.amount
            entry[1] += charge.cost
        entry[2] += len(charges)
        self.lines += len(charges)

    def state(self) -> tuple[dict, dict, int, int]:
        """Plain values another process can send: (months, packages, lines, allocations)."""
        return ({m: tuple(v) for m, v in self.months.items()}, {k: tuple(v) for k, v in self.packages.items()}, self.lines, 0)

    def merge(self, months: dict, packages: dict, lines: int, allocations: int) -> int:
        """Add another share's totals (state()); returns its allocations read."""
        for month, (retail, cost) in months.items():
            mine = self.months[month]
            mine[0] += retail
            mine[1] += cost
        for name, (retail, cost, count) in packages.items():
            entry = self.packages.setdefault(name, [ZERO, ZERO, 0])
            entry[0] += retail
            entry[1] += cost
            entry[2] += count
        self.lines += lines
        return allocations

    def snapshot(self):
        months = [MonthTotal(m, r, c) for m, (r, c) in self.months.items()]
        return months, {k: tuple(v) for k, v in self.packages.items()}, self.lines
