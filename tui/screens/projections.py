"""Projections: a customer's next 12 months (p on a customer) and the whole
book's (f4), month by month with a bar chart. Figures come from billing/.

Both compute in a worker thread and show figures as they come (the book's
running totals after every batch of allocations), so the screen answers
every key while it computes and `escape` leaves at once, stopping the work."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Footer, Static
from textual.worker import get_current_worker

from billing.money import format_money
from billing.projection import BookTotals
from store.charges import charges_by_customer, iter_charges
from store.customers import CustomerRow

from ..shares import OtherShare
from ..widgets.line_table import LineTable
from ..widgets.projection_tables import (
    TRUE_UP_COLUMNS,
    TRUE_UP_TITLE,
    charge_rows,
    margin_note,
    month_rows_table,
    month_table,
    percent,
    true_up_rows,
    window,
)
from ..widgets.title_bar import TitleBar
from .base import PackdeskScreen, key_back, key_help

ZERO = Decimal(0)


class ProjectionScreen(PackdeskScreen):
    """A projection computed in a thread, shown in a scrolling view."""

    BINDINGS = [
        key_back(),
        key_help(),
    ]

    #: What shows while the figures are computed.
    COMPUTING = "Computing…"

    def title_text(self) -> str:
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        yield TitleBar(self.title_text())
        with VerticalScroll(id="projection"):
            yield Static(self.COMPUTING, id="months")
            yield LineTable(id="trueups")
            yield LineTable(id="lines")
            yield LineTable(id="packages")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#projection").focus()
        self.compute()

    def compute(self) -> None:
        raise NotImplementedError

    def deliver(self, method, *args) -> bool:
        """Hand figures from the worker to the screen, unless the operator
        left it meanwhile (then the worker stops: False)."""
        if get_current_worker().is_cancelled:
            return False
        try:
            self.app.call_from_thread(self._if_shown, method, *args)
        except RuntimeError:  # the app is closing
            return False
        return True

    def _if_shown(self, method, *args) -> None:
        if self.is_attached:
            method(*args)

    def action_back(self) -> None:
        self.workers.cancel_all()
        self.dismiss(None)


class CustomerProjectionScreen(ProjectionScreen):
    """All of a customer's allocations together, month by month, then the lines."""

    HELP_TITLE = "Customer projection"
    HELP_ABOUT = (
        "Every charge of this customer's allocations in the next 12 months: retail, cost, "
        "margin and tax per month with a bar chart, then each line. Nothing is posted. "
        "The arrow and page keys scroll; escape leaves, even while it computes."
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
        pairs = []
        for allocation, charge in iter_charges(start, end, precision, self.customer.id, app.today, include_nothing=True):
            pairs.append((allocation, charge))
            if len(pairs) % 20000 == 0 and not self.deliver(self._progress, len(pairs)):
                return
        pairs.sort(key=lambda p: (p[1].date, p[0].package))
        self.deliver(self._show, pairs, start, end, precision)

    def _progress(self, count: int) -> None:
        self.query_one("#months", Static).update(f"Computing… {count:,} charge lines so far (escape leaves)")

    def _show(self, pairs, start: date, end: date, precision: int) -> None:
        charges = [c for _, c in pairs]
        tax = self.customer.tax_percent
        heading = Text(
            f"{start} to {end} · tax {tax.normalize():f}% · {len(pairs)} charge line(s) · {margin_note(charges)}\n",
            style="bold",
        )
        months = Table.grid()
        months.add_row(heading)
        months.add_row(month_table(charges, start, end, tax, precision))
        months.add_row(Text(""))
        self.query_one("#months", Static).update(months)
        found = true_up_rows(pairs, precision)
        self.query_one("#trueups", LineTable).set_rows(TRUE_UP_COLUMNS if found else (), found, TRUE_UP_TITLE if found else "")
        columns, rows = charge_rows(pairs, precision)
        self.query_one("#lines", LineTable).set_rows(columns, rows)


RED = Style(color="red")
PACKAGE_COLUMNS = (("package", 24, False), ("lines", 7, True), ("retail", 13, True), ("cost", 12, True), ("margin", 12, True), ("%", 6, True))
#: Allocations read before the book projection's first running totals, and
#: between two updates after that.
FIRST_SHOW = 2_000
SHOW_EVERY = 50_000


class BookProjectionScreen(ProjectionScreen):
    """Revenue, cost and margin per month for the whole book, and per package."""

    HELP_TITLE = "Book projection"
    HELP_ABOUT = (
        "Revenue (retail), cost and margin per month for the next 12 months across every "
        "allocation, then per package, best sellers first; negative margins in red. The totals "
        "grow on screen as the allocations are read. The arrow and page keys scroll; escape "
        "leaves, even while it computes."
    )
    COMPUTING = "Computing the next 12 months of every allocation…"

    def title_text(self) -> str:
        return "packdesk · Book projection"

    @work(thread=True, exclusive=True)
    def compute(self) -> None:
        app = self.app
        start, end = window(app.today)
        precision = app.book.settings.precision
        totals = BookTotals(start, end)
        seen = 0
        shown_at = FIRST_SHOW
        # A large book: another process totals the second half of the customers meanwhile.
        with OtherShare(app.book.path, start, end, precision, app.today) as other:
            found = charges_by_customer(start, end, precision, today=app.today, by_customer=other.active, names=other.mine)
            for allocation, charges in found:
                totals.add(allocation.package, charges)
                seen += 1
                if seen >= shown_at:
                    shown_at += SHOW_EVERY
                    if not self.deliver(self._show, totals.snapshot(), start, end, precision, seen, False):
                        return
            if other.active:
                if not self.deliver(self._show, totals.snapshot(), start, end, precision, seen, False):
                    return
                result = other.wait(lambda: get_current_worker().is_cancelled)
                if result is None:
                    return
                seen += totals.merge(*result)
        self.deliver(self._show, totals.snapshot(), start, end, precision, seen, True)

    #: (allocations read, finished) as last shown.
    shown: tuple[int, bool] | None = None

    def _show(self, snapshot, start: date, end: date, precision: int, seen: int, done: bool) -> None:
        self.shown = (seen, done)
        months, per_package, lines = snapshot
        money = lambda v: format_money(v, precision)  # noqa: E731
        retail = sum((m.retail for m in months), ZERO)
        cost = sum((m.cost for m in months), ZERO)
        state = "" if done else f" · computing: {seen:,} allocations read so far (escape leaves)"
        grid = Table.grid()
        grid.add_row(Text(
            f"Whole book, {start} to {end} · {lines:,} charge line(s) · margin {percent(retail, cost)}{state}\n",
            style="bold",
        ))
        grid.add_row(month_rows_table(months, precision))
        self.query_one("#months", Static).update(grid)
        rows = []
        for name, (r, c, n) in sorted(per_package.items(), key=lambda kv: kv[1][0], reverse=True):
            margin = r - c
            rows.append((name, str(n), money(r), money(c), (money(margin), RED if margin < 0 else None), percent(r, c).removesuffix("%")))
        self.query_one("#packages", LineTable).set_rows(PACKAGE_COLUMNS, rows, "Per package (what sells, what loses money)")

