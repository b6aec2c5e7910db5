"""Minimum spend: periods, true-ups and their projection (BILLING.md, "Minimum spend").

A minimum-spend package's retail x quantity is the customer's commitment for
each period; the charge is the shortfall of the customer's usage spend in the
period against it, posted on the day after the period ends. Nothing here reads
usage: the caller passes the sums, so the rules stay pure and testable.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Iterator

from .charges import MINIMUM_SPEND, AllocationTerms, Charge, PackageTerms
from .money import round_money
from .net_cost import difference, exact_sum, round_total, shown
from .schedule import ONE_DAY, Frequency, effective_match, is_schedule_date, last_day, previous_date_before, schedule_dates

ZERO = Decimal(0)
RUN_RATE_DAYS = 30


@dataclass(frozen=True, slots=True)
class SpendPeriod:
    """[start, end) of one commitment period; settled (posted) on `end`.

    `covered` is the days of the period inside the allocation, `whole` the
    days of the whole schedule period it belongs to; they differ only for a
    first period before the first charge date and a last one cut by the end.
    """

    start: date
    end: date
    covered: int
    whole: int

    @property
    def settles_on(self) -> date:
        return self.end

    @property
    def last_day(self) -> date:
        return self.end - ONE_DAY


@dataclass(frozen=True, slots=True)
class TrueUpBasis:
    """Why a true-up is what it is, for the operator to see beside it."""

    commitment: Decimal  # retail x quantity x f, rounded to the book's precision
    known: Decimal  # usage dated in the period before today (all of it once the period has ended)
    run_rate: Decimal  # the estimate's usage per day (last 30 days' usage / 30); 0 once ended: nothing is estimated
    days_to_come: int  # days of the period from today (or its start, if later) to its end
    estimated: Decimal  # known + run_rate x days_to_come (= known once ended)
    estimate: bool  # True while the period has not ended


def spend_periods(
    package: PackageTerms, allocation: AllocationTerms, since: date | None = None, until: date | None = None
) -> Iterator[SpendPeriod]:
    """Every commitment period settled on a date in [since, until], in order.

    The first period is [start, first charge date after start) (a start on a
    charge date opens a whole period instead); the last, cut by the end date,
    is [last charge date, end + 1 day). A successor (a change from a date)
    keeps its chain's schedule; without proration its first part-period
    settles nothing, as the allocation it follows owed that whole period.
    """
    if not package.minimum_spend or package.frequency is Frequency.NONE:
        return
    frequency = package.frequency
    start, end = allocation.start, allocation.end
    stop = end + ONE_DAY if end is not None else None
    anchor = allocation.anchor
    match = effective_match(frequency, package.match, anchor)
    # A successor's first part-period is the end of a period its
    # predecessor owed whole, unless both are prorated.
    skip_first = allocation.continues and not allocation.prorate

    if since is not None and since == until:
        # One settle date: only a charge date after the start, or the day
        # after the end, settles a period. Most allocations have neither.
        if stop is not None and since > stop:
            return
        on_date = since > start and is_schedule_date(frequency, match, anchor, since)
        if not (on_date or since == stop):
            return
        period = _period_settled_on(frequency, match, anchor, start, since, on_date)
        if period is not None:
            if not (skip_first and period.start == start and period.covered != period.whole):
                yield period
            return

    def keep(period: SpendPeriod) -> bool:
        return (since is None or period.end >= since) and (until is None or period.end <= until)

    dates = schedule_dates(frequency, match, anchor, start, None)
    first = next(dates)
    a = first
    if since is not None and since > first + ONE_DAY:
        # Periods ending before `since` are not wanted: start from the one
        # that holds since - 1 day instead of walking from the start.
        jump = previous_date_before(frequency, match, anchor, since)
        if jump is not None and jump > first:
            if stop is not None and jump >= stop:
                jump = max(first, previous_date_before(frequency, match, anchor, stop) or first)
            dates = schedule_dates(frequency, match, anchor, jump, None)
            a = next(dates)
            first = start  # the first period is behind us
    if first != start:
        prev = previous_date_before(frequency, match, anchor, start)
        b = first if stop is None or first <= stop else stop
        period = SpendPeriod(start, b, (b - start).days, (first - prev).days)
        if keep(period) and not skip_first:
            yield period
        if stop is not None and b >= stop:
            return
    while True:
        if until is not None and a >= until:
            return
        following = next(dates)
        b = following if stop is None or following <= stop else stop
        period = SpendPeriod(a, b, (b - a).days, (following - a).days)
        if keep(period):
            yield period
        if stop is not None and b >= stop:
            return
        a = following


def _period_settled_on(
    frequency: Frequency, match: tuple[int, ...], anchor: date, start: date, day: date, on_date: bool
) -> SpendPeriod | None:
    """The period settled on `day`, worked out directly: `day` is a charge date
    after the start (`on_date`), or the day after the end, which is no later
    than the next charge date. None when the schedule can't say (the caller
    walks the periods instead)."""
    before = previous_date_before(frequency, match, anchor, day)
    if before is None:
        return None
    if on_date:
        whole = day
    else:  # cut by the end: the whole period runs to the next charge date
        whole = next(schedule_dates(frequency, match, anchor, day), None)
        if whole is None:
            return None
    if before < start:  # no charge date in [start, day): the first period
        return SpendPeriod(start, day, (day - start).days, (whole - before).days)
    return SpendPeriod(before, day, (day - before).days, (whole - before).days)


def charge_day_starts(package: PackageTerms, day: date) -> bool | tuple[str, frozenset]:
    """Which allocations of `package` have a charge date on `day`, as a
    condition on their start date alone (so a database can pick them out).

    True: all of them; False: none; or (part, values): those whose start's
    "day" (of the month), "weekday" (0 = Monday) or "month_day" ((month, day))
    is one of `values`. Exact: for every start, the condition holds if and only
    if `is_schedule_date(frequency, effective_match(frequency, match, start),
    start, day)`; the allocation's bounds are the caller's to check.
    """
    frequency = package.frequency
    if frequency is Frequency.DAILY:
        return True
    if frequency is Frequency.WEEKLY:
        if package.match:
            return day.weekday() in package.match
        return ("weekday", frozenset({day.weekday()}))
    if frequency is Frequency.MONTHLY:
        last = last_day(day.year, day.month)
        if package.match:
            return any(min(d, last) == day.day for d in package.match)
        # A start on the 31st charges on the last day of a shorter month.
        return ("day", frozenset(range(day.day, 32) if day.day == last else (day.day,)))
    if frequency is Frequency.YEARLY:
        if day.month == 2 and day.day == 28 and last_day(day.year, 2) == 28:
            return ("month_day", frozenset({(2, 28), (2, 29)}))
        return ("month_day", frozenset({(day.month, day.day)}))
    return False


def exact_commitment(package: PackageTerms, allocation: AllocationTerms, period: SpendPeriod) -> Decimal:
    """retail x quantity x f, f = 1 or (with proration) covered / whole days; not rounded.
    The retail is the one in force on the period's first day."""
    value = package.on(period.start).retail * allocation.quantity
    if allocation.prorate and period.covered != period.whole:
        value = value * period.covered / period.whole
    return value


def commitment(package: PackageTerms, allocation: AllocationTerms, period: SpendPeriod, precision: int) -> Decimal:
    """The commitment of one period as shown: rounded to the book's precision."""
    return round_money(exact_commitment(package, allocation, period), precision)


def run_rate(last_30_days_usage: Decimal | Fraction) -> Decimal | Fraction:
    """Usage per day at the pace of the last 30 days (not rounded; a
    Fraction for spend that holds the net cost of calls covered in part)."""
    return last_30_days_usage / RUN_RATE_DAYS


def true_up(
    package: PackageTerms,
    allocation: AllocationTerms,
    period: SpendPeriod,
    known: Decimal | Fraction,
    today: date,
    rate: Decimal | Fraction,
    precision: int,
) -> Charge:
    """The true-up of one period, settled on period.end.

    `known` is the usage spend dated in the period before today (for a period
    that has ended: all of it), exact: usage records and the net cost of
    calls (a Fraction where a call was covered in part); `rate` the run rate
    per day. The basis shows them as Decimals; the line is the exact
    shortfall rounded once. For a period
    that has not ended, the rest of it is estimated at that rate.
    """
    exact = exact_commitment(package, allocation, period)
    owed = round_money(exact, precision)
    ended = period.end <= today
    if ended:
        days_to_come = 0
        estimated = known
        rate = ZERO
    else:
        days_to_come = (period.end - max(today, period.start)).days
        estimated = exact_sum((known, rate * days_to_come))
    # The line is rounded once: the shortfall of the exact commitment.
    amount = round_total(max(ZERO, difference(exact, estimated)), precision)
    basis = TrueUpBasis(owed, shown(known), shown(rate), days_to_come, shown(estimated), not ended)
    return Charge(
        period.end,
        MINIMUM_SPEND,
        period.start,
        period.last_day,
        allocation.quantity,
        amount,
        round_money(ZERO, precision),
        allocation.id,
        basis,
    )


def known_window(period: SpendPeriod, today: date) -> tuple[date, date]:
    """The dates [a, b) whose usage is known for a period: before today only."""
    return period.start, min(period.end, max(today, period.start))


def run_rate_window(today: date) -> tuple[date, date]:
    """[today - 30 days, today): the usage the run rate is taken from."""
    return today - timedelta(days=RUN_RATE_DAYS), today


def true_ups(
    package: PackageTerms,
    allocation: AllocationTerms,
    since: date | None,
    until: date | None,
    precision: int,
    usage,
    today: date,
    rate: Decimal,
) -> Iterator[Charge]:
    """The true-ups settled in [since, until]; `usage(a, b)` sums the
    customer's usage dated in [a, b); `rate` is their run rate per day."""
    for period in spend_periods(package, allocation, since, until):
        a, b = known_window(period, today)
        known = usage(a, b) if b > a else ZERO
        yield true_up(package, allocation, period, known, today, rate, precision)


class UsageByDay:
    """A customer's usage per day, summed over any [a, b) in constant time
    (prefix sums), so a projection of hundreds of periods costs one read of
    the book, not one query a period."""

    def __init__(self, days: dict[date, Decimal]):
        self._dates = sorted(days)
        self._sums = [ZERO]
        for day in self._dates:
            self._sums.append(self._sums[-1] + days[day])

    def between(self, a: date, b: date) -> Decimal:
        """Usage dated in [a, b)."""
        if b <= a:
            return ZERO
        i = bisect_left(self._dates, a)
        j = bisect_left(self._dates, b)
        return self._sums[j] - self._sums[i]
