"""Projections: a customer's next 12 months (p on a customer) and the whole
book's (f4), month by month with a bar chart. Figures come from billing/."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Footer, Static

from billing.charges import Charge
from billing.money import format_money
from store.charges import iter_charges
from store.customers import CustomerRow

from ..widgets.projection_tables import charge_lines, margin_note, month_table, percent, true_up_table, window
from ..widgets.title_bar import TitleBar
from .base import PackdeskScreen, key_back, key_help

ZERO = Decimal(0)


class ProjectionScreen(PackdeskScreen):
    """A projection computed in a thread, shown in a scrolling view."""

    BINDINGS = [
        key_back(),
        key_help(),
    ]

    #: What shows while the figures are computed, and the id of what follows the months.
    COMPUTING = "Computing…"
    BELOW = "lines"

    def title_text(self) -> str:
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        yield TitleBar(self.title_text())
        with VerticalScroll(id="projection"):
            yield Static(self.COMPUTING, id="months")
            yield Static("", id=self.BELOW)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#projection").focus()
        self.compute()

    def compute(self) -> None:
        raise NotImplementedError

    def action_back(self) -> None:
        self.dismiss(None)


class CustomerProjectionScreen(ProjectionScreen):
    """All of a customer's allocations together, month by month, then the lines."""

    HELP_TITLE = "Customer projection"
    HELP_ABOUT = (
        "Every charge of this customer's allocations in the next 12 months: retail, cost, "
        "margin and tax per month with a bar chart, then each line. Nothing is posted. "
        "The arrow and page keys scroll."
    )

    def __init__(self, customer: CustomerRow) -> None:
        super().__init__()
        self.customer = customer

    def title_text(self) -> str:
        return f"Projection · {self.customer.name}"

    @work(thread=True, exclusive=True)
    def compute(self) -> None:
        app = self.app
        start, end = window(app.today)
        precision = app.book.settings.precision
        pairs = sorted(
            iter_charges(start, end, precision, self.customer.id, app.today, include_nothing=True),
            key=lambda p: (p[1].date, p[0].package),
        )
        app.call_from_thread(self._show, pairs, start, end, precision)

    def _show(self, pairs, start: date, end: date, precision: int) -> None:
        charges = [c for _, c in pairs]
        tax = self.customer.tax_percent
        heading = Text(
            f"{start} to {end} · tax {tax.normalize():f}% · {len(pairs)} charge line(s) · {margin_note(charges)}\n",
            style="bold",
        )
        months = Table.grid()
        months.add_row(heading)
        trueups = true_up_table(pairs, precision)
        if trueups is not None:
            months.add_row(trueups)
            months.add_row(Text(""))
        months.add_row(month_table(charges, start, end, tax, precision))
        self.query_one("#months", Static).update(months)
        self.query_one("#lines", Static).update(charge_lines(pairs, precision))


class BookProjectionScreen(ProjectionScreen):
    """Revenue, cost and margin per month for the whole book, and per package."""

    HELP_TITLE = "Book projection"
    HELP_ABOUT = (
        "Revenue (retail), cost and margin per month for the next 12 months across every "
        "allocation, then per package, best sellers first; negative margins in red. "
        "The arrow and page keys scroll."
    )
    COMPUTING = "Computing the next 12 months of every allocation…"
    BELOW = "packages"

    def title_text(self) -> str:
        return "packdesk · Book projection"

    @work(thread=True, exclusive=True)
    def compute(self) -> None:
        app = self.app
        start, end = window(app.today)
        precision = app.book.settings.precision
        per_package: dict[str, list] = defaultdict(lambda: [ZERO, ZERO, 0])
        month_charges: list[Charge] = []
        for allocation, charge in iter_charges(start, end, precision, today=app.today):
            month_charges.append(charge)
            entry = per_package[allocation.package]
            entry[0] += charge.amount
            entry[1] += charge.cost
            entry[2] += 1
            if len(month_charges) % 200000 == 0:
                app.call_from_thread(self._progress, len(month_charges))
        app.call_from_thread(self._show, month_charges, per_package, start, end, precision)

    def _progress(self, count: int) -> None:
        self.query_one("#months", Static).update(f"Computing… {count:,} charge lines so far")

    def _show(self, charges, per_package, start: date, end: date, precision: int) -> None:
        money = lambda v: format_money(v, precision)  # noqa: E731
        grid = Table.grid()
        grid.add_row(Text(f"Whole book, {start} to {end} · {len(charges):,} charge line(s) · {margin_note(charges)}\n", style="bold"))
        grid.add_row(month_table(charges, start, end, ZERO, precision))
        self.query_one("#months", Static).update(grid)
        table = Table(box=None, padding=(0, 1, 0, 0), header_style="bold", title="Per package (what sells, what loses money)", title_justify="left")
        table.add_column("package", overflow="ellipsis", max_width=24, no_wrap=True)
        for label in ("lines", "retail", "cost", "margin", "%"):
            table.add_column(label, justify="right")
        ranked = sorted(per_package.items(), key=lambda kv: kv[1][0], reverse=True)
        for name, (r, c, n) in ranked:
            margin = r - c
            pct = percent(r, c).removesuffix("%")
            table.add_row(Text(name), str(n), money(r), money(c), Text(money(margin), style="red" if margin < 0 else ""), pct)
        self.query_one("#packages", Static).update(table)
