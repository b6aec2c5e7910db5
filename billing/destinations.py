"""Destinations of a free-minutes bundle: the number prefixes it covers.

A free-minutes package names the destinations it covers as number prefixes,
written as ConnexCS writes them (`^44|^91|^1`) or as a plain list (`44 91 1`);
nothing else is accepted (no general regular expressions). Prefixes are kept
in a canonical order: as given, duplicates dropped. A dialled number is kept
as digits, a leading `+` or `00` dropped.
"""

from __future__ import annotations

import re

from .catalogue import FieldError

#: The longest prefix accepted (E.164 numbers have at most 15 digits).
MAX_PREFIX_DIGITS = 15
#: How many prefixes one package may name.
MAX_PREFIXES = 500

_SEPARATORS = re.compile(r"[\s|,]+")


def parse_destinations(text: str, field: str = "destinations") -> tuple[str, ...]:
    """`^44|^91|^1`, `44 91 1` or `44,91,1` -> ('44', '91', '1').

    Raises FieldError naming the first piece that is not a prefix of digits."""
    pieces = [p for p in _SEPARATORS.split((text or "").strip()) if p]
    if not pieces:
        raise FieldError(field, "name at least one destination prefix, e.g. ^44|^91|^1 or 44 91 1")
    found: list[str] = []
    for piece in pieces:
        digits = piece[1:] if piece.startswith("^") else piece
        if digits.startswith("+"):
            digits = digits[1:]
        if not digits.isascii() or not digits.isdigit():
            raise FieldError(
                field,
                f"{piece!r} is not a destination prefix: write digits, as ^44|^91|^1 or 44 91 1 "
                "(no other pattern is understood)",
            )
        if len(digits) > MAX_PREFIX_DIGITS:
            raise FieldError(field, f"{piece!r} is longer than {MAX_PREFIX_DIGITS} digits")
        if digits not in found:
            found.append(digits)
    if len(found) > MAX_PREFIXES:
        raise FieldError(field, f"at most {MAX_PREFIXES} prefixes (found {len(found)})")
    return tuple(found)


def format_destinations(prefixes: tuple[str, ...] | list[str]) -> str:
    """('44', '91') -> '^44|^91': how ConnexCS writes them, and how the book keeps them."""
    return "|".join(f"^{p}" for p in prefixes)


def normalise_number(text: str, field: str = "destination") -> str:
    """A dialled destination as digits: a leading `+` or `00` dropped.

    Raises FieldError when what is left is not digits."""
    value = (text or "").strip()
    if value.startswith("+"):
        value = value[1:]
    elif value.startswith("00"):
        value = value[2:]
    if not value or not value.isascii() or not value.isdigit():
        raise FieldError(field, f"{text!r} is not a number: digits, with a leading + or 00 allowed")
    return value


def matching_prefix(number: str, prefixes: tuple[str, ...]) -> str | None:
    """The longest of `prefixes` that `number` starts with, or None."""
    best = None
    for prefix in prefixes:
        if number.startswith(prefix) and (best is None or len(prefix) > len(best)):
            best = prefix
    return best
