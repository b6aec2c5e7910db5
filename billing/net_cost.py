"""What calls cost once free minutes are taken off: a call's net cost, and
net costs summed exactly and rounded once (billing.minutes says which
seconds a bundle covers).

A call's net cost is its cost x uncovered seconds / seconds: nothing when
wholly covered, its cost when not covered, an exact Fraction in between.
Totals stay exact (a Decimal whenever one holds the value, else a Fraction)
until `round_total` rounds them once, half up, at the book's precision: a
customer's usage line a day (`daily_lines`), a period's spend (`net_spend`).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction
from .money import round_money

# Annotations name billing.minutes' Call and Applied (not imported: minutes uses this module).

ZERO = Decimal(0)


def net_cost(call: Call, covered: int) -> Decimal | Fraction:
    """cost x uncovered seconds / seconds: a Decimal for a call covered
    wholly or not at all, an exact Fraction for one covered in part."""
    seconds = call.seconds
    if covered <= 0 or seconds <= 0:
        return call.cost
    if covered >= seconds:
        return ZERO
    return Fraction(call.cost) * (seconds - covered) / seconds


def _exact(whole: Decimal, parts: Fraction | None) -> Decimal | Fraction:
    """whole + parts, as a Decimal whenever one holds it exactly."""
    if parts is None:
        return whole
    total = Fraction(whole) + parts
    d, twos, fives = total.denominator, 0, 0
    while d % 2 == 0:
        d //= 2
        twos += 1
    while d % 5 == 0:
        d //= 5
        fives += 1
    if d != 1:
        return total
    places = max(twos, fives)
    digits = total.numerator * (10**places // total.denominator)
    return Decimal(f"{digits}E-{places}")


def net_by_day(applied: Applied) -> dict[date, Decimal | Fraction]:
    """Net cost per day of the calls (exact; round each once, round_total)."""
    whole: dict[date, Decimal] = {}
    parts: dict[date, Fraction] = {}
    covered = applied.covered
    day = total = None
    # Calls come mostly in order: sum a run of one day, then store it.
    for call in applied.calls:
        when = call.start.date()
        if when != day:
            if day is not None:
                whole[day] = whole.get(day, ZERO) + total
            day, total = when, ZERO
        got = covered.get(call.id) if covered else None
        if got is None:
            total += call.cost
        elif got < call.seconds:
            parts[day] = parts.get(day, 0) + net_cost(call, got)
    if day is not None:
        whole[day] = whole.get(day, ZERO) + total
    for day, value in parts.items():
        whole[day] = _exact(whole[day], value)
    return whole


def net_spend(applied: Applied, since: date, before: date) -> Decimal | Fraction:
    """Net cost of the calls dated in [since, before) (exact)."""
    whole, parts = ZERO, None
    for day, value in net_by_day(applied).items():
        if since <= day < before:
            if isinstance(value, Fraction):
                parts = value if parts is None else parts + value
            else:
                whole += value
    return _exact(whole, parts)


def exact_sum(values) -> Decimal | Fraction:
    """Exact totals (Decimals and Fractions) added up: a Decimal whenever one
    holds the sum exactly."""
    whole, parts = ZERO, None
    for value in values:
        if isinstance(value, Fraction):
            parts = value if parts is None else parts + value
        else:
            whole += value
    return _exact(whole, parts)


def difference(a: Decimal | Fraction, b: Decimal | Fraction) -> Decimal | Fraction:
    """a - b, exactly."""
    if isinstance(b, Fraction):
        return exact_sum((a, -b))
    return exact_sum((a, -b)) if isinstance(a, Fraction) else a - b


def shown(amount: Decimal | Fraction) -> Decimal:
    """An exact total as a Decimal to show beside a figure (a Fraction to 28
    digits); never what is posted: round_total rounds the exact value once."""
    if isinstance(amount, Fraction):
        return Decimal(amount.numerator) / Decimal(amount.denominator)
    return amount


def round_total(amount: Decimal | Fraction, precision: int) -> Decimal:
    """An exact total rounded once, half up, to the book's precision."""
    if isinstance(amount, Decimal):
        return round_money(amount, precision)
    scaled = amount * 10**precision
    n, d = abs(scaled.numerator), scaled.denominator
    units = (2 * n + d) // (2 * d)  # half up: away from zero
    return round_money(Decimal(f"{'-' if scaled < 0 else ''}{units}E-{precision}"), precision)


def daily_lines(applied: Applied, precision: int) -> dict[date, Decimal]:
    """The net cost of each day, rounded once: a customer's usage line a day."""
    return {day: round_total(value, precision) for day, value in sorted(net_by_day(applied).items())}
