"""Free-minutes bundles in billing/ alone: destination prefixes, calls using a
bundle's minutes up period by period, the order bundles are drawn on, the net
cost of a call and its exact sums rounded once. No database: calls and
allocations are handed in, as the store does.

Expected figures are worked out here from the product's words, never from
the code under test.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.catalogue import FieldError
from billing.charges import AllocationTerms, PackageTerms
from billing.minimum import spend_periods
from billing.destinations import format_destinations, matching_prefix, normalise_number, parse_destinations
from billing.minutes import Bundle, BundleIndex, Call, Draw, apply, bundle_for, bundle_periods, bundle_summary, free_seconds
from billing.net_cost import daily_lines, net_by_day, net_cost, net_spend, round_total
from billing.schedule import Frequency

D = Decimal
ZERO = D(0)
MONTHLY = PackageTerms(frequency=Frequency.MONTHLY)
JAN_1 = date(2026, 1, 1)


def at(day: date, hour: int = 12, minute: int = 0, second: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second)


def mins(n: int) -> int:
    return n * 60


def bundle(
    allocation_id: int,
    prefixes: str,
    minutes: int,
    start: date = JAN_1,
    end: date | None = None,
    quantity: int = 1,
    package: PackageTerms = MONTHLY,
    since: date = date(2025, 12, 1),
    until: date = date(2026, 6, 30),
) -> Bundle:
    allocation = AllocationTerms(start, end, quantity, id=allocation_id)
    return bundle_for(package, allocation, parse_destinations(prefixes), minutes, since, until)


# --- Destinations ------------------------------------------------------------


def test_destinations_are_read_as_prefixes_of_digits():
    assert parse_destinations("^44|^91|^1") == ("44", "91", "1")
    assert parse_destinations("44 91, 1 44") == ("44", "91", "1")
    assert parse_destinations("^+44") == ("44",)
    assert format_destinations(("44", "91")) == "^44|^91"
    for bad in ("", "^4[0-9]", "44.*", "x"):
        with pytest.raises(FieldError):
            parse_destinations(bad)


def test_numbers_are_digits_without_plus_or_00():
    assert normalise_number(" +44 ") == "44"
    assert normalise_number("0044207") == "44207"
    assert normalise_number("12125550100") == "12125550100"
    with pytest.raises(FieldError):
        normalise_number("44-20")
    assert matching_prefix("44207", ("4", "44", "442", "1")) == "442"
    assert matching_prefix("1212", ("4", "44")) is None


# --- The worked example ------------------------------------------------------


def test_worked_example_a_100_minute_uk_bundle():
    uk = bundle(1, "^44", 100)
    calls = [
        Call(1, at(date(2026, 1, 5)), "447700900001", mins(50), D("1.00")),
        Call(2, at(date(2026, 1, 6)), "447700900002", mins(60), D("1.20")),
        Call(3, at(date(2026, 1, 7)), "12125550100", mins(15), D("0.30")),
        Call(4, at(date(2026, 1, 8)), "447700900003", mins(1), D("0.02")),
        Call(5, at(date(2026, 2, 2)), "447700900004", mins(10), D("0.20")),
    ]
    done = apply(calls, [uk])

    # 50 minutes: covered whole. 60 minutes: the 50 left are covered, 10 paid.
    assert done.covered == {1: mins(50), 2: mins(50), 5: mins(10)}
    assert [done.net(c) for c in calls] == [ZERO, D("0.20"), D("0.30"), D("0.02"), ZERO]
    assert done.draws[2] == (Draw(1, JAN_1, mins(50)),)
    assert done.draws[5] == (Draw(1, date(2026, 2, 1), mins(10)),)  # a new period: free again
    assert 3 not in done.draws and 4 not in done.draws
    assert done.used == {(1, JAN_1): mins(100), (1, date(2026, 2, 1)): mins(10)}

    assert net_by_day(done) == {
        date(2026, 1, 5): ZERO,
        date(2026, 1, 6): D("0.2"),
        date(2026, 1, 7): D("0.30"),
        date(2026, 1, 8): D("0.02"),
        date(2026, 2, 2): ZERO,
    }
    assert net_spend(done, JAN_1, date(2026, 2, 1)) == D("0.52")
    assert net_spend(done, date(2026, 2, 1), date(2026, 3, 1)) == ZERO
    assert round_total(net_spend(done, JAN_1, date(2026, 3, 1)), 2) == D("0.52")

    january, = bundle_summary([uk], done.used, date(2026, 1, 20))
    assert (january.period_start, january.period_end) == (JAN_1, date(2026, 2, 1))
    assert (january.used_seconds, january.left_seconds) == (mins(100), 0)
    assert (january.used_minutes, january.left_minutes) == (100, 0)
    february, = bundle_summary([uk], done.used, date(2026, 2, 2))
    assert (february.used_minutes, february.left_minutes) == (10, 90)


# --- Which bundle a call draws on ---------------------------------------------


def test_the_longest_prefix_first_then_the_rest_of_the_call_spills_over():
    uk = bundle(1, "^44", 10)
    london = bundle(2, "^4420", 5)
    calls = [
        Call(1, at(JAN_1, 9), "442079460000", mins(8), D("0.80")),
        Call(2, at(JAN_1, 10), "441619460000", mins(10), D("1.00")),
    ]
    done = apply(calls, [uk, london])
    # London: 5 minutes from ^4420, then 3 from ^44.
    assert done.draws[1] == (Draw(2, JAN_1, mins(5)), Draw(1, JAN_1, mins(3)))
    assert done.covered[1] == mins(8)
    # Manchester matches only ^44, which has 7 minutes left: 3 of 10 paid.
    assert done.draws[2] == (Draw(1, JAN_1, mins(7)),)
    assert done.net(calls[1]) == D("0.3")
    assert BundleIndex([uk, london]).matching("442079460000") == (london, uk)
    assert BundleIndex([uk, london]).matching("4416") == (uk,)
    assert BundleIndex([uk, london]).matching("4") == ()


def test_a_bundle_ranks_by_the_longest_of_its_own_prefixes_that_matches():
    wide = bundle(1, "^44", 10)
    both = bundle(2, "^44|^4420", 10)
    index = BundleIndex([wide, both])
    assert index.matching("442071234567") == (both, wide)
    assert index.matching("441611234567") == (wide, both)  # both ^44: lower id first
    done = apply([Call(1, at(JAN_1), "442071234567", mins(15), D("1.5"))], index)
    assert done.draws[1] == (Draw(2, JAN_1, mins(10)), Draw(1, JAN_1, mins(5)))


def test_equal_prefixes_draw_on_the_lower_allocation_id_first():
    later, earlier = bundle(7, "^44", 10), bundle(3, "^44", 10)
    done = apply([Call(1, at(JAN_1), "447700900001", mins(12), D("1"))], [later, earlier])
    assert done.draws[1] == (Draw(3, JAN_1, mins(10)), Draw(7, JAN_1, mins(2)))


def test_a_number_shorter_than_the_prefix_does_not_match():
    done = apply([Call(1, at(JAN_1), "4", mins(1), D("0.1"))], [bundle(1, "^44", 10)])
    assert done.covered == {} and done.net(done.calls[0]) == D("0.1")


def test_calls_draw_in_order_of_start_then_id_whatever_order_they_come_in():
    uk = bundle(1, "^44", 100)
    noon = at(JAN_1, 12)
    first = Call(5, noon, "447700900001", mins(60), D("1.20"))
    second = Call(9, noon, "447700900002", mins(60), D("1.20"))
    earliest = Call(20, at(JAN_1, 11, 59, 59), "447700900003", mins(10), D("0.20"))
    for calls in ([second, first, earliest], [first, earliest, second], [earliest, second, first]):
        done = apply(calls, [uk])
        assert done.covered == {20: mins(10), 5: mins(60), 9: mins(30)}
        assert done.net(second) == D("0.6")


def test_calls_with_the_switchs_text_ids_that_start_together_go_in_order_of_id():
    noon = at(JAN_1)
    calls = [
        Call("call-b", noon, "447700900001", mins(8), D("0.8")),
        Call("call-a", noon, "447700900002", mins(8), D("0.8")),
    ]
    done = apply(calls, [bundle(1, "^44", 10)])
    assert done.covered == {"call-a": mins(8), "call-b": mins(2)}


# --- Quantity, the allocation's bounds, periods --------------------------------


def test_quantity_multiplies_the_minutes():
    triple = bundle(1, "^44", 10, quantity=3)
    assert triple.free_seconds == mins(30)
    done = apply([Call(1, at(JAN_1), "447700900001", mins(40), D("4.00"))], [triple])
    assert done.covered[1] == mins(30)
    assert done.net(done.calls[0]) == D("1")


def test_the_allocation_may_have_its_own_minutes():
    allocation = AllocationTerms(JAN_1, quantity=2, id=4)
    own = bundle_for(MONTHLY, allocation, ("44",), 10, JAN_1, JAN_1, own_minutes=25)
    assert own.free_seconds == mins(50)
    assert bundle_for(MONTHLY, allocation, ("44",), 10, JAN_1, JAN_1).free_seconds == mins(20)
    assert free_seconds(D("1.5"), 1) == 90
    with pytest.raises(ValueError):
        free_seconds(D("0.001"), 1)
    with pytest.raises(ValueError):
        bundle_for(MONTHLY, AllocationTerms(JAN_1), ("44",), 10, JAN_1, JAN_1)


def test_an_allocation_covers_nothing_outside_its_start_and_end():
    ended = bundle(1, "^44", 100, start=JAN_1, end=date(2026, 1, 15))
    assert [(p.start, p.end) for p in ended.periods] == [(JAN_1, date(2026, 1, 16))]
    calls = [
        Call(1, at(date(2025, 12, 31), 23, 59), "447700900001", mins(1), D("0.02")),
        Call(2, at(date(2026, 1, 15), 23, 59), "447700900002", mins(1), D("0.02")),
        Call(3, at(date(2026, 1, 16), 0, 0), "447700900003", mins(1), D("0.02")),
    ]
    done = apply(calls, [ended])
    assert done.covered == {2: mins(1)}
    assert [done.net(c) for c in calls] == [D("0.02"), ZERO, D("0.02")]
    assert bundle_summary([ended], done.used, date(2026, 1, 16)) == []


def test_a_first_part_period_holds_the_whole_minutes():
    # Charged on the 1st, started on the 20th: [20 Jan, 1 Feb) holds 10 minutes.
    package = PackageTerms(frequency=Frequency.MONTHLY, match=(1,))
    late = bundle(1, "^44", 10, start=date(2026, 1, 20), package=package)
    assert [(p.start, p.end) for p in late.periods[:2]] == [
        (date(2026, 1, 20), date(2026, 2, 1)),
        (date(2026, 2, 1), date(2026, 3, 1)),
    ]
    done = apply([Call(1, at(date(2026, 1, 31)), "447700900001", mins(12), D("1.2"))], [late])
    assert done.covered == {1: mins(10)}


def test_unused_seconds_lapse_at_the_periods_end():
    uk = bundle(1, "^44", 100)
    calls = [
        Call(1, at(date(2026, 1, 31), 23, 50), "447700900001", mins(5), D("0.10")),
        Call(2, at(date(2026, 2, 1), 0, 5), "447700900002", mins(150), D("3.00")),
    ]
    done = apply(calls, [uk])
    assert done.covered == {1: mins(5), 2: mins(100)}  # not 195 minutes: January's lapsed
    assert done.net(calls[1]) == D("1")


def test_bundle_periods_are_the_schedules_commitment_periods():
    weekly = PackageTerms(frequency=Frequency.WEEKLY)
    allocation = AllocationTerms(date(2026, 1, 7), date(2026, 2, 9), id=1)  # a Wednesday to a Monday
    found = bundle_periods(weekly, allocation, date(2026, 1, 20), date(2026, 1, 28))
    assert [(p.start, p.end) for p in found] == [
        (date(2026, 1, 14), date(2026, 1, 21)),
        (date(2026, 1, 21), date(2026, 1, 28)),
        (date(2026, 1, 28), date(2026, 2, 4)),
    ]
    minimum = PackageTerms(frequency=Frequency.WEEKLY, minimum_spend=True)
    every = [(p.start, p.end) for p in spend_periods(minimum, allocation)]
    assert every[-1] == (date(2026, 2, 4), date(2026, 2, 10))  # cut by the end
    assert [(p.start, p.end) for p in bundle_periods(weekly, allocation, date(2026, 1, 1), date(2026, 12, 31))] == every
    assert bundle_periods(PackageTerms(frequency=Frequency.NONE), allocation, JAN_1, date(2026, 12, 31)) == ()


def test_a_call_of_no_seconds_covers_nothing_and_costs_its_cost():
    done = apply([Call(1, at(JAN_1), "447700900001", 0, D("0.05"))], [bundle(1, "^44", 10)])
    assert done.covered == {} and done.used == {}
    assert net_cost(done.calls[0], 0) == D("0.05")
    assert net_by_day(done) == {JAN_1: D("0.05")}


def test_a_customer_without_bundles_pays_every_call():
    calls = [Call(i, at(JAN_1, 8 + i), "447700900001", mins(3), D("0.013")) for i in range(3)]
    done = apply(calls, [])
    assert done.covered == {} and done.draws == {}
    assert net_by_day(done) == {JAN_1: D("0.039")}
    assert daily_lines(done, 2) == {JAN_1: D("0.04")}


def test_bundles_must_be_one_allocation_each_with_ordered_periods():
    with pytest.raises(ValueError):
        BundleIndex([bundle(1, "^44", 10), bundle(1, "^1", 10)])
    overlapping = Bundle(1, ("44",), 60, tuple(bundle(2, "^44", 1).periods[:2])[::-1])
    with pytest.raises(ValueError):
        BundleIndex([overlapping])


# --- Net costs, exact and rounded once ----------------------------------------


def test_a_partly_covered_call_costs_its_share_exactly():
    call = Call(1, at(JAN_1), "44", 3, D("0.01"))
    assert net_cost(call, 1) == Fraction(2, 300)
    assert net_cost(call, 3) == ZERO and net_cost(call, 5) == ZERO
    assert net_cost(call, 0) == D("0.01")


def test_a_days_net_cost_is_summed_exactly_and_rounded_once_half_up():
    uk = bundle(1, "^44", 1)
    calls = [
        # 60 of 61 seconds covered: 0.61 x 1/61 = 0.01 exactly.
        Call(1, at(JAN_1, 8), "447700900001", 61, D("0.61")),
        Call(2, at(JAN_1, 9), "12125550100", 10, D("0.004")),
        Call(3, at(JAN_1, 10), "12125550100", 10, D("0.001")),
        Call(4, at(date(2026, 1, 2), 8), "12125550100", 10, D("0.004")),
        Call(5, at(date(2026, 1, 2), 9), "12125550100", 10, D("0.004")),
    ]
    done = apply(calls, [uk])
    assert net_by_day(done) == {JAN_1: D("0.015"), date(2026, 1, 2): D("0.008")}
    # Rounded once a day: 0.015 -> 0.02 (half up), 0.008 -> 0.01 (each call alone would be 0.00).
    assert daily_lines(done, 2) == {JAN_1: D("0.02"), date(2026, 1, 2): D("0.01")}
    assert daily_lines(done, 3) == {JAN_1: D("0.015"), date(2026, 1, 2): D("0.008")}
    assert round_total(net_spend(done, JAN_1, date(2026, 1, 3)), 2) == D("0.02")


def test_a_total_that_no_decimal_holds_stays_a_fraction_until_rounded():
    uk = bundle(1, "^44", 1)
    calls = [Call(1, at(JAN_1), "447700900001", 63, D("0.01")), Call(2, at(JAN_1, 13), "1", 10, D("0.002"))]
    day = net_by_day(apply(calls, [uk]))[JAN_1]
    assert day == Fraction(3, 6300) + Fraction(2, 1000)
    assert round_total(day, 3) == D("0.002")
    assert round_total(Fraction(1, 200), 2) == D("0.01")  # half up, not to even
    assert round_total(Fraction(1, 3), 2) == D("0.33")
    assert round_total(D("0.125"), 2) == D("0.13")


# --- Carrying on from seconds already used ------------------------------------


def test_a_period_continues_from_seconds_already_used():
    uk = bundle(1, "^44", 100)
    monday = apply([Call(1, at(date(2026, 1, 5)), "447700900001", mins(70), D("1.4"))], [uk])
    used_before = dict(monday.used)
    tuesday = apply([Call(2, at(date(2026, 1, 6)), "447700900002", mins(40), D("0.8"))], [uk], monday.used)
    assert monday.used == used_before  # not changed by the next batch
    assert tuesday.covered == {2: mins(30)}
    assert tuesday.used == {(1, JAN_1): mins(100)}
    left, = bundle_summary([uk], tuesday.used, date(2026, 1, 6))
    assert (left.used_minutes, left.left_minutes) == (100, 0)


def test_minutes_shown_add_up_to_the_periods_minutes():
    uk = bundle(1, "^44", 100)
    left, = bundle_summary([uk], {(1, JAN_1): 90}, date(2026, 1, 9))
    # 1.5 minutes used: 2 begun, 98 whole minutes left.
    assert (left.used_seconds, left.left_seconds, left.used_minutes, left.left_minutes) == (90, 5910, 2, 98)


# --- Properties ---------------------------------------------------------------

PREFIXES = ("4", "44", "442", "4420", "1", "49")
FIRST = datetime(2026, 1, 1)


@st.composite
def customers(draw):
    """A customer's bundles and calls: few prefixes, times on a coarse grid so
    calls often start together and bundles often run out."""
    bundles = []
    for allocation_id in draw(st.lists(st.integers(1, 9), min_size=0, max_size=3, unique=True)):
        start = JAN_1 + timedelta(days=draw(st.integers(0, 50)))
        end = draw(st.none() | st.integers(0, 60).map(lambda d, s=start: s + timedelta(days=d)))
        frequency = draw(st.sampled_from([Frequency.MONTHLY, Frequency.WEEKLY, Frequency.DAILY]))
        allocation = AllocationTerms(start, end, draw(st.integers(1, 3)), id=allocation_id)
        prefixes = tuple(draw(st.lists(st.sampled_from(PREFIXES), min_size=1, max_size=2, unique=True)))
        bundles.append(
            bundle_for(PackageTerms(frequency=frequency), allocation, prefixes, draw(st.integers(0, 5)),
                       JAN_1, date(2026, 3, 31))
        )
    calls = []
    for call_id in draw(st.lists(st.integers(1, 10_000), max_size=30, unique=True)):
        start = FIRST + timedelta(minutes=10 * draw(st.integers(0, 90 * 144)))
        destination = draw(st.sampled_from(PREFIXES + ("3", ""))) + draw(st.text("0123456789", max_size=4))
        seconds = draw(st.integers(0, 900))
        cost = D(draw(st.integers(0, 5000))).scaleb(-3)
        calls.append(Call(call_id, start, destination, seconds, cost))
    return bundles, calls


def drawn_by_hand(calls, bundles):
    """The rules as the product states them, call by call, bundle by bundle."""
    used: dict = {}
    covered = {}
    for call in sorted(calls, key=lambda c: (c.start, c.id)):
        if call.seconds <= 0:
            continue
        day = call.start.date()
        ranked = []
        for b in bundles:
            longest = max((len(p) for p in b.prefixes if call.destination.startswith(p)), default=None)
            if longest is not None:
                ranked.append((-longest, b.allocation_id, b))
        need = call.seconds
        for _, _, b in sorted(ranked, key=lambda r: r[:2]):
            for period in b.periods:
                if period.start <= day < period.end:
                    key = (b.allocation_id, period.start)
                    take = min(need, b.free_seconds - used.get(key, 0))
                    if take > 0:
                        used[key] = used.get(key, 0) + take
                        need -= take
        if need < call.seconds:
            covered[call.id] = call.seconds - need
    return covered, used


@settings(max_examples=300, deadline=None)
@given(customers())
def test_calls_draw_as_the_rules_say(customer):
    bundles, calls = customer
    done = apply(calls, bundles)
    assert (done.covered, done.used) == drawn_by_hand(calls, bundles)


@settings(max_examples=300, deadline=None)
@given(customers())
def test_no_period_gives_more_than_it_holds_and_no_call_more_than_it_lasts(customer):
    bundles, calls = customer
    done = apply(calls, bundles)
    free = {b.allocation_id: b.free_seconds for b in bundles}
    drawn: dict = defaultdict(int)
    for call in calls:
        draws = done.draws.get(call.id, ())
        assert sum(d.seconds for d in draws) == done.covered.get(call.id, 0) <= call.seconds
        for d in draws:
            assert d.seconds > 0
            drawn[(d.allocation_id, d.period_start)] += d.seconds
    assert drawn == done.used
    for (allocation_id, _), seconds in done.used.items():
        assert seconds <= free[allocation_id]


@settings(max_examples=300, deadline=None)
@given(customers())
def test_net_costs_are_never_negative_nor_more_than_the_calls_cost(customer):
    bundles, calls = customer
    done = apply(calls, bundles)
    cost_by_day: dict = defaultdict(lambda: ZERO)
    for call in calls:
        assert 0 <= done.net(call) <= call.cost
        cost_by_day[call.start.date()] += call.cost
    by_day = net_by_day(done)
    assert set(by_day) == set(cost_by_day)
    for day, net in by_day.items():
        assert 0 <= net <= cost_by_day[day]
        assert net == sum((Fraction(done.net(c)) for c in calls if c.start.date() == day), Fraction(0))
    total = net_spend(done, JAN_1, date(2026, 4, 2))  # every call: the last start on 1 April
    assert total == sum((Fraction(v) for v in by_day.values()), Fraction(0))
    # Half up to cents: the whole cents in total x 100 + 1/2.
    cents = math.floor(Fraction(total) * 100 + Fraction(1, 2))
    assert round_total(total, 2) == D(cents).scaleb(-2)


@settings(max_examples=300, deadline=None)
@given(customers(), st.randoms(use_true_random=False))
def test_the_order_calls_come_in_changes_nothing(customer, rnd: random.Random):
    bundles, calls = customer
    shuffled = list(calls)
    rnd.shuffle(shuffled)
    once, again = apply(calls, bundles), apply(shuffled, list(reversed(bundles)))
    assert (once.covered, once.draws, once.used) == (again.covered, again.draws, again.used)
    assert net_by_day(once) == net_by_day(again)


@settings(max_examples=300, deadline=None)
@given(customers(), st.integers(0, 30))
def test_two_batches_one_after_the_other_equal_one_batch(customer, cut):
    bundles, calls = customer
    ordered = sorted(calls, key=lambda c: (c.start, c.id))
    index = BundleIndex(bundles)
    first = apply(ordered[:cut], index)
    second = apply(ordered[cut:], index, first.used)
    whole = apply(calls, bundles)
    assert {**first.covered, **second.covered} == whole.covered
    assert {**first.draws, **second.draws} == whole.draws
    assert second.used == whole.used
