"""billing.run's rules on single lines: a line of nothing is never charged,
and the fast list filter agrees with the one-line rule."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from billing.charges import MINIMUM_SPEND, RECURRING, Charge
from billing.run import chargeable, chargeable_lines, nothing

D = Decimal
DAY = date(2026, 3, 1)


def _line(amount: str, cost: str, kind: str = RECURRING) -> Charge:
    return Charge(DAY, kind, DAY, DAY, 1, D(amount), D(cost), 7)


def test_a_line_of_nothing_is_not_chargeable():
    assert nothing(_line("0.00", "0.00"))
    assert not chargeable(_line("0.00", "0.00"))
    assert chargeable(_line("0.00", "0.35"))  # cost alone still posts
    assert chargeable(_line("-1.00", "0.00"))  # a credit is a line


def test_chargeable_lines_keeps_exactly_the_chargeable_ones_in_order():
    lines = [
        _line("1.00", "0.50"),
        _line("0.00", "0.00"),
        _line("0.00", "0.20"),
        _line("0.00", "0.00", MINIMUM_SPEND),
        _line("3.10", "0.00", MINIMUM_SPEND),
    ]
    kept = chargeable_lines(iter(lines))
    assert kept == [line for line in lines if chargeable(line)]
    assert [str(line.amount) for line in kept] == ["1.00", "0.00", "3.10"]
