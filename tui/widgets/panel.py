"""The live panel beside the package form: every figure comes from billing/."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from rich.style import Style
from rich.text import Text

from billing.catalogue import FieldError
from billing.charges import PackageTerms
from billing.labels import WEEKDAY_NAMES
from billing.money import format_money
from billing.prices import PriceEffect
from billing.schedule import ONE_DAY, Frequency, effective_match
from billing.summary import PackageSummary, package_summary

from ..validators import error_text

NEXT_COUNT = 5


def _line(text: Text, label: str, value: str, style: str = "") -> None:
    text.append(f"{label:<11}", style="dim")
    text.append(f"{value}\n", style=style)


def describe_schedule(frequency: Frequency, match: tuple[int, ...], today: date) -> str:
    if frequency is Frequency.NONE:
        return "setup only, no recurring charge"
    if frequency is Frequency.DAILY:
        return "every day"
    if frequency is Frequency.YEARLY:
        return f"every year on {today:%d %b} (the start date)"
    days = effective_match(frequency, match, today)
    default = "" if match else " (start's)"
    if frequency is Frequency.WEEKLY:
        return "every " + ", ".join(WEEKDAY_NAMES[d].capitalize() for d in days) + default
    return "monthly on day " + ", ".join(str(d) for d in days) + default


def render_panel(
    terms: PackageTerms | None,
    errors: list[FieldError],
    today: date,
    precision: int = 2,
    currency: str = "",
    error: Style | str = "red",
    change: tuple[PriceEffect, int, int] | None = None,
) -> Text:
    """The panel's text for what the form holds now; `error` is the style of
    what is wrong (the app's error text colour, tui.legible.error_style).
    `change`: a price change's effect on the package's allocations, with how
    many allocations there are and how many lines are posted from its date."""
    text = Text()
    if change is not None:
        _price_change(text, *change, lambda amount: format_money(amount, precision))
    text.append("Live: one unit from today\n", style="bold")
    if terms is None:
        error = Style.parse(error) if isinstance(error, str) else error
        text.append("Fix the fields in red to see the charges:\n", style=Style(bold=True) + error)
        for wrong in errors[:6]:
            text.append(f" - {error_text(wrong)}\n", style=error)
        return text
    summary = package_summary(terms, today, precision, NEXT_COUNT)
    money = lambda amount: format_money(amount, precision)  # noqa: E731
    text.append(describe_schedule(terms.frequency, terms.match, today) + "\n", style="italic")
    if summary.setup is not None:
        _line(text, "Setup", f"{money(summary.setup.amount)} (cost {money(summary.setup.cost)})")
    else:
        _line(text, "Setup", "none")
    if summary.minimum_spend:
        _commitment(text, summary, terms, money, today)
    elif summary.next_charges:
        text.append("Next charges\n", style="bold")
        for charge in summary.next_charges:
            text.append(f" {charge.date:%a %Y-%m-%d}{money(charge.amount):>15}\n")
    if terms.frequency is not Frequency.NONE:
        text.append(f"{'':<10}{'retail':>10}{'cost':>10}\n", style="dim")
        text.append(f"{'Per month':<10}{money(summary.monthly_retail):>10}{money(summary.monthly_cost):>10}\n")
        text.append(f"{'Per year':<10}{money(summary.yearly_retail):>10}{money(summary.yearly_cost):>10}\n")
        pct = "-" if summary.margin_percent is None else f"{summary.margin_percent}%"
        style = "bold red" if summary.monthly_margin < 0 else "bold"
        text.append(f"{'Margin/mo':<10}{money(summary.monthly_margin):>10}{pct:>10}\n", style=style)
    if currency:
        text.append(f"Amounts in {currency}.", style="dim")
    return text


def _commitment(text: Text, summary: PackageSummary, terms: PackageTerms, money, today: date) -> None:
    commitment = money(summary.commitment)
    text.append("Minimum spend: ", style="bold")
    text.append(
        f"retail {commitment} is a commitment per period; the customer pays "
        "the shortfall of that period's usage against it, after it ends.\n"
    )
    usage = (summary.commitment * Decimal("0.641")).quantize(summary.commitment)
    if summary.commitment:
        shortfall = max(Decimal(0), summary.commitment - usage)
        text.append(f"If a period's usage is {money(usage)}, the charge is {money(shortfall)}.\n", style="italic")
    text.append("Periods from today (each settled the day after it ends)\n", style="bold")
    if summary.next_charges and summary.next_charges[0].period_start > today:
        text.append(f" {today:%Y-%m-%d} to {summary.next_charges[0].period_start - ONE_DAY:%Y-%m-%d} (first, part)\n")
    for charge in summary.next_charges[:3]:
        text.append(f" {charge.period_start:%Y-%m-%d} to {charge.period_end:%Y-%m-%d}\n")


def _price_change(text: Text, effect: PriceEffect, allocations: int, posted: int, money) -> None:
    """Which charges a price change moves: each allocation's next charge on
    or after its date, before and after, counted and summed."""
    text.append(f"Prices change from {effect.effective_from:%Y-%m-%d}\n", style="bold")
    looked = f"{effect.allocations:,} of {allocations:,}" if effect.allocations < allocations else f"{allocations:,}"
    if not effect.lines:
        text.append(f" next charges of {looked} allocation(s): unchanged\n")
    else:
        sign = "+" if effect.change >= 0 else "-"
        text.append(f" next charges of {looked} allocation(s): {effect.lines:,} line(s)\n")
        text.append(f" {money(effect.before)} -> {money(effect.after)} ({sign}{money(abs(effect.change))})\n", style="bold")
    if posted:
        text.append(f" {posted:,} line(s) posted since keep their prices\n", style="dim")
