"""Values as the forms show them: in the conflict dialog, and in what a
save says it kept."""

from __future__ import annotations

from decimal import Decimal
from enum import Enum
from typing import Any

from billing.labels import field_label
from billing.money import format_price


def show_value(value: Any) -> str:
    """A field's value as the conflict dialog shows it."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Enum):
        return str(value.value)
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format_price(value)
    return str(value)


def short(text: str, width: int = 24) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def labels(fields: list[str]) -> str:
    return ", ".join(field_label(f) for f in fields)
