"""One test per row of the "Worked examples" table of BILLING.md.

Book precision 2. Every expected date and amount below was worked out by hand
from the table, not copied from the code's output.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from itertools import islice

import pytest

from billing import RECURRING, SETUP, AllocationTerms, Frequency, PackageTerms, allocation_charges

D = Decimal


def lines(package, allocation, until=None, since=None):
    since = allocation.start if since is None else since
    return list(allocation_charges(package, allocation, since, until, 2))


def summary(charges):
    """(date, kind, amount, cost) of each line, in order."""
    return [(c.date, c.kind, c.amount, c.cost) for c in charges]


def test_monthly_31_falls_on_last_day_of_short_months():
    # monthly [31], retail 10 | qty 1, 2025-01-01 to 2025-04-30
    # -> 01-31, 02-28, 03-31, 04-30: 10.00 each
    package = PackageTerms(retail=D("10"), frequency=Frequency.MONTHLY, match=(31,))
    allocation = AllocationTerms(start=date(2025, 1, 1), end=date(2025, 4, 30), quantity=1)
    assert summary(lines(package, allocation)) == [
        (date(2025, 1, 31), RECURRING, D("10.00"), D("0.00")),
        (date(2025, 2, 28), RECURRING, D("10.00"), D("0.00")),
        (date(2025, 3, 31), RECURRING, D("10.00"), D("0.00")),
        (date(2025, 4, 30), RECURRING, D("10.00"), D("0.00")),
    ]


def test_monthly_15_and_31_charges_twice_a_month_in_a_leap_year():
    # monthly [15, 31], retail 20 | qty 1, 2024-01-01 to 2024-03-31
    # -> 01-15, 01-31, 02-15, 02-29, 03-15, 03-31: 20.00 each
    package = PackageTerms(retail=D("20"), frequency=Frequency.MONTHLY, match=(15, 31))
    allocation = AllocationTerms(start=date(2024, 1, 1), end=date(2024, 3, 31), quantity=1)
    expected_dates = [
        date(2024, 1, 15), date(2024, 1, 31), date(2024, 2, 15), date(2024, 2, 29), date(2024, 3, 15), date(2024, 3, 31),
    ]
    assert summary(lines(package, allocation)) == [
        (d, RECURRING, D("20.00"), D("0.00")) for d in expected_dates
    ]
    assert sum(c.amount for c in lines(package, allocation)) == D("120.00")


def test_monthly_29_30_31_charges_once_on_28_february():
    # monthly [29, 30, 31], retail 1 | qty 1, Feb 2025 -> 02-28 once: 1.00
    package = PackageTerms(retail=D("1"), frequency=Frequency.MONTHLY, match=(29, 30, 31))
    allocation = AllocationTerms(start=date(2025, 2, 1), end=date(2025, 2, 28), quantity=1)
    assert summary(lines(package, allocation)) == [
        (date(2025, 2, 28), RECURRING, D("1.00"), D("0.00")),
    ]


def test_weekly_mon_wed_fri():
    # weekly [mon, wed, fri], retail 5 | qty 1, 2025-03-01 (a Saturday) to
    # 2025-03-14 (a Friday) -> 03-03, 03-05, 03-07, 03-10, 03-12, 03-14: 5.00 each
    package = PackageTerms(retail=D("5"), frequency=Frequency.WEEKLY, match=(0, 2, 4))
    allocation = AllocationTerms(start=date(2025, 3, 1), end=date(2025, 3, 14), quantity=1)
    expected_dates = [date(2025, 3, d) for d in (3, 5, 7, 10, 12, 14)]
    assert summary(lines(package, allocation)) == [
        (d, RECURRING, D("5.00"), D("0.00")) for d in expected_dates
    ]


def test_setup_and_quantity():
    # monthly [1], retail 4.50, cost 2, setup retail 25, setup cost 8 | qty 3,
    # from 2025-03-10 -> setup 75.00 (cost 24.00) on 03-10;
    # 13.50 (cost 6.00) on 04-01, 05-01, ...
    package = PackageTerms(
        retail=D("4.50"), cost=D("2"), setup_retail=D("25"), setup_cost=D("8"), frequency=Frequency.MONTHLY, match=(1,)
    )
    allocation = AllocationTerms(start=date(2025, 3, 10), quantity=3)
    charges = list(islice(allocation_charges(package, allocation, allocation.start, None, 2), 4))
    assert summary(charges) == [
        (date(2025, 3, 10), SETUP, D("75.00"), D("24.00")),
        (date(2025, 4, 1), RECURRING, D("13.50"), D("6.00")),
        (date(2025, 5, 1), RECURRING, D("13.50"), D("6.00")),
        (date(2025, 6, 1), RECURRING, D("13.50"), D("6.00")),
    ]
    assert all(c.quantity == 3 for c in charges)


def test_prorated_first_partial_period():
    # monthly [1], retail 30, prorate on | qty 1, from 2025-03-10
    # -> 03-10: 30 x 22/31 = 21.29 ([03-10, 04-01) is 22 of the 31 days of
    #    [03-01, 04-01)); 04-01: 30.00
    package = PackageTerms(retail=D("30"), frequency=Frequency.MONTHLY, match=(1,))
    allocation = AllocationTerms(start=date(2025, 3, 10), quantity=1, prorate=True)
    charges = lines(package, allocation, until=date(2025, 5, 1))
    assert summary(charges) == [
        (date(2025, 3, 10), RECURRING, D("21.29"), D("0.00")),
        (date(2025, 4, 1), RECURRING, D("30.00"), D("0.00")),
        (date(2025, 5, 1), RECURRING, D("30.00"), D("0.00")),
    ]
    first = charges[0]
    assert (first.period_start, first.period_end) == (date(2025, 3, 10), date(2025, 3, 31))


@pytest.mark.parametrize(
    "cost, quantity, line_cost",
    [
        # The table's package has no cost: 0.00.
        pytest.param("0", 1, "0.00", id="the table's package"),
        # The same package with a provider cost of 20 and quantity 2: the cost is
        # still charged on each charge date ("so margin can be shown").
        pytest.param("20", 2, "40.00", id="with a cost of 20, quantity 2"),
    ],
)
def test_minimum_spend_charges_no_retail_but_its_cost(cost, quantity, line_cost):
    # monthly [1], retail 50, minimum spend, from 2025-03-01 (qty 1 in the table).
    # Only what exists today: no retail on the charge dates (the commitment is
    # settled later by true-ups, not tested here), cost x quantity on each
    # charge date.
    package = PackageTerms(retail=D("50"), cost=D(cost), frequency=Frequency.MONTHLY, match=(1,), minimum_spend=True)
    allocation = AllocationTerms(start=date(2025, 3, 1), quantity=quantity)
    charges = lines(package, allocation, until=date(2025, 5, 31))
    assert summary(charges) == [
        (date(2025, 3, 1), RECURRING, D("0.00"), D(line_cost)),
        (date(2025, 4, 1), RECURRING, D("0.00"), D(line_cost)),
        (date(2025, 5, 1), RECURRING, D("0.00"), D(line_cost)),
    ]


def test_daily_rounds_each_line_half_up():
    # daily, retail 0.125 | qty 1, two days -> 0.13 each day (half up), 0.26 in all
    package = PackageTerms(retail=D("0.125"), frequency=Frequency.DAILY)
    allocation = AllocationTerms(start=date(2025, 1, 1), end=date(2025, 1, 2), quantity=1)
    charges = lines(package, allocation)
    assert summary(charges) == [
        (date(2025, 1, 1), RECURRING, D("0.13"), D("0.00")),
        (date(2025, 1, 2), RECURRING, D("0.13"), D("0.00")),
    ]
    assert sum(c.amount for c in charges) == D("0.26")
