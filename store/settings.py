"""The book's settings: currency, money precision, time zone, the test
clock, usage grace days, the post-from date and usage billing. A change is checked whole
before anything is written, and written in one transaction: a command that
fails changes nothing."""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass, replace
from datetime import date

from . import marks
from .errors import BookError
from .models import Setting, database

DEFAULTS = {
    "currency": "USD", "precision": "2", "timezone": "UTC", "test_clock": "off", "usage_grace_days": "0", "post_from": "",
    "usage_billing": "off",
}
GRACE_MAX = 31
_UNSET = object()


@dataclass(frozen=True, slots=True)
class BookSettings:
    currency: str = "USD"
    precision: int = 2
    timezone: str = "UTC"
    #: On: a run may post up to the "today" it is given (sandboxes, tests).
    #: Off: posting stops at the real date in the book's time zone.
    test_clock: bool = False
    #: Days after a period ends that its true-up waits for late usage.
    usage_grace_days: int = 0
    post_from: date | None = None
    #: On: customers' calls are billed as usage (free-minutes bundles taken
    #: off first); off (the default): calls are kept, not billed.
    usage_billing: bool = False


def load() -> BookSettings:
    values = dict(DEFAULTS)
    values.update({key: value for key, value in database.execute_sql("SELECT key, value FROM setting").fetchall()})
    return BookSettings(
        values["currency"],
        int(values["precision"]),
        values["timezone"],
        values["test_clock"] == "on",
        int(values["usage_grace_days"]),
        date.fromisoformat(values["post_from"]) if values["post_from"] else None,
        values["usage_billing"] == "on",
    )


def update(
    currency: str | None = None,
    precision: int | None = None,
    timezone: str | None = None,
    test_clock: bool | None = None,
    usage_grace_days: int | None = None,
    post_from=_UNSET,
    usage_billing: bool | None = None,
) -> BookSettings:
    """Check every change, then write them all in one transaction."""
    current = load()
    changes: dict = {}
    if currency is not None:
        code = currency.strip().upper()
        if not (len(code) == 3 and code.isalpha()):
            raise BookError(f"currency: '{currency}' is not a three-letter code such as USD or GBP")
        changes["currency"] = code
    if precision is not None:
        if not 0 <= precision <= 6:
            raise BookError(f"precision: {precision} is not between 0 and 6 decimal places")
        posted = "SELECT 1 FROM ledger UNION ALL SELECT 1 FROM usage_line LIMIT 1"
        if precision != current.precision and database.execute_sql(posted).fetchone():
            raise BookError(
                f"precision: the ledger holds lines posted at {current.precision} decimal places; "
                "the precision is fixed once a line is posted (BILLING.md, Money)"
            )
        changes["precision"] = precision
    if timezone is not None:
        try:
            zoneinfo.ZoneInfo(timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise BookError(f"timezone: '{timezone}' is not a time zone name such as UTC or Europe/London") from None
        changes["timezone"] = timezone
    if test_clock is not None:
        changes["test_clock"] = bool(test_clock)
    if usage_grace_days is not None:
        if not 0 <= usage_grace_days <= GRACE_MAX:
            raise BookError(f"usage grace days: {usage_grace_days} is not between 0 and {GRACE_MAX}")
        changes["usage_grace_days"] = usage_grace_days
    if post_from is not _UNSET:
        changes["post_from"] = post_from
    if usage_billing is not None:
        changes["usage_billing"] = bool(usage_billing)
    wanted = replace(current, **changes)
    with database.atomic():
        for key, value in _texts(wanted).items():
            if value != _texts(current)[key]:
                Setting.insert(key=key, value=value).on_conflict(
                    conflict_target=[Setting.key], update={Setting.value: value}
                ).execute()
        before = current.post_from
        if before is not None and (wanted.post_from is None or wanted.post_from < before):
            marks.reset_all()  # lines skipped for good are owed again
    return load()


def _texts(settings: BookSettings) -> dict[str, str]:
    return {
        "currency": settings.currency,
        "precision": str(settings.precision),
        "timezone": settings.timezone,
        "test_clock": "on" if settings.test_clock else "off",
        "usage_grace_days": str(settings.usage_grace_days),
        "post_from": settings.post_from.isoformat() if settings.post_from else "",
        "usage_billing": "on" if settings.usage_billing else "off",
    }


def real_today(timezone: str) -> date:
    """Today's date in a time zone, from the system clock."""
    import pendulum

    now = pendulum.now(timezone)
    # A plain datetime.date: SQLite can't bind pendulum's Date through peewee.
    return datetime.date(now.year, now.month, now.day)


def posting_limit(given_today: date | None) -> date:
    """The latest date a run may post: the real date in the book's time zone,
    or, with the test clock on, the "today" the run was given."""
    settings = load()
    if settings.test_clock and given_today is not None:
        return given_today
    return real_today(settings.timezone)
