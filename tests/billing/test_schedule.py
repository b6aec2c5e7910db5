"""The "Schedule" table and the "Recurring charges" rules of BILLING.md.

Expected dates are written out by hand from a calendar (2024 is a leap year,
2025-03-01 is a Saturday, 2025-03-05 a Wednesday).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from itertools import islice

import pytest

from billing import RECURRING, SETUP, AllocationTerms, Frequency, PackageTerms, allocation_charges

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


def test_monthly_31_over_a_leap_year_and_after():
    package = PackageTerms(retail=D("10"), frequency=Frequency.MONTHLY, match=(31,))
    lines = charges(package, date(2024, 1, 1), date(2025, 6, 30))
    assert recurring_dates(lines) == [
        date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31),  # leap year; back to 31
        date(2024, 4, 30), date(2024, 5, 31), date(2024, 6, 30),
        date(2024, 7, 31), date(2024, 8, 31), date(2024, 9, 30),
        date(2024, 10, 31), date(2024, 11, 30), date(2024, 12, 31),
        date(2025, 1, 31), date(2025, 2, 28), date(2025, 3, 31),  # common year; back to 31, no drift to 28
        date(2025, 4, 30), date(2025, 5, 31), date(2025, 6, 30),
    ]
    assert all(c.amount == D("10.00") for c in lines)


WEEKLY, MONTHLY, YEARLY = Frequency.WEEKLY, Frequency.MONTHLY, Frequency.YEARLY


@pytest.mark.parametrize(
    "frequency, match, start, end, until, expected",
    [
        # Same package as the test above, started on Friday 2025-03-07 -> Fridays.
        pytest.param(WEEKLY, (), date(2025, 3, 7), date(2025, 3, 25), None,
                     [date(2025, 3, 7), date(2025, 3, 14), date(2025, 3, 21)], id="weekly default follows the start date"),
        # tue (1) and fri (4), from Wednesday 2025-03-05 to Friday 2025-03-14.
        pytest.param(WEEKLY, (4, 1), date(2025, 3, 5), date(2025, 3, 14), None,
                     [date(2025, 3, 7), date(2025, 3, 11), date(2025, 3, 14)], id="weekly on chosen weekdays"),
        pytest.param(MONTHLY, (), date(2025, 1, 20), date(2025, 4, 19), None,
                     [date(2025, 1, 20), date(2025, 2, 20), date(2025, 3, 20)], id="monthly default is the start date's day"),
        # Default match from a start on the 31st is day 31: last day of short
        # months, back on the 31st afterwards.
        pytest.param(MONTHLY, (), date(2025, 1, 31), date(2025, 5, 31), None, [
            date(2025, 1, 31), date(2025, 2, 28), date(2025, 3, 31), date(2025, 4, 30), date(2025, 5, 31),
        ], id="monthly default from the 31st does not drift"),
        pytest.param(MONTHLY, (5, 20), date(2025, 1, 10), date(2025, 2, 28), None,
                     [date(2025, 1, 20), date(2025, 2, 5), date(2025, 2, 20)],
                     id="monthly days before the start are not charged in the first month"),
        pytest.param(YEARLY, (), date(2025, 6, 15), date(2027, 12, 31), None,
                     [date(2025, 6, 15), date(2026, 6, 15), date(2027, 6, 15)], id="yearly on the start date's month and day"),
        # ... 2028-02-29: a leap year again, back on the 29th.
        pytest.param(YEARLY, (), date(2024, 2, 29), date(2028, 3, 1), None, [
            date(2024, 2, 29), date(2025, 2, 28), date(2026, 2, 28), date(2027, 2, 28), date(2028, 2, 29),
        ], id="yearly on 29 February charges on 28 February in common years"),
        pytest.param(MONTHLY, (10,), date(2025, 3, 10), date(2025, 5, 10), None,
                     [date(2025, 3, 10), date(2025, 4, 10), date(2025, 5, 10)],
                     id="start and end on schedule dates are both charged"),
        pytest.param(MONTHLY, (10,), date(2025, 3, 10), date(2025, 5, 9), None,
                     [date(2025, 3, 10), date(2025, 4, 10)], id="a schedule date after the end is not charged"),
        pytest.param(MONTHLY, (10,), date(2025, 3, 11), date(2025, 5, 10), None,
                     [date(2025, 4, 10), date(2025, 5, 10)], id="a schedule date before the start is not charged"),
        pytest.param(WEEKLY, (2,), date(2025, 3, 5), date(2025, 3, 5), None,
                     [date(2025, 3, 5)], id="start equal to end on a schedule date charges once"),
        # A run for date D finds every charge dated on or before D.
        pytest.param(Frequency.DAILY, (), date(2025, 1, 1), None, date(2025, 1, 3),
                     [date(2025, 1, 1), date(2025, 1, 2), date(2025, 1, 3)],
                     id="the window's until is inclusive and a missed day is caught up"),
    ],
)
def test_recurring_dates(frequency, match, start, end, until, expected):
    package = PackageTerms(retail=D("3"), frequency=frequency, match=match)
    assert recurring_dates(charges(package, start, end, until=until)) == expected


@pytest.mark.parametrize(
    "start, end, expected",
    [
        pytest.param(date(2025, 2, 1), date(2025, 3, 31), [
            (date(2025, 2, 28), D("7.00")),  # once, not 14.00 and not twice
            (date(2025, 3, 30), D("7.00")),
            (date(2025, 3, 31), D("7.00")),
        ], id="on 28 February"),
        pytest.param(date(2024, 2, 1), date(2024, 2, 29), [(date(2024, 2, 29), D("7.00"))], id="on 29 February in a leap year"),
    ],
)
def test_monthly_30_and_31_collapse_to_one_charge(start, end, expected):
    package = PackageTerms(retail=D("7"), frequency=MONTHLY, match=(30, 31))
    assert [(c.date, c.amount) for c in recurring(charges(package, start, end))] == expected


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


# --- periods ----------------------------------------------------------------


def periods(lines):
    return [(c.date, c.period_start, c.period_end) for c in recurring(lines)]


@pytest.mark.parametrize(
    "frequency, match, start, end, expected",
    [
        pytest.param(MONTHLY, (15, 31), date(2025, 1, 1), date(2025, 2, 28), [
            (date(2025, 1, 15), date(2025, 1, 15), date(2025, 1, 30)),
            (date(2025, 1, 31), date(2025, 1, 31), date(2025, 2, 14)),
            (date(2025, 2, 15), date(2025, 2, 15), date(2025, 2, 27)),
            (date(2025, 2, 28), date(2025, 2, 28), date(2025, 3, 14)),
        ], id="monthly"),
        pytest.param(WEEKLY, (1, 4), date(2025, 3, 5), date(2025, 3, 11), [
            (date(2025, 3, 7), date(2025, 3, 7), date(2025, 3, 10)),  # Fri -> Mon
            (date(2025, 3, 11), date(2025, 3, 11), date(2025, 3, 13)),  # Tue -> Thu
        ], id="weekly"),
    ],
)
def test_a_period_runs_to_the_day_before_the_next_schedule_date(frequency, match, start, end, expected):
    package = PackageTerms(retail=D("1"), frequency=frequency, match=match)
    assert periods(charges(package, start, end)) == expected


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
