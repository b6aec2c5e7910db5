"""A change from a date (billing.changes): the allocation ends the day
before, a successor starts on it, and nothing before the date changes.
Also the overlap rule behind the form's "two commitments" warning."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from billing import RECURRING, SETUP, AllocationTerms, Frequency, PackageTerms, allocation_charges
from billing.changes import (
    ChangeFacts, change_problem, commitments_warning, first_change_date, overlap, suggested_change_date,
)
from billing.minimum import spend_periods

D = Decimal
ONE_DAY = timedelta(days=1)


def successor(before: AllocationTerms, day: date, quantity: int, same_package: bool = True) -> tuple[AllocationTerms, AllocationTerms]:
    """(the allocation ended on day - 1, its successor from day)."""
    ended = replace(before, end=day - ONE_DAY)
    after = AllocationTerms(day, before.end, quantity, before.prorate, None, before.chain_start or before.start, not same_package)
    return ended, after


packages = st.builds(
    PackageTerms,
    retail=st.sampled_from([D("10"), D("4.50"), D("0.125")]),
    cost=st.sampled_from([D("0"), D("2")]),
    setup_retail=st.sampled_from([D("0"), D("25")]),
    frequency=st.sampled_from([Frequency.DAILY, Frequency.WEEKLY, Frequency.MONTHLY, Frequency.YEARLY]),
    match=st.sampled_from([(), (1,), (15, 31)]),
)


@settings(max_examples=300, deadline=None)
@given(
    package=packages,
    start=st.dates(date(2024, 1, 1), date(2026, 12, 31)),
    offset=st.integers(1, 500),
    quantity=st.integers(1, 9),
    prorate=st.booleans(),
)
def test_a_change_from_a_date_keeps_every_charge_before_it(package, start, offset, quantity, prorate):
    if package.frequency is not Frequency.MONTHLY:
        package = replace(package, match=())
    day = start + timedelta(days=offset)
    plain = AllocationTerms(start, None, 2, prorate)
    ended, after = successor(plain, day, quantity)
    until = day + timedelta(days=400)
    unchanged = [c for c in allocation_charges(package, plain, start, until) if c.date < day]
    before = list(allocation_charges(package, ended, start, until))
    if not prorate:
        assert before == unchanged
    else:
        # Every line but the last period's, which is prorated to the day before.
        assert before[:-1] == unchanged[:-1] or before == unchanged
        assert all(c.period_end < day for c in before)
    later = list(allocation_charges(package, after, start, until))
    assert all(c.date >= day for c in later)
    assert not any(c.kind == SETUP for c in later)  # no second setup for the same package
    # The successor keeps the chain's schedule: its recurring dates are the plain allocation's.
    plain_dates = {c.date for c in allocation_charges(package, plain, day, until) if c.kind == RECURRING}
    later_dates = {c.date for c in later if c.kind == RECURRING and c.date != day}
    assert later_dates <= plain_dates


@settings(max_examples=200, deadline=None)
@given(start=st.dates(date(2024, 1, 1), date(2026, 12, 31)), offset=st.integers(1, 300), prorate=st.booleans())
def test_commitment_periods_before_the_date_are_unchanged(start, offset, prorate):
    package = PackageTerms(retail=D("50"), frequency=Frequency.MONTHLY, match=(1,), minimum_spend=True)
    day = start + timedelta(days=offset)
    plain = AllocationTerms(start, None, 1, prorate)
    ended, after = successor(plain, day, 2)
    unchanged = [p for p in spend_periods(package, plain, None, day)]
    before = list(spend_periods(package, ended))
    assert before[:-1] == unchanged[: len(before) - 1]
    assert before[-1].end == day
    first_after = next(spend_periods(package, after))
    if prorate:
        assert first_after.start == day
    else:
        # The predecessor owed the whole period the date falls in: the
        # successor's first true-up is of a whole period.
        assert first_after.start >= day and first_after.covered == first_after.whole


def test_no_second_setup_for_the_same_package_and_a_setup_for_another():
    package = PackageTerms(retail=D("10"), setup_retail=D("25"), frequency=Frequency.MONTHLY, match=(1,))
    plain = AllocationTerms(date(2025, 3, 10), None, 1)
    _, same = successor(plain, date(2025, 5, 1), 3)
    _, moved = successor(plain, date(2025, 5, 1), 3, same_package=False)
    assert [c.kind for c in allocation_charges(package, same, date(2025, 5, 1), date(2025, 5, 31))] == [RECURRING]
    setup = next(allocation_charges(package, moved, date(2025, 5, 1), date(2025, 5, 31)))
    assert (setup.kind, setup.amount) == (SETUP, D("75.00"))


def test_prorated_both_sides_of_the_date():
    # monthly [1], retail 31, change 2 -> 4 from 2025-05-11: May has 31 days.
    package = PackageTerms(retail=D("31"), frequency=Frequency.MONTHLY, match=(1,))
    plain = AllocationTerms(date(2025, 3, 1), None, 2, True)
    ended, after = successor(plain, date(2025, 5, 11), 4)
    old = [c for c in allocation_charges(package, ended, date(2025, 5, 1), date(2025, 6, 30))]
    new = [c for c in allocation_charges(package, after, date(2025, 5, 1), date(2025, 6, 30))]
    assert [(c.date, c.period_end, c.amount) for c in old] == [(date(2025, 5, 1), date(2025, 5, 10), D("20.00"))]
    assert [(c.date, c.period_start, c.period_end, c.amount) for c in new] == [
        (date(2025, 5, 11), date(2025, 5, 11), date(2025, 5, 31), D("84.00")),
        (date(2025, 6, 1), date(2025, 6, 1), date(2025, 6, 30), D("124.00")),
    ]


def test_the_successor_keeps_the_schedule_of_the_first_start():
    # Monthly without chosen days charges on the start's day: the 10th, before and after the change.
    package = PackageTerms(retail=D("10"), frequency=Frequency.MONTHLY)
    plain = AllocationTerms(date(2025, 1, 10), None, 1)
    _, after = successor(plain, date(2025, 3, 20), 2)
    assert [c.date for c in allocation_charges(package, after, date(2025, 3, 1), date(2025, 5, 31))] == [
        date(2025, 4, 10), date(2025, 5, 10),
    ]


FACTS = ChangeFacts(date(2025, 1, 10), None, date(2025, 1, 10), False, 2, 7, 90)


@pytest.mark.parametrize(
    ("facts", "day", "quantity", "package", "says"),
    [
        (FACTS, date(2025, 5, 1), 2, 7, "nothing changes"),
        (FACTS, date(2025, 1, 10), 3, 7, "not after the start date 2025-01-10"),
        (FACTS, date(2024, 12, 1), 3, 7, "not after the start date"),
        (replace(FACTS, end=date(2025, 6, 30)), date(2025, 7, 1), 3, 7, "after the end date 2025-06-30"),
        (replace(FACTS, last_posted=date(2025, 4, 10)), date(2025, 4, 1), 3, 7, "posted up to 2025-04-10: change from 2025-04-11"),
        (replace(FACTS, prorate=True, last_posted=date(2025, 4, 10), last_posted_period=date(2025, 5, 9)),
         date(2025, 5, 1), 3, 7, "the period to 2025-05-09 is posted whole"),
        (FACTS, date(2025, 3, 1), 1, 8, "90 minimum days from 2025-01-10: a move to another package can start from 2025-04-11"),
        (replace(FACTS, followed_from=date(2025, 6, 1)), date(2025, 7, 1), 3, 7, "already changes from 2025-06-01"),
    ],
)
def test_a_change_is_refused_with_its_reason(facts, day, quantity, package, says):
    problem = change_problem(facts, day, quantity, package)
    assert problem is not None and says in problem


def test_a_change_that_can_be_made():
    assert change_problem(FACTS, date(2025, 3, 1), 5, 7) is None  # a quantity change ignores minimum days
    assert change_problem(FACTS, date(2025, 4, 11), 1, 8) is None
    assert first_change_date(replace(FACTS, last_posted=date(2025, 4, 10)), False) == date(2025, 4, 11)


MONTHLY = PackageTerms(D("10"), frequency=Frequency.MONTHLY)


@pytest.mark.parametrize(
    ("facts", "package", "new_package", "today", "offered"),
    [
        # The chain's day (10th, no chosen days) on or after today.
        (FACTS, MONTHLY, False, date(2025, 3, 1), date(2025, 3, 10)),
        (FACTS, MONTHLY, False, date(2025, 3, 10), date(2025, 3, 10)),
        # After what is posted, whatever today is.
        (replace(FACTS, last_posted=date(2025, 4, 10)), MONTHLY, False, date(2025, 3, 1), date(2025, 5, 10)),
        # A move to another package waits for the minimum days (90 from 01-10: 04-11), then its next charge date.
        (FACTS, replace(MONTHLY, match=(1,)), True, date(2025, 3, 1), date(2025, 5, 1)),
        # No charge date before the end: the first date allowed.
        (replace(FACTS, end=date(2025, 3, 5)), MONTHLY, False, date(2025, 3, 1), date(2025, 3, 1)),
        (FACTS, replace(MONTHLY, frequency=Frequency.NONE), False, date(2025, 3, 1), date(2025, 3, 1)),
    ],
)
def test_the_date_offered_for_a_change_is_the_next_charge_date_allowed(facts, package, new_package, today, offered):
    assert suggested_change_date(facts, package, new_package, today) == offered
    assert change_problem(facts, offered, 5, 8 if new_package else 7) is None


def test_overlap_of_date_ranges():
    assert overlap(date(2025, 1, 1), None, date(2025, 3, 1), date(2025, 4, 1)) == (date(2025, 3, 1), date(2025, 4, 1))
    assert overlap(date(2025, 1, 1), date(2025, 2, 28), date(2025, 3, 1), None) is None
    assert overlap(date(2025, 1, 1), None, date(2024, 3, 1), None) == (date(2025, 1, 1), None)


def test_two_commitments_over_the_same_days_warn():
    others = [("Bundle #1", date(2025, 1, 1), date(2025, 3, 31)), ("Bundle #2", date(2025, 6, 1), None)]
    warning = commitments_warning(date(2025, 3, 1), date(2025, 4, 30), others)
    assert warning is not None and "Bundle #1 (2025-03-01 to 2025-03-31)" in warning and "#2" not in warning
    assert commitments_warning(date(2025, 4, 1), date(2025, 5, 31), others) is None
