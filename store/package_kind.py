"""A package's kind in the book (billing.package_kind): its type, the
destinations it covers (kept as `^44|^91|^1`) and its free minutes, read
from and written to the package row."""

from __future__ import annotations

from billing.catalogue import PackageDraft
from billing.minutes import format_destinations, parse_destinations
from billing.package_kind import kind_problems, resolved

from .models import Package

#: A draft's kind fields: None in a draft is "as the book has it".
KIND = ("type", "destinations", "free_minutes")
#: The package columns that hold them.
KIND_COLUMNS = (Package.type, Package.destinations, Package.free_minutes)


def prefixes(text: str) -> tuple[str, ...]:
    """The destinations column (`^44|^91`) as prefixes ('44', '91')."""
    return parse_destinations(text) if text else ()


def kind_values(draft: PackageDraft, current: tuple | None = None) -> dict:
    """The kind's columns a draft saves (its None fields as `current` has
    them, a new package's when None); FieldError when they don't fit together."""
    kind, destinations, minutes = resolved(draft, current)
    problems = kind_problems(kind, destinations, minutes)
    if problems:
        raise problems[0]
    return {Package.type: kind, Package.destinations: format_destinations(destinations), Package.free_minutes: minutes}


def kind_row(draft: PackageDraft) -> tuple:
    """(type, destinations, free minutes) as the row stores them (a new package's for None fields)."""
    kind, destinations, minutes = resolved(draft)
    return kind, format_destinations(destinations), minutes


def current_kind(package_id: int) -> tuple | None:
    """(type, destinations, free minutes) of the package as the book has it."""
    row = Package.select(Package.type, Package.destinations, Package.free_minutes).where(Package.id == package_id).tuples().first()
    return (row[0], prefixes(row[1]), row[2]) if row else None


def kind_of(row: dict) -> dict:
    """A package row's (a dict of its columns) kind, as PackageRow holds it."""
    return {"type": row["type"], "destinations": prefixes(row["destinations"]), "free_minutes": row["free_minutes"]}


def draft_differences(mine: PackageDraft, theirs: PackageDraft, fields) -> list[tuple[str, object, object]]:
    """(field, mine, theirs) of each of `fields` that differs; a kind field
    `mine` leaves as the book has it (None) never does."""
    return [
        (f, getattr(mine, f), getattr(theirs, f))
        for f in fields
        if (getattr(mine, f) is not None or f not in KIND) and getattr(mine, f) != getattr(theirs, f)
    ]
