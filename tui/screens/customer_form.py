"""Add and edit a customer: name, status, tax % and notes."""

from __future__ import annotations

from dataclasses import fields, replace

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Input, Label, Select, Static

from billing.accounts import STATUSES, CustomerDraft, parse_customer, parse_customer_name, parse_notes, parse_tax_percent
from billing.catalogue import FieldError
from billing.labels import form_label
from billing.money import format_money, format_price
from store.customers import CustomerRow, create_customer, update_customer

from ..widgets.title_bar import FORM_HINT, TitleBar
from .form import FormScreen

TEXT_FIELDS = ("name", "tax_percent", "notes")


class CustomerFormScreen(FormScreen):
    HELP_TITLE = "Customer form"
    HELP_ABOUT = "Name (unique), status, tax percent (0-100, shown as its own line on projections) and notes."
    WHAT = "customer"

    def __init__(self, customer: CustomerRow | None):
        super().__init__()
        self.customer = customer
        self.version = customer.version if customer else None

    def compose(self) -> ComposeResult:
        c = self.customer
        yield TitleBar(f"Edit customer: {c.name}" if c else "New customer", FORM_HINT)
        with VerticalScroll(id="customer-form"):
            yield from self.input_row("name", c.name if c else "", parse_customer_name, max_length=120)
            with Horizontal(classes="row"):
                yield Label(form_label("status"), classes="label")
                yield Select([(s, s) for s in STATUSES], value=c.status if c else "active", allow_blank=False, id="status", compact=True)
            tax = format_price(c.tax_percent, 0) if c else "0"
            yield from self.input_row("tax_percent", tax, parse_tax_percent, classes="money", max_length=6)
            yield from self.input_row("notes", c.notes if c else "", parse_notes, max_length=2000)
            if c is not None:
                settings = self.app.book.settings
                yield Static(
                    f"Balance: {format_money(c.balance, settings.precision)} {settings.currency} "
                    "(moves with payments and posted charges)",
                    classes="hint",
                    markup=False,
                )
        yield Footer(compact=True, show_command_palette=False)

    def mounted(self) -> None:
        self.query_one("#name", Input).focus()

    def raw(self) -> dict[str, str]:
        raw = {key: self.query_one(f"#{key}", Input).value for key in TEXT_FIELDS}
        raw["status"] = str(self.query_one("#status", Select).value)
        return raw

    def read(self) -> tuple[CustomerDraft | None, list[FieldError]]:
        return parse_customer(self.raw())

    def write(self, draft: CustomerDraft, version: int | None) -> CustomerRow:
        if self.customer is None:
            return create_customer(draft)
        return update_customer(self.customer.id, version, draft)

    # --- someone else saved first: merged field by field (form_merge) ------------

    def opened_record(self) -> CustomerRow | None:
        return self.customer

    def field_values(self, record: CustomerRow | None) -> dict | None:
        return self.draft_values(record.draft()) if record is not None else None

    def draft_values(self, draft: CustomerDraft) -> dict:
        return {f.name: getattr(draft, f.name) for f in fields(CustomerDraft)}

    def with_values(self, draft: CustomerDraft, values: dict) -> CustomerDraft:
        return replace(draft, **values)

    def show_field(self, field: str, values: dict) -> str:
        value = values[field]
        return format_price(value, 0) if field == "tax_percent" else str(value)

    def put(self, values: dict) -> None:
        for field, value in values.items():
            if field == "status":
                self.query_one("#status", Select).value = value
            else:
                self.query_one(f"#{field}", Input).value = self.show_field(field, values)

    def load(self, current: CustomerRow) -> None:
        self.customer = current
        self.put(self.field_values(current))
