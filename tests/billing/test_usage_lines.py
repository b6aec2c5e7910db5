"""Usage lines in billing/ alone: a customer's calls of a day as one line of
their net cost (summed exactly, rounded once, half up), the days a run
posts (grace days, post-from, a run's since, days already posted), where a
run must start reading so later days come out exact, the estimate of days to
come at the run rate, and minimum spend with the exact net cost of calls.

Expected figures are worked out here from the product's words."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import example, given, settings
from hypothesis import strategies as st

from billing.charges import RECURRING, AllocationTerms, Charge, PackageTerms
from billing.ledger import ChargeEvent, statement_lines
from billing.minimum import SpendPeriod, true_up
from billing.minutes import Call, bundle_for
from billing.run import run_order
from billing.schedule import Frequency
from billing.usage_lines import (
    USAGE, DayUse, due_lines, estimate_lines, last_usage_day, reading_start, usage_due, usage_line, usage_run_rate, use_by_day,
)

D = Decimal
JAN_1 = date(2026, 1, 1)
MONTHLY_1 = PackageTerms(frequency=Frequency.MONTHLY, match=(1,))


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour)


def uk_bundle(allocation_id: int = 1, minutes: int = 100, package: PackageTerms = MONTHLY_1, start: date = JAN_1):
    def make(since: date, until: date = date(2026, 12, 31)):
        return bundle_for(package, AllocationTerms(start, id=allocation_id), ("44",), minutes, since, until)

    return make


WORKED = [
    Call(1, at(date(2026, 1, 5), 9), "447700900001", 50 * 60, D("1.00")),
    Call(2, at(date(2026, 1, 5), 10), "447700900002", 60 * 60, D("1.20")),
    Call(3, at(date(2026, 1, 5), 11), "12125550100", 15 * 60, D("0.30")),
    Call(4, at(date(2026, 1, 5), 12), "447700900003", 60, D("0.02")),
    Call(5, at(date(2026, 2, 2), 9), "447700900004", 10 * 60, D("0.20")),
]


def test_the_worked_example_day_by_day():
    days = use_by_day(WORKED, [uk_bundle()(JAN_1)])
    assert days == {
        date(2026, 1, 5): DayUse(D("0.52"), 4, 126 * 60, 100 * 60),
        date(2026, 2, 2): DayUse(D("0"), 1, 600, 600),
    }
    line = usage_line(7, "Acme", date(2026, 1, 5), days[date(2026, 1, 5)], True, 2)
    assert (line.amount, line.package) == (D("0.52"), "calls: 4 calls, 126 min, 100 min free")
    charge = line.charge()
    assert (charge.kind, charge.date, charge.period_start, charge.quantity, charge.amount, charge.allocation) == (
        USAGE, date(2026, 1, 5), date(2026, 1, 5), 4, D("0.52"), None,
    )


def test_a_days_net_cost_is_rounded_once_half_up():
    # Three calls of 0.004 each: 0.012 in all is 0.01 (rounded each, 0.00).
    calls = [Call(n, at(date(2026, 1, 5), n), "1212", 60, D("0.004")) for n in range(3)]
    (use,) = use_by_day(calls).values()
    assert usage_line(1, "A", date(2026, 1, 5), use, True, 2).amount == D("0.01")
    # An exact total no decimal holds: 1/200 is half a cent (up), a hair less is not.
    assert usage_line(1, "A", JAN_1, DayUse(Fraction(1, 200), 1, 60, 30), True, 2).amount == D("0.01")
    assert usage_line(1, "A", JAN_1, DayUse(Fraction(1, 200) - Fraction(1, 10**9), 1, 60, 30), True, 2).amount == D("0.00")


def test_a_partly_covered_call_counts_its_covered_seconds_and_the_rest_of_its_cost():
    calls = [Call(1, at(JAN_1), "4420", 180, D("0.09")), Call(2, at(JAN_1, 13), "4420", 90, D("0.06"))]
    (use,) = use_by_day(calls, [uk_bundle(minutes=1)(JAN_1)]).values()
    assert use == DayUse(D("0.12"), 2, 270, 60)  # 0.09 x 120/180 + 0.06


def test_minutes_are_said_in_whole_minutes_and_seconds():
    line = usage_line(1, "A", JAN_1, DayUse(D("0.1"), 1, 125, 60), False, 2)
    assert line.package == "calls: 1 call, 2 min 5 s, 1 min free"


# --- which days a run posts ------------------------------------------------------------

DAYS = {date(2026, 1, d): DayUse(D("1.005"), 1, 60, 0) for d in (3, 5, 8, 9)}


def due(**kw):
    args = dict(mark=date(2026, 1, 1), last_day=date(2026, 1, 9), posted=(), post_from=None, since=None, precision=2)
    args.update(kw)
    return due_lines(1, "Acme", True, DAYS, **args)


def test_a_run_posts_the_days_from_the_mark_to_its_date_less_the_grace_days():
    assert last_usage_day(date(2026, 1, 10), 2) == date(2026, 1, 8)
    assert usage_due(date(2026, 1, 8), 2) == date(2026, 1, 10)
    found = due(last_day=date(2026, 1, 8))
    assert [line.date.day for line in found.lines] == [3, 5, 8] and found.owed is None
    assert all(line.amount == D("1.01") for line in found.lines)
    assert [line.date.day for line in due(mark=date(2026, 1, 4)).lines] == [5, 8, 9]


def test_posted_days_are_not_posted_again():
    found = due(posted={date(2026, 1, 3), date(2026, 1, 8)})
    assert [line.date.day for line in found.lines] == [5, 9]


def test_days_before_post_from_are_skipped_for_good_and_before_since_stay_owed():
    found = due(post_from=date(2026, 1, 5))
    assert [l.date.day for l in found.lines] == [5, 8, 9] and [l.date.day for l in found.skipped] == [3]
    assert found.owed is None
    found = due(since=date(2026, 1, 6))
    assert [l.date.day for l in found.lines] == [8, 9] and [l.date.day for l in found.skipped] == [3, 5]
    assert found.owed == date(2026, 1, 3)


# --- where reading starts -----------------------------------------------------------------


def test_reading_starts_where_the_period_holding_the_mark_starts():
    assert reading_start(date(2026, 1, 20), lambda since: [uk_bundle()(since)])[0] == JAN_1
    assert reading_start(date(2026, 1, 20), lambda since: [])[0] == date(2026, 1, 20)


def test_bundles_of_other_schedules_go_back_until_their_periods_agree():
    on_1st = uk_bundle(1, package=MONTHLY_1)
    on_15th = uk_bundle(2, package=PackageTerms(frequency=Frequency.MONTHLY, match=(15,)), start=date(2026, 1, 15))
    start, _ = reading_start(date(2026, 3, 20), lambda since: [on_1st(since), on_15th(since)])
    # 20 March: periods from 1 March and 15 March; 1 March is in 15 Feb's; that in 1 Feb's; ...
    assert start == JAN_1


@settings(max_examples=150, deadline=None)
@given(
    mark_day=st.integers(0, 90),
    calls=st.lists(
        st.tuples(st.integers(0, 100), st.integers(0, 23), st.sampled_from(["4420", "4491", "12125"]), st.integers(0, 1800),
                  st.integers(0, 50_000)),
        max_size=60,
    ),
)
# The second bundle's January period (from the 15th) is empty by 3 February, whose period of the first began on the 1st.
@example(mark_day=33, calls=[(19, 12, "4420", 1800, 100), (33, 12, "4420", 1800, 100)])
def test_the_days_from_the_mark_come_out_as_from_the_whole_history(mark_day, calls):
    on_1st = uk_bundle(1, minutes=10)
    on_15th = uk_bundle(2, minutes=20, package=PackageTerms(frequency=Frequency.MONTHLY, match=(15,)), start=date(2026, 1, 15))
    made = sorted(
        (Call(n, at(JAN_1 + timedelta(days=d), h), dest, s, D(c).scaleb(-4)) for n, (d, h, dest, s, c) in enumerate(calls)),
        key=lambda call: (call.start, call.id),
    )
    whole = use_by_day(made, [on_1st(JAN_1), on_15th(JAN_1)])
    mark = JAN_1 + timedelta(days=mark_day)
    start, bundles = reading_start(mark, lambda since: [on_1st(since), on_15th(since)])
    part = use_by_day([c for c in made if c.start.date() >= start], bundles)
    assert {d: u for d, u in part.items() if d >= mark} == {d: u for d, u in whole.items() if d >= mark}


# --- estimates and minimum spend -------------------------------------------------------------


def test_days_to_come_are_estimated_at_the_run_rate_a_line_per_month():
    today = date(2026, 1, 20)
    days = {today - timedelta(days=n): DayUse(D("0.50"), 1, 60, 0) for n in range(1, 31)}
    days[today - timedelta(days=31)] = DayUse(D("99"), 1, 60, 0)  # before the 30 days: not counted
    rate = usage_run_rate(days, today)
    assert rate == D("0.5")
    lines = estimate_lines(1, "Acme", True, rate, today, date(2026, 3, 10), 2)
    assert [(l.period_start, l.date, l.amount, l.estimate) for l in lines] == [
        (date(2026, 1, 20), date(2026, 1, 31), D("6.00"), True),
        (date(2026, 2, 1), date(2026, 2, 28), D("14.00"), True),
        (date(2026, 3, 1), date(2026, 3, 10), D("5.00"), True),
    ]
    assert lines[0].package == "calls: estimate, 12 days at the last 30 days' rate"
    assert lines[0].charge().basis.estimate


def test_an_estimate_of_a_rate_no_decimal_holds_is_rounded_once():
    rate = usage_run_rate({date(2026, 1, 19): DayUse(D("0.10"), 1, 60, 0)}, date(2026, 1, 20))
    assert rate == Fraction(1, 300)
    (line,) = estimate_lines(1, "A", True, rate, date(2026, 1, 20), date(2026, 1, 24), 2)
    assert line.amount == D("0.02")  # 5/300 = 0.01666..., not 5 x 0.00


def test_minimum_spend_takes_the_exact_net_cost_of_calls_and_rounds_the_shortfall_once():
    package = PackageTerms(retail=D("1"), frequency=Frequency.MONTHLY, match=(1,), minimum_spend=True)
    period = SpendPeriod(JAN_1, date(2026, 2, 1), 31, 31)
    spent = Fraction(D("0.015001")) * 60 / 180  # a call covered 120 of its 180 seconds: 0.005000333...
    charge = true_up(package, AllocationTerms(JAN_1, id=1), period, spent, date(2026, 2, 1), D(0), 2)
    assert charge.amount == D("0.99")  # 1 - 0.0050003..., once (the spend rounded first would give 1.00)
    assert charge.basis.known.quantize(D("1E-12")) == D("0.005000333333")  # shown beside it as a Decimal
    decimal_spend = true_up(package, AllocationTerms(JAN_1, id=1), period, D("0.25"), date(2026, 2, 1), D(0), 2)
    assert decimal_spend.amount == D("0.75")


def test_a_customers_usage_line_comes_after_its_charges_of_the_day():
    line = usage_line(1, "Acme", JAN_1, DayUse(D("1"), 1, 60, 0), True, 2)
    charge = Charge(JAN_1, RECURRING, JAN_1, JAN_1, 1, D("1"), D("0"), 99)
    assert run_order("Acme", 99, charge) < run_order("Acme", line.id, line.charge()) < run_order("Blue", 1, charge)


def test_a_statement_names_a_usage_lines_calls_and_keeps_postpaid_usage_unbilled():
    events = [
        ChargeEvent(1, JAN_1, USAGE, "calls: 2 calls, 3 min, 0 min free", 2, JAN_1, JAN_1, D("0.52"), True),
        ChargeEvent(2, JAN_1, USAGE, "calls: 1 call, 1 min, 0 min free", 1, JAN_1, JAN_1, D("0.10"), False),
    ]
    _opening, lines = statement_lines(events)
    assert [(l.what, l.detail, l.debit, l.unbilled, l.balance) for l in lines] == [
        ("usage", "calls: 2 calls, 3 min, 0 min free", D("0.52"), 0, D("-0.52")),
        ("usage", "calls: 1 call, 1 min, 0 min free", 0, D("0.10"), None),
    ]
