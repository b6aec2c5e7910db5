"""The "Schedule" table and the "Recurring charges" rules of BILLING.md.

Expected dates are written out by hand from a calendar (2024 is a leap year,
2025-03-01 is a Saturday, 2025-03-05 a Wednesday).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from itertools import islice

import pytest

from billing import (
    RECURRING,
    SETUP,
    AllocationTerms,
    Frequency,
    PackageTerms,
    allocation_charges,
)

D = Decimal


def charges(package, start, end=None, *, until=None, since=None, qty=1, prorate=False, precision=2):
    allocation = AllocationTerms(start=start, end=end, quantity=qty, prorate=prorate)
    since = start if since is None else since
    if end is None and until is None:
        raise AssertionError("an open-ended allocation needs an until date in a test")
    return list(allocation_charges(package, allocation, since, until, precision))


def recurring(lines):
    return [c for c in lines if c.kind == RECURRING]


def recurring_dates(lines):
    return [c.date for c in recurring(lines)]


# --- frequencies -----------------------------------------------------------


def test_daily_charges_every_day_across_a_month_end():
    package = PackageTerms(retail=D("1"), frequency=Frequency.DAILY)
    lines = charges(package, date(2025, 2, 27), date(2025, 3, 2))
    assert recurring_dates(lines) == [
        date(2025, 2, 27),
        date(2025, 2, 28),
        date(2025, 3, 1),
        date(2025, 3, 2),
    ]
    assert all(c.amount == D("1.00") for c in lines)


def test_weekly_default_is_the_start_dates_weekday():
    # 2025-03-05 is a Wednesday: no match given -> every Wednesday.
    package = PackageTerms(retail=D("3"), frequency=Frequency.WEEKLY)
    lines = charges(package, date(2025, 3, 5), date(2025, 3, 25))
    assert recurring_dates(lines) == [date(2025, 3, 5), date(2025, 3, 12), date(2025, 3, 19)]
    assert all(d.weekday() == 2 for d in recurring_dates(lines))


def test_weekly_default_follows_the_start_date():
    # Same package, started on Friday 2025-03-07 -> Fridays.
    package = PackageTerms(retail=D("3"), frequency=Frequency.WEEKLY)
    lines = charges(package, date(2025, 3, 7), date(2025, 3, 25))
    assert recurring_dates(lines) == [date(2025, 3, 7), date(2025, 3, 14), date(2025, 3, 21)]


def test_weekly_chosen_weekdays():
    # tue (1) and fri (4), from Wednesday 2025-03-05 to Friday 2025-03-14.
    package = PackageTerms(retail=D("3"), frequency=Frequency.WEEKLY, match=(4, 1))
    lines = charges(package, date(2025, 3, 5), date(2025, 3, 14))
    assert recurring_dates(lines) == [date(2025, 3, 7), date(2025, 3, 11), date(2025, 3, 14)]


def test_monthly_default_is_the_start_dates_day():
    package = PackageTerms(retail=D("3"), frequency=Frequency.MONTHLY)
    lines = charges(package, date(2025, 1, 20), date(2025, 4, 19))
    assert recurring_dates(lines) == [date(2025, 1, 20), date(2025, 2, 20), date(2025, 3, 20)]


def test_monthly_default_from_the_31st_does_not_drift():
    # Default match from a start on the 31st is day 31: last day of short
    # months, back on the 31st afterwards.
    package = PackageTerms(retail=D("3"), frequency=Frequency.MONTHLY)
    lines = charges(package, date(2025, 1, 31), date(2025, 5, 31))
    assert recurring_dates(lines) == [
        date(2025, 1, 31),
        date(2025, 2, 28),
        date(2025, 3, 31),
        date(2025, 4, 30),
        date(2025, 5, 31),
    ]


def test_monthly_31_over_a_leap_year_and_after():
    package = PackageTerms(retail=D("10"), frequency=Frequency.MONTHLY, match=(31,))
    lines = charges(package, date(2024, 1, 1), date(2025, 6, 30))
    assert recurring_dates(lines) == [
        date(2024, 1, 31),
        date(2024, 2, 29),  # leap year
        date(2024, 3, 31),  # back to 31
        date(2024, 4, 30),
        date(2024, 5, 31),
        date(2024, 6, 30),
        date(2024, 7, 31),
        date(2024, 8, 31),
        date(2024, 9, 30),
        date(2024, 10, 31),
        date(2024, 11, 30),
        date(2024, 12, 31),
        date(2025, 1, 31),
        date(2025, 2, 28),  # common year
        date(2025, 3, 31),  # back to 31, no drift to 28
        date(2025, 4, 30),
        date(2025, 5, 31),
        date(2025, 6, 30),
    ]
    assert all(c.amount == D("10.00") for c in lines)


def test_monthly_30_and_31_collapse_to_one_charge_on_28_february():
    package = PackageTerms(retail=D("7"), frequency=Frequency.MONTHLY, match=(30, 31))
    lines = charges(package, date(2025, 2, 1), date(2025, 3, 31))
    assert [(c.date, c.amount) for c in recurring(lines)] == [
        (date(2025, 2, 28), D("7.00")),  # once, not 14.00 and not twice
        (date(2025, 3, 30), D("7.00")),
        (date(2025, 3, 31), D("7.00")),
    ]


def test_monthly_30_and_31_collapse_to_one_charge_on_29_february_in_a_leap_year():
    package = PackageTerms(retail=D("7"), frequency=Frequency.MONTHLY, match=(30, 31))
    lines = charges(package, date(2024, 2, 1), date(2024, 2, 29))
    assert [(c.date, c.amount) for c in recurring(lines)] == [(date(2024, 2, 29), D("7.00"))]


def test_monthly_days_before_the_start_are_not_charged_in_the_first_month():
    package = PackageTerms(retail=D("1"), frequency=Frequency.MONTHLY, match=(5, 20))
    lines = charges(package, date(2025, 1, 10), date(2025, 2, 28))
    assert recurring_dates(lines) == [date(2025, 1, 20), date(2025, 2, 5), date(2025, 2, 20)]


def test_yearly_charges_on_the_start_dates_month_and_day():
    package = PackageTerms(retail=D("100"), frequency=Frequency.YEARLY)
    lines = charges(package, date(2025, 6, 15), date(2027, 12, 31))
    assert recurring_dates(lines) == [date(2025, 6, 15), date(2026, 6, 15), date(2027, 6, 15)]


def test_yearly_on_29_february_charges_on_28_february_in_common_years():
    package = PackageTerms(retail=D("100"), frequency=Frequency.YEARLY)
    lines = charges(package, date(2024, 2, 29), date(2028, 3, 1))
    assert recurring_dates(lines) == [
        date(2024, 2, 29),
        date(2025, 2, 28),
        date(2026, 2, 28),
        date(2027, 2, 28),
        date(2028, 2, 29),  # leap year again: back on the 29th
    ]


def test_frequency_none_gives_no_recurring_charge():
    package = PackageTerms(
        retail=D("9"), cost=D("4"), setup_retail=D("50"), setup_cost=D("20"), frequency=Frequency.NONE
    )
    lines = charges(package, date(2025, 1, 1), until=date(2027, 1, 1))
    assert [(c.date, c.kind, c.amount, c.cost) for c in lines] == [
        (date(2025, 1, 1), SETUP, D("50.00"), D("20.00")),
    ]


def test_frequency_none_without_setup_gives_nothing():
    package = PackageTerms(retail=D("9"), frequency=Frequency.NONE)
    assert charges(package, date(2025, 1, 1), until=date(2027, 1, 1)) == []


# --- bounds -----------------------------------------------------------------


def test_start_and_end_on_schedule_dates_are_both_charged():
    package = PackageTerms(retail=D("1"), frequency=Frequency.MONTHLY, match=(10,))
    lines = charges(package, date(2025, 3, 10), date(2025, 5, 10))
    assert recurring_dates(lines) == [date(2025, 3, 10), date(2025, 4, 10), date(2025, 5, 10)]


def test_schedule_date_after_the_end_is_not_charged():
    package = PackageTerms(retail=D("1"), frequency=Frequency.MONTHLY, match=(10,))
    lines = charges(package, date(2025, 3, 10), date(2025, 5, 9))
    assert recurring_dates(lines) == [date(2025, 3, 10), date(2025, 4, 10)]


def test_schedule_date_before_the_start_is_not_charged():
    package = PackageTerms(retail=D("1"), frequency=Frequency.MONTHLY, match=(10,))
    lines = charges(package, date(2025, 3, 11), date(2025, 5, 10))
    assert recurring_dates(lines) == [date(2025, 4, 10), date(2025, 5, 10)]


def test_start_equal_to_end_on_a_schedule_date_charges_once():
    package = PackageTerms(retail=D("1"), frequency=Frequency.WEEKLY, match=(2,))
    lines = charges(package, date(2025, 3, 5), date(2025, 3, 5))
    assert recurring_dates(lines) == [date(2025, 3, 5)]


def test_window_until_is_inclusive_and_a_missed_day_is_caught_up():
    # A run for date D finds every charge dated on or before D.
    package = PackageTerms(retail=D("2"), frequency=Frequency.DAILY)
    lines = charges(package, date(2025, 1, 1), until=date(2025, 1, 3))
    assert recurring_dates(lines) == [date(2025, 1, 1), date(2025, 1, 2), date(2025, 1, 3)]


# --- periods ----------------------------------------------------------------


def periods(lines):
    return [(c.date, c.period_start, c.period_end) for c in recurring(lines)]


def test_monthly_period_runs_to_the_day_before_the_next_schedule_date():
    package = PackageTerms(retail=D("1"), frequency=Frequency.MONTHLY, match=(15, 31))
    lines = charges(package, date(2025, 1, 1), date(2025, 2, 28))
    assert periods(lines) == [
        (date(2025, 1, 15), date(2025, 1, 15), date(2025, 1, 30)),
        (date(2025, 1, 31), date(2025, 1, 31), date(2025, 2, 14)),
        (date(2025, 2, 15), date(2025, 2, 15), date(2025, 2, 27)),
        (date(2025, 2, 28), date(2025, 2, 28), date(2025, 3, 14)),
    ]


def test_weekly_period_runs_to_the_day_before_the_next_schedule_date():
    package = PackageTerms(retail=D("1"), frequency=Frequency.WEEKLY, match=(1, 4))
    lines = charges(package, date(2025, 3, 5), date(2025, 3, 11))
    assert periods(lines) == [
        (date(2025, 3, 7), date(2025, 3, 7), date(2025, 3, 10)),  # Fri -> Mon
        (date(2025, 3, 11), date(2025, 3, 11), date(2025, 3, 13)),  # Tue -> Thu
    ]


def test_daily_and_yearly_periods():
    daily = PackageTerms(retail=D("1"), frequency=Frequency.DAILY)
    assert periods(charges(daily, date(2025, 2, 28), date(2025, 3, 1))) == [
        (date(2025, 2, 28), date(2025, 2, 28), date(2025, 2, 28)),
        (date(2025, 3, 1), date(2025, 3, 1), date(2025, 3, 1)),
    ]
    yearly = PackageTerms(retail=D("1"), frequency=Frequency.YEARLY)
    assert periods(charges(yearly, date(2024, 2, 29), date(2025, 3, 1))) == [
        (date(2024, 2, 29), date(2024, 2, 29), date(2025, 2, 27)),
        (date(2025, 2, 28), date(2025, 2, 28), date(2026, 2, 27)),
    ]


def test_without_proration_the_last_period_is_charged_whole():
    # Proration is off by default: the last charge pays for its whole period
    # even when the end date cuts it.
    package = PackageTerms(retail=D("30"), frequency=Frequency.MONTHLY, match=(1,))
    lines = charges(package, date(2025, 1, 1), date(2025, 2, 10))
    assert [(c.date, c.period_start, c.period_end, c.amount) for c in lines] == [
        (date(2025, 1, 1), date(2025, 1, 1), date(2025, 1, 31), D("30.00")),
        (date(2025, 2, 1), date(2025, 2, 1), date(2025, 2, 28), D("30.00")),
    ]


# --- setup ------------------------------------------------------------------


def test_setup_line_once_on_the_start_date_before_the_recurring_line():
    package = PackageTerms(
        retail=D("5"), cost=D("1"), setup_retail=D("25"), setup_cost=D("8"),
        frequency=Frequency.MONTHLY, match=(1,),
    )
    lines = charges(package, date(2025, 3, 1), date(2026, 2, 28))
    setups = [c for c in lines if c.kind == SETUP]
    assert [(c.date, c.amount, c.cost, c.quantity) for c in setups] == [
        (date(2025, 3, 1), D("25.00"), D("8.00"), 1)
    ]
    # On the start date the setup line comes first, then that date's charge.
    assert [(c.date, c.kind) for c in lines[:2]] == [
        (date(2025, 3, 1), SETUP),
        (date(2025, 3, 1), RECURRING),
    ]
    assert len(recurring(lines)) == 12


def test_setup_line_on_start_date_that_is_not_a_schedule_date():
    package = PackageTerms(retail=D("5"), setup_retail=D("25"), frequency=Frequency.MONTHLY, match=(1,))
    lines = charges(package, date(2025, 3, 10), date(2025, 4, 30))
    assert [(c.date, c.kind, c.amount) for c in lines] == [
        (date(2025, 3, 10), SETUP, D("25.00")),
        (date(2025, 4, 1), RECURRING, D("5.00")),
    ]


def test_no_setup_line_when_both_setup_amounts_are_zero():
    package = PackageTerms(retail=D("5"), cost=D("2"), frequency=Frequency.MONTHLY, match=(1,))
    lines = charges(package, date(2025, 3, 1), date(2025, 5, 1))
    assert [c for c in lines if c.kind == SETUP] == []
    assert len(lines) == 3


def test_setup_line_when_only_setup_cost_is_set():
    package = PackageTerms(retail=D("5"), setup_cost=D("8"), frequency=Frequency.MONTHLY, match=(1,))
    lines = charges(package, date(2025, 3, 1), date(2025, 3, 31))
    assert [(c.date, c.kind, c.amount, c.cost) for c in lines if c.kind == SETUP] == [
        (date(2025, 3, 1), SETUP, D("0.00"), D("8.00"))
    ]


def test_setup_is_not_repeated_by_a_later_window():
    package = PackageTerms(retail=D("5"), setup_retail=D("25"), frequency=Frequency.MONTHLY, match=(1,))
    allocation = AllocationTerms(start=date(2025, 3, 1))
    later = list(allocation_charges(package, allocation, date(2025, 3, 2), date(2025, 6, 1), 2))
    assert [c.kind for c in later] == [RECURRING, RECURRING, RECURRING]


# --- quantity and rounding --------------------------------------------------


def test_quantity_multiplies_amount_and_cost_of_every_line():
    package = PackageTerms(
        retail=D("4.5"), cost=D("2.25"), setup_retail=D("10"), setup_cost=D("3.5"),
        frequency=Frequency.MONTHLY, match=(1,),
    )
    lines = charges(package, date(2025, 3, 1), date(2025, 4, 1), qty=4)
    assert [(c.date, c.kind, c.quantity, c.amount, c.cost) for c in lines] == [
        (date(2025, 3, 1), SETUP, 4, D("40.00"), D("14.00")),
        (date(2025, 3, 1), RECURRING, 4, D("18.00"), D("9.00")),
        (date(2025, 4, 1), RECURRING, 4, D("18.00"), D("9.00")),
    ]


@pytest.mark.parametrize(
    "retail, qty, expected",
    [
        (D("0.125"), 1, D("0.13")),  # half up (half even would give 0.12)
        (D("0.135"), 1, D("0.14")),
        (D("0.005"), 1, D("0.01")),
        (D("0.125"), 3, D("0.38")),  # 0.375 rounded once; per unit would be 0.39
        (D("0.333333"), 3, D("1.00")),  # 0.999999 rounded once; per unit would be 0.99
        (D("2.675"), 1, D("2.68")),  # a float would make this 2.67
    ],
)
def test_each_line_is_rounded_once_half_up(retail, qty, expected):
    package = PackageTerms(
        retail=retail, cost=retail, setup_retail=retail, setup_cost=retail, frequency=Frequency.DAILY
    )
    lines = charges(package, date(2025, 1, 1), date(2025, 1, 1), qty=qty)
    assert [(c.kind, c.amount, c.cost) for c in lines] == [
        (SETUP, expected, expected),
        (RECURRING, expected, expected),
    ]
    # Rounded to exactly the book's precision.
    assert all(c.amount.as_tuple().exponent == -2 for c in lines)


def test_just_below_half_rounds_down():
    package = PackageTerms(retail=D("0.004999"), cost=D("0.014999"), frequency=Frequency.DAILY)
    lines = charges(package, date(2025, 1, 1), date(2025, 1, 1))
    assert [(c.kind, c.amount, c.cost) for c in lines] == [(RECURRING, D("0.00"), D("0.01"))]


def test_rounding_follows_the_book_precision():
    package = PackageTerms(retail=D("2.5"), cost=D("0.0125"), frequency=Frequency.DAILY)
    p0 = charges(package, date(2025, 1, 1), date(2025, 1, 1), precision=0)
    assert [(c.amount, c.cost) for c in p0] == [(D("3"), D("0"))]
    p3 = charges(package, date(2025, 1, 1), date(2025, 1, 1), precision=3)
    assert [(c.amount, c.cost) for c in p3] == [(D("2.500"), D("0.013"))]
    assert p3[0].cost.as_tuple().exponent == -3


def test_totals_are_sums_of_rounded_lines():
    # 0.125 a day for 4 days: 4 x 0.13 = 0.52, not round(0.5) = 0.50.
    package = PackageTerms(retail=D("0.125"), frequency=Frequency.DAILY)
    lines = charges(package, date(2025, 1, 1), date(2025, 1, 4))
    assert sum(c.amount for c in lines) == D("0.52")


def test_amounts_are_decimal():
    package = PackageTerms(retail=D("0.1"), cost=D("0.2"), frequency=Frequency.DAILY)
    lines = list(
        islice(allocation_charges(package, AllocationTerms(start=date(2025, 1, 1)), date(2025, 1, 1), None, 2), 3)
    )
    assert all(type(c.amount) is Decimal and type(c.cost) is Decimal for c in lines)
    assert sum(c.amount for c in lines) == D("0.30")
    assert [c.date for c in lines] == [date(2025, 1, 1) + timedelta(days=i) for i in range(3)]
