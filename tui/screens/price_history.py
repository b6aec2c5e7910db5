"""A package's price history: every version, the one in force today marked."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Footer

from billing.charges import PriceVersion
from billing.money import format_price
from billing.prices import effective_text, in_force
from store.packages import PackageRow
from store.prices import history

from ..widgets.title_bar import TitleBar
from .base import key_back, key_help_f1
from .paged_list import PagedListScreen


@dataclass(frozen=True, slots=True)
class VersionRow:
    id: int  # its place in the history, oldest first
    version: PriceVersion
    until: str  # the day before the next version, or "" for the last
    current: bool  # in force today


class PriceHistoryScreen(PagedListScreen):
    BINDINGS = [key_back(), key_help_f1(show=False)]

    HELP_TITLE = "Price history"
    HELP_ABOUT = (
        "Every price version of the package, oldest first: each is in force from its date until the next "
        "one's (the first from the beginning). A charge uses the version in force on its date, a setup line "
        "the start date's, a minimum-spend true-up its period's first day's. Posted lines keep the prices "
        "they were posted with. Change prices in the package form: with allocations it asks from when."
    )
    KEY_HELP = {"open": "nothing to open: versions are changed in the package form"}

    TABLE_ID = "price-history"
    COLUMNS = (
        ("from", "From", 10, False), ("until", "Until", 10, False), ("retail", "Retail", 9, True),
        ("cost", "Cost", 9, True), ("setup_retail", "Setup ret", 9, True), ("setup_cost", "Setup cost", 10, True),
        ("now", "", 5, False, 1),
    )
    PAGE = None  # a short list, read whole
    EMPTY = "This package has no price versions."

    def __init__(self, package: PackageRow):
        super().__init__()
        self.package = package

    def compose(self) -> ComposeResult:
        yield TitleBar(f"packdesk · Prices of {self.package.name}")
        yield from self.list_widgets()
        yield Footer(compact=True, show_command_palette=False)

    def fetch(self, after: VersionRow | None, limit: int | None) -> list[VersionRow]:
        versions = history(self.package.id)
        today = in_force(versions, self.app.today)
        rows = []
        for i, version in enumerate(versions):
            following = versions[i + 1].effective_from if i + 1 < len(versions) else None
            until = (following.fromordinal(following.toordinal() - 1)).isoformat() if following else ""
            rows.append(VersionRow(i + 1, version, until, version == today))
        return rows

    def cells(self, row: VersionRow) -> list:
        precision = self.app.book.settings.precision
        style = "bold" if row.current else ""
        price = lambda value: Text(format_price(value, precision), justify="right", style=style)  # noqa: E731
        version = row.version
        return [
            Text(effective_text(version.effective_from), style=style),
            Text(row.until or "-", style=style),
            price(version.retail),
            price(version.cost),
            price(version.setup_retail),
            price(version.setup_cost),
            Text("today" if row.current else "", style=style),
        ]

    def open_row(self, row: VersionRow) -> None:
        self.notify("Change prices in the package form (escape, then enter on the package).")

    def status_parts(self) -> list[str]:
        return [f"today {self.app.today:%Y-%m-%d}", "each version holds until the next one's date"]
