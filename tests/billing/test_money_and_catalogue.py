"""Money (BILLING.md, "Money") and reading a package from what an operator typed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing import Frequency, MoneyError, PackageTerms
from billing.catalogue import FieldError, PackageDraft, parse_bool, parse_match, parse_name, parse_package
from billing.money import from_micros, parse_amount, round_money, to_micros

D = Decimal


# --- parse_amount -----------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("12", D("12")),
        ("4.50", D("4.50")),
        (".5", D("0.5")),
        ("0.000001", D("0.000001")),  # six places: the most a price may have
        ("0", D("0")),
        (" 7.25 ", D("7.25")),
    ],
)
def test_parse_amount_accepts(text, expected):
    value = parse_amount(text)
    assert type(value) is Decimal
    assert value == expected


def test_parse_amount_keeps_the_exact_digits():
    # 4.50 stays exactly 4.50, and 0.1 is exactly one tenth (a float would not be).
    assert parse_amount("4.50").as_tuple() == D("4.50").as_tuple()
    assert parse_amount("0.1") * 3 == D("0.3")


@pytest.mark.parametrize(
    "text",
    ["", "   ", "-1", "1e3", "1,000", "abc", "0.0000001", "+1", "1.2.3", "1 000", "NaN", "Infinity"],
)
def test_parse_amount_refuses(text):
    with pytest.raises(MoneyError) as info:
        parse_amount(text)
    assert str(info.value)  # says what is wrong
    assert isinstance(info.value, ValueError)


def test_parse_amount_refuses_a_float():
    with pytest.raises(TypeError):
        parse_amount(0.1)
    with pytest.raises(TypeError):
        parse_amount(12.0)


# --- round_money ------------------------------------------------------------


@pytest.mark.parametrize(
    "amount, expected",
    [
        (D("0.125"), D("0.13")),  # half up; half even would give 0.12
        (D("0.135"), D("0.14")),
        (D("2.675"), D("2.68")),  # float(2.675) is 2.67499..., so a float would give 2.67
        (D("0.124999"), D("0.12")),
        (D("0.005"), D("0.01")),
        (D("10"), D("10.00")),
    ],
)
def test_round_money_half_up(amount, expected):
    rounded = round_money(amount, 2)
    assert rounded == expected
    assert rounded.as_tuple().exponent == -2


def test_round_money_to_other_precisions():
    assert round_money(D("2.5"), 0) == D("3")
    assert round_money(D("0.0005"), 3) == D("0.001")
    assert str(round_money(D("1"), 3)) == "1.000"


# --- micro-units ------------------------------------------------------------


@pytest.mark.parametrize(
    "amount, micros",
    [
        (D("0"), 0),
        (D("0.000001"), 1),
        (D("4.5"), 4_500_000),
        (D("4.50"), 4_500_000),
        (D("12.345678"), 12_345_678),
        (D("1000000000"), 1_000_000_000_000_000),
    ],
)
def test_micros_round_trip(amount, micros):
    assert to_micros(amount) == micros
    assert type(to_micros(amount)) is int
    back = from_micros(micros)
    assert type(back) is Decimal
    assert back == amount
    assert from_micros(to_micros(amount)) == amount


def test_to_micros_refuses_floats():
    with pytest.raises(TypeError):
        to_micros(0.1)


def test_to_micros_refuses_seven_places():
    with pytest.raises(MoneyError):
        to_micros(D("0.0000001"))
    with pytest.raises(MoneyError):
        to_micros(D("4.1234567"))


# --- parse_package ----------------------------------------------------------

VALID = {
    "name": "Gold Trunk",
    "retail": "4.50",
    "cost": "2",
    "setup_retail": "25",
    "setup_cost": "8.125",
    "frequency": "weekly",
    "frequency_match": "tue fri",
    "description": "Ten channels, UK numbers",
    "upstream_service": "sip-trunk-10",
    "minimum_spend": "yes",
    "minimum_days": "30",
}


def test_parse_package_valid():
    draft, errors = parse_package(VALID)
    assert errors == []
    prices = dict(retail=D("4.50"), cost=D("2"), setup_retail=D("25"), setup_cost=D("8.125"))
    schedule = dict(frequency=Frequency.WEEKLY, match=(1, 4), minimum_spend=True, minimum_days=30)
    assert draft == PackageDraft(
        name="Gold Trunk", description="Ten channels, UK numbers", upstream_service="sip-trunk-10", **prices, **schedule
    )
    for value in (draft.retail, draft.cost, draft.setup_retail, draft.setup_cost):
        assert type(value) is Decimal
    assert draft.terms() == PackageTerms(**prices, **schedule)


def test_parse_package_defaults():
    # Missing optional fields take their defaults (frequency: monthly).
    draft, errors = parse_package({"name": "Basic"})
    assert errors == []
    assert draft == PackageDraft(
        name="Basic", retail=D("0"), cost=D("0"), setup_retail=D("0"), setup_cost=D("0"), frequency=Frequency.MONTHLY,
        match=(), description="", upstream_service=None, minimum_spend=False, minimum_days=0,
    )


@pytest.mark.parametrize(
    "field, value, extra",
    [
        ("name", "", {}),
        ("name", "    ", {}),
        ("name", "x" * 1000, {}),  # far past any sensible length
        ("retail", "abc", {}),
        ("retail", "0.0000001", {}),
        ("cost", "-1", {}),
        ("setup_retail", "1e3", {}),
        ("setup_cost", "1,000", {}),
        ("frequency", "fortnightly", {}),
        ("frequency_match", "32", {"frequency": "monthly"}),
        ("frequency_match", "xyz", {"frequency": "weekly"}),
        ("frequency_match", "1", {"frequency": "daily"}),
        ("description", "d" * 10000, {}),
        ("upstream_service", "s" * 1000, {}),
        ("minimum_spend", "maybe", {}),
        ("minimum_days", "ten", {}),
        ("minimum_days", "-1", {}),
        ("minimum_days", "1.5", {}),
    ],
)
def test_parse_package_bad_field_is_named(field, value, extra):
    fields = dict(VALID, **extra)
    fields[field] = value
    draft, errors = parse_package(fields)
    assert draft is None
    assert [e.field for e in errors] == [field]
    assert all(isinstance(e, FieldError) for e in errors)
    assert errors[0].message


def test_minimum_spend_needs_a_frequency():
    fields = dict(VALID, frequency="none", frequency_match="", minimum_spend="yes")
    draft, errors = parse_package(fields)
    assert draft is None
    assert [e.field for e in errors] == ["minimum_spend"]


def test_parse_package_reports_every_bad_field_at_once():
    fields = dict(VALID, name="", retail="x", cost="-2", frequency="hourly", minimum_days="many")
    draft, errors = parse_package(fields)
    assert draft is None
    assert [e.field for e in errors] == ["name", "retail", "cost", "frequency", "minimum_days"]


# --- pieces -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("tue fri", (1, 4)),
        ("tuesday", (1,)),
        ("1 4", (1, 4)),
        ("Fri, TUE", (1, 4)),
        ("mon sunday 6", (0, 6)),
        ("", ()),
    ],
)
def test_parse_match_weekly(text, expected):
    assert parse_match(text, Frequency.WEEKLY) == expected


@pytest.mark.parametrize("text, expected", [("15 31", (15, 31)), ("31 15 15", (15, 31)), ("1", (1,)), ("", ())])
def test_parse_match_monthly(text, expected):
    assert parse_match(text, Frequency.MONTHLY) == expected


@pytest.mark.parametrize("text", ["32", "0", "xyz", "15 32", "-1", "mon"])
def test_parse_match_monthly_refuses(text):
    with pytest.raises(FieldError) as info:
        parse_match(text, Frequency.MONTHLY)
    assert info.value.field == "frequency_match"


@pytest.mark.parametrize("text", ["7", "xyz", "tues day", "-1"])
def test_parse_match_weekly_refuses(text):
    with pytest.raises(FieldError) as info:
        parse_match(text, Frequency.WEEKLY)
    assert info.value.field == "frequency_match"


@pytest.mark.parametrize("frequency", [Frequency.DAILY, Frequency.YEARLY, Frequency.NONE])
def test_parse_match_refuses_a_match_without_days_to_choose(frequency):
    with pytest.raises(FieldError) as info:
        parse_match("1", frequency)
    assert info.value.field == "frequency_match"
    assert parse_match("", frequency) == ()


@pytest.mark.parametrize("text", ["yes", "YES", "true", "True", "1", "y", " yes "])
def test_parse_bool_true(text):
    assert parse_bool("minimum_spend", text) is True


@pytest.mark.parametrize("text", ["no", "NO", "false", "0", "n", ""])
def test_parse_bool_false(text):
    assert parse_bool("minimum_spend", text) is False


def test_parse_bool_refuses_and_names_the_field():
    with pytest.raises(FieldError) as info:
        parse_bool("minimum_spend", "maybe")
    assert info.value.field == "minimum_spend"


def test_name_is_trimmed_and_inner_spaces_collapsed():
    assert parse_name("  Gold   SIP \t Trunk  ") == "Gold SIP Trunk"
    draft, errors = parse_package(dict(VALID, name="  Gold    Trunk "))
    assert errors == []
    assert draft.name == "Gold Trunk"
