"""billing.summary: what the live panel shows for a package.

Charge dates per year (summary.py's rule): daily 365.25, weekly chosen days x
365.25 / 7, monthly the distinct dates of 2024-2027 / 4, yearly 1, none 0.
Monthly equivalent = price x dates per year / 12. Figures worked out by hand.
2025-03-05 is a Wednesday.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from billing import RECURRING, SETUP, Frequency, PackageTerms
from billing.summary import charges_per_year, margin_percent, package_summary

D = Decimal
WEDNESDAY = date(2025, 3, 5)

WEEKLY_TUE_FRI = PackageTerms(
    retail=D("3"), cost=D("1"), setup_retail=D("10"), setup_cost=D("4"), frequency=Frequency.WEEKLY, match=(1, 4)
)


def test_next_charges_of_a_weekly_tue_fri_package_from_a_wednesday():
    summary = package_summary(WEEKLY_TUE_FRI, WEDNESDAY)
    assert [(c.date, c.kind, c.amount, c.cost) for c in summary.next_charges] == [
        (date(2025, 3, 7), RECURRING, D("3.00"), D("1.00")),  # Fri
        (date(2025, 3, 11), RECURRING, D("3.00"), D("1.00")),  # Tue
        (date(2025, 3, 14), RECURRING, D("3.00"), D("1.00")),  # Fri
        (date(2025, 3, 18), RECURRING, D("3.00"), D("1.00")),  # Tue
        (date(2025, 3, 21), RECURRING, D("3.00"), D("1.00")),  # Fri
    ]
    assert [(c.period_start, c.period_end) for c in summary.next_charges[:2]] == [
        (date(2025, 3, 7), date(2025, 3, 10)),
        (date(2025, 3, 11), date(2025, 3, 13)),
    ]


def test_next_charges_count():
    summary = package_summary(WEEKLY_TUE_FRI, WEDNESDAY, count=2)
    assert [c.date for c in summary.next_charges] == [date(2025, 3, 7), date(2025, 3, 11)]


def test_setup_line_of_the_summary():
    summary = package_summary(WEEKLY_TUE_FRI, WEDNESDAY)
    assert summary.setup is not None
    assert (summary.setup.date, summary.setup.kind, summary.setup.amount, summary.setup.cost) == (
        WEDNESDAY,
        SETUP,
        D("10.00"),
        D("4.00"),
    )
    assert all(c.kind == RECURRING for c in summary.next_charges)


def test_no_setup_line_without_setup_prices():
    package = PackageTerms(retail=D("3"), frequency=Frequency.WEEKLY, match=(1, 4))
    assert package_summary(package, WEDNESDAY).setup is None


def test_weekly_monthly_equivalent_margin_and_yearly_value():
    summary = package_summary(WEEKLY_TUE_FRI, WEDNESDAY)
    per_year = D(2) * D("365.25") / D(7)  # 104.357142...
    assert summary.charges_per_year == per_year
    # 3 x 104.357142 / 12 = 26.0892857 -> 26.09; 1 x 104.357142 / 12 = 8.6964 -> 8.70
    assert summary.monthly_retail == D("26.09")
    assert summary.monthly_cost == D("8.70")
    assert summary.monthly_margin == D("17.39")
    # 3 x 104.357142 = 313.0714 -> 313.07; 104.357142 -> 104.36
    assert summary.yearly_retail == D("313.07")
    assert summary.yearly_cost == D("104.36")
    assert summary.yearly_margin == D("208.71")
    # (3 - 1) / 3 = 66.66..% -> 66.7
    assert summary.margin_percent == D("66.7")


@pytest.mark.parametrize(
    "frequency, match, expected",
    [
        (Frequency.MONTHLY, (31,), D("12")),
        (Frequency.MONTHLY, (1,), D("12")),
        (Frequency.MONTHLY, (15, 31), D("24")),
        # 7 months of 31 days x 3 + 4 months of 30 days x 2 + February x 1 = 30
        (Frequency.MONTHLY, (29, 30, 31), D("30")),
        # 7 x 2 + 4 x 1 + 1 = 19
        (Frequency.MONTHLY, (30, 31), D("19")),
        (Frequency.WEEKLY, (1, 4), D(2) * D("365.25") / D(7)),
        (Frequency.WEEKLY, (0,), D("365.25") / D(7)),
        (Frequency.DAILY, (), D("365.25")),
        (Frequency.YEARLY, (), D("1")),
        (Frequency.NONE, (), D("0")),
    ],
)
def test_charges_per_year(frequency, match, expected):
    assert charges_per_year(frequency, match) == expected


def test_monthly_29_30_31_is_30_in_the_summary():
    package = PackageTerms(retail=D("1"), frequency=Frequency.MONTHLY, match=(29, 30, 31))
    summary = package_summary(package, date(2025, 1, 1))
    assert summary.charges_per_year == D("30")
    assert summary.monthly_retail == D("2.50")  # 1 x 30 / 12
    assert summary.yearly_retail == D("30.00")


@pytest.mark.parametrize(
    "package, monthly, yearly",
    [
        (PackageTerms(retail=D("10"), frequency=Frequency.MONTHLY, match=(31,)), D("10.00"), D("120.00")),
        (PackageTerms(retail=D("20"), frequency=Frequency.MONTHLY, match=(15, 31)), D("40.00"), D("480.00")),
        # 365.25 / 12 = 30.4375 -> 30.44
        (PackageTerms(retail=D("1"), frequency=Frequency.DAILY), D("30.44"), D("365.25")),
        (PackageTerms(retail=D("120"), frequency=Frequency.YEARLY), D("10.00"), D("120.00")),
        (PackageTerms(retail=D("50"), frequency=Frequency.NONE), D("0.00"), D("0.00")),
    ],
)
def test_monthly_equivalent_and_yearly_value(package, monthly, yearly):
    summary = package_summary(package, date(2025, 3, 5))
    assert summary.monthly_retail == monthly
    assert summary.yearly_retail == yearly


def test_monthly_default_match_is_todays_day():
    # No match: the start (today) gives the day. 31 -> 12 a year.
    package = PackageTerms(retail=D("10"), frequency=Frequency.MONTHLY)
    summary = package_summary(package, date(2025, 1, 31))
    assert [c.date for c in summary.next_charges[:3]] == [date(2025, 1, 31), date(2025, 2, 28), date(2025, 3, 31)]
    assert summary.charges_per_year == D("12")


def test_frequency_none_has_no_next_charges():
    package = PackageTerms(retail=D("50"), setup_retail=D("99"), frequency=Frequency.NONE)
    summary = package_summary(package, WEDNESDAY)
    assert summary.next_charges == ()
    assert summary.setup is not None and summary.setup.amount == D("99.00")
    assert summary.charges_per_year == D("0")


def test_margin_percent():
    assert margin_percent(D("4.50"), D("2")) == D("55.6")  # 2.5 / 4.5 = 55.55..%
    assert margin_percent(D("10"), D("0")) == D("100.0")
    assert margin_percent(D("10"), D("10")) == D("0.0")
    assert margin_percent(D("10"), D("12")) == D("-20.0")  # selling at a loss shows it


def test_margin_percent_is_none_when_retail_is_zero():
    assert margin_percent(D("0"), D("5")) is None
    package = PackageTerms(retail=D("0"), cost=D("5"), frequency=Frequency.MONTHLY, match=(1,))
    assert package_summary(package, WEDNESDAY).margin_percent is None


def test_minimum_spend_summary_shows_the_commitment():
    package = PackageTerms(retail=D("50"), cost=D("20"), frequency=Frequency.MONTHLY, match=(1,), minimum_spend=True)
    summary = package_summary(package, date(2025, 3, 1))
    assert summary.minimum_spend is True
    assert summary.commitment == D("50.00")
    # no retail is charged on the charge dates, only the cost
    assert [(c.amount, c.cost) for c in summary.next_charges[:2]] == [(D("0.00"), D("20.00"))] * 2
