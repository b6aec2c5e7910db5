"""billing.accounts: reading customers and allocations from what an operator
typed. Every refusal is a FieldError naming its field, with a reason."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from billing.accounts import (
    STATUSES, AllocationDraft, CustomerDraft, first_allowed_end, parse_allocation, parse_customer,
)
from billing.catalogue import FieldError

D = Decimal
TODAY = date(2026, 3, 10)


def customer(**fields):
    base = {"name": "Acme Telecom"}
    base.update(fields)
    return parse_customer(base)


def allocation(minimum_days: int = 0, today: date | None = TODAY, **fields):
    base = {"start_date": "2026-01-10"}
    base.update(fields)
    return parse_allocation(base, today, minimum_days)


def only_error(result, field: str) -> FieldError:
    draft, errors = result
    assert draft is None
    assert [e.field for e in errors] == [field], errors
    assert isinstance(errors[0], FieldError)
    return errors[0]


# --- customers ----------------------------------------------------------------


def test_customer_minimal_gets_the_defaults():
    draft, errors = parse_customer({"name": "Acme Telecom"})
    assert errors == []
    assert draft == CustomerDraft("Acme Telecom", "active", D(0), "")
    assert isinstance(draft.tax_percent, Decimal)


def test_customer_all_fields():
    draft, errors = parse_customer(
        {"name": "Acme", "status": "suspended", "tax_percent": "17.5", "notes": "  pays late  "}
    )
    assert errors == []
    assert draft == CustomerDraft("Acme", "suspended", D("17.5"), "pays late")


@pytest.mark.parametrize("text", ["", "   ", "\t \n"])
def test_customer_name_is_required(text):
    error = only_error(customer(name=text), "name")
    assert "required" in error.message


def test_customer_name_missing_key_is_required():
    draft, errors = parse_customer({})
    assert draft is None
    assert [e.field for e in errors] == ["name"]


def test_customer_name_is_trimmed_and_inner_spaces_collapsed():
    draft, errors = customer(name="   Acme    Telecom\t Ltd  ")
    assert errors == []
    assert draft.name == "Acme Telecom Ltd"


@pytest.mark.parametrize("status", STATUSES)
def test_customer_each_status_is_accepted(status):
    draft, errors = customer(status=status)
    assert errors == []
    assert draft.status == status


def test_customer_status_case_and_spaces_ignored():
    draft, errors = customer(status="  Suspended ")
    assert errors == []
    assert draft.status == "suspended"


def test_customer_blank_status_is_active():
    draft, errors = customer(status="")
    assert errors == []
    assert draft.status == "active"


@pytest.mark.parametrize("status", ["gone", "deleted", "activ", "1"])
def test_customer_unknown_status_is_refused_naming_the_choices(status):
    error = only_error(customer(status=status), "status")
    assert status in error.message
    for choice in STATUSES:
        assert choice in error.message


@pytest.mark.parametrize(
    "text, value",
    [("0", D("0")), ("", D("0")), ("20", D("20")), ("17.5", D("17.5")), ("12.25", D("12.25")),
     ("100", D("100")), ("100.00", D("100")), ("0.01", D("0.01"))],
)
def test_customer_tax_percent_accepted(text, value):
    draft, errors = customer(tax_percent=text)
    assert errors == []
    assert draft.tax_percent == value
    assert isinstance(draft.tax_percent, Decimal)


@pytest.mark.parametrize(
    "text, words",
    [
        ("100.01", "more than 100"),
        ("101", "more than 100"),
        ("-1", "negative"),
        ("1.234", "decimal places"),
        ("abc", "abc"),
        ("1e2", "1e2"),
        ("12,5", "12,5"),
    ],
)
def test_customer_tax_percent_refused(text, words):
    error = only_error(customer(tax_percent=text), "tax_percent")
    assert words in error.message


def test_customer_several_bad_fields_are_all_reported():
    draft, errors = parse_customer({"name": "", "status": "gone", "tax_percent": "abc"})
    assert draft is None
    assert sorted(e.field for e in errors) == ["name", "status", "tax_percent"]


# --- allocations: quantity ------------------------------------------------------


@pytest.mark.parametrize("text, value", [("1", 1), ("3", 3), (" 12 ", 12), ("", 1)])
def test_allocation_quantity_accepted(text, value):
    draft, errors = allocation(quantity=text)
    assert errors == []
    assert draft.quantity == value


@pytest.mark.parametrize("text", ["0", "00", "1.5", "x", "-1", "1,000", "2 3"])
def test_allocation_quantity_refused(text):
    error = only_error(allocation(quantity=text), "quantity")
    assert error.message


@pytest.mark.parametrize("text", ["1000001", "9" * 30])
def test_allocation_quantity_above_the_maximum_is_refused(text):
    error = only_error(allocation(quantity=text), "quantity")
    assert "1,000,000" in error.message


@pytest.mark.parametrize("text", ["²", "½", "9" * 5000], ids=["superscript-two", "one-half", "5000-digits"])
def test_allocation_quantity_odd_text_is_refused_not_a_crash(text):
    # '²'.isdigit() is True but int('²') raises ValueError, and int() of more
    # than 4300 digits raises ValueError too: each must be a FieldError on
    # quantity like any other text that is not a whole number of 1 or more.
    error = only_error(allocation(quantity=text), "quantity")
    assert error.message


# --- allocations: dates ---------------------------------------------------------


def test_allocation_full_row():
    draft, errors = allocation(
        quantity="3", start_date="2026-01-10", end_date="2026-06-30",
        auto_decrement="yes", prorate="true", reference=" PO-17 ",
    )
    assert errors == []
    assert draft == AllocationDraft(3, date(2026, 1, 10), date(2026, 6, 30), True, True, "PO-17")


def test_allocation_flags_default_off_and_end_optional():
    draft, errors = allocation()
    assert errors == []
    assert draft.end is None
    assert draft.auto_decrement is False
    assert draft.prorate is False


@pytest.mark.parametrize("text", ["", "  "])
def test_allocation_start_is_required(text):
    error = only_error(allocation(start_date=text), "start_date")
    assert "required" in error.message


def test_allocation_t_is_today_and_plus_n_is_days_on():
    draft, errors = allocation(start_date="t", end_date="+10")
    assert errors == []
    assert draft.start == TODAY
    assert draft.end == TODAY + timedelta(days=10)


def test_allocation_plus_n_start_relative_to_given_today():
    draft, errors = allocation(start_date="+1", today=date(2024, 2, 28))
    assert errors == []
    assert draft.start == date(2024, 2, 29)


def test_allocation_relative_dates_refused_without_a_today():
    draft, errors = allocation(start_date="t", today=None)
    assert draft is None
    assert [e.field for e in errors] == ["start_date"]


def test_impossible_date_is_refused_naming_februarys_28_days():
    error = only_error(allocation(start_date="2027-02-30"), "start_date")
    assert "2027-02-30" in error.message
    assert "February" in error.message
    assert "28" in error.message


def test_impossible_end_date_is_refused_on_the_end_field():
    error = only_error(allocation(end_date="2027-02-29"), "end_date")
    assert "February" in error.message and "28" in error.message


def test_leap_day_is_a_date():
    draft, errors = allocation(start_date="2028-02-29")
    assert errors == []
    assert draft.start == date(2028, 2, 29)


@pytest.mark.parametrize("text", ["2026-13-01", "2026-00-10", "10/01/2026", "tomorrow", "2026-1"])
def test_allocation_not_a_date_refused(text):
    error = only_error(allocation(start_date=text), "start_date")
    assert error.message


def test_end_before_start_is_refused():
    error = only_error(allocation(start_date="2026-01-10", end_date="2026-01-09"), "end_date")
    assert "2026-01-09" in error.message
    assert "2026-01-10" in error.message


def test_end_on_start_is_accepted_without_minimum_days():
    draft, errors = allocation(start_date="2026-01-10", end_date="2026-01-10")
    assert errors == []
    assert draft.end == draft.start


# --- allocations: minimum days --------------------------------------------------


def test_end_earlier_than_minimum_days_is_refused_naming_the_first_allowed_date():
    # 2026-01-10 + 30 days = 2026-02-09
    error = only_error(allocation(30, start_date="2026-01-10", end_date="2026-02-08"), "end_date")
    assert "2026-02-09" in error.message
    assert "30" in error.message


def test_end_exactly_on_start_plus_minimum_days_is_accepted():
    draft, errors = allocation(30, start_date="2026-01-10", end_date="2026-02-09")
    assert errors == []
    assert draft.end == date(2026, 2, 9)


def test_end_on_start_refused_when_there_are_minimum_days():
    error = only_error(allocation(1, start_date="2026-01-10", end_date="2026-01-10"), "end_date")
    assert "2026-01-11" in error.message


def test_minimum_days_do_not_matter_without_an_end():
    draft, errors = allocation(365, start_date="2026-01-10")
    assert errors == []
    assert draft.end is None


def test_minimum_days_across_a_leap_february():
    # 2028-02-01 + 30 days = 2028-03-02 (February 2028 has 29 days)
    error = only_error(allocation(30, start_date="2028-02-01", end_date="2028-03-01"), "end_date")
    assert "2028-03-02" in error.message
    draft, errors = allocation(30, start_date="2028-02-01", end_date="2028-03-02")
    assert errors == [] and draft.end == date(2028, 3, 2)


@pytest.mark.parametrize(
    "start, days, first",
    [
        pytest.param(date(2026, 1, 10), 0, date(2026, 1, 10), id="no minimum days: the start"),
        pytest.param(date(2026, 1, 10), 30, date(2026, 2, 9), id="30 days"),
        pytest.param(date(2026, 11, 15), 180, date(2027, 5, 14), id="180 days, over a year end"),
        pytest.param(date(2028, 2, 29), 365, date(2029, 2, 28), id="365 days from a leap day"),
        pytest.param(date(2025, 12, 31), 1, date(2026, 1, 1), id="one day, into the next year"),
    ],
)
def test_first_allowed_end(start, days, first):
    assert first_allowed_end(start, days) == first


# --- allocations: flags and reference ---------------------------------------------


@pytest.mark.parametrize("field", ["auto_decrement", "prorate"])
def test_bad_flag_is_refused_on_its_field(field):
    error = only_error(allocation(**{field: "maybe"}), field)
    assert "maybe" in error.message


@pytest.mark.parametrize("text, value", [("yes", True), ("Y", True), ("1", True), ("no", False), ("0", False), ("", False)])
def test_flag_spellings(text, value):
    draft, errors = allocation(prorate=text)
    assert errors == []
    assert draft.prorate is value


def test_reference_too_long_is_refused():
    error = only_error(allocation(reference="x" * 101), "reference")
    assert "100" in error.message


def test_all_bad_allocation_fields_reported_together():
    draft, errors = parse_allocation(
        {"quantity": "0", "start_date": "2027-02-30", "prorate": "maybe"}, TODAY, 0
    )
    assert draft is None
    assert sorted(e.field for e in errors) == ["prorate", "quantity", "start_date"]
