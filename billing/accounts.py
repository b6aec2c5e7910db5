"""Reading customers and allocations from what an operator typed.

Same shape as billing.catalogue: one parser per field, each failure a
FieldError naming its field; the form, the CSV import and the command line
share them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Mapping

from .catalogue import FieldError, parse_bool, plain_text
from .dates import DateError, parse_date
from .labels import field_label
from .money import MAX_LINE, MoneyError, format_grouped, parse_amount

CUSTOMER_FIELDS = ("name", "status", "tax_percent", "notes")
ALLOCATION_FIELDS = ("customer", "package", "quantity", "start_date", "end_date", "auto_decrement", "prorate", "reference")
STATUSES = ("active", "suspended", "closed")
NOTES_MAX = 2000
REFERENCE_MAX = 100
QUANTITY_MAX = 1_000_000


@dataclass(frozen=True, slots=True)
class CustomerDraft:
    name: str
    status: str = "active"
    tax_percent: Decimal = Decimal(0)
    notes: str = ""


@dataclass(frozen=True, slots=True)
class AllocationDraft:
    quantity: int
    start: date
    end: date | None = None
    auto_decrement: bool = False
    prorate: bool = False
    reference: str = ""


def parse_customer_name(text: str) -> str:
    name = " ".join(plain_text("name", text, lines=True).split())
    if not name:
        raise FieldError("name", "is required")
    if len(name) > 120:
        raise FieldError("name", f"is {len(name)} characters; at most 120")
    return name


def parse_status(text: str) -> str:
    value = (text or "").strip().lower() or "active"
    if value not in STATUSES:
        raise FieldError("status", f"'{text.strip()}' is not one of {', '.join(STATUSES)}")
    return value


def parse_tax_percent(text: str) -> Decimal:
    if not (text or "").strip():
        return Decimal(0)
    try:
        value = parse_amount(text, places=2)
    except MoneyError as exc:
        raise FieldError("tax_percent", str(exc)) from None
    if value > 100:
        raise FieldError("tax_percent", f"{value} is more than 100")
    return value


def parse_notes(text: str) -> str:
    value = plain_text("notes", text, lines=True).strip()
    if len(value) > NOTES_MAX:
        raise FieldError("notes", f"is {len(value)} characters; at most {NOTES_MAX}")
    return value


def parse_customer(fields: Mapping[str, str | None]) -> tuple[CustomerDraft | None, list[FieldError]]:
    errors: list[FieldError] = []
    values: dict = {}
    for key, fn in (("name", parse_customer_name), ("status", parse_status), ("tax_percent", parse_tax_percent), ("notes", parse_notes)):
        try:
            values[key] = fn(fields.get(key) or "")
        except FieldError as exc:
            errors.append(exc)
    if errors:
        return None, errors
    return CustomerDraft(**values), []


def parse_quantity(text: str) -> int:
    value = (text or "").strip()
    if not value:
        return 1
    if not (value.isascii() and value.isdigit()):
        raise FieldError("quantity", f"'{value[:20]}' is not a whole number of 1 or more")
    if len(value.lstrip("0")) > 7:
        raise FieldError("quantity", f"is more than {QUANTITY_MAX:,}")
    quantity = int(value)
    if quantity < 1:
        raise FieldError("quantity", "must be at least 1")
    if quantity > QUANTITY_MAX:
        raise FieldError("quantity", f"is more than {QUANTITY_MAX:,}")
    return quantity


def parse_field_date(field: str, text: str, today: date | None, *, required: bool) -> date | None:
    if not (text or "").strip():
        if required:
            raise FieldError(field, "is required (YYYY-MM-DD, t for today, +N for N days on)")
        return None
    try:
        return parse_date(text, today)
    except DateError as exc:
        raise FieldError(field, str(exc)) from None


def parse_reference(text: str) -> str:
    value = plain_text("reference", text).strip()
    if len(value) > REFERENCE_MAX:
        raise FieldError("reference", f"is {len(value)} characters; at most {REFERENCE_MAX}")
    return value


def parse_allocation(
    fields: Mapping[str, str | None], today: date | None, minimum_days: int = 0
) -> tuple[AllocationDraft | None, list[FieldError]]:
    """Quantity, dates, flags and reference; the end is checked against the
    start and against the package's minimum days."""
    errors: list[FieldError] = []
    values: dict = {}

    def take(key, fn, *args, **kwargs):
        try:
            values[key] = fn(*args, **kwargs)
        except FieldError as exc:
            errors.append(exc)

    get = lambda key: fields.get(key) or ""  # noqa: E731
    take("quantity", parse_quantity, get("quantity"))
    take("start", parse_field_date, "start_date", get("start_date"), today, required=True)
    take("end", parse_field_date, "end_date", get("end_date"), today, required=False)
    take("auto_decrement", parse_bool, "auto_decrement", get("auto_decrement"))
    take("prorate", parse_bool, "prorate", get("prorate"))
    take("reference", parse_reference, get("reference"))
    start, end = values.get("start"), values.get("end")
    if start and end:
        if end < start:
            errors.append(FieldError("end_date", f"{end} is before the start date {start}"))
        else:
            problem = minimum_days_problem(start, end, minimum_days)
            if problem:
                errors.append(FieldError("end_date", problem))
    if errors:
        return None, errors
    return AllocationDraft(**values), []


def first_allowed_end(start: date, minimum_days: int) -> date:
    """The first date an allocation may end (or be removed) on."""
    return start + timedelta(days=minimum_days)


def minimum_days_problem(start: date, end: date, minimum_days: int) -> str | None:
    if minimum_days and end < first_allowed_end(start, minimum_days):
        first = first_allowed_end(start, minimum_days)
        return f"the package has {minimum_days} minimum days: the first allowed end date is {first}"
    return None


def removal_problem(package: str, start: date, minimum_days: int, today: date) -> str | None:
    """Why an allocation can't be removed today (None: it can): before start +
    the package's minimum days, naming the first allowed date."""
    if minimum_days and today < first_allowed_end(start, minimum_days):
        return (
            f"'{package}' has {minimum_days} minimum days: this allocation can be removed "
            f"from {first_allowed_end(start, minimum_days)} (or given an end date from then)"
        )
    return None


def largest_price(retail: Decimal, cost: Decimal, setup_retail: Decimal, setup_cost: Decimal) -> tuple[str, Decimal]:
    """The price that makes a package's largest line, and its field name."""
    return max(
        (("retail", retail), ("cost", cost), ("setup_retail", setup_retail), ("setup_cost", setup_cost)),
        key=lambda pair: pair[1],
    )


def line_limit_problem(quantity: int, field: str, price: Decimal) -> str | None:
    """Why `quantity` units of `price` can't be charged (None: they can): no
    charge line may pass MAX_LINE (BILLING.md, "Money")."""
    line = price * quantity
    if line > MAX_LINE:
        return (
            f"{quantity:,} x {field_label(field)} {format_grouped(price)} = {format_grouped(line)} passes the largest "
            f"charge line a book can hold ({format_grouped(MAX_LINE)})"
        )
    return None
