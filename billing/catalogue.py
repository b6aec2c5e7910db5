"""Reading a package from what an operator typed: one set of rules for the
form, the CSV import and the command line, each failure naming its field."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Mapping

from .charges import PackageTerms
from .labels import WEEKDAY_FULL, field_label
from .money import MoneyError, format_price, parse_amount
from .schedule import WEEKDAYS, Frequency

NAME_MAX = 80
DESCRIPTION_MAX = 500
SERVICE_MAX = 40
MINIMUM_DAYS_MAX = 3650

#: Field order of the form and of CSV files.
PACKAGE_FIELDS = (
    "name",
    "retail",
    "cost",
    "setup_retail",
    "setup_cost",
    "frequency",
    "frequency_match",
    "description",
    "upstream_service",
    "minimum_spend",
    "minimum_days",
)

#: Columns of a package file: every field, the package's kind
#: (billing.package_kind), then what the book keeps beside them (export
#: writes them all; import reads any of them).
PACKAGE_COLUMNS = PACKAGE_FIELDS + ("type", "destinations", "free_minutes", "archived")


_TRUE = {"yes", "true", "1", "y"}
_FALSE = {"no", "false", "0", "n", ""}


class FieldError(ValueError):
    """A field's value is not acceptable: `field` names it, the message says why."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message

    def __str__(self) -> str:
        return f"{field_label(self.field)}: {self.message}"


@dataclass(frozen=True, slots=True)
class PackageDraft:
    """A package's fields, parsed and valid (name uniqueness is the store's)."""

    name: str
    retail: Decimal = Decimal(0)
    cost: Decimal = Decimal(0)
    setup_retail: Decimal = Decimal(0)
    setup_cost: Decimal = Decimal(0)
    frequency: Frequency = Frequency.MONTHLY
    match: tuple[int, ...] = ()
    description: str = ""
    upstream_service: str | None = None
    minimum_spend: bool = False
    minimum_days: int = 0
    #: The package's kind (billing.package_kind): 'recurring' or
    #: 'free_minutes', the destination prefixes it covers and its minutes per
    #: unit per period. None: as the book has it (a new package: recurring).
    type: str | None = None
    destinations: tuple[str, ...] | None = None
    free_minutes: int | None = None

    def terms(self) -> PackageTerms:
        return PackageTerms(
            retail=self.retail,
            cost=self.cost,
            setup_retail=self.setup_retail,
            setup_cost=self.setup_cost,
            frequency=self.frequency,
            match=self.match,
            minimum_spend=self.minimum_spend,
            minimum_days=self.minimum_days,
        )

    def with_(self, **changes) -> "PackageDraft":
        return replace(self, **changes)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_CONTROL_IN_LINE = re.compile(r"[\x00-\x1f\x7f]")


def plain_text(field: str, text: str, *, lines: bool = False) -> str:
    """`text` as given, refused when it holds a control character (a NUL
    byte, an escape); `lines` lets tabs and line breaks through (names fold
    them into spaces, descriptions and notes keep them)."""
    value = text or ""
    found = (_CONTROL if lines else _CONTROL_IN_LINE).search(value)
    if found:
        raise FieldError(field, f"holds a control character (code {ord(found.group()):#04x}) at position {found.start() + 1}")
    return value


def parse_name(text: str) -> str:
    name = " ".join(plain_text("name", text, lines=True).split())
    if not name:
        raise FieldError("name", "is required")
    if len(name) > NAME_MAX:
        raise FieldError("name", f"is {len(name)} characters; at most {NAME_MAX}")
    return name


def parse_money(field: str, text: str, *, required: bool = False) -> Decimal:
    if not (text or "").strip() and not required:
        return Decimal(0)
    try:
        return parse_amount(text)
    except MoneyError as exc:
        raise FieldError(field, str(exc)) from None


def parse_frequency(text: str) -> Frequency:
    value = (text or "").strip().lower() or "monthly"
    try:
        return Frequency(value)
    except ValueError:
        choices = ", ".join(f.value for f in Frequency)
        raise FieldError("frequency", f"'{text.strip()}' is not one of {choices}") from None


def parse_match(text: str, frequency: Frequency) -> tuple[int, ...]:
    """'mon fri' or '0 4' for weekly (0 is Monday), '15 31' for monthly."""
    words = (text or "").replace(",", " ").lower().split()
    if not words:
        return ()
    if frequency not in (Frequency.WEEKLY, Frequency.MONTHLY):
        raise FieldError("frequency_match", f"must be empty for a {frequency.value} package")
    chosen: set[int] = set()
    for word in words:
        if frequency is Frequency.WEEKLY:
            if word in WEEKDAYS:
                chosen.add(WEEKDAYS.index(word))
            elif word in WEEKDAY_FULL:
                chosen.add(WEEKDAY_FULL.index(word))
            elif word.isascii() and word.isdigit() and len(word) <= 2 and 0 <= int(word) <= 6:
                chosen.add(int(word))
            else:
                raise FieldError("frequency_match", f"'{word}' is not a weekday (mon..sun or 0..6)")
        else:
            if not (word.isascii() and word.isdigit()) or len(word) > 2 or not 1 <= int(word) <= 31:
                raise FieldError("frequency_match", f"'{word}' is not a day of the month (1..31)")
            chosen.add(int(word))
    return tuple(sorted(chosen))


def format_match(match: tuple[int, ...], frequency: Frequency) -> str:
    """The match days as CSV and the list show them: 'tue fri', '15 31'."""
    if frequency is Frequency.WEEKLY:
        return " ".join(WEEKDAYS[d] for d in sorted(match))
    if frequency is Frequency.MONTHLY:
        return " ".join(str(d) for d in sorted(match))
    return ""


def package_texts(draft: PackageDraft) -> dict[str, str]:
    """A package's fields as text, the way files and forms write them;
    `parse_package` reads them back to the same draft."""
    return {
        "name": draft.name,
        "retail": format_price(draft.retail),
        "cost": format_price(draft.cost),
        "setup_retail": format_price(draft.setup_retail),
        "setup_cost": format_price(draft.setup_cost),
        "frequency": draft.frequency.value,
        "frequency_match": format_match(draft.match, draft.frequency),
        "description": draft.description,
        "upstream_service": draft.upstream_service or "",
        "minimum_spend": "yes" if draft.minimum_spend else "no",
        "minimum_days": str(draft.minimum_days),
    }


def yes_no(value: bool) -> str:
    return "yes" if value else "no"


def parse_bool(field: str, text: str) -> bool:
    value = (text or "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise FieldError(field, f"'{text.strip()}' is not yes/no, true/false or 1/0")


def parse_minimum_days(text: str) -> int:
    value = (text or "").strip()
    if not value:
        return 0
    if not (value.isascii() and value.isdigit()):
        raise FieldError("minimum_days", f"'{value[:20]}' is not a whole number of days (0 or more)")
    if len(value.lstrip("0")) > 5:
        raise FieldError("minimum_days", f"is more than {MINIMUM_DAYS_MAX} days")
    days = int(value)
    if days > MINIMUM_DAYS_MAX:
        raise FieldError("minimum_days", f"is more than {MINIMUM_DAYS_MAX} days")
    return days


def parse_description(text: str) -> str:
    value = plain_text("description", text, lines=True).strip()
    if len(value) > DESCRIPTION_MAX:
        raise FieldError("description", f"is {len(value)} characters; at most {DESCRIPTION_MAX}")
    return value


def parse_service_name(text: str, field: str = "upstream_service") -> str | None:
    value = " ".join(plain_text(field, text, lines=True).split())
    if not value:
        return None
    if len(value) > SERVICE_MAX:
        raise FieldError(field, f"is {len(value)} characters; at most {SERVICE_MAX}")
    return value


def parse_package(fields: Mapping[str, str | None]) -> tuple[PackageDraft | None, list[FieldError]]:
    """Every field of a package from text; all errors at once, in field order.

    Missing optional fields take their defaults (frequency: monthly).
    """
    errors: list[FieldError] = []
    values: dict = {}

    def take(key: str, fn, *args):
        try:
            values[key] = fn(*args)
        except FieldError as exc:
            errors.append(exc)

    get = lambda key: fields.get(key) or ""  # noqa: E731
    take("name", parse_name, get("name"))
    for key in ("retail", "cost", "setup_retail", "setup_cost"):
        take(key, parse_money, key, get(key))
    take("frequency", parse_frequency, get("frequency"))
    if "frequency" in values:
        take("match", parse_match, get("frequency_match"), values["frequency"])
    take("description", parse_description, get("description"))
    take("upstream_service", parse_service_name, get("upstream_service"))
    take("minimum_spend", parse_bool, "minimum_spend", get("minimum_spend"))
    take("minimum_days", parse_minimum_days, get("minimum_days"))
    if values.get("minimum_spend") and values.get("frequency") is Frequency.NONE:
        errors.append(FieldError("minimum_spend", "needs a frequency: a commitment is per period"))
    if errors:
        return None, errors
    return PackageDraft(**values), []
