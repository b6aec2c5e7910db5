"""Small SQL helpers every store module uses: IN-lists in chunks, LIKE
patterns taken literally, dates in and out, and a package's terms from its
columns. One place each, so no query spells them its own way."""

from __future__ import annotations

from datetime import date
from typing import Iterable, Iterator, Sequence

from peewee import SQL, NodeList, Value

from billing.charges import PackageTerms
from billing.money import from_micros
from billing.schedule import Frequency

#: Ids per IN (...) list: well under SQLite's 32,766 bound variables.
CHUNK = 900


def chunks(values: Sequence, size: int = CHUNK) -> Iterator[Sequence]:
    """`values` in slices of at most `size`."""
    for i in range(0, len(values), size):
        yield values[i : i + size]


def marks(count: int) -> str:
    """'?, ?, ?' for an IN list of `count` values."""
    return ",".join("?" * count)


def like_pattern(text: str) -> str:
    """'%text%' with LIKE's own characters (% _ \\) taken literally (ESCAPE '\\')."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def contains(column, text: str):
    """A peewee expression: `column` contains `text`, literally, ignoring case."""
    return NodeList((column, SQL("LIKE"), Value(like_pattern(text)), SQL("ESCAPE '\\'")))


def as_date(value) -> date | None:
    """A date column's value as a `date` (drivers give text or a date)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def iso(day: date | None) -> str | None:
    """A date as the book stores it."""
    return day.isoformat() if day is not None else None


def match_from_text(text: str) -> tuple[int, ...]:
    """The frequency match column ('15 31') as a tuple of ints."""
    return tuple(int(x) for x in (text or "").split())


def match_to_text(match: Iterable[int]) -> str:
    return " ".join(str(d) for d in sorted(match))


#: The package columns `package_terms` reads, in order (alias `p`).
TERMS_COLUMNS = (
    "p.retail, p.cost, p.setup_retail, p.setup_cost, p.frequency, p.frequency_match, p.minimum_spend, p.minimum_days"
)


def package_terms(retail, cost, setup_retail, setup_cost, frequency, match, minimum_spend, minimum_days) -> PackageTerms:
    """A package's billing terms from its stored columns (money in micro-units,
    or already Decimal from a MoneyField; match as text or a tuple)."""

    def money(value):
        return value if not isinstance(value, int) else from_micros(value)

    return PackageTerms(
        retail=money(retail),
        cost=money(cost),
        setup_retail=money(setup_retail),
        setup_cost=money(setup_cost),
        frequency=frequency if isinstance(frequency, Frequency) else Frequency(frequency),
        match=match_from_text(match) if isinstance(match, str) else tuple(match),
        minimum_spend=bool(minimum_spend),
        minimum_days=int(minimum_days),
    )
