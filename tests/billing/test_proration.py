"""Prorate partial periods (BILLING.md, "Recurring charges").

With proration on, the part of a period before the first charge date is
charged on the start date as retail x quantity x days covered / days in that
whole period, and the last period, cut short by the end date, is charged on
its charge date the same way. Days are whole dates, the start counted.
Every expected figure is worked out by hand in the comment beside it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from billing import RECURRING, SETUP, AllocationTerms, Frequency, PackageTerms, allocation_charges

D = Decimal

MONTHLY_1 = PackageTerms(retail=D("30"), frequency=Frequency.MONTHLY, match=(1,))


def lines(package, start, end=None, *, until=None, qty=1, prorate=True):
    allocation = AllocationTerms(start=start, end=end, quantity=qty, prorate=prorate)
    return list(allocation_charges(package, allocation, start, until, 2))


def rows(charges):
    return [(c.date, c.kind, c.period_start, c.period_end, c.amount) for c in charges]


# --- each recurring line: (date, period start, period end, amount) -----------------

WEEKLY_MON = PackageTerms(retail=D("10"), frequency=Frequency.WEEKLY, match=(0,))
WEEKLY_TUE_FRI = PackageTerms(retail=D("10"), frequency=Frequency.WEEKLY, match=(1, 4))


@pytest.mark.parametrize(
    "package, start, end, until, prorate, expected",
    [
        # [03-10, 04-01) is 22 of the 31 days of [03-01, 04-01)
        pytest.param(MONTHLY_1, date(2025, 3, 10), None, date(2025, 5, 1), True, [
            (date(2025, 3, 10), date(2025, 3, 10), date(2025, 3, 31), "21.29"),  # 30 x 22/31 = 21.2903
            (date(2025, 4, 1), date(2025, 4, 1), date(2025, 4, 30), "30.00"),
            (date(2025, 5, 1), date(2025, 5, 1), date(2025, 5, 31), "30.00"),
        ], id="first partial period: the BILLING.md example"),
        # monthly [15, 31] from 2025-02-20: the period is [02-15, 02-28), 13 days;
        # [02-20, 02-28) covers 8 of them
        pytest.param(PackageTerms(retail=D("13"), frequency=Frequency.MONTHLY, match=(15, 31)),
                     date(2025, 2, 20), None, date(2025, 2, 28), True, [
            (date(2025, 2, 20), date(2025, 2, 20), date(2025, 2, 27), "8.00"),  # 13 x 8/13
            (date(2025, 2, 28), date(2025, 2, 28), date(2025, 3, 14), "13.00"),
        ], id="first partial period of a short monthly period"),
        # monthly [31] from 2025-03-10: the period is [02-28, 03-31), 31 days;
        # [03-10, 03-31) covers 21 of them
        pytest.param(PackageTerms(retail=D("31"), frequency=Frequency.MONTHLY, match=(31,)),
                     date(2025, 3, 10), None, date(2025, 3, 31), True, [
            (date(2025, 3, 10), date(2025, 3, 10), date(2025, 3, 30), "21.00"),  # 31 x 21/31
            (date(2025, 3, 31), date(2025, 3, 31), date(2025, 4, 29), "31.00"),
        ], id="first partial period with day 31 uses the clamped previous date"),
        pytest.param(MONTHLY_1, date(2025, 3, 1), date(2025, 4, 10), None, True, [
            (date(2025, 3, 1), date(2025, 3, 1), date(2025, 3, 31), "30.00"),
            (date(2025, 4, 1), date(2025, 4, 1), date(2025, 4, 10), "10.00"),  # 10 of [04-01, 05-01)'s 30: 30 x 10/30
        ], id="last partial period cut by the end date"),
        pytest.param(MONTHLY_1, date(2025, 1, 1), date(2025, 2, 14), None, True, [
            (date(2025, 1, 1), date(2025, 1, 1), date(2025, 1, 31), "30.00"),
            (date(2025, 2, 1), date(2025, 2, 1), date(2025, 2, 14), "15.00"),  # 14 of February's 28 days: 30 x 14/28
        ], id="last partial period in February"),
        pytest.param(MONTHLY_1, date(2025, 3, 1), date(2025, 4, 30), None, True, [
            (date(2025, 3, 1), date(2025, 3, 1), date(2025, 3, 31), "30.00"),
            (date(2025, 4, 1), date(2025, 4, 1), date(2025, 4, 30), "30.00"),  # the whole of April
        ], id="an end on the last day of a period charges it whole"),
        pytest.param(MONTHLY_1, date(2025, 3, 1), None, date(2025, 4, 1), True, [
            (date(2025, 3, 1), date(2025, 3, 1), date(2025, 3, 31), "30.00"),  # from a schedule date: whole
            (date(2025, 4, 1), date(2025, 4, 1), date(2025, 4, 30), "30.00"),
        ], id="a start on a schedule date has no partial line"),
        pytest.param(MONTHLY_1, date(2025, 3, 10), date(2025, 3, 20), None, True, [
            (date(2025, 3, 10), date(2025, 3, 10), date(2025, 3, 20), "10.65"),  # 11 of 31 days: 30 x 11/31 = 10.6452
        ], id="an end before the first schedule date gives one line on the start"),
        pytest.param(PackageTerms(retail=D("31"), frequency=Frequency.MONTHLY, match=(1,)),
                     date(2025, 3, 10), date(2025, 3, 10), None, True, [
            (date(2025, 3, 10), date(2025, 3, 10), date(2025, 3, 10), "1.00"),  # one day of 31: 31 x 1/31
        ], id="start and end on the same date, not a schedule date"),
        pytest.param(MONTHLY_1, date(2025, 3, 10), date(2025, 3, 31), None, True, [
            (date(2025, 3, 10), date(2025, 3, 10), date(2025, 3, 31), "21.29"),  # 22 of 31 days, and nothing on 04-01
        ], id="an end the day before the first schedule date"),
        # weekly [mon] from Wednesday 2025-03-05: [03-05, 03-10) is 5 of the 7 days of [03-03, 03-10)
        pytest.param(WEEKLY_MON, date(2025, 3, 5), None, date(2025, 3, 10), True, [
            (date(2025, 3, 5), date(2025, 3, 5), date(2025, 3, 9), "7.14"),  # 10 x 5/7 = 7.142857
            (date(2025, 3, 10), date(2025, 3, 10), date(2025, 3, 16), "10.00"),
        ], id="weekly: first partial period"),
        # weekly [tue, fri], 2025-03-05 (Wed) to 2025-03-12 (Wed), retail 10
        pytest.param(WEEKLY_TUE_FRI, date(2025, 3, 5), date(2025, 3, 12), None, True, [
            (date(2025, 3, 5), date(2025, 3, 5), date(2025, 3, 6), "6.67"),  # 2 of the 3 days of [03-04, 03-07)
            (date(2025, 3, 7), date(2025, 3, 7), date(2025, 3, 10), "10.00"),  # the whole period [03-07, 03-11)
            (date(2025, 3, 11), date(2025, 3, 11), date(2025, 3, 12), "6.67"),  # 2 of the 3 days of [03-11, 03-14)
        ], id="weekly on two days: first and last partial periods"),
        pytest.param(MONTHLY_1, date(2025, 3, 10), date(2025, 4, 15), None, False, [
            (date(2025, 4, 1), date(2025, 4, 1), date(2025, 4, 30), "30.00"),
        ], id="proration off: no partial line"),
    ],
)
def test_recurring_lines(package, start, end, until, prorate, expected):
    charges = lines(package, start, end, until=until, prorate=prorate)
    assert rows(charges) == [(day, RECURRING, begins, ends, D(amount)) for day, begins, ends, amount in expected]


# --- quantity, setup, and lines checked one part at a time ------------------------


def test_first_partial_period_is_rounded_once_with_quantity():
    # retail 10, qty 3: 30 x 22/31 = 21.2903 -> 21.29 (per unit, 3 x 7.10 would be 21.30)
    package = PackageTerms(retail=D("10"), frequency=Frequency.MONTHLY, match=(1,))
    charges = lines(package, date(2025, 3, 10), until=date(2025, 4, 1), qty=3)
    assert [(c.date, c.quantity, c.amount) for c in charges] == [
        (date(2025, 3, 10), 3, D("21.29")),
        (date(2025, 4, 1), 3, D("30.00")),
    ]


def test_first_partial_period_comes_after_the_setup_line():
    package = PackageTerms(retail=D("30"), setup_retail=D("5"), frequency=Frequency.MONTHLY, match=(1,))
    charges = lines(package, date(2025, 3, 10), until=date(2025, 4, 1))
    assert [(c.date, c.kind, c.amount) for c in charges] == [
        (date(2025, 3, 10), SETUP, D("5.00")),
        (date(2025, 3, 10), RECURRING, D("21.29")),
        (date(2025, 4, 1), RECURRING, D("30.00")),
    ]


def test_last_partial_period_of_one_day_on_a_schedule_date():
    # end on 04-01 itself: 1 of 30 days: 30 x 1/30 = 1.00
    charges = lines(MONTHLY_1, date(2025, 3, 1), date(2025, 4, 1))
    assert rows(charges)[-1] == (date(2025, 4, 1), RECURRING, date(2025, 4, 1), date(2025, 4, 1), D("1.00"))


def test_first_and_last_partial_periods_together():
    # 03-10: 30 x 22/31 = 21.29; 04-01: [04-01, 04-15] is 15 of 30 days: 15.00
    charges = lines(MONTHLY_1, date(2025, 3, 10), date(2025, 4, 15))
    assert rows(charges) == [
        (date(2025, 3, 10), RECURRING, date(2025, 3, 10), date(2025, 3, 31), D("21.29")),
        (date(2025, 4, 1), RECURRING, date(2025, 4, 1), date(2025, 4, 15), D("15.00")),
    ]
    assert sum(c.amount for c in charges) == D("36.29")


def test_proration_is_off_by_default():
    allocation = AllocationTerms(start=date(2025, 3, 10), end=date(2025, 3, 20))
    assert allocation.prorate is False
    assert list(allocation_charges(MONTHLY_1, allocation, allocation.start, None, 2)) == []


def test_proration_off_weekly_charges_only_schedule_dates_whole():
    charges = lines(WEEKLY_TUE_FRI, date(2025, 3, 5), date(2025, 3, 12), prorate=False)
    assert [(c.date, c.amount) for c in charges] == [
        (date(2025, 3, 7), D("10.00")),
        (date(2025, 3, 11), D("10.00")),
    ]
