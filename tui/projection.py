"""Projection views: month-by-month tables with a bar chart, for an allocation
being edited, a customer, and the whole book. Figures come from billing/."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from billing.charges import Charge
from billing.money import format_money
from billing.projection import add_months, bar, month_totals

from .dialogs import HelpScreen
from .widgets import TitleBar

BAR_WIDTH = 12


def window(today: date, months: int = 12) -> tuple[date, date]:
    """[today, the day before the same day 12 months on]."""
    return today, add_months(today, months) - timedelta(days=1)


def month_table(charges: list[Charge], start: date, end: date, tax_percent: Decimal, precision: int) -> Table:
    """Retail, cost, margin (and tax when the customer pays tax) per month, with a bar."""
    rows = month_totals(charges, start, end, tax_percent, precision)
    money = lambda v: format_money(v, precision)  # noqa: E731
    top = max((r.retail for r in rows), default=Decimal(0))
    table = Table(box=None, padding=(0, 1, 0, 0), show_footer=True, header_style="bold", footer_style="bold")
    total_retail = sum((r.retail for r in rows), Decimal(0))
    total_cost = sum((r.cost for r in rows), Decimal(0))
    total_tax = sum((r.tax for r in rows), Decimal(0))
    table.add_column("month", footer="total")
    table.add_column("retail", justify="right", footer=money(total_retail))
    table.add_column("cost", justify="right", footer=money(total_cost))
    table.add_column("margin", justify="right", footer=money(total_retail - total_cost))
    if tax_percent:
        table.add_column("tax", justify="right", footer=money(total_tax))
    table.add_column("", no_wrap=True)
    for r in rows:
        cells = [f"{r.month:%b %Y}", money(r.retail), money(r.cost), Text(money(r.margin), style="red" if r.margin < 0 else "")]
        if tax_percent:
            cells.append(money(r.tax))
        cells.append(Text(bar(r.retail, top, BAR_WIDTH), style="green"))
        table.add_row(*cells)
    return table


def charge_lines(pairs, precision: int, *, show_customer: bool = False, show_package: bool = True) -> Table:
    """The charge lines beneath a projection: date, what, period, amount, cost."""
    table = Table(box=None, padding=(0, 1, 0, 0), header_style="bold")
    table.add_column("date")
    if show_customer:
        table.add_column("customer", overflow="ellipsis", max_width=14, no_wrap=True)
    if show_package:
        table.add_column("package", overflow="ellipsis", max_width=16, no_wrap=True)
    table.add_column("kind")
    table.add_column("period")
    table.add_column("amount", justify="right")
    table.add_column("cost", justify="right")
    for allocation, charge in pairs:
        cells = [charge.date.isoformat()]
        if show_customer:
            cells.append(Text(allocation.customer))
        if show_package:
            cells.append(Text(allocation.package))
        period = (
            f"{charge.period_start:%m-%d}..{charge.period_end:%m-%d}"
            if charge.period_start.year == charge.period_end.year
            else f"{charge.period_start:%y-%m-%d}..{charge.period_end:%y-%m-%d}"
        )
        estimate = charge.basis is not None and getattr(charge.basis, "estimate", False)
        cells += [
            {"setup": "setup", "recurring": "recur", "minimum_spend": "min.spend"}[charge.kind],
            period,
            ("~" if estimate else "") + format_money(charge.amount, precision),
            format_money(charge.cost, precision),
        ]
        table.add_row(*cells)
    return table


def true_up_table(pairs, precision: int) -> Table | None:
    """Each minimum-spend period's true-up and its basis; None when there are none."""
    lines = [(a, c) for a, c in pairs if c.kind == "minimum_spend" and c.basis is not None]
    if not lines:
        return None
    money = lambda v: format_money(v, precision)  # noqa: E731
    table = Table(
        box=None,
        padding=(0, 1, 0, 0),
        header_style="bold",
        title="Minimum spend true-ups (~ = estimate: period not ended)",
        title_justify="left",
    )
    table.add_column("period")
    table.add_column("commit", justify="right")
    table.add_column("known", justify="right")
    table.add_column("rate/day", justify="right")
    table.add_column("days", justify="right")
    table.add_column("estim.", justify="right")
    table.add_column("true-up", justify="right")
    for _allocation, charge in lines:
        b = charge.basis
        table.add_row(
            f"{charge.period_start:%y-%m-%d}..{charge.period_end:%m-%d}",
            money(b.commitment),
            money(b.known),
            money(b.run_rate) if b.estimate else "-",
            str(b.days_to_come),
            money(b.estimated),
            Text(("~" if b.estimate else "") + money(charge.amount), style="bold"),
        )
    return table


class CustomerProjectionScreen(Screen):
    """All of a customer's allocations together, month by month, then the lines."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="back"),
        Binding("question_mark", "help", "Help", show=False, id="help"),
    ]

    def __init__(self, customer) -> None:
        super().__init__()
        self.customer = customer

    def compose(self) -> ComposeResult:
        yield TitleBar(f"Projection · {self.customer.name}")
        with VerticalScroll(id="projection"):
            yield Static("Computing…", id="months")
            yield Static("", id="lines")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#projection").focus()
        self.compute()

    @work(thread=True, exclusive=True)
    def compute(self) -> None:
        from store.allocations import iter_charges

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
        heading = Text(
            f"{start} to {end} · tax {self.customer.tax_percent.normalize():f}% · {len(pairs)} charge line(s)\n",
            style="bold",
        )
        months = Table.grid()
        months.add_row(heading)
        trueups = true_up_table(pairs, precision)
        if trueups is not None:
            months.add_row(trueups)
            months.add_row(Text(""))
        months.add_row(month_table(charges, start, end, self.customer.tax_percent, precision))
        self.query_one("#months", Static).update(months)
        self.query_one("#lines", Static).update(charge_lines(pairs, precision))

    def action_back(self) -> None:
        self.dismiss(None)

    def action_help(self) -> None:
        self.app.push_screen(
            HelpScreen(
                "Customer projection",
                "Every charge of this customer's allocations in the next 12 months: retail, cost, "
                "margin and tax per month with a bar chart, then each line. Nothing is posted.",
                [("up/down, pgup/pgdn", "scroll"), ("escape", "back")],
            )
        )


class BookProjectionScreen(Screen):
    """Revenue, cost and margin per month for the whole book, and per package."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="back"),
        Binding("question_mark", "help", "Help", show=False, id="help"),
    ]

    def compose(self) -> ComposeResult:
        yield TitleBar("packdesk · Book projection")
        with VerticalScroll(id="projection"):
            yield Static("Computing the next 12 months of every allocation…", id="months")
            yield Static("", id="packages")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#projection").focus()
        self.compute()

    @work(thread=True, exclusive=True)
    def compute(self) -> None:
        from store.allocations import iter_charges

        app = self.app
        start, end = window(app.today)
        precision = app.book.settings.precision
        per_package: dict[str, list] = defaultdict(lambda: [Decimal(0), Decimal(0), 0])
        month_charges: list[Charge] = []
        count = 0
        for allocation, charge in iter_charges(start, end, precision, today=app.today):
            month_charges.append(charge)
            entry = per_package[allocation.package]
            entry[0] += charge.amount
            entry[1] += charge.cost
            entry[2] += 1
            count += 1
            if count % 200000 == 0:
                app.call_from_thread(self._progress, count)
        app.call_from_thread(self._show, month_charges, per_package, start, end, precision)

    def _progress(self, count: int) -> None:
        self.query_one("#months", Static).update(f"Computing… {count:,} charge lines so far")

    def _show(self, charges, per_package, start: date, end: date, precision: int) -> None:
        money = lambda v: format_money(v, precision)  # noqa: E731
        grid = Table.grid()
        grid.add_row(Text(f"Whole book, {start} to {end} · {len(charges):,} charge line(s)\n", style="bold"))
        grid.add_row(month_table(charges, start, end, Decimal(0), precision))
        self.query_one("#months", Static).update(grid)
        table = Table(box=None, padding=(0, 1, 0, 0), header_style="bold", title="Per package (what sells, what loses money)", title_justify="left")
        table.add_column("package", overflow="ellipsis", max_width=24, no_wrap=True)
        table.add_column("lines", justify="right")
        table.add_column("retail", justify="right")
        table.add_column("cost", justify="right")
        table.add_column("margin", justify="right")
        table.add_column("%", justify="right")
        ranked = sorted(per_package.items(), key=lambda kv: kv[1][0], reverse=True)
        for name, (r, c, n) in ranked:
            margin = r - c
            pct = f"{(margin * 100 / r).quantize(Decimal('0.1'))}" if r else "-"
            table.add_row(Text(name), str(n), money(r), money(c), Text(money(margin), style="red" if margin < 0 else ""), pct)
        self.query_one("#packages", Static).update(table)

    def action_back(self) -> None:
        self.dismiss(None)

    def action_help(self) -> None:
        self.app.push_screen(
            HelpScreen(
                "Book projection",
                "Revenue (retail), cost and margin per month for the next 12 months across every "
                "allocation, then per package, best sellers first; negative margins in red.",
                [("up/down, pgup/pgdn", "scroll"), ("escape", "back")],
            )
        )
