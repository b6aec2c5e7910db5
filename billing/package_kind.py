"""A package's kind: `recurring` (its charges and nothing more), or
`free_minutes`, a bundle of minutes per unit per period on the destinations
it names (billing.minutes).

The kind's three fields ride on PackageDraft (billing.catalogue):
`type`, `destinations` (prefixes, as billing.minutes.parse_destinations
reads them; the book keeps them as format_destinations writes them,
`^44|^91|^1`) and `free_minutes`. None in a draft means "as the book has
it" (a new package: recurring, no destinations, 0 minutes), so a form that
knows nothing of kinds saves a package without changing its kind.

This module reads them from text (a CSV row) along with the catalogue's
fields: `read_package`. It sits above billing.catalogue and billing.minutes
(which reads its errors from the catalogue), so the catalogue needs neither.
"""

from __future__ import annotations

from typing import Mapping

from .catalogue import FieldError, PackageDraft, package_texts, parse_package
from .minutes import format_destinations, parse_destinations

RECURRING = "recurring"
FREE_MINUTES = "free_minutes"
PACKAGE_TYPES = (RECURRING, FREE_MINUTES)
#: The kind's columns of a package file.
KIND_FIELDS = ("type", "destinations", "free_minutes")
#: The most free minutes one unit of a package (or an allocation) gives a period.
FREE_MINUTES_MAX = 100_000_000


def parse_type(text: str) -> str:
    value = (text or "").strip().lower().replace("-", "_").replace(" ", "_") or RECURRING
    if value not in PACKAGE_TYPES:
        raise FieldError("type", f"'{(text or '').strip()[:30]}' is not one of {', '.join(PACKAGE_TYPES)}")
    return value


def parse_free_minutes(text: str, field: str = "free_minutes", *, empty: int | None = 0) -> int | None:
    """Whole minutes, 0 or more; an empty text gives `empty`."""
    value = (text or "").strip()
    if not value:
        return empty
    if value.startswith("-"):
        raise FieldError(field, "can't be negative")
    if not (value.isascii() and value.isdigit()):
        raise FieldError(field, f"'{value[:20]}' is not a whole number of minutes (0 or more)")
    if len(value.lstrip("0")) > 9 or int(value) > FREE_MINUTES_MAX:
        raise FieldError(field, f"is more than {FREE_MINUTES_MAX:,} minutes")
    return int(value)


def check_free_minutes(value: int | None, field: str = "free_minutes") -> None:
    """A number of free minutes given as a number (not text): whole, 0 to the most."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldError(field, f"{value!r} is not a whole number of minutes")
    if value < 0:
        raise FieldError(field, "can't be negative")
    if value > FREE_MINUTES_MAX:
        raise FieldError(field, f"is more than {FREE_MINUTES_MAX:,} minutes")


def kind_problems(kind: str, destinations: tuple[str, ...], free_minutes: int) -> list[FieldError]:
    """What is wrong with a kind's three fields together (none: [])."""
    if kind not in PACKAGE_TYPES:
        return [FieldError("type", f"'{kind}' is not one of {', '.join(PACKAGE_TYPES)}")]
    problems = []
    try:
        check_free_minutes(free_minutes)
    except FieldError as exc:
        problems.append(exc)
    if kind == FREE_MINUTES and not destinations:
        problems.append(FieldError("destinations", "a free_minutes package needs the destinations it covers, e.g. ^44|^91|^1"))
    if kind == RECURRING and destinations:
        problems.append(FieldError("destinations", "only a free_minutes package has destinations (leave it empty, or set type to free_minutes)"))
    if kind == RECURRING and free_minutes:
        problems.append(FieldError("free_minutes", "only a free_minutes package has free minutes (leave it 0, or set type to free_minutes)"))
    return problems


def resolved(draft: PackageDraft, current: tuple[str, tuple[str, ...], int] | None = None) -> tuple[str, tuple[str, ...], int]:
    """(type, destinations, free_minutes) a draft saves: each None field as
    `current` has it (a new package: recurring, none, 0)."""
    kind, prefixes, minutes = current or (RECURRING, (), 0)
    return (
        draft.type if draft.type is not None else kind,
        tuple(draft.destinations) if draft.destinations is not None else prefixes,
        draft.free_minutes if draft.free_minutes is not None else minutes,
    )


def kind_texts(draft: PackageDraft) -> dict[str, str]:
    """The kind's fields as text, the way files write them."""
    kind, prefixes, minutes = resolved(draft)
    return {"type": kind, "destinations": format_destinations(prefixes), "free_minutes": str(minutes)}


def package_file_texts(draft: PackageDraft) -> dict[str, str]:
    """Every field of a package as text, its kind too: `read_package` reads
    them back to the same draft."""
    return {**package_texts(draft), **kind_texts(draft)}


def read_package(fields: Mapping[str, str | None]) -> tuple[PackageDraft | None, list[FieldError]]:
    """Every field of a package from text (billing.catalogue.parse_package),
    its kind too; all errors at once, the kind's after the others. A missing
    or empty type is recurring; destinations and free minutes must fit it."""
    draft, errors = parse_package(fields)
    kind = prefixes = minutes = None
    try:
        kind = parse_type(fields.get("type") or "")
    except FieldError as exc:
        errors.append(exc)
    text = (fields.get("destinations") or "").strip()
    try:
        prefixes = parse_destinations(text) if text else ()
    except FieldError as exc:
        errors.append(exc)
    try:
        minutes = parse_free_minutes(fields.get("free_minutes") or "")
    except FieldError as exc:
        errors.append(exc)
    if kind is not None and prefixes is not None and minutes is not None:
        errors.extend(kind_problems(kind, prefixes, minutes))
    if errors:
        return None, errors
    return draft.with_(type=kind, destinations=prefixes, free_minutes=minutes), []
