"""Reading a usage record from what an operator typed or a CSV row holds:
one parser per field, each failure a FieldError naming its field (the form,
the import and the command line share them)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from .catalogue import FieldError, plain_text
from .dates import DateError, parse_date
from .money import MoneyError, parse_amount

USAGE_FIELDS = ("customer", "date", "amount", "source")
SOURCE_MAX = 200


def parse_usage_amount(text: str) -> Decimal:
    try:
        return parse_amount(text)
    except MoneyError as exc:
        raise FieldError("amount", str(exc)) from None


def parse_usage_date(text: str, today: date | None = None) -> date:
    try:
        return parse_date(text, today)
    except DateError as exc:
        raise FieldError("date", str(exc)) from None


def parse_source(text: str) -> str:
    value = plain_text("source", text).strip()
    if len(value) > SOURCE_MAX:
        raise FieldError("source", f"is {len(value)} characters; at most {SOURCE_MAX}")
    return value
