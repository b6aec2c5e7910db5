"""The tables of a projection: month by month with a bar, the minimum-spend
true-ups with their basis, and the charge lines. Figures come from billing/."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Iterable

from rich.table import Table
from rich.text import Text

from billing.charges import MINIMUM_SPEND, Charge
from billing.labels import ESTIMATE_MARK, kind_label, marked
from billing.money import format_money
from billing.projection import add_months, bar, month_totals
from billing.summary import margin_percent

BAR_WIDTH = 12
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
    rows = month_totals(charges, start, end, tax_percent, precision)
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
        cells += [
            kind_label(charge.kind),
            period,
            marked(format_money(charge.amount, precision), is_estimate(charge)),
            format_money(charge.cost, precision),
        ]
        table.add_row(*cells)
    return table


def true_up_table(pairs, precision: int) -> Table | None:
    """Each minimum-spend period's true-up and its basis; None when there are none."""
    lines = [(a, c) for a, c in pairs if c.kind == MINIMUM_SPEND and c.basis is not None]
    if not lines:
        return None
    money = lambda v: format_money(v, precision)  # noqa: E731
    table = Table(
        box=None,
        padding=(0, 1, 0, 0),
        header_style="bold",
        title=f"Minimum spend true-ups ({ESTIMATE_MARK} = estimate: period not ended)",
        title_justify="left",
    )
    for label in ("period", "commit", "known", "rate/day", "days", "estim.", "true-up"):
        table.add_column(label, justify="left" if label == "period" else "right")
    for _allocation, charge in lines:
        b = charge.basis
        table.add_row(
            f"{charge.period_start:%y-%m-%d}..{charge.period_end:%m-%d}",
            money(b.commitment),
            money(b.known),
            money(b.run_rate) if b.estimate else "-",
            str(b.days_to_come),
            money(b.estimated),
            Text(marked(money(charge.amount), b.estimate), style="bold"),
        )
    return table
