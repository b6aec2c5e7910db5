"""Customers' calls day by day, free minutes taken off: what usage lines,
minimum spend and projections read (billing.usage_lines decides).

A customer's free-minutes allocations are its bundles (billing.minutes
.bundle_for: the package's destinations and minutes, or the allocation's
own minutes). Calls are read from the first day wanted, and from further
back only where a bundle's period holding that day starts earlier
(billing.usage_lines.reading_start): never a customer's whole history.
A customer without bundles needs no call read one by one: the database sums
its days (`plain_days`).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Iterable

from billing.calls import day_start
from billing.minutes import Call, bundle_for
from billing.money import from_micros
from billing.usage_lines import DayUse, reading_start, use_by_day

from .calls import iter_calls
from .package_kind import prefixes
from .scan import AllocationRow, RowCache, rows_by_ids
from .models import database
from .sql import chunks, marks

ONE_DAY = timedelta(days=1)

#: One bundle allocation as read: its row, its prefixes, the package's minutes per unit.
BundleRow = tuple[AllocationRow, tuple[str, ...], int]


def bundle_rows(customer_ids: Iterable[int], since: date, cache: RowCache | None = None) -> dict[int, list[BundleRow]]:
    """Each customer's free-minutes allocations not ended before `since`
    (customers without any are left out): one query a chunk of customers."""
    found: dict[int, list[BundleRow]] = {}
    kinds: dict[int, tuple[tuple[str, ...], int]] = {}
    ids: list[int] = []
    for part in chunks(sorted(set(customer_ids))):
        rows = database.execute_sql(
            "SELECT a.id, p.destinations, p.free_minutes FROM allocation a JOIN package p ON p.id = a.package_id "
            f"WHERE p.type = 'free_minutes' AND a.customer_id IN ({marks(len(part))}) "
            "AND (a.end_date IS NULL OR a.end_date >= ?)",
            [*part, since.isoformat()],
        ).fetchall()
        for aid, destinations, minutes in rows:
            kinds[aid] = (prefixes(destinations), minutes)
            ids.append(aid)
    if ids:
        rows, _raw = rows_by_ids(ids, cache)
        for row in rows:
            found.setdefault(row.customer_id, []).append((row, *kinds[row.id]))
    return found


def bundles_from(rows: list[BundleRow], until: date):
    """A function of a day: the bundles of `rows` with their periods from the
    one holding that day to `until`."""

    def make(since: date):
        return [
            bundle_for(row.package_terms, row.terms(), found, minutes, since, until, row.free_minutes)
            for row, found, minutes in rows
        ]

    return make


def _calls(customer_id: int, since: date, until: date) -> Iterable[Call]:
    for c in iter_calls(customer_id, since, until + ONE_DAY):
        yield Call(c.id, c.start, c.destination, c.seconds, c.cost)


def customer_days(customer_id: int, rows: list[BundleRow], since: date, until: date) -> dict[date, DayUse]:
    """The customer's DayUse of each day in [since, until] with calls, its
    bundles (`rows`) used up as they were from the periods holding `since`."""
    if until < since:
        return {}
    if not rows:
        return use_by_day(_calls(customer_id, since, until))
    start, bundles = reading_start(since, bundles_from(rows, until))
    days = use_by_day(_calls(customer_id, start, until), bundles)
    return {day: use for day, use in days.items() if day >= since} if start < since else days


def plain_days(lows: dict[int, date], until: date) -> dict[int, dict[date, DayUse]]:
    """DayUse of each day in [lows[customer], until] with calls, for
    customers without bundles (their net cost is their cost): the database
    sums, one query a chunk of customers."""
    found: dict[int, dict[date, DayUse]] = {}
    items = sorted(lows.items())
    for part in chunks(items, 400):
        values = ",".join("(?, ?)" for _ in part)
        params = [v for cid, low in part for v in (cid, day_start(low))]
        rows = database.execute_sql(
            f"WITH m(id, low) AS (VALUES {values}) SELECT c.customer_id, substr(c.start, 1, 10), COUNT(*), "
            "SUM(c.seconds), SUM(c.cost) FROM m JOIN call c ON c.customer_id = m.id AND c.start >= m.low AND c.start < ? "
            "GROUP BY 1, 2",
            [*params, day_start(until + ONE_DAY)],
        ).fetchall()
        for cid, day, count, seconds, cost in rows:
            found.setdefault(cid, {})[date.fromisoformat(day)] = DayUse(from_micros(int(cost)), int(count), int(seconds), 0)
    return found
