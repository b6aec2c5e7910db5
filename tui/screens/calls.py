"""A customer's calls: newest first, paged from the book, filtered by
destination prefix; the calls a free-minutes bundle covers are marked, with
their net cost (worked out for each page of rows in a thread)."""

from __future__ import annotations

from decimal import Decimal

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.widgets import Footer, Input, Static
from textual.worker import get_current_worker

from billing.catalogue import FieldError
from billing.destinations import normalise_number
from billing.money import format_price
from billing.net_cost import round_total
from store.calls import CallRow, count_calls, list_calls
from store.customers import CustomerRow
from store.errors import DATABASE_ERRORS, explain

from ..bundles import Cover, bundle_allocations, coverage, duration
from ..validators import VALIDATE_ON, FieldValidator
from ..widgets.field import Field
from ..widgets.paged_table import PagedTable
from ..widgets.title_bar import TitleBar
from .base import key_back, key_find
from .paged_list import PagedListScreen

#: A net cost covered in part is a fraction of the cost: shown to this many places at least.
PART_PLACES = 4
WAITING = "…"


def parse_prefix(text: str) -> str:
    """A destination prefix to filter by ('44', '^44', '+44', '0044'): its digits."""
    value = (text or "").strip().lstrip("^")
    if not value:
        return ""
    try:
        return normalise_number(value, "destination")
    except FieldError:
        raise FieldError("destination", f"{text.strip()!r} is not a destination prefix: digits, as 44, ^44 or +44") from None


class CallsScreen(PagedListScreen):
    """One customer's calls, newest first."""

    BINDINGS = [
        key_find("filter by destination prefix (44, ^44 or +44)"),
        key_back("back to the customer (or clear the filter)"),
    ]

    HELP_TITLE = "Calls"
    HELP_ABOUT = (
        "The customer's calls as the switch reported them, newest first (more load as the cursor goes "
        "down). Cost is before free minutes; Net cost is what is left once the customer's free-minutes "
        "bundles take their seconds off. Free: 'free' when a bundle covers the whole call, 'part' when "
        "its minutes ran out during it. A call draws on the bundle with the longest matching prefix "
        "first, then the next; unused minutes lapse at the end of each period. / filters by "
        "destination prefix (44, ^44, +44); enter says which bundles covered the call."
    )
    KEY_HELP = {"open": "which bundles covered the call"}

    TABLE_ID = "calls"
    COLUMNS = (
        ("start", "Start", 19, False), ("destination", "Destination", 13, False, 1),
        ("duration", "Duration", 8, True), ("cost", "Cost", 9, True), ("net", "Net cost", 9, True),
        ("free", "Free", 4, False),
    )
    FILTER = "/ destination prefix: 44, ^44 or +44"
    EMPTY = "No call here. Calls come from the switch's files: packdesk import calls FILE."

    def __init__(self, customer: CustomerRow) -> None:
        super().__init__()
        self.customer = customer
        #: Call id -> what the bundles did to it, for the rows loaded.
        self.covers: dict[int, Cover] = {}
        self._bundles: list | None = None  # the customer's bundle allocations, read by the first worker
        self._names: dict[int, str] = {}

    def compose(self) -> ComposeResult:
        yield TitleBar(f"Calls · {self.customer.name}")
        yield from self.list_widgets()
        yield Footer(compact=True, show_command_palette=False)

    def list_widgets(self, status: bool = True) -> ComposeResult:
        """The filter box (checked as typed, its reason under it), the table and the status line."""
        yield Field(placeholder=self.FILTER, id="filter", compact=True,
                    validators=[FieldValidator(parse_prefix)], validate_on=VALIDATE_ON)
        yield Static("", id="filter-error", classes="error", markup=False)
        yield PagedTable(id=self.TABLE_ID)
        yield Static("", id="status", classes="status", markup=False)

    # --- the rows -------------------------------------------------------------------

    def prefix(self) -> str | None:
        """The filter's digits ('' none), or None when what is typed is not a prefix."""
        try:
            return parse_prefix(self.text)
        except FieldError:
            return None

    def fetch(self, after: CallRow | None, limit: int) -> list[CallRow]:
        prefix = self.prefix()
        if prefix is None:
            return []
        return list_calls(self.customer.id, after, limit, prefix)

    def count(self) -> int:
        prefix = self.prefix()
        return 0 if prefix is None else count_calls(self.customer.id, prefix)

    def cells(self, row: CallRow) -> list:
        cover = self.covers.get(row.id)
        if cover is None:
            net, mark = Text(WAITING, justify="right", style="dim"), ""
        else:
            net = Text(self._net(cover), justify="right")
            mark = cover.mark(row.seconds)
        return [
            f"{row.start:%Y-%m-%d %H:%M:%S}",
            row.destination,
            Text(duration(row.seconds), justify="right"),
            Text(format_price(row.cost), justify="right"),
            net,
            Text(mark, style="bold" if mark == "free" else ""),
        ]

    def _net(self, cover: Cover) -> str:
        precision = self.app.book.settings.precision
        if isinstance(cover.net, Decimal):
            return format_price(cover.net, precision)
        return format_price(round_total(cover.net, max(precision, PART_PLACES)), precision)

    def reload(self, keep_id: int | None = None) -> None:
        self.covers = {}
        self._bundles = None  # read again: the book may have changed
        super().reload(keep_id)

    def _append(self, rows: list) -> None:
        """Rows go on the table at once; what the bundles did to them follows from a thread."""
        super()._append(rows)
        if rows:
            self._cover(self.generation, rows)

    def status_parts(self) -> list[str]:
        if self.prefix() is None:
            return ["the filter is not a destination prefix: digits, as 44, ^44 or +44"]
        shown = f"{len(self.rows):,} of {self.total:,} call(s)" if self.total is not None else f"{len(self.rows):,} call(s)"
        parts = [shown, "newest first"]
        if self.text:
            parts.append(f"destinations {self.prefix()}…")
        if any(c.covered for c in self.covers.values()):
            parts.append("free/part: a bundle covers it")
        return parts

    # --- what the bundles cover (for each page of rows, in a thread) ---------------------

    @work(thread=True, group="cover")
    def _cover(self, generation: int, rows: list[CallRow]) -> None:
        worker = get_current_worker()
        stale = lambda: worker.is_cancelled or generation != self.generation  # noqa: E731
        try:
            if self._bundles is None:
                self._bundles = bundle_allocations(self.customer.id)
            found = coverage(self.customer.id, rows, self._bundles, stale)
            names = {b.allocation.id: f"{b.allocation.package} (allocation {b.allocation.id}" for b in self._bundles}
        except DATABASE_ERRORS as exc:
            self.app.call_from_thread(self.notify, f"Free minutes not worked out: {explain(exc)}.", severity="error")
            return
        if found is not None and not stale():
            self.app.call_from_thread(self._covered, generation, found, names)

    def _covered(self, generation: int, found: dict[int, Cover], names: dict[int, str]) -> None:
        if generation != self.generation or not self.is_attached:
            return
        self.covers.update(found)
        self._names.update(names)
        table = self.table
        for index, row in enumerate(self.rows):
            if row.id in found:
                table.update_row(index, *self.cells(row))
        self.show_status()

    # --- the filter -----------------------------------------------------------------------

    @on(Input.Changed, "#filter")
    def _filter_checked(self, event: Input.Changed) -> None:
        """The reason a filter is not a prefix stands under it while it is typed."""
        line = self.query_one("#filter-error", Static)
        result = event.validation_result
        wrong = result is not None and not result.is_valid
        line.update("; ".join(result.failure_descriptions) if wrong else "")
        line.set_class(wrong, "shown")

    # --- enter: what the bundles did to the call -----------------------------------------------

    def open_row(self, row: CallRow) -> None:
        cover = self.covers.get(row.id)
        said = f"Call {row.call_id} to {row.destination}, {duration(row.seconds)}, cost {format_price(row.cost)}"
        if cover is None:
            self.notify(f"{said}: free minutes still being worked out.")
        elif not cover.covered:
            self.notify(f"{said}: no bundle covered it.")
        else:
            taken = ", ".join(
                f"{duration(d.seconds)} from {self._names.get(d.allocation_id, f'(allocation {d.allocation_id}')}, "
                f"period from {d.period_start})"
                for d in cover.draws
            )
            self.notify(f"{said}: {taken}; net cost {self._net(cover)}.", timeout=10)
