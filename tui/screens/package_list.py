"""The package list: paged from the book, filtered as you type, sortable."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer

from billing.money import format_money, format_price
from store.demo import load_demo
from store.errors import DATABASE_ERRORS, StoreError, explain
from store.packages import (
    PackageQuery,
    PackageRow,
    allocation_count,
    count_packages,
    delete_package,
    get_package,
    list_packages,
    package_total,
    set_archived,
)

from ..widgets.paged_table import PagedTable
from .base import KEY_CLEAR_FILTER, key_find, key_help_f1, key_new, key_sort
from ..widgets.title_bar import TitleBar
from .dialogs import ChoiceScreen
from .paged_list import PagedListScreen

COLUMNS = (
    # (key, label, width, right-aligned)
    ("name", "Name", 18, False, 3), ("retail", "Retail", 7, True), ("cost", "Cost", 7, True),
    ("margin", "Margin", 7, True), ("frequency", "Frequency", 10, False), ("monthly", "/month", 8, True),
    ("service", "Upstream", 9, False, 1),
)
FREQ_SHORT = {"none": "none", "daily": "daily", "weekly": "week", "monthly": "month", "yearly": "yearly"}
PAGE = 100
FIRST = 30  # a screenful, shown at once; the rest of the page follows
PREFETCH = 30


class PackageListScreen(PagedListScreen):
    """The first screen: the catalogue."""

    BINDINGS = [
        key_new("new package"),
        key_find("filter by name as you type"),
        Binding("d", "archive", "Archive", id="archive", tooltip="archive the package (or delete one never allocated)"),
        Binding("a", "toggle_archived", "Archived", id="toggle_archived", tooltip="show or hide archived packages"),
        *key_sort("sort by the next column", show_reverse=False),
        Binding("u", "services", "Upstream", id="services", tooltip="upstream services"),
        Binding("h", "prices", "Prices", id="price_history", tooltip="the package's price history (its versions)"),
        key_help_f1(show=False),
        KEY_CLEAR_FILTER,
    ]

    HELP_TITLE = "Packages"
    HELP_ABOUT = (
        "The package catalogue. Retail is what the customer pays per charge, cost what the provider "
        "charges you; /month is the monthly-equivalent retail. Archived packages are struck through."
    )
    KEY_HELP = {"open": "open the package to edit it"}
    PALETTE = (
        ("New package", "Add a package to the catalogue", "new"),
        ("Filter packages", "Filter the list by name", "filter"),
        ("Show or hide archived packages", "Toggle archived rows", "toggle_archived"),
        ("Sort packages by next column", "Cycle the sort column", "sort"),
        ("Reverse sort order", "Ascending or descending", "reverse"),
        ("Archive or delete package", "The package under the cursor", "archive"),
        ("Upstream services", "Maintain the provider services list", "services"),
        ("Price history", "Every price version of the package under the cursor", "prices"),
        ("Load demo data", "Add a handful of demo telecom packages", "load_demo"),
    )

    TABLE_ID = "packages"
    COLUMNS = COLUMNS
    PAGE = PAGE
    FIRST = FIRST
    PREFETCH = PREFETCH
    FILTER = "/ filter by name"
    FILTER_ON_USE = True
    SORTS = tuple(key for key, *_ in COLUMNS)
    EMPTY = "No package here. Press {new} to add one."

    def __init__(self) -> None:
        super().__init__()
        self.show_archived = True

    def compose(self) -> ComposeResult:
        yield TitleBar("packdesk · Packages")
        yield from self.list_widgets()
        yield Footer(compact=True, show_command_palette=False)

    def mounted(self) -> None:
        if self.total == 0 and not self.text and not self.app.book.read_only and package_total() == 0:
            self.call_after_refresh(self._offer_demo)

    # --- the rows -----------------------------------------------------------------

    @property
    def query_state(self) -> PackageQuery:
        return PackageQuery(self.text, self.sort, self.descending, self.show_archived, self.app.today)

    def fetch(self, after: PackageRow | None, limit: int) -> list[PackageRow]:
        return list_packages(self.query_state, after, limit)

    def count(self) -> int:
        return count_packages(self.query_state)

    def cells(self, row: PackageRow) -> list:
        precision = self.app.book.settings.precision
        style = "dim strike" if row.archived else ""
        price = lambda value: Text(format_price(value, precision), justify="right", style=style)  # noqa: E731
        margin_style = style + (" red" if row.margin < 0 else "")
        freq = FREQ_SHORT[row.frequency.value]
        if row.match_text:
            freq = f"{freq} {row.match_text}"
        name = row.name + (" (archived)" if row.archived else "")
        return [
            Text(name, style=style, overflow="ellipsis", no_wrap=True),
            price(row.retail),
            price(row.cost),
            Text(format_price(row.margin, precision), justify="right", style=margin_style.strip()),
            Text(freq, style=style, overflow="ellipsis", no_wrap=True),
            Text(format_money(row.monthly_retail, precision), justify="right", style=style),
            Text(row.upstream_service or "", style=style, overflow="ellipsis", no_wrap=True),
        ]

    def reloaded(self) -> None:
        table = self.table
        arrow = " ▼" if self.descending else " ▲"
        for key, label, *_size in COLUMNS:
            table.set_label(key, label + (arrow if key == self.sort else ""))

    def status_parts(self) -> list[str]:
        return super().status_parts() + [
            "archived shown" if self.show_archived else "archived hidden",
            f"today {self.app.today:%Y-%m-%d}",
        ]

    # --- opening ------------------------------------------------------------------

    def open_row(self, row: PackageRow) -> None:
        fresh = get_package(row.id, self.app.today)
        if fresh is None:
            self.notify("That package was deleted by someone else.", severity="warning")
            self.reload()
            return
        self.app.open_screen("package_form", fresh, callback=self._after_form)

    def action_new(self) -> None:
        self.app.open_screen("package_form", None, callback=self._after_form)

    def _after_form(self, saved_id: int | None) -> None:
        self.reload(keep_id=saved_id)
        self.query_one(PagedTable).focus()

    def action_prices(self) -> None:
        row = self.current()
        if row is not None:
            self.app.open_screen("price_history", row)

    def action_services(self) -> None:
        self.app.open_screen("services", callback=lambda _: self.reload())

    def action_toggle_archived(self) -> None:
        self.show_archived = not self.show_archived
        current = self.current()
        self.reload(keep_id=current.id if current else None)
        self.notify("Archived packages shown." if self.show_archived else "Archived packages hidden.")

    # --- archive / delete ---------------------------------------------------------------

    def action_archive(self) -> None:
        row = self.current()
        if row is None:
            return
        row = get_package(row.id)
        if row is None:
            self.reload()
            return
        used = allocation_count(row.id)
        if row.archived:
            dialog = ChoiceScreen(
                "Unarchive package",
                f"'{row.name}' is archived. Unarchive it so it is offered for new allocations again?",
                [("y", "Unarchive", "unarchive")],
            )
        elif used:
            dialog = ChoiceScreen(
                "Archive package",
                f"Archive '{row.name}'? It has {used} allocation(s): they keep being charged, "
                "but it is no longer offered for new allocations.",
                [("y", "Archive", "archive")],
            )
        else:
            dialog = ChoiceScreen(
                "Archive or delete package",
                f"'{row.name}' was never allocated. Archive it (kept, hidden from new "
                "allocations) or delete it for good?",
                [("y", "Archive", "archive"), ("x", "Delete", "delete")],
                danger="delete",
            )

        def decided(choice: str | None) -> None:
            if choice is None:
                return
            try:
                if choice == "delete":
                    delete_package(row.id)
                    self.notify(f"Deleted '{row.name}'.")
                else:
                    set_archived(row.id, row.version, choice == "archive")
                    self.notify(f"{'Archived' if choice == 'archive' else 'Unarchived'} '{row.name}'.")
            except StoreError as exc:
                self.notify(str(exc), severity="error", timeout=8)
            except DATABASE_ERRORS as exc:
                self.notify(f"Not done: {explain(exc)}.", severity="error", timeout=15)
            self.reload(keep_id=row.id)

        self.app.push_screen(dialog, decided)

    # --- demo data ------------------------------------------------------------------------

    def _offer_demo(self) -> None:
        def decided(choice: str | None) -> None:
            if choice == "yes":
                self.action_load_demo()

        self.app.push_screen(
            ChoiceScreen(
                "Welcome to packdesk",
                f"This book is empty ({self.app.book.path}).\nLoad a handful of demo telecom "
                "packages to look around? You can archive or delete them later.",
                [("y", "Load demo data", "yes")],
            ),
            decided,
        )

    def action_load_demo(self) -> None:
        try:
            added = load_demo()
        except DATABASE_ERRORS as exc:
            self.notify(f"Not loaded: {explain(exc)}.", severity="error", timeout=15)
            return
        self.notify(f"Loaded {added} demo packages." if added else "The demo packages are already in this book.")
        self.reload()
