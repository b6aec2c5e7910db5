"""Customers: the paged list (f3)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer

from billing.money import format_money, format_price
from store.customers import CustomerQuery, CustomerRow, count_customers, get_customer, list_customers

from ..widgets.title_bar import TitleBar
from .base import key_back, key_find, key_new, key_sort
from .paged_list import PagedListScreen

PAGE = 200
PREFETCH = 40


class CustomerListScreen(PagedListScreen):
    BINDINGS = [
        key_new("new customer"),
        Binding("e", "edit", "Edit", id="edit", tooltip="edit the customer"),
        key_find("filter by name as you type"),
        *key_sort("sort by name, status, balance"),
        key_back("back to where you came from (or clear the filter)"),
    ]

    HELP_TITLE = "Customers"
    HELP_ABOUT = "Every customer of the book. Balance moves with payments and posted charges."
    KEY_HELP = {"open": "the customer's allocations"}
    PALETTE = (("New customer", "Add a customer", "new"),)

    TABLE_ID = "customers"
    COLUMNS = (
        ("name", "Name", 36, False, 1), ("status", "Status", 9, False), ("tax", "Tax %", 6, True),
        ("balance", "Balance", 14, True),
    )
    PAGE = PAGE
    PREFETCH = PREFETCH
    FILTER = "/ filter by name"
    SORTS = ("name", "status", "balance")
    EMPTY = "No customer here. Press {new} to add one."

    def compose(self) -> ComposeResult:
        yield TitleBar("packdesk · Customers")
        yield from self.list_widgets()
        yield Footer(compact=True, show_command_palette=False)

    @property
    def query_state(self) -> CustomerQuery:
        return CustomerQuery(self.text, self.sort, self.descending)

    def fetch(self, after: CustomerRow | None, limit: int) -> list[CustomerRow]:
        return list_customers(self.query_state, after, limit)

    def count(self) -> int:
        return count_customers(self.query_state)

    def cells(self, row: CustomerRow) -> list:
        precision = self.app.book.settings.precision
        dim = "dim" if row.status == "closed" else ""
        return [
            Text(row.name, style=dim, overflow="ellipsis", no_wrap=True),
            Text(row.status, style=dim),
            Text(format_price(row.tax_percent, 0), justify="right", style=dim),
            Text(format_money(row.balance, precision), justify="right", style=dim),
        ]

    def status_parts(self) -> list[str]:
        return super().status_parts() + ["enter: allocations"]

    def open_row(self, row: CustomerRow) -> None:
        fresh = get_customer(row.id)
        if fresh is None:
            self.reload()
            return
        self.app.open_screen("customer", fresh, callback=lambda _: self.reload(keep_id=row.id))

    def action_new(self) -> None:
        self.app.open_screen("customer_form", None, callback=lambda saved: self.reload(keep_id=saved))

    def action_edit(self) -> None:
        row = self.current()
        fresh = get_customer(row.id) if row is not None else None
        if fresh is not None:
            self.app.open_screen("customer_form", fresh, callback=lambda _: self.reload(keep_id=row.id))
