"""Dates as operators type them: YYYY-MM-DD, `t` for today, `+N` for N days on."""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$", re.ASCII)
_OFFSET = re.compile(r"^\+(\d{1,5})$", re.ASCII)


class DateError(ValueError):
    """Not a date; the message says why."""


def parse_date(text: str, today: date | None = None) -> date:
    value = (text or "").strip().lower()
    if not value:
        raise DateError("is required (YYYY-MM-DD)")
    if value in ("t", "today"):
        if today is None:
            raise DateError("'t' (today) is not accepted here; type YYYY-MM-DD")
        return today
    offset = _OFFSET.match(value)
    if offset:
        if today is None:
            raise DateError("'+N' is not accepted here; type YYYY-MM-DD")
        return today + timedelta(days=int(offset.group(1)))
    match = _ISO.match(value)
    if not match:
        raise DateError(f"'{text.strip()}' is not a date (YYYY-MM-DD)")
    year, month, day = (int(g) for g in match.groups())
    if year < 1900 or year > 2999:
        raise DateError(f"'{text.strip()}': year {year} is out of range (1900-2999)")
    if not 1 <= month <= 12:
        raise DateError(f"'{text.strip()}': there is no month {month}")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise DateError(f"'{text.strip()}': {calendar.month_name[month]} {year} has {last} days")
    return date(year, month, day)
