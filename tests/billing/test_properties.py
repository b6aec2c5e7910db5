"""Properties of the schedule and of charges, for every frequency, match,
start and end (BILLING.md, "Schedule" and "Recurring charges").

`is_schedule_date` below is an independent reading of the Schedule table, so
the properties do not take the code's own schedule as the truth.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from billing import RECURRING, SETUP, AllocationTerms, Frequency, PackageTerms, allocation_charges

ONE_DAY = timedelta(days=1)
CENT = Decimal("0.01")
ZERO = Decimal(0)

FIRST_DAY = date(2023, 1, 1)
LAST_DAY = date(2030, 12, 31)
MAX_SPAN = 800  # days an allocation (or an open-ended window) runs in a test


def month_last(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def default_match(frequency: Frequency, match: tuple[int, ...], start: date) -> tuple[int, ...]:
    if match:
        return match
    if frequency is Frequency.WEEKLY:
        return (start.weekday(),)
    if frequency is Frequency.MONTHLY:
        return (start.day,)
    return ()


def is_schedule_date(frequency: Frequency, match: tuple[int, ...], start: date, d: date) -> bool:
    """The Schedule table, read straight from BILLING.md."""
    chosen = default_match(frequency, match, start)
    last = month_last(d.year, d.month)
    return {
        Frequency.NONE: False,
        Frequency.DAILY: True,
        Frequency.WEEKLY: d.weekday() in chosen,
        Frequency.MONTHLY: d.day in {min(day, last) for day in chosen},
        # yearly: the start date's month and day, 29 Feb -> 28 Feb in common years
        Frequency.YEARLY: d.month == start.month and d.day == min(start.day, last),
    }[frequency]


def days(a: date, b: date):
    """Every date in [a, b]."""
    d = a
    while d <= b:
        yield d
        d += ONE_DAY


def half_up(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# --- strategies -------------------------------------------------------------

money = st.integers(min_value=0, max_value=10**10).map(lambda n: Decimal(n).scaleb(-6))
# Setup amounts are either zero or at least one cent, so "no setup line where
# both are zero" does not depend on how a sub-cent setup price is read.
setup_money = st.one_of(st.just(ZERO), st.integers(min_value=10**4, max_value=10**9).map(lambda n: Decimal(n).scaleb(-6)))
weekly_match = st.sets(st.integers(min_value=0, max_value=6), max_size=7).map(lambda s: tuple(sorted(s)))
monthly_match = st.sets(st.integers(min_value=1, max_value=31), max_size=8).map(lambda s: tuple(sorted(s)))


@st.composite
def schedules(draw, frequencies=tuple(Frequency)):
    frequency = draw(st.sampled_from(frequencies))
    if frequency is Frequency.WEEKLY:
        match = draw(weekly_match)
    elif frequency is Frequency.MONTHLY:
        match = draw(monthly_match)
    else:
        match = ()
    return frequency, match


@st.composite
def cases(draw):
    frequency, match = draw(schedules())
    prices = dict(retail=draw(money), cost=draw(money), setup_retail=draw(setup_money), setup_cost=draw(setup_money))
    package = PackageTerms(**prices, frequency=frequency, match=match, minimum_spend=draw(st.booleans()))
    start = draw(st.dates(min_value=FIRST_DAY, max_value=LAST_DAY))
    span = draw(st.integers(min_value=0, max_value=MAX_SPAN))
    open_end = draw(st.booleans())
    end = None if open_end else start + timedelta(days=span)
    allocation = AllocationTerms(
        start=start,
        end=end,
        quantity=draw(st.integers(min_value=1, max_value=50)),
        prorate=draw(st.booleans()),
    )
    # An open-ended allocation is looked at up to `until`; a closed one to its end.
    until = start + timedelta(days=span) if open_end else None
    return package, allocation, until


def run(case):
    """A drawn case's package and allocation, the lines charged from the start,
    and the last day they cover (the end, or the `until` an open one is seen to)."""
    package, allocation, until = case
    lines = list(allocation_charges(package, allocation, allocation.start, until, 2))
    return package, allocation, lines, allocation.end if allocation.end is not None else until


# --- dates ------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(cases())
def test_charge_dates_are_the_schedule_dates_within_the_bounds(case):
    package, allocation, lines, hi = run(case)
    start = allocation.start
    frequency, match = package.frequency, package.match
    rec = [c for c in lines if c.kind == RECURRING]
    dates = [c.date for c in rec]

    # strictly increasing, so no date twice
    assert all(a < b for a, b in zip(dates, dates[1:]))
    assert len(set(dates)) == len(dates)
    # every line within [start, end]
    assert all(start <= c.date <= hi for c in lines)

    # every date is a schedule date, except the prorated first part, which is
    # charged on the start date when the start is not a schedule date
    odd = [d for d in dates if not is_schedule_date(frequency, match, start, d)]
    if allocation.prorate and frequency is not Frequency.NONE and not is_schedule_date(frequency, match, start, start):
        assert odd == [start]
        assert dates[0] == start
    else:
        assert odd == []

    # and no schedule date in [start, end] is missed
    expected = [d for d in days(start, hi) if is_schedule_date(frequency, match, start, d)]
    assert [d for d in dates if d not in odd] == expected


@settings(max_examples=200, deadline=None)
@given(cases())
def test_setup_line_once_on_the_start_date(case):
    package, allocation, lines, _ = run(case)
    setups = [c for c in lines if c.kind == SETUP]
    if package.setup_retail or package.setup_cost:
        assert [c.date for c in setups] == [allocation.start]
        assert setups[0].amount == half_up(package.setup_retail * allocation.quantity)
        assert setups[0].cost == half_up(package.setup_cost * allocation.quantity)
        assert lines[0] is setups[0]
    else:
        assert setups == []


# --- periods ----------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(cases())
def test_periods_tile_with_no_gap_or_overlap(case):
    package, allocation, lines, hi = run(case)
    start, end = allocation.start, allocation.end
    frequency, match = package.frequency, package.match
    rec = [c for c in lines if c.kind == RECURRING]

    for c in rec:
        assert c.period_start == c.date  # a charge pays for the period it opens
        assert c.period_start <= c.period_end
        assert c.quantity == allocation.quantity
    for prev, nxt in zip(rec, rec[1:]):
        assert nxt.period_start == prev.period_end + ONE_DAY

    for c in rec:
        # the period runs to the day before the next schedule date: no schedule
        # date inside it, and the day after it is one unless the end cut it
        inside = [d for d in days(c.period_start + ONE_DAY, c.period_end) if is_schedule_date(frequency, match, start, d)]
        assert inside == []
        cut = allocation.prorate and c.period_end == end
        if not cut:
            assert is_schedule_date(frequency, match, start, c.period_end + ONE_DAY)

    if not rec:
        # only a package with no schedule, or an unprorated allocation that
        # meets no schedule date, has no recurring line
        assert frequency is Frequency.NONE or not allocation.prorate
        return

    if allocation.prorate:
        # with proration the periods cover the allocation from its first day
        assert rec[0].period_start == start
        if end is not None:
            assert rec[-1].period_end == end
            assert all(c.period_end <= end for c in rec)
        else:
            assert rec[-1].period_end >= hi
    else:
        assert rec[-1].period_end >= hi


# --- amounts ----------------------------------------------------------------


def whole_period(frequency, match, start, day):
    """[p, n): the schedule period that contains `day`, found by the oracle."""
    p = next(d for d in (day - timedelta(days=k) for k in range(400)) if is_schedule_date(frequency, match, start, d))
    n = next(d for d in days(day + ONE_DAY, day + timedelta(days=400)) if is_schedule_date(frequency, match, start, d))
    return p, n


@settings(max_examples=200, deadline=None)
@given(cases())
def test_amounts_never_negative_and_follow_the_period_share(case):
    package, allocation, lines, _ = run(case)
    frequency, match, start = package.frequency, package.match, allocation.start
    qty = allocation.quantity
    retail = ZERO if package.minimum_spend else package.retail
    full_amount = half_up(retail * qty)
    full_cost = half_up(package.cost * qty)
    for c in lines:
        assert c.amount >= 0 and c.cost >= 0
        assert c.amount == c.amount.quantize(CENT) and c.cost == c.cost.quantize(CENT)
        if c.kind != RECURRING:
            continue
        if package.minimum_spend:
            assert c.amount == ZERO  # the commitment is not charged as retail
        whole = is_schedule_date(frequency, match, start, c.period_start) and is_schedule_date(
            frequency, match, start, c.period_end + ONE_DAY
        )
        if whole:
            assert (c.amount, c.cost) == (full_amount, full_cost)
        else:
            # only proration makes a partial period: charged as
            # price x quantity x days covered / days in the whole period
            assert allocation.prorate
            p, n = whole_period(frequency, match, start, c.period_start)
            covered = (c.period_end - c.period_start).days + 1
            share = Decimal(covered) / Decimal((n - p).days)
            assert 0 < covered < (n - p).days
            assert c.amount == half_up(retail * qty * covered / (n - p).days)
            assert c.amount <= full_amount and c.cost <= full_cost
            assert abs(c.amount - full_amount * share) <= CENT


@st.composite
def split_periods(draw):
    """A whole period [a, b) of a weekly or monthly schedule and a date x inside it."""
    frequency, match = draw(schedules((Frequency.WEEKLY, Frequency.MONTHLY)))
    assume(match)  # an explicit match: the schedule must not depend on the start
    base = draw(st.dates(min_value=FIRST_DAY, max_value=LAST_DAY))
    a = next(d for d in days(base, base + timedelta(days=62)) if is_schedule_date(frequency, match, base, d))
    b = next(d for d in days(a + ONE_DAY, a + timedelta(days=62)) if is_schedule_date(frequency, match, base, d))
    assume((b - a).days >= 2)
    x = a + timedelta(days=draw(st.integers(min_value=1, max_value=(b - a).days - 1)))
    package = PackageTerms(retail=draw(money), cost=draw(money), frequency=frequency, match=match)
    return package, a, x, b, draw(st.integers(min_value=1, max_value=50))


@settings(max_examples=200, deadline=None)
@given(split_periods())
def test_prorated_parts_of_a_period_add_up_to_the_whole(case):
    package, a, x, b, qty = case

    def first_line(start, end):
        allocation = AllocationTerms(start=start, end=end, quantity=qty, prorate=True)
        return next(c for c in allocation_charges(package, allocation, start, None if end else b, 2) if c.kind == RECURRING)

    whole = first_line(a, None)  # from a schedule date to an open end
    before = first_line(a, x - ONE_DAY)  # [a, x): the last period, cut by the end
    after = first_line(x, None)  # [x, b): the first partial period

    assert (whole.date, whole.period_start, whole.period_end) == (a, a, b - ONE_DAY)
    assert (before.date, before.period_start, before.period_end) == (a, a, x - ONE_DAY)
    assert (after.date, after.period_start, after.period_end) == (x, x, b - ONE_DAY)

    assert whole.amount == half_up(package.retail * qty)
    assert abs(before.amount + after.amount - whole.amount) <= CENT
    assert abs(before.cost + after.cost - whole.cost) <= CENT
    assert min(before.amount, after.amount, before.cost, after.cost) >= 0


@settings(max_examples=400, deadline=None)
@given(
    frequency=st.sampled_from([Frequency.DAILY, Frequency.WEEKLY, Frequency.MONTHLY, Frequency.YEARLY]),
    weekly=st.sets(st.integers(0, 6), min_size=1, max_size=3),
    monthly=st.sets(st.integers(1, 31), min_size=1, max_size=4),
    anchor=st.dates(date(2020, 1, 1), date(2030, 12, 31)),
    day=st.dates(date(2021, 1, 1), date(2030, 12, 31)),
)
def test_previous_and_next_dates_are_the_neighbours_in_the_schedule(frequency, weekly, monthly, anchor, day):
    # The shortcuts agree with walking the schedule: the last date before `day`
    # and the first after it.
    from billing.schedule import next_date_after, previous_date_before, schedule_dates

    match = tuple(sorted(weekly)) if frequency is Frequency.WEEKLY else tuple(sorted(monthly)) if frequency is Frequency.MONTHLY else ()
    walked = list(schedule_dates(frequency, match, anchor, day - timedelta(days=400), day + timedelta(days=400)))
    before = [d for d in walked if d < day]
    after = [d for d in walked if d > day]
    assert previous_date_before(frequency, match, anchor, day) == before[-1]
    assert next_date_after(frequency, match, anchor, day) == after[0]
