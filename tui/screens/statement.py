"""A customer's statement (ledger lines and payments with a running balance),
and the dialog that records a payment or credit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Input, Label, Select, Static

from billing.accounts import parse_field_date
from billing.catalogue import FieldError
from billing.ledger import StatementLine
from billing.money import MoneyError, format_money, parse_amount
from store.customers import CustomerRow
from store.ledger import ledger_balance, statement, unbilled_total
from store.payments import PaymentRow, record_payment, reversal_refusal, reverse_payment

from ..validators import VALIDATE_ON, date_parser, date_validator
from ..widgets.field import Field
from ..widgets.title_bar import FORM_HINT, TitleBar
from .base import key_back, key_help_f1
from .form import FormDialog
from .paged_list import PagedListScreen

PAYMENT_KINDS = ("payment", "credit")


class StatementScreen(PagedListScreen):
    BINDINGS = [
        Binding("n", "pay", "Payment", id="pay", tooltip="record a payment or credit"),
        Binding("r", "reverse", "Reverse", id="reverse_payment", tooltip="reverse the payment under the cursor"),
        key_back(),
        key_help_f1(),
    ]

    HELP_TITLE = "Statement"
    HELP_ABOUT = (
        "Posted charges and payments in date order with the running balance. Charges of allocations "
        "without auto decrement don't move the balance: they are unbilled, for invoicing (marked u). "
        "A usage line is a day's calls (free minutes taken off): a prepaid customer's comes off the "
        "balance, a postpaid one's is unbilled. "
        "The from and to fields above the lines filter the period."
    )
    KEY_HELP = {"open": ""}
    PALETTE = (("Record a payment", "Payment or credit for this customer", "pay"),)

    TABLE_ID = "st-lines"
    COLUMNS = (
        ("date", "Date", 10, False), ("what", "What", 8, False), ("detail", "Detail", 22, False, 1),
        ("debit", "Debit", 9, True), ("credit", "Credit", 9, True), ("balance", "Balance", 9, True),
    )
    PAGE = None  # the running balance needs every line of the period

    def __init__(self, customer: CustomerRow) -> None:
        super().__init__()
        self.customer = customer
        self.opening = Decimal(0)
        self.period: tuple[date | None, date | None] = (None, None)

    def compose(self) -> ComposeResult:
        today = self.app.today
        yield TitleBar(f"Statement · {self.customer.name}", FORM_HINT)
        with Horizontal(classes="row"):
            yield Label("From", classes="label")
            yield Field("", placeholder="start", id="st-from", compact=True, classes="date",
                        validators=[date_validator("from", today, False)], validate_on=VALIDATE_ON)
            yield Label(" To", classes="label-short")
            yield Field("", placeholder="end", id="st-to", compact=True, classes="date",
                        validators=[date_validator("to", today, False)], validate_on=VALIDATE_ON)
        yield Static("", id="st-summary", markup=False)
        yield from self.list_widgets(status=False)
        yield Footer(compact=True, show_command_palette=False)

    def _period(self) -> str | None:
        """Read the from/to fields into `period`; the problem, if any."""
        today = self.app.today
        try:
            start = parse_field_date("from", self.query_one("#st-from", Input).value, today, required=False)
            end = parse_field_date("to", self.query_one("#st-to", Input).value, today, required=False)
        except FieldError as exc:
            return str(exc)
        if start and end and end < start:
            return f"to {end} is before from {start}"
        self.period = (start, end)
        return None

    @on(Input.Changed)
    def _changed(self) -> None:
        self.reload()

    def reload(self, keep_id: int | None = None) -> None:
        problem = self._period()
        if problem:
            self.query_one("#st-summary", Static).update(problem)
            return
        super().reload(keep_id)

    def fetch(self, after: StatementLine | None, limit: int | None) -> list[StatementLine]:
        self.opening, lines = statement(self.customer.id, *self.period)
        return lines

    def cells(self, line: StatementLine) -> list:
        money = lambda v: format_money(v, self.app.book.settings.precision)  # noqa: E731
        debit = money(line.debit) if line.debit else (money(line.unbilled) + " u" if line.unbilled else "")
        return [
            line.date.isoformat(),
            line.what,
            line.detail,
            Text(debit, justify="right"),
            Text(money(line.credit) if line.credit else "", justify="right"),
            Text(money(line.balance) if line.balance is not None else "", justify="right"),
        ]

    def reloaded(self) -> None:
        settings = self.app.book.settings
        money = lambda v: format_money(v, settings.precision)  # noqa: E731
        start, end = self.period
        self.query_one("#st-summary", Static).update(
            f" {start or 'start'} to {end or 'now'}: opening {money(self.opening)} · balance now "
            f"{money(ledger_balance(self.customer.id))} {settings.currency}"
            f" · unbilled (no auto decrement, for invoicing) {money(unbilled_total(self.customer.id))}"
        )

    def action_pay(self) -> None:
        self.app.open_screen("payment", self.customer, callback=lambda saved: saved and self.reload())

    def action_reverse(self) -> None:
        line = self.current()
        if line is None or line.what not in PAYMENT_KINDS:
            self.notify("Put the cursor on a payment or credit to reverse it.", severity="warning")
            return
        payment_id = int(line.detail.split()[0].lstrip("#"))
        amount = format_money(line.credit, self.app.book.settings.precision)
        self.ask_then(
            "Reverse",
            f"Reverse {line.what} #{payment_id} of {amount}? A reversing line is added; the original stays.",
            "Reverse",
            lambda: reverse_payment(payment_id, self.app.today),
            lambda row: f"Reversed {line.what} {payment_id} with reversal {row.id}.",
            refusal=lambda: reversal_refusal(payment_id),
        )


def parse_payment_amount(text: str) -> Decimal:
    try:
        value = parse_amount(text)
    except MoneyError as exc:
        raise FieldError("amount", str(exc)) from None
    if value <= 0:
        raise FieldError("amount", "must be more than 0")
    return value


class PaymentScreen(FormDialog):
    """A payment or credit for one customer; dismisses with its id."""

    ID_PREFIX = "pay-"
    ERROR_LINE = "pay-error"

    def __init__(self, customer: CustomerRow) -> None:
        super().__init__()
        self.customer = customer

    def compose(self) -> ComposeResult:
        today = self.app.today
        with Vertical(classes="dialog"):
            yield Label(f"Payment or credit for {self.customer.name}", classes="dialog-title", markup=False)
            with Horizontal(classes="row"):
                yield Label("Kind", classes="label")
                yield Select([(k, k) for k in PAYMENT_KINDS], value="payment", allow_blank=False, id="pay-kind", compact=True)
            yield from self.input_row("date", today.isoformat(), date_parser("date", today, True), classes=None)
            yield from self.input_row("amount", "", parse_payment_amount, classes=None)
            yield Static("", id="pay-error", classes="error", markup=False)
            yield from self.input_row("description", "", classes=None, max_length=200)
            yield from self.input_row("reference", "", classes=None, max_length=100)
            yield from self.save_buttons()

    def on_mount(self) -> None:
        self.query_one("#pay-amount", Input).focus()

    def read(self) -> tuple[dict | None, list[FieldError]]:
        text = {key: self.query_one(f"#pay-{key}", Input).value for key in ("date", "amount", "description", "reference")}
        values: dict = {"kind": str(self.query_one("#pay-kind", Select).value)}
        errors = []
        for key, parse in (("date", date_parser("date", self.app.today, True)), ("amount", parse_payment_amount)):
            try:
                values[key] = parse(text[key])
            except FieldError as exc:
                errors.append(exc)
        values["description"], values["reference"] = text["description"], text["reference"]
        return (None, errors) if errors else (values, [])

    def write(self, values: dict, version: int | None) -> PaymentRow:
        return record_payment(
            self.customer.id, values["date"], values["amount"], values["kind"], values["description"], values["reference"]
        )

    def saved_message(self, saved: PaymentRow) -> str:
        return f"Recorded {saved.kind} {saved.id}: {format_money(saved.amount, self.app.book.settings.precision)}."
