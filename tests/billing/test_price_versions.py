"""Price versions (BILLING.md, "Lifecycle rules" and the worked example of a
change from 2025-03-15): each charge uses the prices in force on its charge
date, a setup line those of the start date, a true-up the commitment in force
on its period's first day."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from billing.charges import (
    MINIMUM_SPEND,
    RECURRING,
    SETUP,
    AllocationTerms,
    PackageTerms,
    PriceVersion,
    allocation_charges,
    price_day,
    with_prices,
)
from billing.minimum import spend_periods, true_up
from billing.prices import (
    BEGINNING,
    effective_text,
    in_force,
    parse_effective_from,
    price_effect,
    prices_differ,
    timeline_with,
)
from billing.schedule import Frequency

D = Decimal
MONTHLY_1 = PackageTerms(retail=D("10"), frequency=Frequency.MONTHLY, match=(1,))


def changed(terms: PackageTerms, *versions: PriceVersion) -> PackageTerms:
    return with_prices(terms, [PriceVersion(BEGINNING, terms.retail, terms.cost, terms.setup_retail, terms.setup_cost), *versions])


def test_worked_example_retail_changed_from_the_15th():
    # monthly [1], retail 10, changed to 12 from 2025-03-15 | qty 1, from
    # 2025-01-01, first run on 2025-04-02 -> 01-01, 02-01, 03-01: 10.00 each; 04-01: 12.00
    package = changed(MONTHLY_1, PriceVersion(date(2025, 3, 15), D("12")))
    allocation = AllocationTerms(start=date(2025, 1, 1))
    lines = list(allocation_charges(package, allocation, date(2025, 1, 1), date(2025, 4, 2), 2))
    assert [(c.date, c.amount) for c in lines] == [
        (date(2025, 1, 1), D("10.00")),
        (date(2025, 2, 1), D("10.00")),
        (date(2025, 3, 1), D("10.00")),
        (date(2025, 4, 1), D("12.00")),
    ]


def test_one_version_gives_flat_terms_exactly_as_before():
    terms = with_prices(MONTHLY_1, [PriceVersion(BEGINNING, D("10"))])
    assert terms == MONTHLY_1
    assert terms.price_starts == ()


def test_setup_line_takes_the_prices_of_the_start_date():
    base = PackageTerms(retail=D("5"), setup_retail=D("25"), setup_cost=D("8"), frequency=Frequency.MONTHLY, match=(1,))
    package = changed(base, PriceVersion(date(2025, 3, 10), D("6"), D("0"), D("30"), D("9")))
    before = list(allocation_charges(package, AllocationTerms(date(2025, 3, 9)), date(2025, 3, 9), date(2025, 3, 9), 2))
    after = list(allocation_charges(package, AllocationTerms(date(2025, 3, 10)), date(2025, 3, 10), date(2025, 3, 10), 2))
    assert [(c.kind, c.amount, c.cost) for c in before] == [(SETUP, D("25.00"), D("8.00"))]
    assert [(c.kind, c.amount, c.cost) for c in after] == [(SETUP, D("30.00"), D("9.00"))]


def test_prorated_first_part_uses_the_start_dates_prices():
    base = PackageTerms(retail=D("31"), frequency=Frequency.MONTHLY, match=(1,))
    package = changed(base, PriceVersion(date(2025, 3, 20), D("62")))
    allocation = AllocationTerms(date(2025, 3, 10), prorate=True)
    lines = list(allocation_charges(package, allocation, date(2025, 3, 10), date(2025, 4, 1), 2))
    # [03-10, 04-01): 22 of 31 days at 31 (the start's price), then 04-01 at 62.
    assert [(c.date, c.amount) for c in lines] == [(date(2025, 3, 10), D("22.00")), (date(2025, 4, 1), D("62.00"))]


def test_true_up_uses_the_commitment_of_the_periods_first_day():
    base = PackageTerms(retail=D("50"), frequency=Frequency.MONTHLY, match=(1,), minimum_spend=True)
    package = changed(base, PriceVersion(date(2025, 3, 15), D("80")))
    allocation = AllocationTerms(date(2025, 3, 1))
    march, april = list(spend_periods(package, allocation, None, date(2025, 5, 1)))[:2]
    march_line = true_up(package, allocation, march, D("0"), date(2025, 6, 1), D("0"), 2)
    april_line = true_up(package, allocation, april, D("0"), date(2025, 6, 1), D("0"), 2)
    assert (march_line.kind, march_line.amount) == (MINIMUM_SPEND, D("50.00"))
    assert april_line.amount == D("80.00")
    assert price_day(march_line) == date(2025, 3, 1)


def test_terms_on_a_day_and_the_timeline_rules():
    versions = [PriceVersion(BEGINNING, D("10")), PriceVersion(date(2025, 3, 15), D("12"))]
    package = with_prices(MONTHLY_1, versions)
    assert package.on(date(2025, 3, 14)).retail == D("10")
    assert package.on(date(2025, 3, 15)).retail == D("12")
    assert in_force(versions, date(1999, 1, 1)).retail == D("10")
    replaced = timeline_with(versions, PriceVersion(date(2025, 3, 15), D("11")))
    assert [v.retail for v in replaced] == [D("10"), D("11")]
    assert prices_differ(versions[0], versions[1]) and not prices_differ(versions[0], versions[0])
    assert effective_text(BEGINNING) == "beginning" and parse_effective_from("beginning", None) == BEGINNING
    assert parse_effective_from("+3", date(2025, 1, 1)) == date(2025, 1, 4)
    assert parse_effective_from("", date(2025, 1, 1)) is None


def test_price_effect_counts_the_next_charges_it_moves():
    after = changed(MONTHLY_1, PriceVersion(date(2025, 4, 1), D("12")))
    allocations = [AllocationTerms(date(2025, 1, 1), id=1, quantity=2), AllocationTerms(date(2025, 1, 5), date(2025, 2, 1), id=2)]
    effect = price_effect(MONTHLY_1, after, allocations, date(2025, 4, 1), 2)
    # the second allocation ended before the change; the first's 04-01 line: 20.00 -> 24.00
    assert (effect.allocations, effect.lines, effect.before, effect.after, effect.change) == (1, 1, D("20.00"), D("24.00"), D("4.00"))


FREQUENCIES = st.sampled_from([Frequency.DAILY, Frequency.WEEKLY, Frequency.MONTHLY, Frequency.YEARLY])
DAYS = st.integers(min_value=0, max_value=700)
PRICE = st.integers(min_value=0, max_value=10_000).map(lambda n: D(n) / 100)
ORIGIN = date(2024, 1, 1)


@settings(max_examples=80, deadline=None)
@given(
    FREQUENCIES, DAYS, st.one_of(st.none(), DAYS), st.booleans(),
    st.lists(st.tuples(DAYS, PRICE, PRICE, PRICE), min_size=1, max_size=4), PRICE,
)
def test_every_line_uses_the_version_of_its_charge_date(frequency, start, length, prorate, changes, retail):
    """A charge dated before a version's date never uses its prices, and one
    dated on or after it (before the next) always does: each versioned line is
    the line the version in force on its price day would charge, and the
    dates charged are those of the package without versions."""
    base = PackageTerms(retail=retail, cost=D("1"), setup_retail=D("3"), frequency=frequency)
    versions = {BEGINNING: PriceVersion(BEGINNING, retail, D("1"), D("3"))}
    for offset, r, c, s in changes:
        day = ORIGIN + timedelta(days=offset)
        versions[day] = PriceVersion(day, r, c, s)
    package = with_prices(base, versions.values())
    begin = ORIGIN + timedelta(days=start)
    allocation = AllocationTerms(begin, None if length is None else begin + timedelta(days=length), prorate=prorate)
    until = begin + timedelta(days=200)
    lines = list(allocation_charges(package, allocation, begin, until, 2))
    flat_lines = {}
    for day, version in versions.items():
        flat = with_prices(base, [version])
        flat_lines[day] = {(c.date, c.kind): c for c in allocation_charges(flat, allocation, begin, until, 2)}
    for line in lines:
        version = in_force(versions.values(), price_day(line))
        assert flat_lines[version.effective_from][(line.date, line.kind)] == line
    recurring = [c.date for c in lines if c.kind == RECURRING]
    assert recurring == [c.date for c in allocation_charges(base, allocation, begin, until, 2) if c.kind == RECURRING]
