"""A customer's usage: records to add and correct, totals by month and by day."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Input, Label, Static

from billing.catalogue import FieldError
from billing.minimum import RUN_RATE_DAYS, run_rate, run_rate_window
from billing.money import format_money, format_price
from billing.projection import add_months, bar
from billing.usage import parse_source, parse_usage_amount, parse_usage_date
from store.customers import CustomerRow
from store.usage import UsageRow, add_usage, daily_usage, delete_usage, list_usage, update_usage, usage_sum

from ..widgets.title_bar import TitleBar
from .base import key_back, key_new, key_remove
from .form import FormDialog
from .paged_list import PagedListScreen

DAYS_SHOWN = 31
MONTHS_SHOWN = 6
BAR_WIDTH = 10


def _chart(title: str, heading: str, rows: list[tuple[str, Decimal]], money) -> Table:
    """A titled table of (label, usage) with a bar each."""
    top = max((value for _, value in rows), default=Decimal(0))
    table = Table(box=None, padding=(0, 1, 0, 0), title=title, title_justify="left", header_style="bold")
    table.add_column(heading)
    table.add_column("usage", justify="right")
    table.add_column("")
    for label, value in rows:
        table.add_row(label, money(value), Text(bar(value, top, BAR_WIDTH), style="cyan"))
    return table


class UsageScreen(PagedListScreen):
    BINDINGS = [
        key_new("add a usage record", "Add"),
        key_remove("delete the record", "Delete"),
        key_back(),
    ]

    HELP_TITLE = "Usage"
    HELP_ABOUT = (
        "What the customer's calls cost them, by record, by month and by day. Minimum-spend "
        "true-ups subtract a period's usage from the commitment; the run rate (last 30 days / 30) "
        "estimates the rest of a period that has not ended."
    )
    KEY_HELP = {"open": "correct the record"}

    TABLE_ID = "usage-records"
    COLUMNS = (("date", "Date", 10, False), ("amount", "Amount", 10, True), ("source", "Source", 12, False, 1))
    EMPTY = "No usage record here. Press {new} to add one."

    def __init__(self, customer: CustomerRow) -> None:
        super().__init__()
        self.customer = customer

    def compose(self) -> ComposeResult:
        yield TitleBar(f"Usage · {self.customer.name}")
        yield Static("", id="usage-summary", markup=False)
        with Horizontal(id="usage-body"):
            yield from self.list_widgets(status=False)
            with VerticalScroll(id="usage-charts"):
                yield Static("", id="usage-periods")
                yield Static("", id="usage-days")
        yield Footer(compact=True, show_command_palette=False)

    def fetch(self, after: UsageRow | None, limit: int) -> list[UsageRow]:
        return list_usage(self.customer.id, after, limit)

    def cells(self, row: UsageRow) -> list:
        return [row.date.isoformat(), Text(format_price(row.amount), justify="right"), row.file_name or row.source]

    def reloaded(self) -> None:
        """The last 30 days and the run rate, and the charts by month and by day."""
        customer = self.customer.id
        today = self.app.today
        precision = self.app.book.settings.precision
        money = lambda v: format_money(v, precision)  # noqa: E731
        a, b = run_rate_window(today)
        last30 = usage_sum(customer, a, b)
        self.query_one("#usage-summary", Static).update(
            f" Last {RUN_RATE_DAYS} days ({a:%m-%d} to {b - timedelta(days=1):%m-%d}): {money(last30)}, "
            f"run rate {money(run_rate(last30))} a day\n {len(self.rows)} record(s), newest first"
        )
        # By period: calendar months, newest last.
        first_month = add_months(today.replace(day=1), -(MONTHS_SHOWN - 1))
        months = [add_months(first_month, i) for i in range(MONTHS_SHOWN)]
        by_month = [(f"{m:%b %Y}", usage_sum(customer, m, add_months(m, 1))) for m in months]
        self.query_one("#usage-periods", Static).update(_chart("By month", "month", by_month, money))
        days = daily_usage(customer, today - timedelta(days=DAYS_SHOWN - 1), today + timedelta(days=1))
        per_day = {d: v for d, v, _ in days}
        shown = [today - timedelta(days=i) for i in range(DAYS_SHOWN)]
        by_day = [(f"{d:%a %m-%d}", per_day.get(d, Decimal(0))) for d in shown]
        self.query_one("#usage-days", Static).update(Group(Text(""), _chart(f"By day, last {DAYS_SHOWN}", "day", by_day, money)))

    def _saved(self, saved: int | None) -> None:
        if saved:
            self.reload(keep_id=saved)

    def action_new(self) -> None:
        self.app.open_screen("usage_form", self.customer, None, callback=self._saved)

    def open_row(self, row: UsageRow) -> None:
        self.app.open_screen("usage_form", self.customer, row, callback=self._saved)

    def action_remove(self) -> None:
        row = self.current()
        if row is None:
            return
        what = f"{format_price(row.amount)} of {row.date}"
        self.ask_then("Delete usage", f"Delete {what}?", "Delete", lambda: delete_usage(row.id), lambda _: f"Deleted {what}.")


class UsageFormScreen(FormDialog):
    """Add a usage record (dated yesterday: a day's usage is known once it is
    over) or correct one; dismisses with its id."""

    ID_PREFIX = "usage-"

    def __init__(self, customer: CustomerRow, row: UsageRow | None):
        super().__init__()
        self.customer = customer
        self.row = row
        self.version = row.version if row else None

    def _parsers(self):
        today = self.app.today
        return (
            ("date", lambda t: parse_usage_date(t, today)),
            ("amount", parse_usage_amount),
            ("source", parse_source),
        )

    def compose(self) -> ComposeResult:
        r = self.row
        yesterday = self.app.today - timedelta(days=1)
        values = {
            "date": (r.date if r else yesterday).isoformat(),
            "amount": format_price(r.amount) if r else "",
            "source": r.source if r else "",
        }
        with Vertical(classes="dialog"):
            yield Label(("Correct usage of " if r else "Add usage for ") + self.customer.name, classes="dialog-title", markup=False)
            for key, parse in self._parsers():
                yield from self.input_row(key, values[key], parse, classes=None)
            yield from self.save_buttons()

    def on_mount(self) -> None:
        self.query_one("#usage-amount", Input).focus()

    def read(self) -> tuple[dict | None, list[FieldError]]:
        values, errors = {}, []
        for key, parse in self._parsers():
            try:
                values[key] = parse(self.query_one(f"#usage-{key}", Input).value)
            except FieldError as exc:
                errors.append(exc)
        return (None, errors) if errors else (values, [])

    def write(self, values: dict, version: int | None) -> UsageRow:
        if self.row is None:
            return add_usage(self.customer.id, values["date"], values["amount"], values["source"])
        return update_usage(self.row.id, version, values["date"], values["amount"], values["source"])

    def saved_message(self, saved: UsageRow) -> str:
        return f"Saved {format_price(saved.amount)} on {saved.date}."
