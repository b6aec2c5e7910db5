"""The tables of a projection: month by month with a bar, the minimum-spend
true-ups with their basis, and the charge lines. Figures come from billing/."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Iterable

from rich.style import Style
from rich.table import Table
from rich.text import Text

from billing.charges import MINIMUM_SPEND, Charge
from billing.labels import ESTIMATE_MARK, kind_label, marked
from billing.money import format_money
from billing.projection import add_months, bar, month_totals
from billing.summary import margin_percent

BAR_WIDTH = 12
BOLD = Style(bold=True)
ZERO = Decimal(0)


def window(today: date, months: int = 12) -> tuple[date, date]:
    """[today, the day before the same day 12 months on]."""
    return today, add_months(today, months) - timedelta(days=1)


def percent(retail: Decimal, cost: Decimal) -> str:
    """Margin % as every screen shows it: '12.3%', or '-' without retail."""
    found = margin_percent(retail, cost)
    return "-" if found is None else f"{found}%"


def margin_note(charges: Iterable[Charge]) -> str:
    """'margin 12.3%' of the charges together, for a projection's heading."""
    retail = cost = ZERO
    for charge in charges:
        retail += charge.amount
        cost += charge.cost
    return f"margin {percent(retail, cost)}"


def month_table(charges: list[Charge], start: date, end: date, tax_percent: Decimal, precision: int) -> Table:
    """Retail, cost, margin (and tax when the customer pays tax) per month, with a bar."""
    return month_rows_table(month_totals(charges, start, end, tax_percent, precision), precision, bool(tax_percent))


def month_rows_table(rows, precision: int, with_tax: bool = False) -> Table:
    """The month table of MonthTotal rows (a projection's, or running totals)."""
    tax_percent = with_tax
    money = lambda v: format_money(v, precision)  # noqa: E731
    top = max((r.retail for r in rows), default=ZERO)
    table = Table(box=None, padding=(0, 1, 0, 0), show_footer=True, header_style="bold", footer_style="bold")
    total_retail = sum((r.retail for r in rows), ZERO)
    total_cost = sum((r.cost for r in rows), ZERO)
    total_tax = sum((r.tax for r in rows), ZERO)
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


def is_estimate(charge: Charge) -> bool:
    """A true-up of a period not ended yet: its amount is an estimate."""
    return charge.basis is not None and charge.basis.estimate


def _period(charge: Charge) -> str:
    if charge.period_start.year == charge.period_end.year:
        return f"{charge.period_start:%m-%d}..{charge.period_end:%m-%d}"
    return f"{charge.period_start:%y-%m-%d}..{charge.period_end:%y-%m-%d}"


def charge_rows(
    pairs, precision: int, *, show_customer: bool = False, show_package: bool = True, show_quantity: bool = False,
):
    """(columns, rows) of the charge lines beneath a projection, for a
    LineTable: date, what, period, amount, cost (and the quantity, where
    the lines of one allocation and of the one following it meet)."""
    columns = [("date", 10, False)]
    if show_customer:
        columns.append(("customer", 14, False))
    if show_package:
        columns.append(("package", 15, False))
    if show_quantity:
        columns.append(("qty", 5, True))
    columns += [("kind", 9, False), ("period", 18, False), ("amount", 9, True), ("cost", 8, True)]
    money: dict = {}

    def m(value):
        text = money.get(value)
        if text is None:
            text = money[value] = format_money(value, precision)
        return text

    rows = []
    for allocation, charge in pairs:
        cells = [charge.date.isoformat()]
        if show_customer:
            cells.append(allocation.customer)
        if show_package:
            cells.append(allocation.package)
        if show_quantity:
            cells.append(str(charge.quantity))
        cells += [kind_label(charge.kind), _period(charge), marked(m(charge.amount), is_estimate(charge)), m(charge.cost)]
        rows.append(tuple(cells))
    return columns, rows


TRUE_UP_TITLE = f"Minimum spend true-ups ({ESTIMATE_MARK} = estimate: period not ended)"
TRUE_UP_COLUMNS = (
    ("period", 17, False), ("commit", 10, True), ("known", 10, True), ("rate/day", 9, True),
    ("days", 4, True), ("estim.", 10, True), ("true-up", 11, True),
)


def true_up_rows(pairs, precision: int) -> list[tuple]:
    """Each minimum-spend period's true-up and its basis, as LineTable rows."""
    money = lambda v: format_money(v, precision)  # noqa: E731
    rows = []
    for _allocation, charge in pairs:
        if charge.kind != MINIMUM_SPEND or charge.basis is None:
            continue
        b = charge.basis
        rows.append((
            f"{charge.period_start:%y-%m-%d}..{charge.period_end:%m-%d}",
            money(b.commitment),
            money(b.known),
            money(b.run_rate) if b.estimate else "-",
            str(b.days_to_come),
            money(b.estimated),
            (marked(money(charge.amount), b.estimate), BOLD),
        ))
    return rows
