"""A customer's statement (ledger lines and payments with a running balance),
payments and credits, and the audit log."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, Label, Select, Static

from billing.accounts import parse_field_date
from billing.catalogue import FieldError
from billing.money import MoneyError, format_money, parse_amount
from store import ledger
from store.audit import list_audit
from store.packages import StoreError

from .allocations import DateValidator, ParserValidator
from .dialogs import FormDialog, HelpScreen, confirm
from .widgets import FilteredTableScreen, PagedTable, TitleBar


class StatementScreen(Screen):
    BINDINGS = [
        Binding("n", "pay", "Payment", id="pay"),
        Binding("r", "reverse", "Reverse", id="reverse"),
        Binding("escape", "back", "Back", id="back"),
        Binding("f1", "help", "Help", id="help"),
    ]

    def __init__(self, customer) -> None:
        super().__init__()
        self.customer = customer
        self.lines = []

    def compose(self) -> ComposeResult:
        today = self.app.today
        yield TitleBar(f"Statement · {self.customer.name}", "^p commands  f1 help")
        with Horizontal(classes="row"):
            yield Label("From", classes="label")
            yield Input("", placeholder="start", id="st-from", compact=True, classes="date",
                        validators=[DateValidator("from", today, False)], validate_on=["changed", "submitted"])
            yield Label(" To", classes="label-short")
            yield Input("", placeholder="end", id="st-to", compact=True, classes="date",
                        validators=[DateValidator("to", today, False)], validate_on=["changed", "submitted"])
        yield Static("", id="st-summary", markup=False)
        yield PagedTable(id="st-lines")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        table = self.query_one(PagedTable)
        table.add_columns((
            ("date", "Date", 10, False),
            ("what", "What", 8, False),
            ("detail", "Detail", 22, False),
            ("debit", "Debit", 9, True),
            ("credit", "Credit", 9, True),
            ("balance", "Balance", 9, True),
        ))
        self.reload()
        table.focus()

    def _period(self):
        today = self.app.today
        try:
            start = parse_field_date("from", self.query_one("#st-from", Input).value, today, required=False)
            end = parse_field_date("to", self.query_one("#st-to", Input).value, today, required=False)
        except FieldError as exc:
            return None, None, str(exc)
        if start and end and end < start:
            return None, None, f"to {end} is before from {start}"
        return start, end, None

    @on(Input.Changed)
    def _changed(self) -> None:
        self.reload()

    def refresh_from_book(self) -> None:
        self.reload()

    def reload(self) -> None:
        start, end, problem = self._period()
        summary = self.query_one("#st-summary", Static)
        if problem:
            summary.update(problem)
            return
        precision = self.app.book.settings.precision
        money = lambda v: format_money(v, precision)  # noqa: E731
        opening, self.lines = ledger.statement(self.customer.id, start, end)
        table = self.query_one(PagedTable)
        table.clear()
        for line in self.lines:
            table.add_row(
                line.date.isoformat(),
                line.what,
                line.detail,
                Text(money(line.debit) if line.debit else (money(line.unbilled) + " u" if line.unbilled else ""), justify="right"),
                Text(money(line.credit) if line.credit else "", justify="right"),
                Text(money(line.balance) if line.balance is not None else "", justify="right"),
            )
        balance = ledger.ledger_balance(self.customer.id)
        unbilled = ledger.unbilled_total(self.customer.id)
        period = f"{start or 'start'} to {end or 'now'}"
        summary.update(
            f" {period}: opening {money(opening)} · balance now {money(balance)} {self.app.book.settings.currency}"
            f" · unbilled (no auto decrement, for invoicing) {money(unbilled)}"
        )

    def current(self):
        table = self.query_one(PagedTable)
        if not self.lines or not 0 <= table.cursor_row < len(self.lines):
            return None
        return self.lines[table.cursor_row]

    def action_pay(self) -> None:
        self.app.push_screen(PaymentScreen(self.customer), lambda saved: saved and self.reload())

    def action_reverse(self) -> None:
        line = self.current()
        if line is None or line.what not in ("payment", "credit"):
            self.notify("Put the cursor on a payment or credit to reverse it.", severity="warning")
            return
        payment_id = int(line.detail.split()[0].lstrip("#"))

        def decided(choice) -> None:
            if choice != "yes":
                return
            try:
                row = ledger.reverse_payment(payment_id, self.app.today)
            except StoreError as exc:
                self.notify(str(exc), severity="error", timeout=8)
                return
            self.notify(f"Reversed {line.what} {payment_id} with reversal {row.id}.")
            self.reload()

        self.app.push_screen(
            confirm("Reverse", f"Reverse {line.what} #{payment_id} of {format_money(line.credit, self.app.book.settings.precision)}? "
                    "A reversing line is added; the original stays.", "Reverse", danger=True),
            decided,
        )

    def action_back(self) -> None:
        self.dismiss(None)

    def action_help(self) -> None:
        self.app.push_screen(
            HelpScreen(
                "Statement",
                "Posted charges and payments in date order with the running balance. Charges of allocations "
                "without auto decrement don't move the balance: they are unbilled, for invoicing (marked u).",
                [("n", "record a payment or credit"), ("r", "reverse the payment under the cursor"),
                 ("tab", "the from/to fields filter the period"), ("escape", "back")],
            )
        )


def _amount(text: str):
    try:
        value = parse_amount(text)
    except MoneyError as exc:
        raise FieldError("amount", str(exc)) from None
    if value <= 0:
        raise FieldError("amount", "must be more than 0")
    return value


class PaymentScreen(FormDialog):
    def __init__(self, customer) -> None:
        super().__init__()
        self.customer = customer

    def compose(self) -> ComposeResult:
        today = self.app.today
        with Vertical(classes="dialog"):
            yield Label(f"Payment or credit for {self.customer.name}", classes="dialog-title", markup=False)
            with Horizontal(classes="row"):
                yield Label("Kind", classes="label")
                yield Select([("payment", "payment"), ("credit", "credit")], value="payment", allow_blank=False, id="pay-kind", compact=True)
            with Horizontal(classes="row"):
                yield Label("Date", classes="label")
                yield Input(today.isoformat(), id="pay-date", compact=True, validators=[DateValidator("date", today, True)], validate_on=["changed", "submitted"])
            with Horizontal(classes="row"):
                yield Label("Amount", classes="label")
                yield Input("", id="pay-amount", compact=True, validators=[ParserValidator(_amount)], validate_on=["changed", "submitted"])
            yield Static("", id="pay-error", classes="error", markup=False)
            with Horizontal(classes="row"):
                yield Label("Description", classes="label")
                yield Input("", id="pay-description", compact=True, max_length=200)
            with Horizontal(classes="row"):
                yield Label("Reference", classes="label")
                yield Input("", id="pay-reference", compact=True, max_length=100)
            yield from self.save_buttons()

    def on_mount(self) -> None:
        self.query_one("#pay-amount", Input).focus()

    @on(Input.Changed, "#pay-amount")
    def _amount_changed(self, event: Input.Changed) -> None:
        result = event.validation_result
        self.show_error("pay-error", "" if result is None or result.is_valid else "amount: " + "; ".join(result.failure_descriptions))

    def action_save(self) -> None:
        today = self.app.today
        try:
            day = parse_field_date("date", self.query_one("#pay-date", Input).value, today, required=True)
            amount = _amount(self.query_one("#pay-amount", Input).value)
        except FieldError as exc:
            self.show_error("pay-error", str(exc))
            self.notify(f"Not saved: {exc}", severity="error")
            return
        kind = str(self.query_one("#pay-kind", Select).value)
        try:
            row = ledger.record_payment(
                self.customer.id, day, amount, kind,
                self.query_one("#pay-description", Input).value, self.query_one("#pay-reference", Input).value,
            )
        except StoreError as exc:
            self.notify(str(exc), severity="error")
            return
        self.notify(f"Recorded {kind} {row.id}: {format_money(row.amount, self.app.book.settings.precision)}.")
        self.dismiss(row.id)


class AuditScreen(FilteredTableScreen):
    BINDINGS = [
        Binding("slash", "filter", "Find", id="filter"),
        Binding("escape", "back", "Back", id="back"),
        Binding("question_mark", "help", "Help", show=False, id="help"),
    ]

    def compose(self) -> ComposeResult:
        yield TitleBar("packdesk · Audit log")
        yield Input(placeholder="/ filter: entity, field, who or value", id="filter", compact=True)
        yield PagedTable(id="audit")
        yield Static("", id="status", classes="status", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        table = self.query_one(PagedTable)
        for key, label, width in (
            ("at", "When", 16), ("by", "Who", 6), ("what", "What", 13), ("field", "Field", 10), ("change", "Old -> new", 21)
        ):
            table.add_column(label, key=key, width=width)
        self.query_one("#filter", Input).display = False
        self.reload()
        table.focus()

    def refresh_from_book(self) -> None:
        self.reload(self.query_one("#filter", Input).value)

    def reload(self, text: str = "") -> None:
        rows = list_audit(text, None, 500)
        table = self.query_one(PagedTable)
        table.clear()
        for r in rows:
            if r.action == "update":
                change = f"{r.old if r.old is not None else ''} -> {r.new if r.new is not None else ''}"
            elif r.action == "insert":
                change = f"= {r.new}"
            else:
                change = "(removed)"
            table.add_row(r.at.replace("T", " ")[:16], r.by, f"{r.entity} {r.entity_id} {r.action[:3]}", r.field or "", change)
        self.query_one("#status", Static).update(f"{len(rows)} most recent change(s){' matching ' + repr(text) if text else ''}")

    @on(Input.Changed, "#filter")
    def _filter(self, event: Input.Changed) -> None:
        self.reload(event.value)

    def action_back(self) -> None:
        if not self.close_filter():
            self.dismiss(None)

    def action_help(self) -> None:
        self.app.push_screen(
            HelpScreen(
                "Audit log",
                "Every change to packages, customers, allocations, usage and payments: when, who (the "
                "operating-system user), what, and the old and new value. `packdesk export audit` writes it all.",
                [("/", "filter"), ("escape", "back")],
            )
        )
