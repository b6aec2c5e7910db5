"""A customer's usage: records to add and correct, totals by day and by period."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Input, Label, Static

from billing.catalogue import FieldError
from billing.minimum import RUN_RATE_DAYS, run_rate, run_rate_window
from billing.money import format_money, format_price
from billing.projection import add_months, bar
from store import usage as store
from store.packages import StoreError

from .allocations import ParserValidator
from .dialogs import FormDialog, HelpScreen, confirm
from .widgets import PagedTable, TitleBar

DAYS_SHOWN = 31
MONTHS_SHOWN = 6


class UsageScreen(Screen):
    BINDINGS = [
        Binding("n", "new", "Add", id="new"),
        Binding("d", "remove", "Delete", id="remove"),
        Binding("escape", "back", "Back", id="back"),
        Binding("question_mark", "help", "Help", show=False, id="help"),
    ]

    def __init__(self, customer) -> None:
        super().__init__()
        self.customer = customer
        self.rows: list[store.UsageRow] = []

    def compose(self) -> ComposeResult:
        yield TitleBar(f"Usage · {self.customer.name}")
        yield Static("", id="usage-summary", markup=False)
        with Horizontal(id="usage-body"):
            yield PagedTable(id="usage-records")
            with VerticalScroll(id="usage-charts"):
                yield Static("", id="usage-periods")
                yield Static("", id="usage-days")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        table = self.query_one(PagedTable)
        table.add_column("Date", key="date", width=10)
        table.add_column(Text("Amount", justify="right"), key="amount", width=10)
        table.add_column("Source", key="source", width=12)
        self.reload()
        table.focus()

    def reload(self, keep_id: int | None = None) -> None:
        app = self.app
        today = app.today
        precision = app.book.settings.precision
        money = lambda v: format_money(v, precision)  # noqa: E731
        table = self.query_one(PagedTable)
        table.clear()
        self.rows = store.list_usage(self.customer.id, None, 200)
        for row in self.rows:
            table.add_row(row.date.isoformat(), Text(format_price(row.amount), justify="right"), row.file_name or row.source, key=str(row.id))
        if keep_id is not None:
            for index, row in enumerate(self.rows):
                if row.id == keep_id:
                    table.move_cursor(row=index)
        a, b = run_rate_window(today)
        last30 = store.usage_sum(self.customer.id, a, b)
        self.query_one("#usage-summary", Static).update(
            f" Last {RUN_RATE_DAYS} days ({a:%m-%d} to {b - timedelta(days=1):%m-%d}): {money(last30)}, "
            f"run rate {money(run_rate(last30))} a day\n {len(self.rows)} record(s), newest first"
        )
        # By period: calendar months, newest last.
        first_month = add_months(today.replace(day=1), -(MONTHS_SHOWN - 1))
        periods = []
        for i in range(MONTHS_SHOWN):
            m = add_months(first_month, i)
            periods.append((m, store.usage_sum(self.customer.id, m, add_months(m, 1))))
        top = max((v for _, v in periods), default=Decimal(0))
        by_period = Table(box=None, padding=(0, 1, 0, 0), title="By month", title_justify="left", header_style="bold")
        by_period.add_column("month")
        by_period.add_column("usage", justify="right")
        by_period.add_column("")
        for m, v in periods:
            by_period.add_row(f"{m:%b %Y}", money(v), Text(bar(v, top, 10), style="cyan"))
        self.query_one("#usage-periods", Static).update(by_period)
        days = store.daily_usage(self.customer.id, today - timedelta(days=DAYS_SHOWN - 1), today + timedelta(days=1))
        per_day = {d: v for d, v, _ in days}
        top_day = max(per_day.values(), default=Decimal(0))
        by_day = Table(box=None, padding=(0, 1, 0, 0), title=f"By day, last {DAYS_SHOWN}", title_justify="left", header_style="bold")
        by_day.add_column("day")
        by_day.add_column("usage", justify="right")
        by_day.add_column("")
        for i in range(DAYS_SHOWN):
            d = today - timedelta(days=i)
            v = per_day.get(d, Decimal(0))
            by_day.add_row(f"{d:%a %m-%d}", money(v), Text(bar(v, top_day, 10), style="cyan"))
        self.query_one("#usage-days", Static).update(Group(Text(""), by_day))

    def current(self):
        table = self.query_one(PagedTable)
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def action_new(self) -> None:
        self.app.push_screen(UsageFormScreen(self.customer, None), lambda saved: saved and self.reload(keep_id=saved))

    @on(PagedTable.RowSelected)
    def _edit(self) -> None:
        row = self.current()
        if row is not None:
            self.app.push_screen(UsageFormScreen(self.customer, row), lambda saved: saved and self.reload(keep_id=saved))

    def action_remove(self) -> None:
        row = self.current()
        if row is None:
            return

        def decided(choice):
            if choice != "yes":
                return
            try:
                store.delete_usage(row.id)
            except StoreError as exc:
                self.notify(str(exc), severity="error")
            self.reload()

        self.app.push_screen(confirm("Delete usage", f"Delete {format_price(row.amount)} of {row.date}?", "Delete", danger=True), decided)

    def action_back(self) -> None:
        self.dismiss(None)

    def action_help(self) -> None:
        self.app.push_screen(
            HelpScreen(
                "Usage",
                "What the customer's calls cost them, by record, by month and by day. Minimum-spend "
                "true-ups subtract a period's usage from the commitment; the run rate (last 30 days / 30) "
                "estimates the rest of a period that has not ended.",
                [("n", "add a usage record"), ("enter", "correct the record"), ("d", "delete it"), ("escape", "back")],
            )
        )


class UsageFormScreen(FormDialog):
    def __init__(self, customer, row: store.UsageRow | None):
        super().__init__()
        self.customer = customer
        self.row = row

    def compose(self) -> ComposeResult:
        r = self.row
        today = self.app.today
        with Vertical(classes="dialog"):
            yield Label(("Correct usage of " if r else "Add usage for ") + self.customer.name, classes="dialog-title", markup=False)
            for key, label, value, parse in (
                # A day's usage is known once the day is over: new records default to yesterday.
                ("date", "Date", r.date.isoformat() if r else (today - timedelta(days=1)).isoformat(), lambda t: store.parse_usage_date(t, today)),
                ("amount", "Amount", format_price(r.amount) if r else "", store.parse_usage_amount),
                ("source", "Source", r.source if r else "", store.parse_source),
            ):
                with Horizontal(classes="row"):
                    yield Label(label, classes="label")
                    yield Input(value, id=f"usage-{key}", compact=True, validators=[ParserValidator(parse)], validate_on=["changed", "blur", "submitted"])
                yield Static("", id=f"usage-{key}-error", classes="error", markup=False)
            yield from self.save_buttons()

    def on_mount(self) -> None:
        self.query_one("#usage-amount" if self.row is None else "#usage-amount", Input).focus()

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        result = event.validation_result
        if result is not None and event.input.id:
            self.show_error(f"{event.input.id}-error", "" if result.is_valid else "; ".join(result.failure_descriptions))

    def action_save(self) -> None:
        today = self.app.today
        values = {}
        problems = []
        for key, parse in (
            ("date", lambda t: store.parse_usage_date(t, today)),
            ("amount", store.parse_usage_amount),
            ("source", store.parse_source),
        ):
            try:
                values[key] = parse(self.query_one(f"#usage-{key}", Input).value)
            except FieldError as exc:
                problems.append(exc)
                self.show_error(f"usage-{key}-error", exc.message)
        if problems:
            self.notify("Not saved: " + "; ".join(str(p) for p in problems), severity="error")
            return
        try:
            if self.row is None:
                saved = store.add_usage(self.customer.id, values["date"], values["amount"], values["source"])
            else:
                saved = store.update_usage(self.row.id, self.row.version, values["date"], values["amount"], values["source"])
        except StoreError as exc:
            self.notify(str(exc), severity="error", timeout=10)
            return
        self.notify(f"Saved {format_price(saved.amount)} on {saved.date}.")
        self.dismiss(saved.id)
