"""One customer: what is switched on for them today, and their allocations."""

from __future__ import annotations

from datetime import date
from itertools import islice

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Static
from textual.worker import get_current_worker

from billing.charges import Charge, allocation_charges
from billing.labels import marked
from billing.money import format_money, format_price
from store.allocations import (
    active_services, count_allocations, get_allocation, list_allocations, remove_allocation, removal_refusal,
)
from store.charges import allocation_true_ups
from store.customers import CustomerRow, get_customer
from store.errors import DATABASE_ERRORS, explain
from store.scan import AllocationRow

from ..bundles import BundleAllocation, left_text, minutes_left
from ..widgets.paged_table import PagedTable
from ..widgets.projection_tables import is_estimate
from ..widgets.title_bar import TitleBar
from .base import key_back, key_find, key_new, key_remove
from .paged_list import PagedListScreen


def next_charge(allocation: AllocationRow, today: date, precision: int, memo: dict | None = None) -> Charge | None:
    """The first charge on or after today, or None. For a minimum-spend
    package that is its next true-up (its charge dates bill no retail), an
    estimate while the period runs; `memo` keeps usage sums across calls."""
    lines = allocation_charges(allocation.package_terms, allocation.terms(), today, None, precision)
    first = next(islice(lines, 1), None)
    if allocation.package_terms.minimum_spend:
        true_up = next(iter(allocation_true_ups(allocation, today, None, precision, today, memo)), None)
        if true_up is not None and (first is None or true_up.date <= first.date):
            return true_up
    return first


#: Bundles listed above the allocations (the rest: the cursor's row says in the status line).
BUNDLES_SHOWN = 3
NAME_SHOWN = 24


def bundle_line(bundle: BundleAllocation, left) -> str:
    """' UK 100 x2 (HQ): 40 used, 160 left to 12-24'."""
    a = bundle.allocation
    name = a.package if len(a.package) <= NAME_SHOWN else a.package[: NAME_SHOWN - 1] + "…"
    quantity = f" x{a.quantity}" if a.quantity != 1 else ""
    reference = f" ({a.reference[:12]})" if a.reference else ""
    return f"{name}{quantity}{reference}: {left_text(left)}"


def _amount(charge: Charge | None, precision: int) -> str:
    """A charge's amount as listed, marked while it is an estimate."""
    if charge is None:
        return "-"
    return marked(format_money(charge.amount, precision), is_estimate(charge))


class CustomerScreen(PagedListScreen):
    """One customer: what is switched on for them, and their allocations."""

    BINDINGS = [
        key_new("new allocation"),
        key_remove("remove the allocation (not before start + the package's minimum days)"),
        Binding("e", "edit_customer", "Edit", id="edit_customer", tooltip="edit the customer"),
        Binding("p", "projection", "Proj", id="projection", tooltip="the customer's projection, month by month"),
        Binding("u", "usage", "Usage", id="usage", tooltip="the customer's usage: add, correct, by day and by month"),
        Binding("s", "statement", "Statement", id="statement", tooltip="the customer's statement: ledger, payments, balance"),
        Binding("c", "calls", "Calls", id="calls", tooltip="the customer's calls, newest first, those a bundle covers marked"),
        key_find("filter by package or reference"),
        key_back("back to customers (or clear the filter)"),
    ]

    HELP_TITLE = "Customer"
    HELP_ABOUT = (
        "The customer's allocations: next charge date and amount from today, and the "
        "upstream services their active allocations switch on. Free-minutes bundles: the minutes "
        "used and left this period, over the allocations (and for the cursor's row in the status line)."
    )
    KEY_HELP = {"open": "edit the allocation"}
    PALETTE = (
        ("New allocation", "Give this customer a package", "new"),
        ("Customer projection", "This customer's next 12 months", "projection"),
        ("Edit customer", "Name, status, tax, notes", "edit_customer"),
        ("Customer usage", "Usage records, by day and by month", "usage"),
        ("Customer statement", "Ledger, payments and balance", "statement"),
        ("Customer calls", "Calls, newest first, with what bundles cover", "calls"),
    )

    TABLE_ID = "allocations"
    COLUMNS = (
        ("package", "Package", 13, False, 2), ("qty", "Qty", 3, True), ("start", "Start", 10, False),
        ("end", "End", 10, False), ("next", "Next", 10, False), ("amount", "Amount", 8, True),
        ("auto", "Auto", 4, False), ("ref", "Ref", 6, False, 2),
    )
    FILTER = "/ filter by package or reference"
    EMPTY = "No allocation here. Press {new} to add one."

    def __init__(self, customer: CustomerRow):
        super().__init__()
        self.customer = customer
        self._memo: dict = {}
        #: Allocation id -> (bundle, its minutes this period), once counted.
        self._minutes: dict = {}

    def compose(self) -> ComposeResult:
        yield TitleBar(f"Customer · {self.customer.name}")
        yield Static("", id="customer-info", markup=False)
        minutes = Static("", id="customer-minutes", markup=False)
        minutes.display = False  # until the customer's bundles are counted (none: it stays hidden)
        yield minutes
        yield from self.list_widgets()
        yield Footer(compact=True, show_command_palette=False)

    # --- the rows -------------------------------------------------------------------

    def reload(self, keep_id: int | None = None) -> None:
        self._memo = {}  # usage sums, read again after a change
        super().reload(keep_id)

    def fetch(self, after: AllocationRow | None, limit: int) -> list[AllocationRow]:
        return list_allocations(self.customer.id, self.text, after.id if after else None, limit)

    def count(self) -> int:
        return count_allocations(self.customer.id, self.text)

    def cells(self, row: AllocationRow) -> list:
        today = self.app.today
        precision = self.app.book.settings.precision
        charge = next_charge(row, today, precision, self._memo)
        style = "dim" if row.end is not None and row.end < today else ""
        return [
            Text(row.package, style=style, overflow="ellipsis", no_wrap=True),
            Text(str(row.quantity), justify="right", style=style),
            Text(row.start.isoformat(), style=style),
            Text(row.end.isoformat() if row.end else "-", style=style),
            Text(charge.date.isoformat() if charge else "-", style=style),
            Text(_amount(charge, precision), justify="right", style=style),
            Text("yes" if row.auto_decrement else "no", style=style),
            Text(row.reference, style=style, overflow="ellipsis", no_wrap=True),
        ]

    def reloaded(self) -> None:
        """The lines above the list: status, tax, balance, and what is switched on today."""
        c = get_customer(self.customer.id) or self.customer
        self.customer = c
        settings = self.app.book.settings
        services = active_services(c.id, self.app.today)
        switched = ", ".join(f"{name} x{qty}" for name, qty, _ in services) or "nothing"
        self.query_one("#customer-info", Static).update(
            f" {c.status} · tax {format_price(c.tax_percent, 0)}% · balance "
            f"{format_money(c.balance, settings.precision)} {settings.currency}\n"
            f" Switched on today: {switched}"
        )
        self.query_one("#title", Static).update(f"Customer · {c.name}")
        self._count_minutes(self.app.today)

    def status_parts(self) -> list[str]:
        parts = [f"{len(self.rows):,} of {self.total:,} allocation(s)"]
        if self.text:
            parts.append(f"filter '{self.text}'")
        row = self.current()
        found = self._minutes.get(row.id) if row is not None else None
        if found is not None:
            parts.append(f"minutes {left_text(found[1])}")
        return parts + ["enter: edit"]

    @on(PagedTable.RowHighlighted)
    def _cursor_moved(self) -> None:
        self.show_status()

    # --- free minutes this period (counted in a thread: a period's calls may be many) ---

    @work(thread=True, exclusive=True, group="minutes")
    def _count_minutes(self, today: date) -> None:
        worker = get_current_worker()
        try:
            found = minutes_left(self.customer.id, today, lambda: worker.is_cancelled)
        except DATABASE_ERRORS as exc:
            self.app.call_from_thread(self._minutes_failed, explain(exc))
            return
        if found is not None and not worker.is_cancelled:
            self.app.call_from_thread(self._minutes_counted, found)

    def _minutes_counted(self, found: list) -> None:
        if not self.is_attached:
            return  # the screen was left meanwhile
        self._minutes = {bundle.allocation.id: (bundle, left) for bundle, left in found}
        lines = [bundle_line(bundle, left) for bundle, left in found]
        if len(lines) > BUNDLES_SHOWN:
            more = len(lines) - (BUNDLES_SHOWN - 1)
            lines = lines[: BUNDLES_SHOWN - 1] + [f"and {more} more bundles: the cursor's row says in the status line"]
        box = self.query_one("#customer-minutes", Static)
        box.update("\n".join(f" Minutes {line}" for line in lines))
        box.display = bool(lines)
        self.show_status()

    def _minutes_failed(self, reason: str) -> None:
        if not self.is_attached:
            return
        box = self.query_one("#customer-minutes", Static)
        box.update(f" Minutes this period: not counted ({reason})")
        box.display = True

    # --- actions ----------------------------------------------------------------------

    def _after(self, saved: int | None = None) -> None:
        self.reload(keep_id=saved)

    def open_row(self, row: AllocationRow) -> None:
        fresh = get_allocation(row.id)
        if fresh is None:
            self.reload()
            return
        self.app.open_screen("allocation_form", self.customer, fresh, callback=self._after)

    def action_new(self) -> None:
        self.app.open_screen("allocation_form", self.customer, None, callback=self._after)

    def action_remove(self) -> None:
        row = self.current()
        if row is None:
            return
        self.ask_then(
            "Remove allocation",
            f"Remove {row.quantity} x '{row.package}' from {self.customer.name}? "
            "To stop charging from a date instead, open it and give it an end date.",
            "Remove",
            lambda: remove_allocation(row.id, self.app.today),
            lambda _: f"Removed {row.quantity} x '{row.package}'.",
            refusal=lambda: removal_refusal(row.id, self.app.today),
        )

    def action_edit_customer(self) -> None:
        fresh = get_customer(self.customer.id)
        if fresh is not None:
            self.app.open_screen("customer_form", fresh, callback=lambda _: self.reloaded())

    def action_projection(self) -> None:
        self.app.open_screen("customer_projection", self.customer)

    def action_statement(self) -> None:
        self.app.open_screen("statement", self.customer, callback=lambda _: self.reload())

    def action_calls(self) -> None:
        self.app.open_screen("calls", self.customer)

    def action_usage(self) -> None:
        self.app.open_screen("usage", self.customer, callback=lambda _: self.reload())
