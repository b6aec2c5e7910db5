"""Minimum spend in billing/ alone (BILLING.md, "Minimum spend"): commitment
periods, true-ups settled the day after a period ends, proration, quantity,
the projection of a period not ended yet and its basis. No database: usage
sums are handed in as a function, as the store does.

Expected figures are worked out here from the spec's words, never from the
code under test.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from billing.charges import MINIMUM_SPEND, RECURRING, AllocationTerms, PackageTerms, allocation_charges
from billing.minimum import (
    RUN_RATE_DAYS, SpendPeriod, TrueUpBasis, charge_day_starts, commitment, known_window, run_rate,
    run_rate_window, spend_periods, true_up, true_ups,
)
from billing.schedule import Frequency, effective_match, is_schedule_date

D = Decimal
ZERO = D(0)
ONE_DAY = timedelta(days=1)
CENT = D("0.01")


def money(value: Decimal) -> Decimal:
    """One rounding, half up, to 2 places (the book's default precision)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def bundle(retail: str = "50", cost: str = "0", match=(1,), frequency=Frequency.MONTHLY) -> PackageTerms:
    return PackageTerms(retail=D(retail), cost=D(cost), frequency=frequency, match=tuple(match), minimum_spend=True)


def usage_of(records: dict[date, Decimal]):
    """usage(a, b): the sum of the records dated in [a, b), and the windows asked for."""
    asked: list[tuple[date, date]] = []

    def usage(a: date, b: date) -> Decimal:
        asked.append((a, b))
        return sum((v for d, v in records.items() if a <= d < b), ZERO)

    usage.asked = asked
    return usage


def periods(package, allocation, since=None, until=None) -> list[tuple[date, date]]:
    return [(p.start, p.end) for p in spend_periods(package, allocation, since, until)]


def settled(package, allocation, records, today, since=None, until=None, rate=ZERO, precision=2):
    return list(true_ups(package, allocation, since, until, precision, usage_of(records), today, rate))


# --- the worked example ------------------------------------------------------------


def test_worked_example_march_usage_25_gives_a_true_up_of_25_on_april_1():
    package = bundle("50")
    allocation = AllocationTerms(date(2025, 3, 1))
    march = {date(2025, 3, 5): D("10.00"), date(2025, 3, 31): D("15.00")}
    lines = settled(package, allocation, march, today=date(2025, 4, 15), until=date(2025, 4, 1))
    assert len(lines) == 1
    line = lines[0]
    assert line.kind == MINIMUM_SPEND
    assert line.date == date(2025, 4, 1)
    assert (line.period_start, line.period_end) == (date(2025, 3, 1), date(2025, 3, 31))
    assert line.amount == D("25.00") and isinstance(line.amount, Decimal)
    assert line.quantity == 1


def test_worked_example_march_usage_80_gives_nothing():
    package = bundle("50")
    allocation = AllocationTerms(date(2025, 3, 1))
    march = {date(2025, 3, 10): D("80.00")}
    lines = settled(package, allocation, march, today=date(2025, 4, 15), until=date(2025, 4, 1))
    assert sum((line.amount for line in lines), ZERO) == ZERO
    assert all(line.amount == ZERO for line in lines)  # no credit either: never negative


def test_usage_outside_the_period_does_not_count():
    package = bundle("50")
    allocation = AllocationTerms(date(2025, 3, 1))
    usage = {date(2025, 2, 28): D("40"), date(2025, 4, 1): D("40"), date(2025, 3, 1): D("5")}
    (line,) = settled(package, allocation, usage, today=date(2025, 4, 15), until=date(2025, 4, 1))
    assert line.amount == D("45.00")


def test_minimum_spend_charges_no_retail_but_its_cost_on_each_charge_date():
    package = bundle("50", cost="7.5")
    allocation = AllocationTerms(date(2025, 3, 1), quantity=2)
    lines = list(allocation_charges(package, allocation, date(2025, 3, 1), date(2025, 5, 31)))
    recurring = [c for c in lines if c.kind == RECURRING]
    assert [c.date for c in recurring] == [date(2025, 3, 1), date(2025, 4, 1), date(2025, 5, 1)]
    assert all(c.amount == ZERO for c in recurring)
    assert all(c.cost == D("15.00") for c in recurring)
    assert not any(c.kind == MINIMUM_SPEND for c in lines)  # true-ups need usage: billing.minimum


# --- periods -----------------------------------------------------------------------


def test_first_period_runs_from_a_start_off_the_schedule_to_the_first_charge_date():
    package = bundle("50")
    allocation = AllocationTerms(date(2025, 3, 10))
    found = list(spend_periods(package, allocation, None, date(2025, 5, 1)))
    assert [(p.start, p.end) for p in found] == [
        (date(2025, 3, 10), date(2025, 4, 1)),
        (date(2025, 4, 1), date(2025, 5, 1)),
    ]
    assert found[0].settles_on == date(2025, 4, 1)
    assert (found[0].covered, found[0].whole) == (22, 31)
    lines = settled(package, allocation, {}, today=date(2025, 6, 1), until=date(2025, 4, 1))
    assert [(c.date, c.period_start, c.period_end) for c in lines] == [
        (date(2025, 4, 1), date(2025, 3, 10), date(2025, 3, 31))
    ]


def test_a_start_on_a_charge_date_opens_a_whole_period_and_settles_nothing_that_day():
    package = bundle("50")
    allocation = AllocationTerms(date(2025, 3, 1))
    assert periods(package, allocation, date(2025, 3, 1), date(2025, 3, 1)) == []
    assert settled(package, allocation, {date(2025, 3, 1): D(1)}, date(2025, 6, 1), date(2025, 3, 1), date(2025, 3, 31)) == []
    first = next(spend_periods(package, allocation))
    assert (first.start, first.end, first.covered, first.whole) == (date(2025, 3, 1), date(2025, 4, 1), 31, 31)


def test_last_period_is_cut_by_the_end_date_and_settled_the_day_after():
    package = bundle("50")
    allocation = AllocationTerms(date(2025, 3, 1), date(2025, 5, 15))
    found = list(spend_periods(package, allocation))  # no `until`: it must stop by itself
    assert [(p.start, p.end) for p in found] == [
        (date(2025, 3, 1), date(2025, 4, 1)),
        (date(2025, 4, 1), date(2025, 5, 1)),
        (date(2025, 5, 1), date(2025, 5, 16)),
    ]
    last = found[-1]
    assert last.settles_on == date(2025, 5, 16)
    assert (last.covered, last.whole) == (15, 31)
    lines = settled(package, allocation, {date(2025, 5, 15): D("20")}, today=date(2025, 6, 1))
    assert [c.date for c in lines] == [date(2025, 4, 1), date(2025, 5, 1), date(2025, 5, 16)]
    assert (lines[-1].period_start, lines[-1].period_end) == (date(2025, 5, 1), date(2025, 5, 15))
    assert lines[-1].amount == D("30.00")  # f = 1 without proration


def test_an_end_on_a_charge_date_gives_a_one_day_last_period():
    package = bundle("50")
    allocation = AllocationTerms(date(2025, 3, 1), date(2025, 5, 1))
    assert periods(package, allocation)[-1] == (date(2025, 5, 1), date(2025, 5, 2))


def test_an_end_the_day_before_a_charge_date_gives_no_extra_period():
    package = bundle("50")
    allocation = AllocationTerms(date(2025, 3, 1), date(2025, 4, 30))
    assert periods(package, allocation) == [(date(2025, 3, 1), date(2025, 4, 1)), (date(2025, 4, 1), date(2025, 5, 1))]


def test_start_and_end_inside_one_part_period():
    package = bundle("50")
    allocation = AllocationTerms(date(2025, 3, 10), date(2025, 3, 20))
    found = list(spend_periods(package, allocation))
    assert [(p.start, p.end, p.covered, p.whole) for p in found] == [(date(2025, 3, 10), date(2025, 3, 21), 11, 31)]


def test_periods_settled_in_since_until_only():
    package = bundle("50")
    allocation = AllocationTerms(date(2025, 1, 1))
    assert periods(package, allocation, date(2025, 3, 1), date(2025, 4, 1)) == [
        (date(2025, 2, 1), date(2025, 3, 1)),
        (date(2025, 3, 1), date(2025, 4, 1)),
    ]
    assert periods(package, allocation, date(2025, 3, 2), date(2025, 3, 31)) == []


def test_no_periods_without_minimum_spend_or_without_a_schedule():
    allocation = AllocationTerms(date(2025, 3, 1))
    plain = PackageTerms(retail=D("50"), frequency=Frequency.MONTHLY, match=(1,), minimum_spend=False)
    setup_only = PackageTerms(retail=D("50"), frequency=Frequency.NONE, minimum_spend=True)
    assert periods(plain, allocation, None, date(2026, 1, 1)) == []
    assert periods(setup_only, allocation, None, date(2026, 1, 1)) == []


def test_weekly_periods_run_between_the_chosen_weekdays():
    # Mondays and Thursdays; 2025-03-01 is a Saturday.
    package = bundle("10", match=(0, 3), frequency=Frequency.WEEKLY)
    allocation = AllocationTerms(date(2025, 3, 1))
    assert periods(package, allocation, None, date(2025, 3, 10)) == [
        (date(2025, 3, 1), date(2025, 3, 3)),
        (date(2025, 3, 3), date(2025, 3, 6)),
        (date(2025, 3, 6), date(2025, 3, 10)),
    ]


# --- proration and quantity ---------------------------------------------------------


def test_proration_f_is_covered_over_whole_days_22_of_31():
    package = bundle("50")
    allocation = AllocationTerms(date(2025, 3, 10), prorate=True)
    (line,) = settled(package, allocation, {}, today=date(2025, 6, 1), until=date(2025, 4, 1))
    assert line.amount == money(D(50) * 22 / 31) == D("35.48")
    assert line.basis.commitment == D("35.48")


def test_without_proration_a_part_period_owes_the_whole_commitment():
    package = bundle("50")
    allocation = AllocationTerms(date(2025, 3, 10), prorate=False)
    (line,) = settled(package, allocation, {date(2025, 3, 20): D("10")}, today=date(2025, 6, 1), until=date(2025, 4, 1))
    assert line.amount == D("40.00")


def test_proration_of_the_last_period_cut_by_the_end():
    package = bundle("50")
    allocation = AllocationTerms(date(2025, 3, 1), date(2025, 5, 15), prorate=True)
    lines = settled(package, allocation, {date(2025, 5, 2): D("4")}, today=date(2025, 6, 1))
    assert [c.amount for c in lines] == [D("50.00"), D("50.00"), money(D(50) * 15 / 31 - 4)]
    assert lines[-1].amount == D("20.19")


def test_whole_periods_are_not_prorated():
    package = bundle("50")
    allocation = AllocationTerms(date(2025, 3, 10), prorate=True)
    lines = settled(package, allocation, {}, today=date(2025, 8, 1), since=date(2025, 5, 1), until=date(2025, 7, 1))
    assert [c.amount for c in lines] == [D("50.00"), D("50.00"), D("50.00")]


def test_quantity_multiplies_the_commitment():
    package = bundle("50")
    allocation = AllocationTerms(date(2025, 3, 1), quantity=3)
    (line,) = settled(package, allocation, {date(2025, 3, 3): D("100")}, today=date(2025, 4, 2), until=date(2025, 4, 1))
    assert line.amount == D("50.00")
    assert line.quantity == 3
    assert line.basis.commitment == D("150.00")
    assert commitment(package, allocation, next(spend_periods(package, allocation)), 2) == D("150.00")


def test_quantity_and_proration_together():
    package = bundle("50")
    allocation = AllocationTerms(date(2025, 3, 10), quantity=3, prorate=True)
    period = next(spend_periods(package, allocation))
    assert commitment(package, allocation, period, 2) == money(D(150) * 22 / 31) == D("106.45")


@pytest.mark.parametrize(
    ("retail", "start", "prorate", "spend"),
    [
        # commitment 0.125 (not a whole cent), spend 0.004: 0.121 -> 0.12 once.
        ("0.125", date(2025, 3, 1), False, "0.004"),
        # commitment 10 x 22/31 = 7.09677..., spend 0.005: 7.09177... -> 7.09 once.
        ("10", date(2025, 3, 10), True, "0.005"),
    ],
)
def test_a_true_up_line_is_rounded_once_half_up(retail, start, prorate, spend):
    """BILLING.md, Money: each charge line is rounded once, half up. The line
    is commitment x f - spend; rounding the commitment first and then the
    difference again rounds twice (0.13 and 7.10 instead of 0.12 and 7.09)."""
    package = bundle(retail)
    allocation = AllocationTerms(start, prorate=prorate)
    period = next(spend_periods(package, allocation))
    f = D(period.covered) / D(period.whole) if prorate else D(1)
    expected = money(max(ZERO, D(retail) * f - D(spend)))
    line = true_up(package, allocation, period, D(spend), date(2025, 6, 1), ZERO, 2)
    assert line.amount == expected


def test_precision_of_the_book_is_used():
    package = bundle("50")
    allocation = AllocationTerms(date(2025, 3, 10), prorate=True)
    period = next(spend_periods(package, allocation))
    line = true_up(package, allocation, period, ZERO, date(2025, 6, 1), ZERO, 0)
    assert line.amount == D("35")
    line = true_up(package, allocation, period, ZERO, date(2025, 6, 1), ZERO, 4)
    assert line.amount == (D(50) * 22 / 31).quantize(D("0.0001"), rounding=ROUND_HALF_UP) == D("35.4839")


# --- projection ------------------------------------------------------------------------


def test_run_rate_is_the_last_30_days_over_30():
    assert RUN_RATE_DAYS == 30
    assert run_rate_window(date(2025, 3, 20)) == (date(2025, 2, 18), date(2025, 3, 20))
    assert run_rate(D("45")) == D("1.5")
    assert run_rate(D("100")) == D(100) / D(30)
    assert isinstance(run_rate(D("1")), Decimal)


def test_known_usage_is_what_is_dated_before_today():
    period = SpendPeriod(date(2025, 3, 1), date(2025, 4, 1), 31, 31)
    assert known_window(period, date(2025, 3, 20)) == (date(2025, 3, 1), date(2025, 3, 20))
    assert known_window(period, date(2025, 4, 1)) == (date(2025, 3, 1), date(2025, 4, 1))
    assert known_window(period, date(2025, 5, 9)) == (date(2025, 3, 1), date(2025, 4, 1))
    a, b = known_window(period, date(2025, 2, 10))
    assert a == date(2025, 3, 1) and b <= a  # nothing is known of a period not begun


def test_projection_of_a_period_not_ended_is_known_plus_run_rate_times_days_to_come():
    package = bundle("50")
    allocation = AllocationTerms(date(2025, 3, 1))
    today = date(2025, 3, 20)
    usage = usage_of({date(2025, 3, 2): D("4"), date(2025, 3, 19): D("6"), date(2025, 3, 20): D("999")})
    rate = run_rate(D("60"))  # 2.00 a day
    (line,) = list(true_ups(package, allocation, None, date(2025, 4, 1), 2, usage, today, rate))
    # Known: dated in [03-01, 03-20), today's 999 not yet; to come: 03-20..03-31 = 12 days.
    assert (date(2025, 3, 1), date(2025, 3, 20)) in usage.asked
    assert line.date == date(2025, 4, 1)
    assert line.basis == TrueUpBasis(
        commitment=D("50.00"), known=D("10"), run_rate=D("2"), days_to_come=12, estimated=D("34"), estimate=True
    )
    assert line.amount == D("16.00")


def test_projection_of_a_period_not_begun_counts_every_day_from_its_start():
    package = bundle("50")
    allocation = AllocationTerms(date(2025, 3, 1))
    today = date(2025, 3, 20)
    usage = usage_of({date(2025, 3, 2): D("4")})
    rate = D("1.5")
    lines = list(true_ups(package, allocation, date(2025, 5, 1), date(2025, 5, 1), 2, usage, today, rate))
    (line,) = lines
    assert (line.period_start, line.period_end) == (date(2025, 4, 1), date(2025, 4, 30))
    assert line.basis.known == ZERO
    assert line.basis.days_to_come == 30
    assert line.basis.estimated == D("45.0")
    assert line.basis.estimate is True
    assert line.amount == D("5.00")


def test_a_projection_above_the_commitment_is_zero_not_a_credit():
    package = bundle("50")
    allocation = AllocationTerms(date(2025, 3, 1))
    (line,) = settled(package, allocation, {date(2025, 3, 2): D("30")}, today=date(2025, 3, 20), until=date(2025, 4, 1), rate=D("5"))
    assert line.basis.estimated == D("90")
    assert line.amount == D("0.00")


def test_once_ended_the_figure_is_not_an_estimate():
    package = bundle("50")
    allocation = AllocationTerms(date(2025, 3, 1))
    usage = {date(2025, 3, 31): D("12.5")}
    for today in (date(2025, 4, 1), date(2025, 7, 1)):
        (line,) = settled(package, allocation, usage, today=today, until=date(2025, 4, 1), rate=D("100"))
        # The run rate plays no part once the period is over, and the basis says so.
        assert line.basis == TrueUpBasis(D("50.00"), D("12.5"), D("0"), 0, D("12.5"), False)
        assert line.amount == D("37.50")


def test_a_period_ending_tomorrow_is_still_an_estimate_with_one_day_to_come():
    package = bundle("50")
    allocation = AllocationTerms(date(2025, 3, 1))
    (line,) = settled(package, allocation, {date(2025, 3, 30): D("20")}, today=date(2025, 3, 31), until=date(2025, 4, 1), rate=D("3"))
    assert line.basis.estimate is True
    assert line.basis.days_to_come == 1
    assert line.basis.estimated == D("23")
    assert line.amount == D("27.00")


# --- properties -------------------------------------------------------------------------

FREQUENCIES = st.sampled_from([Frequency.DAILY, Frequency.WEEKLY, Frequency.MONTHLY, Frequency.YEARLY])
DAYS = st.dates(min_value=date(2023, 1, 1), max_value=date(2028, 12, 31))
PRICES = st.decimals(min_value=D(0), max_value=D(100000), places=6, allow_nan=False, allow_infinity=False)
USAGE = st.decimals(min_value=D(0), max_value=D(200000), places=6, allow_nan=False, allow_infinity=False)


@st.composite
def schedules(draw, most_weekdays: int, most_days: int) -> tuple[Frequency, tuple[int, ...]]:
    """A frequency other than none, and the days chosen for it: up to
    `most_weekdays` weekdays (weekly), `most_days` days (monthly), or none."""
    frequency = draw(FREQUENCIES)
    days = {
        Frequency.WEEKLY: st.sets(st.integers(0, 6), max_size=most_weekdays),
        Frequency.MONTHLY: st.sets(st.integers(1, 31), max_size=most_days),
    }.get(frequency, st.just(set()))
    return frequency, tuple(sorted(draw(days)))


@st.composite
def terms(draw):
    frequency, match = draw(schedules(7, 4))
    package = PackageTerms(retail=draw(PRICES), frequency=frequency, match=match, minimum_spend=True)
    start = draw(DAYS)
    length = draw(st.none() | st.integers(0, 800))
    end = None if length is None else start + timedelta(days=length)
    allocation = AllocationTerms(start, end, draw(st.integers(1, 50)), draw(st.booleans()))
    return package, allocation


def first_periods(package, allocation, count=40):
    found = []
    for period in spend_periods(package, allocation):
        found.append(period)
        if len(found) >= count:
            break
    return found


@settings(max_examples=200, deadline=None)
@given(terms(), USAGE, USAGE, st.decimals(min_value=D(0), max_value=D(1000), places=6), DAYS, st.data())
def test_a_true_up_is_never_negative_never_above_the_commitment_and_more_usage_never_raises_it(
    pair, spend, more, rate, today, data
):
    package, allocation = pair
    found = first_periods(package, allocation, 12)
    assume(found)
    period = data.draw(st.sampled_from(found))
    f = D(period.covered) / D(period.whole) if allocation.prorate else D(1)
    owed = money(package.retail * allocation.quantity * f)
    low = true_up(package, allocation, period, spend, today, rate, 2)
    high = true_up(package, allocation, period, spend + more, today, rate, 2)
    faster = true_up(package, allocation, period, spend, today, rate + more, 2)
    for line in (low, high, faster):
        assert isinstance(line.amount, Decimal)
        assert line.amount >= ZERO
        assert line.amount <= owed
        assert line.amount == money(line.amount)
        assert line.kind == MINIMUM_SPEND and line.date == period.end
    assert high.amount <= low.amount
    assert faster.amount <= low.amount


@settings(max_examples=200, deadline=None)
@given(terms())
def test_periods_tile_start_to_end_plus_one_without_gap_or_overlap(pair):
    package, allocation = pair
    start, end = allocation.start, allocation.end
    found = first_periods(package, allocation, 1000)
    assert found, "every minimum-spend allocation has at least one period"
    assert found[0].start == start
    for before, after in zip(found, found[1:]):
        assert before.end == after.start
    for period in found:
        assert period.start < period.end
        assert period.covered == (period.end - period.start).days
        assert 0 < period.covered <= period.whole
    if end is not None:
        assert found[-1].end == end + ONE_DAY
        assert len(found) < 1000  # it stopped by itself
    # Interior boundaries are charge dates: the schedule says where periods turn.
    recurring = {
        c.date
        for c in allocation_charges(package, AllocationTerms(start, end), start, found[-1].end)
        if c.kind == RECURRING
    }
    for period in found[1:]:
        assert period.start in recurring
    # A period is whole unless it is the first (started off the schedule) or the last (cut by the end).
    for period in found[1:-1]:
        assert period.covered == period.whole
    if found[0].start in recurring:
        assert found[0].covered == found[0].whole or (end is not None and len(found) == 1)


@st.composite
def commitments(draw) -> tuple[PackageTerms, AllocationTerms]:
    """A minimum-spend package of any schedule, and an allocation of it
    starting in the 800 days from 2024-01-01, open or ended, prorated or not."""
    frequency, match = draw(schedules(3, 3))
    package = PackageTerms(retail=Decimal("10"), frequency=frequency, match=match, minimum_spend=True)
    start = date(2024, 1, 1) + timedelta(days=draw(st.integers(0, 800)))
    length = draw(st.one_of(st.none(), st.integers(0, 500)))
    end = None if length is None else start + timedelta(days=length)
    return package, AllocationTerms(start, end, 1, draw(st.booleans()))


@settings(max_examples=200, deadline=None)
@given(case=commitments(), since_offset=st.integers(0, 1200), span=st.integers(0, 400))
def test_periods_from_a_later_since_are_the_tail_of_all_periods(case, since_offset, span):
    # spend_periods jumps ahead to `since` instead of walking from the start:
    # it must give exactly the periods ending on or after `since`.
    package, allocation = case
    since = date(2024, 1, 1) + timedelta(days=since_offset)
    until = since + timedelta(days=span)
    everything = [p for p in spend_periods(package, allocation, None, until) if p.end >= since]
    assert list(spend_periods(package, allocation, since, until)) == everything


@settings(max_examples=400, deadline=None)
@given(case=commitments(), day_offset=st.integers(0, 1400))
def test_the_period_settled_on_one_day_is_the_one_the_walk_finds(case, day_offset):
    # For one settle date the period is worked out directly, not walked to:
    # it must be the period the walk from the start ends on that day, or none.
    package, allocation = case
    day = date(2024, 1, 1) + timedelta(days=day_offset)
    walked = [p for p in spend_periods(package, allocation, None, day) if p.end == day]
    assert list(spend_periods(package, allocation, day, day)) == walked


def test_the_period_settled_on_the_day_after_the_end_mid_period():
    # Monthly on the 1st from 10 Jan, ended 19 Mar: the last period is 1 Mar to
    # 19 Mar, settled on 20 Mar; 19 of March's 31 days.
    allocation = AllocationTerms(date(2025, 1, 10), date(2025, 3, 19), 1, True)
    (period,) = spend_periods(bundle(), allocation, date(2025, 3, 20), date(2025, 3, 20))
    assert period == SpendPeriod(date(2025, 3, 1), date(2025, 3, 20), 19, 31)
    # Ended before its first charge date: the first period, cut, of January's 31 days.
    allocation = AllocationTerms(date(2025, 1, 10), date(2025, 1, 19), 1, True)
    (period,) = spend_periods(bundle(), allocation, date(2025, 1, 20), date(2025, 1, 20))
    assert period == SpendPeriod(date(2025, 1, 10), date(2025, 1, 20), 10, 31)
    # Nothing is settled on a charge date after the end's settle date.
    assert list(spend_periods(bundle(), allocation, date(2025, 2, 1), date(2025, 2, 1))) == []


@settings(max_examples=400, deadline=None)
@given(
    frequency=st.sampled_from(list(Frequency)),
    weekly=st.sets(st.integers(0, 6), max_size=3),
    monthly=st.sets(st.integers(1, 31), max_size=3),
    start=st.dates(date(2020, 1, 1), date(2030, 12, 31)),
    day=st.dates(date(2020, 1, 1), date(2030, 12, 31)),
)
def test_charge_day_starts_says_exactly_which_starts_charge_on_a_day(frequency, weekly, monthly, start, day):
    # The database picks allocations by this condition on their start alone:
    # it must hold for a start exactly when the schedule charges on the day.
    match = tuple(sorted(weekly)) if frequency is Frequency.WEEKLY else tuple(sorted(monthly)) if frequency is Frequency.MONTHLY else ()
    package = PackageTerms(retail=Decimal("10"), frequency=frequency, match=match, minimum_spend=True)
    rule = charge_day_starts(package, day)
    if isinstance(rule, bool):
        holds = rule
    else:
        part, values = rule
        key = {"day": start.day, "weekday": start.weekday(), "month_day": (start.month, start.day)}[part]
        holds = key in values
    charges = frequency is not Frequency.NONE and is_schedule_date(frequency, effective_match(frequency, match, start), start, day)
    assert holds == charges


def test_charge_day_starts_on_month_ends_and_leap_days():
    monthly = bundle(match=())
    assert charge_day_starts(monthly, date(2025, 4, 30)) == ("day", frozenset({30, 31}))
    assert charge_day_starts(monthly, date(2025, 2, 28)) == ("day", frozenset({28, 29, 30, 31}))
    assert charge_day_starts(monthly, date(2025, 4, 15)) == ("day", frozenset({15}))
    assert charge_day_starts(bundle(match=(31,)), date(2025, 4, 30)) is True
    assert charge_day_starts(bundle(match=(15,)), date(2025, 4, 30)) is False
    yearly = bundle(match=(), frequency=Frequency.YEARLY)
    assert charge_day_starts(yearly, date(2025, 2, 28)) == ("month_day", frozenset({(2, 28), (2, 29)}))
    assert charge_day_starts(yearly, date(2024, 2, 28)) == ("month_day", frozenset({(2, 28)}))
    assert charge_day_starts(bundle(match=(), frequency=Frequency.NONE), date(2025, 1, 1)) is False
