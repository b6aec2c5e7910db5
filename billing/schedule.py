"""The dates a package charges on (BILLING.md, "Schedule").

Plain `datetime.date` arithmetic on purpose: it is the hot loop of every
projection and billing run. Month dates are worked out afresh each month from
the chosen days, so day 31 falls on 30 April and is back on 31 May.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from enum import Enum
from typing import Iterable, Iterator


class Frequency(str, Enum):
    NONE = "none"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    YEARLY = "yearly"

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.value


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ONE_DAY = timedelta(days=1)

_MONTH_LAST = {}  # (year, month) -> last day, filled lazily


def last_day(year: int, month: int) -> int:
    key = (year, month)
    last = _MONTH_LAST.get(key)
    if last is None:
        last = calendar.monthrange(year, month)[1]
        _MONTH_LAST[key] = last
    return last


def effective_match(frequency: Frequency, match: Iterable[int], start: date) -> tuple[int, ...]:
    """The chosen days, or the default the start date gives.

    weekly: weekday numbers 0 (Monday) .. 6; monthly: days 1..31; others: ().
    """
    chosen = tuple(sorted(set(match)))
    if frequency is Frequency.WEEKLY:
        return chosen or (start.weekday(),)
    if frequency is Frequency.MONTHLY:
        return chosen or (start.day,)
    return ()


_MONTH_DAYS: dict[tuple[tuple[int, ...], int], tuple[int, ...]] = {}


def _month_days_of(match: tuple[int, ...], last: int) -> tuple[int, ...]:
    """The chosen days as they fall in a month of `last` days, ascending."""
    key = (match, last)
    days = _MONTH_DAYS.get(key)
    if days is None:
        days = _MONTH_DAYS[key] = tuple(sorted({min(d, last) for d in match}))
    return days


def _monthly(match: tuple[int, ...], lo: date, hi: date | None) -> Iterator[date]:
    # Inlined lookups (month lengths, the chosen days in a month of that
    # length): a year of a large book walks millions of months.
    cache: dict[int, tuple[int, ...]] = {}
    lengths = _MONTH_LAST
    year, month = lo.year, lo.month
    lo_day = lo.day
    hi_month = (hi.year, hi.month) if hi is not None else None
    first = True
    while True:
        last = lengths.get((year, month)) or last_day(year, month)
        days = cache.get(last)
        if days is None:
            days = cache[last] = tuple(sorted({min(d, last) for d in match}))
        for day in days:
            if first and day < lo_day:
                continue
            current = date(year, month, day)
            if hi is not None and current > hi:
                return
            yield current
        first = False
        month += 1
        if month == 13:
            month = 1
            year += 1
        if hi_month is not None and (year, month) > hi_month:
            return


def _weekly(match: tuple[int, ...], lo: date, hi: date | None) -> Iterator[date]:
    monday = lo.toordinal() - lo.weekday()
    lo_ord = lo.toordinal()
    hi_ord = hi.toordinal() if hi is not None else None
    fromordinal = date.fromordinal
    while True:
        for wd in match:
            ordinal = monday + wd
            if ordinal < lo_ord:
                continue
            if hi_ord is not None and ordinal > hi_ord:
                return
            yield fromordinal(ordinal)
        monday += 7


def _daily(lo: date, hi: date | None) -> Iterator[date]:
    ordinal = lo.toordinal()
    fromordinal = date.fromordinal
    if hi is None:
        while True:
            yield fromordinal(ordinal)
            ordinal += 1
    for o in range(ordinal, hi.toordinal() + 1):
        yield fromordinal(o)


def _yearly(month: int, day: int, lo: date, hi: date | None) -> Iterator[date]:
    year = lo.year
    while True:
        current = date(year, month, min(day, last_day(year, month)))
        if hi is not None and current > hi:
            return
        if current >= lo:
            yield current
        year += 1


def schedule_dates(
    frequency: Frequency,
    match: tuple[int, ...],
    anchor: date,
    lo: date,
    hi: date | None = None,
) -> Iterator[date]:
    """Every schedule date d with lo <= d <= hi (no hi: forever), ascending.

    `match` must already be the effective match (see `effective_match`);
    `anchor` is the allocation's start date, which fixes a yearly package's
    month and day.
    """
    if hi is not None and hi < lo:
        return iter(())
    if frequency is Frequency.MONTHLY:
        return _monthly(match, lo, hi)
    if frequency is Frequency.WEEKLY:
        return _weekly(match, lo, hi)
    if frequency is Frequency.DAILY:
        return _daily(lo, hi)
    if frequency is Frequency.YEARLY:
        return _yearly(anchor.month, anchor.day, lo, hi)
    return iter(())


def is_schedule_date(frequency: Frequency, match: tuple[int, ...], anchor: date, day: date) -> bool:
    """Whether `day` is one of the schedule's dates (ignoring the allocation's bounds)."""
    if frequency is Frequency.DAILY:
        return True
    if frequency is Frequency.WEEKLY:
        return day.weekday() in match
    if frequency is Frequency.MONTHLY:
        last = last_day(day.year, day.month)
        return any(min(d, last) == day.day for d in match)
    if frequency is Frequency.YEARLY:
        return day.month == anchor.month and day.day == min(anchor.day, last_day(day.year, anchor.month))
    return False


def next_date_after(frequency: Frequency, match: tuple[int, ...], anchor: date, day: date) -> date | None:
    """The first schedule date strictly after `day` (None for frequency none)."""
    if frequency is Frequency.NONE:
        return None
    return next(schedule_dates(frequency, match, anchor, day + ONE_DAY), None)


def previous_date_before(frequency: Frequency, match: tuple[int, ...], anchor: date, day: date) -> date | None:
    """The last schedule date strictly before `day` (None for frequency none)."""
    if frequency is Frequency.NONE:
        return None
    if frequency is Frequency.DAILY:
        return day - ONE_DAY
    if frequency is Frequency.WEEKLY:
        for back in range(1, 8):
            candidate = day - timedelta(days=back)
            if candidate.weekday() in match:
                return candidate
        return None
    if frequency is Frequency.MONTHLY:
        # This month's chosen days before `day`, else last month's last one.
        year, month = day.year, day.month
        days = _month_days_of(match, last_day(year, month))
        for d in reversed(days):
            if d < day.day:
                return date(year, month, d)
        if month == 1:
            year, month = year - 1, 12
        else:
            month -= 1
        days = _month_days_of(match, last_day(year, month))
        return date(year, month, days[-1]) if days else None
    # Yearly: look back one year and a bit.
    lo = day - timedelta(days=367)
    found = None
    for current in schedule_dates(frequency, match, anchor, lo, day - ONE_DAY):
        found = current
    return found
