"""billing.projection: charges by month, tax per month, months and bars."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from billing.charges import RECURRING, AllocationTerms, Charge, PackageTerms, allocation_charges
from billing.projection import add_months, bar, month_totals, months_between, totals
from billing.schedule import Frequency

D = Decimal


def charge(day: date, amount: str, cost: str = "0", kind: str = RECURRING) -> Charge:
    return Charge(day, kind, day, day, 1, D(amount), D(cost), 1)


# --- month_totals -----------------------------------------------------------------


def test_each_charge_lands_in_its_month_and_empty_months_are_listed():
    charges = [
        charge(date(2026, 1, 1), "10.00", "4.00"),
        charge(date(2026, 1, 31), "10.00", "4.00"),
        charge(date(2026, 3, 15), "7.50", "1.25"),
        charge(date(2026, 3, 31), "0.01", "0.00"),
    ]
    rows = month_totals(charges, date(2025, 12, 20), date(2026, 4, 2))
    assert [r.month for r in rows] == [date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1)]
    assert [r.retail for r in rows] == [D(0), D("20.00"), D(0), D("7.51"), D(0)]
    assert [r.cost for r in rows] == [D(0), D("8.00"), D(0), D("1.25"), D(0)]
    assert [r.margin for r in rows] == [D(0), D("12.00"), D(0), D("6.26"), D(0)]
    for r in rows:
        assert isinstance(r.retail, Decimal) and isinstance(r.cost, Decimal) and isinstance(r.tax, Decimal)


def test_no_charges_still_gives_one_zero_row_per_month():
    rows = month_totals([], date(2026, 1, 1), date(2026, 12, 31), D("20"))
    assert len(rows) == 12
    assert all(r.retail == 0 and r.cost == 0 and r.tax == 0 for r in rows)


def test_last_day_of_month_is_that_month_not_the_next():
    rows = month_totals([charge(date(2026, 2, 28), "5")], date(2026, 2, 1), date(2026, 3, 31))
    assert rows[0].retail == D(5) and rows[1].retail == 0


def test_tax_per_month_on_the_months_retail():
    charges = [charge(date(2026, 1, 15), "10.05"), charge(date(2026, 2, 15), "45.00"), charge(date(2026, 2, 28), "45.00")]
    rows = month_totals(charges, date(2026, 1, 1), date(2026, 3, 1), D("20"))
    assert [r.tax for r in rows] == [D("2.01"), D("18.00"), D("0")]
    assert rows[0].with_tax == D("12.06")
    assert rows[1].with_tax == D("108.00")
    assert str(rows[0].tax) == "2.01"


def test_tax_rounds_half_up():
    # 1.25 x 10% = 0.125 -> 0.13 (half up; banker's rounding would give 0.12)
    # 2.50 x 5%  = 0.125 -> 0.13; 0.05 x 50% = 0.025 -> 0.03
    rows = month_totals([charge(date(2026, 1, 1), "1.25")], date(2026, 1, 1), date(2026, 1, 1), D("10"))
    assert rows[0].tax == D("0.13")
    rows = month_totals([charge(date(2026, 2, 1), "2.50")], date(2026, 2, 1), date(2026, 2, 1), D("5"))
    assert rows[0].tax == D("0.13")
    rows = month_totals([charge(date(2026, 3, 1), "0.05")], date(2026, 3, 1), date(2026, 3, 1), D("50"))
    assert rows[0].tax == D("0.03")


def test_tax_is_rounded_once_on_the_month_total_not_per_line():
    # per line: 0.05 x 10% = 0.005 -> 0.01 each, 0.02 in all;
    # on the month's retail 0.10 x 10% = 0.01
    charges = [charge(date(2026, 1, 10), "0.05"), charge(date(2026, 1, 20), "0.05")]
    rows = month_totals(charges, date(2026, 1, 1), date(2026, 1, 31), D("10"))
    assert rows[0].retail == D("0.10")
    assert rows[0].tax == D("0.01")


def test_tax_uses_the_book_precision():
    rows = month_totals([charge(date(2026, 1, 1), "10.005")], date(2026, 1, 1), date(2026, 1, 1), D("12.5"), precision=3)
    # 10.005 x 12.5% = 1.250625 -> 1.251
    assert rows[0].tax == D("1.251")
    rows = month_totals([charge(date(2026, 1, 1), "3")], date(2026, 1, 1), date(2026, 1, 1), D("50"), precision=0)
    # 3 x 50% = 1.5 -> 2
    assert rows[0].tax == D("2")


def test_no_tax_percent_means_zero_tax():
    rows = month_totals([charge(date(2026, 1, 1), "99.99")], date(2026, 1, 1), date(2026, 1, 1))
    assert rows[0].tax == 0
    assert rows[0].with_tax == D("99.99")


def test_month_totals_of_real_charges_are_sums_of_rounded_lines():
    # daily 0.125: each line 0.13 (BILLING.md worked example), January = 31 x 0.13
    package = PackageTerms(retail=D("0.125"), frequency=Frequency.DAILY)
    lines = list(allocation_charges(package, AllocationTerms(date(2026, 1, 1)), date(2026, 1, 1), date(2026, 2, 28)))
    rows = month_totals(lines, date(2026, 1, 1), date(2026, 2, 28))
    assert rows[0].retail == D("0.13") * 31
    assert rows[1].retail == D("0.13") * 28
    assert sum((r.retail for r in rows), D(0)) == totals(lines)[0]


def test_worked_example_sip_trunk_by_month_with_tax():
    sip = PackageTerms(retail=D("45"), cost=D("28"), setup_retail=D("50"), frequency=Frequency.MONTHLY, match=(15, 31))
    lines = list(allocation_charges(sip, AllocationTerms(date(2026, 11, 15), quantity=3), date(2026, 11, 1), date(2027, 2, 28)))
    rows = month_totals(lines, date(2026, 11, 1), date(2027, 2, 28), D("20"))
    # Nov: setup 150 + 135 (11-15) + 135 (11-30) ; Dec, Jan, Feb: 2 x 135
    assert [r.retail for r in rows] == [D("420.00"), D("270.00"), D("270.00"), D("270.00")]
    assert [r.cost for r in rows] == [D("168.00"), D("168.00"), D("168.00"), D("168.00")]
    assert [r.tax for r in rows] == [D("84.00"), D("54.00"), D("54.00"), D("54.00")]


def test_totals_sum_retail_and_cost():
    assert totals([charge(date(2026, 1, 1), "1.10", "0.40"), charge(date(2026, 1, 2), "2.20", "0.60")]) == (D("3.30"), D("1.00"))
    assert totals([]) == (D(0), D(0))


# --- months_between / add_months --------------------------------------------------


def test_months_between_first_days_from_start_month_to_end_month():
    assert months_between(date(2025, 11, 20), date(2026, 2, 3)) == [
        date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1),
    ]


def test_months_between_one_month():
    assert months_between(date(2026, 5, 31), date(2026, 5, 1)) == [date(2026, 5, 1)]


def test_months_between_end_before_start_month_is_empty():
    assert months_between(date(2026, 5, 1), date(2026, 4, 30)) == []


def test_months_between_twelve_months():
    months = months_between(date(2026, 3, 10), date(2027, 2, 9))
    assert len(months) == 12
    assert months[0] == date(2026, 3, 1) and months[-1] == date(2027, 2, 1)


@pytest.mark.parametrize(
    "day, count, expected",
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2025, 1, 31), 3, date(2025, 4, 30)),
        (date(2025, 3, 31), -1, date(2025, 2, 28)),
        (date(2025, 1, 31), -2, date(2024, 11, 30)),
        (date(2025, 12, 15), 1, date(2026, 1, 15)),
        (date(2025, 5, 10), 12, date(2026, 5, 10)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2025, 5, 10), 0, date(2025, 5, 10)),
    ],
)
def test_add_months_clamps_to_the_months_last_day(day, count, expected):
    assert add_months(day, count) == expected


# --- bar ----------------------------------------------------------------------------


def test_bar_zero_is_empty():
    assert bar(D(0), D(100), 20) == ""


def test_bar_top_is_full_width():
    assert bar(D(100), D(100), 20) == "█" * 20
    assert len(bar(D("123.45"), D("123.45"), 7)) == 7


def test_bar_half_is_half_width():
    assert bar(D(50), D(100), 20) == "█" * 10


def test_bar_lengths_grow_with_the_value_and_never_pass_the_width():
    top = D("270")
    values = [D("27"), D("135"), D("200"), D("269.99"), top]
    lengths = [len(bar(v, top, 30)) for v in values]
    assert lengths == sorted(lengths)
    assert all(1 <= n <= 30 for n in lengths)
    assert lengths[-1] == 30


def test_bar_partial_cell_in_eighths():
    # 1/16 of 10 cells = 5 eighths: one partial block, no full ones
    out = bar(D(1), D(16), 10)
    assert len(out) == 1 and out != "█"


def test_bar_nothing_to_compare_against_is_empty():
    assert bar(D(5), D(0), 20) == ""
