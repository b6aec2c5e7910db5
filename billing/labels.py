"""Words packdesk shows for its codes: one place, so the screens, the command
line and the error messages never drift apart.

Codes (`minimum_spend`, `start_date`, weekday 0) are what the book and the
CSV files hold; labels are what a person reads.
"""

from __future__ import annotations

from .schedule import WEEKDAYS

#: A charge line's kind, as tables show it (short enough for a narrow column).
KIND_LABELS = {"setup": "setup", "recurring": "recurring", "minimum_spend": "min.spend"}

#: Marks a figure that is estimated (a true-up of a period not ended yet).
ESTIMATE_MARK = "~"

#: Weekdays, Monday first (0), as CSV files and the schedule words write them.
WEEKDAY_NAMES = WEEKDAYS
#: Weekdays in full, as an operator may type them.
WEEKDAY_FULL = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
#: Weekdays in two letters, for the day picker grid.
WEEKDAY_SHORT = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")

#: Every field of a package, customer or allocation, as an error names it
#: ("retail: is required") and as a form labels it (capitalised).
FIELD_LABELS = {
    # packages
    "name": "name",
    "retail": "retail",
    "cost": "cost",
    "setup_retail": "setup retail",
    "setup_cost": "setup cost",
    "frequency": "frequency",
    "frequency_match": "frequency match",
    "description": "description",
    "upstream_service": "upstream service",
    "minimum_spend": "minimum spend",
    "minimum_days": "minimum days",
    "archived": "archived",
    "effective_from": "prices from",
    # customers
    "status": "status",
    "tax_percent": "tax %",
    "notes": "notes",
    # allocations
    "customer": "customer",
    "package": "package",
    "quantity": "quantity",
    "start_date": "start",
    "end_date": "end",
    "auto_decrement": "auto decrement",
    "prorate": "prorate",
    "reference": "reference",
    # usage and payments
    "date": "date",
    "amount": "amount",
    "source": "source",
}

#: Shorter labels where a form's label column is narrow (80 columns).
FORM_LABELS = {
    "frequency_match": "Days",
    "upstream_service": "Upstream",
    "minimum_spend": "Min spend",
    "minimum_days": "Min days",
    "effective_from": "From",
}


def field_label(field: str) -> str:
    """How an error message names a field: 'setup retail'."""
    return FIELD_LABELS.get(field, field.replace("_", " "))


def form_label(field: str) -> str:
    """How a form labels a field: 'Setup retail', 'Min days'."""
    found = FORM_LABELS.get(field)
    if found:
        return found
    label = field_label(field)
    return label[:1].upper() + label[1:]


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)


def marked(text: str, estimate: bool) -> str:
    """A figure with the estimate mark in front when it is estimated."""
    return ESTIMATE_MARK + text if estimate else text
