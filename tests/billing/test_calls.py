"""billing.calls: reading a call's fields (start in the book's time zone,
destination as digits, whole seconds, exact cost) and whole rows, the fast
way and the slow way agreeing; billing.package_kind: a package's kind read
from text, and refused when its fields don't fit together."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing.calls import (
    CallReader,
    CallRowError,
    cost_micros,
    parse_call_cost,
    parse_call_seconds,
    parse_call_start,
    parse_destination,
)
from billing.catalogue import FieldError
from billing.package_kind import kind_texts, package_file_texts, read_package

CUSTOMERS = {"acme telecom": 1, "blue fish ltd": 2}


# --- start ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("2025-03-03 10:15:00", "2025-03-03T10:15:00"),
        ("2025-03-03T10:15:00", "2025-03-03T10:15:00"),
        (" 2025-03-03T10:15:00 ", "2025-03-03T10:15:00"),
        # A fraction is cut, never rounded: 23:59:59.9 stays on the 31st.
        ("2025-03-31 23:59:59.999", "2025-03-31T23:59:59"),
        ("2025-03-03T10:15:00,5", "2025-03-03T10:15:00"),
    ],
)
def test_a_start_is_kept_as_text_in_the_book_s_time_zone(text, stored):
    assert parse_call_start(text, "UTC") == stored


@pytest.mark.parametrize(
    ("text", "zone", "stored"),
    [
        ("2025-03-03T10:15:00Z", "UTC", "2025-03-03T10:15:00"),
        ("2025-03-03T10:15:00+00:00", "UTC", "2025-03-03T10:15:00"),
        ("2025-07-01T10:15:00+01:00", "Europe/London", "2025-07-01T10:15:00"),  # summer time
        ("2025-01-15T10:15:00+0000", "Europe/London", "2025-01-15T10:15:00"),
        ("2025-03-03T10:15:00+05:30", "Asia/Kolkata", "2025-03-03T10:15:00"),
        # 01:30 on 26 October 2025 happens twice in London: both offsets are its own.
        ("2025-10-26T01:30:00+01:00", "Europe/London", "2025-10-26T01:30:00"),
        ("2025-10-26T01:30:00+00:00", "Europe/London", "2025-10-26T01:30:00"),
    ],
)
def test_an_offset_that_is_the_book_s_own_is_taken(text, zone, stored):
    assert parse_call_start(text, zone) == stored


@pytest.mark.parametrize(
    ("text", "zone", "words"),
    [
        ("2025-07-01T10:15:00+00:00", "Europe/London", ("+00:00", "Europe/London", "+01:00")),
        ("2025-03-03T10:15:00+01:00", "UTC", ("+01:00", "UTC", "+00:00")),
        ("2025-03-03T10:15:00Z", "America/New_York", ("Z", "America/New_York", "-05:00")),
    ],
)
def test_an_offset_that_is_not_the_book_s_is_refused_naming_the_book_s(text, zone, words):
    with pytest.raises(FieldError) as info:
        parse_call_start(text, zone)
    assert info.value.field == "start"
    for word in words:
        assert word in info.value.message


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "required"),
        ("2025-03-03", "not a date and time"),
        ("2025-03-03 10:15", "not a date and time"),
        ("03/03/2025 10:15:00", "not a date and time"),
        ("2025-02-29 10:15:00", "February 2025 has 28 days"),
        ("2025-13-01 10:15:00", "no month 13"),
        ("2025-03-03 24:00:00", "no hour 24"),
        ("2025-03-03 10:60:00", "no minute 60"),
        ("2025-03-03 10:15:61", "no second 61"),
        ("1850-03-03 10:15:00", "out of range"),
    ],
)
def test_a_bad_start_says_what_is_wrong(text, words):
    with pytest.raises(FieldError) as info:
        parse_call_start(text, "UTC")
    assert info.value.field == "start" and words in info.value.message


# --- destination, seconds, cost ---------------------------------------------------------


def test_a_destination_is_digits_without_a_leading_plus_or_00():
    assert parse_destination("+441234567890") == "441234567890"
    assert parse_destination("00441234567890") == "441234567890"
    assert parse_destination("0207946000") == "0207946000"  # a national number keeps its 0
    for bad in ("", "44-1234", "+", "abc", "4" * 41):
        with pytest.raises(FieldError) as info:
            parse_destination(bad)
        assert info.value.field == "destination"


def test_seconds_are_a_whole_number_up_to_31_days():
    assert parse_call_seconds("0") == 0
    assert parse_call_seconds(" 125 ") == 125
    assert parse_call_seconds(str(31 * 86400)) == 31 * 86400
    for bad, words in (("", "required"), ("-1", "negative"), ("12.5", "whole number"), ("2678401", "31 days"), ("1e3", "whole number")):
        with pytest.raises(FieldError) as info:
            parse_call_seconds(bad)
        assert info.value.field == "seconds" and words in info.value.message


@pytest.mark.parametrize(
    ("text", "micros"),
    [("0", 0), ("1", 1_000_000), ("0.1", 100_000), ("0.000001", 1), ("12.345678", 12_345_678), (".5", 500_000), ("7.", 7_000_000)],
)
def test_a_cost_is_exact_micro_units_and_the_same_as_its_decimal(text, micros):
    assert cost_micros(text) == micros
    assert parse_call_cost(text) * 1_000_000 == Decimal(micros)


@pytest.mark.parametrize(("text", "words"), [("-1", "negative"), ("0.0000001", "7 decimal places"), ("1e3", "not a number"), ("1,5", "not a number")])
def test_a_bad_cost_says_why(text, words):
    with pytest.raises(CallRowError) as info:
        CallReader(CUSTOMERS).read(*row(cost=text))
    (error,) = info.value.errors
    assert error.field == "cost" and words in error.message


# --- a whole row ------------------------------------------------------------------------


def row(**changes) -> tuple[str, ...]:
    cells = {"call_id": "sw-1", "customer": "Acme Telecom", "start": "2025-03-03 10:15:00", "destination": "441234",
             "seconds": "60", "cost": "0.012"}
    cells.update(changes)
    return tuple(cells.values())


def test_a_good_row_reads_to_what_the_book_keeps():
    reader = CallReader(CUSTOMERS, "UTC")
    assert reader.read(*row()) == ("sw-1", 1, "2025-03-03T10:15:00", "441234", 60, 12_000)
    # Spaces and case in the name, a + before the number, an offset: the slow way, same result.
    assert reader.read(*row(customer="  acme   TELECOM ", destination="+441234", start="2025-03-03T10:15:00.5Z")) == (
        "sw-1", 1, "2025-03-03T10:15:00", "441234", 60, 12_000,
    )
    assert reader.read(*row(customer="Blue Fish Ltd", destination="00441234", seconds=" 60 ", cost=" 0.012 ")) == (
        "sw-1", 2, "2025-03-03T10:15:00", "441234", 60, 12_000,
    )


def test_a_bad_row_names_every_bad_field_in_column_order():
    reader = CallReader(CUSTOMERS, "UTC")
    with pytest.raises(CallRowError) as info:
        reader.read("", "Nobody", "2025-02-30 10:00:00", "x", "-5", "1e3")
    assert [e.field for e in info.value.errors] == ["call_id", "customer", "start", "destination", "seconds", "cost"]
    assert "'Nobody' is not a customer" in info.value.errors[1].message
    with pytest.raises(CallRowError) as info:
        reader.read(*row(cost="0.1234567"))
    assert [(e.field, e.message) for e in info.value.errors] == [("cost", "has 7 decimal places; at most 6 allowed")]


def test_a_call_id_is_required_printable_and_short():
    reader = CallReader(CUSTOMERS)
    for bad, words in (("  ", "required"), ("a\x1bb", "control character"), ("x" * 101, "at most 100")):
        with pytest.raises(CallRowError) as info:
            reader.read(*row(call_id=bad))
        (error,) = info.value.errors
        assert error.field == "call_id" and words in error.message


# --- a package's kind ------------------------------------------------------------------------


def test_a_package_without_kind_columns_is_recurring():
    draft, errors = read_package({"name": "Seat", "retail": "12"})
    assert errors == []
    assert (draft.type, draft.destinations, draft.free_minutes) == ("recurring", (), 0)


def test_a_free_minutes_package_reads_its_destinations_canonically():
    draft, errors = read_package({"name": "UK 1000", "type": "free_minutes", "destinations": "44 +91, ^1|44", "free_minutes": "1000"})
    assert errors == []
    assert (draft.type, draft.destinations, draft.free_minutes) == ("free_minutes", ("44", "91", "1"), 1000)
    assert kind_texts(draft) == {"type": "free_minutes", "destinations": "^44|^91|^1", "free_minutes": "1000"}
    # What it writes reads back to the same draft.
    assert read_package(package_file_texts(draft)) == (draft, [])


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"type": "free_minutes", "free_minutes": "100"}, "destinations", "needs the destinations"),
        ({"type": "recurring", "destinations": "^44"}, "destinations", "only a free_minutes package"),
        ({"destinations": "44"}, "destinations", "only a free_minutes package"),
        ({"type": "recurring", "free_minutes": "10"}, "free_minutes", "only a free_minutes package"),
        ({"type": "free_minutes", "destinations": "^44", "free_minutes": "-1"}, "free_minutes", "negative"),
        ({"type": "free_minutes", "destinations": "^44", "free_minutes": "1.5"}, "free_minutes", "whole number"),
        ({"type": "free_minutes", "destinations": "^4x", "free_minutes": "1"}, "destinations", "not a destination prefix"),
        ({"type": "bundle"}, "type", "not one of recurring, free_minutes"),
    ],
)
def test_a_kind_whose_fields_do_not_fit_is_refused_naming_the_field(fields, field, words):
    draft, errors = read_package({"name": "P", **fields})
    assert draft is None
    assert any(e.field == field and words in e.message for e in errors), errors
