"""Input validators the forms share: each runs a billing/ or store/ parser,
and the parser's reason is what the field shows while it is typed."""

from __future__ import annotations

from datetime import date
from typing import Callable

from textual.validation import ValidationResult, Validator

from billing.accounts import parse_field_date
from billing.catalogue import FieldError
from billing.labels import field_label

#: When a field is checked: as it is typed, when it is left, and on enter.
VALIDATE_ON = ["changed", "blur", "submitted"]


class FieldValidator(Validator):
    """Runs one parser that raises FieldError; its message is the reason shown."""

    def __init__(self, parse: Callable[[str], object]):
        super().__init__()
        self.parse = parse

    def validate(self, value: str) -> ValidationResult:
        try:
            self.parse(value)
        except FieldError as exc:
            return self.failure(exc.message)
        return self.success()


def date_parser(field: str, today: date, required: bool) -> Callable[[str], date | None]:
    """A date field's parser: YYYY-MM-DD, `t` for today, `+N` for N days from today."""
    return lambda text: parse_field_date(field, text, today, required=required)


def date_validator(field: str, today: date, required: bool) -> FieldValidator:
    return FieldValidator(date_parser(field, today, required))


def error_text(error: FieldError) -> str:
    """An error as an operator reads it: 'setup retail: is not a number'."""
    return f"{field_label(error.field)}: {error.message}"
