"""Price versions (BILLING.md, "Lifecycle rules"): when a change of a
package's prices takes effect, and what it moves.

A package's prices form a timeline of versions, each in force from its date
until the next one's; the first holds from the beginning. A charge uses the
version in force on its charge date (billing.charges.price_day), whether or
not it was posted before the change; posted lines keep what they were posted
with, which is the store's business (the ledger is append-only).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Iterable

from .accounts import parse_field_date
from .catalogue import FieldError
from .charges import AllocationTerms, PackageTerms, PriceVersion, allocation_charges, with_prices

#: The first version's date: it holds from the beginning.
BEGINNING = date(1, 1, 1)
#: How files name the first version's date.
BEGINNING_TEXT = "beginning"
PRICE_FIELDS = ("retail", "cost", "setup_retail", "setup_cost")
ZERO = Decimal(0)


def prices_differ(a, b) -> bool:
    """Whether two things with the four prices (drafts, terms, versions) differ."""
    return any(getattr(a, f) != getattr(b, f) for f in PRICE_FIELDS)


def version_of(prices, effective_from: date) -> PriceVersion:
    """The four prices of `prices` (a draft, terms) as a version from `effective_from`."""
    return PriceVersion(effective_from, *(getattr(prices, f) for f in PRICE_FIELDS))


def effective_text(day: date) -> str:
    """A version's date as shown and exported: `beginning` for the first."""
    return BEGINNING_TEXT if day == BEGINNING else day.isoformat()


def parse_effective_from(text: str, today: date | None, field: str = "effective_from") -> date | None:
    """An effective date as typed or imported: YYYY-MM-DD (`t`, `+N` where
    there is a today), `beginning`; empty gives None (the default)."""
    if (text or "").strip().lower() == BEGINNING_TEXT:
        return BEGINNING
    return parse_field_date(field, text, today, required=False)


def timeline_with(versions: Iterable[PriceVersion], new: PriceVersion) -> list[PriceVersion]:
    """The versions once `new` is added: it replaces one of the same date."""
    kept = [v for v in versions if v.effective_from != new.effective_from]
    return sorted([*kept, new], key=lambda v: v.effective_from)


def in_force(versions: Iterable[PriceVersion], day: date) -> PriceVersion | None:
    """The version in force on `day` (the first one before any version's date)."""
    found = None
    for version in sorted(versions, key=lambda v: v.effective_from):
        if found is None or version.effective_from <= day:
            found = version
    return found


@dataclass(frozen=True, slots=True)
class PriceEffect:
    """What a price change does to the next charge of each allocation on or
    after its date: how many lines change, and their sums before and after."""

    effective_from: date
    allocations: int  # allocations looked at
    lines: int  # next charges whose amount or cost changes
    before: Decimal
    after: Decimal
    cost_before: Decimal
    cost_after: Decimal

    @property
    def change(self) -> Decimal:
        return self.after - self.before


def price_effect(
    before: PackageTerms,
    after: PackageTerms,
    allocations: Iterable[AllocationTerms],
    effective_from: date,
    precision: int,
) -> PriceEffect:
    """The next charge on or after `effective_from` of each allocation, at the
    `before` terms and at the `after` terms (both with their timelines)."""
    count = lines = 0
    sums = [ZERO, ZERO, ZERO, ZERO]
    for allocation in allocations:
        if allocation.end is not None and allocation.end < effective_from:
            continue
        count += 1
        old = next(allocation_charges(before, allocation, effective_from, None, precision), None)
        new = next(allocation_charges(after, allocation, effective_from, None, precision), None)
        if old is None or new is None or (old.amount == new.amount and old.cost == new.cost):
            continue
        lines += 1
        sums[0] += old.amount
        sums[1] += new.amount
        sums[2] += old.cost
        sums[3] += new.cost
    return PriceEffect(effective_from, count, lines, *sums)


def terms_with_change(terms: PackageTerms, versions: Iterable[PriceVersion], new: PriceVersion) -> PackageTerms:
    """`terms` (schedule and the rest) with the timeline once `new` is added."""
    return with_prices(terms, timeline_with(versions, new))


__all__ = [
    "BEGINNING", "BEGINNING_TEXT", "FieldError", "PRICE_FIELDS", "PriceEffect", "effective_text", "in_force",
    "parse_effective_from", "price_effect", "prices_differ", "terms_with_change", "timeline_with", "version_of",
]
