"""Money: Decimal from input to storage to screen, one rounding rule.

Nothing here ever accepts a float: a float cannot hold 0.1 exactly, and money
that passed through one is already wrong.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

#: Prices are entered with up to this many decimal places.
PRICE_PLACES = 6
#: One micro-unit, the resolution money is stored at.
MICRO = Decimal(1).scaleb(-PRICE_PLACES)
#: Largest amount packdesk accepts in a price field (keeps micro-units in 64 bits).
MAX_PRICE = Decimal("1000000000")
#: Largest charge line an allocation may produce (price x quantity): a posted
#: amount of micro-units stays far inside 64 bits (about 9.2 x 10^12 units).
MAX_LINE = Decimal("1000000000000")
#: Largest balance the book can hold, either way (64-bit micro-units).
MAX_BALANCE = Decimal("9000000000000")

_AMOUNT = re.compile(r"^([0-9]+)(?:\.([0-9]*))?$|^\.([0-9]+)$")


class MoneyError(ValueError):
    """A text that is not an acceptable amount; the message says why."""


def parse_amount(text: str, *, places: int = PRICE_PLACES) -> Decimal:
    """Parse what an operator typed into an exact, non-negative Decimal.

    Accepts plain digits with an optional decimal point ("12", "4.50", ".5").
    Refuses floats, signs, exponents, thousands separators, and more than
    `places` decimal places, each with a message that says what is wrong.
    """
    if isinstance(text, float):
        raise TypeError("money never passes through float")
    if isinstance(text, Decimal):
        text = format(text, "f")
    if not isinstance(text, str):
        raise TypeError(f"expected text, got {type(text).__name__}")
    value = text.strip()
    if not value:
        raise MoneyError("is required")
    if value.startswith("-"):
        raise MoneyError("can't be negative")
    if len(value) > 40:
        raise MoneyError(f"'{value[:20]}…' is too long to be a price")
    match = _AMOUNT.match(value)
    if match is None:
        raise MoneyError(f"'{value}' is not a number (use digits and a '.', like 12.50)")
    decimals = match.group(2) or match.group(3) or ""
    if len(decimals) > places:
        raise MoneyError(f"has {len(decimals)} decimal places; at most {places} allowed")
    amount = Decimal(value)
    if amount > MAX_PRICE:
        raise MoneyError(f"is too large (at most {MAX_PRICE:,})")
    return amount


_QUANTA = {p: Decimal(1).scaleb(-p) for p in range(0, 7)}


def quantum(precision: int) -> Decimal:
    """The smallest posted unit for a book precision: 2 -> Decimal('0.01')."""
    found = _QUANTA.get(precision)
    return found if found is not None else Decimal(1).scaleb(-precision)


def round_money(amount: Decimal, precision: int) -> Decimal:
    """Round one charge line, once, half up, to the book's precision."""
    return amount.quantize(quantum(precision), rounding=ROUND_HALF_UP)


def format_money(amount: Decimal, precision: int) -> str:
    """The amount rounded to the book's precision, as plain text: '12.35'."""
    return format(round_money(amount, precision), "f")


def format_price(amount: Decimal, precision: int = 2) -> str:
    """A catalogue price: at least `precision` places, more only if it has them.

    4.5 -> '4.50', 0.125 -> '0.125', 0.000001 -> '0.000001'.
    """
    normal = amount.normalize()
    places = max(precision, -normal.as_tuple().exponent if normal.as_tuple().exponent < 0 else 0)
    return format(amount.quantize(quantum(places)), "f")


def format_grouped(amount: Decimal) -> str:
    """An amount with thousands separators and no trailing zeros, for
    messages: 1,000,000,000 or 2,000,000.5."""
    return f"{amount.normalize():,f}"


def to_micros(amount: Decimal) -> int:
    """Exact micro-units of a Decimal; refuses anything finer than 10^-6."""
    if isinstance(amount, float):
        raise TypeError("money never passes through float")
    if not isinstance(amount, Decimal):
        raise TypeError(f"money must be a Decimal, got {type(amount).__name__}")
    scaled = amount.scaleb(PRICE_PLACES)
    if scaled != scaled.to_integral_value():
        raise MoneyError(f"{amount} has more than {PRICE_PLACES} decimal places")
    return int(scaled)


def from_micros(micros: int) -> Decimal:
    """The Decimal for a count of micro-units."""
    return Decimal(int(micros)).scaleb(-PRICE_PLACES)
