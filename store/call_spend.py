"""What calls come to, for minimum spend and projections.

Minimum spend counts a customer's usage records and the net cost of their
calls (free minutes taken off) as spend (`spend_sums`), exact: a Fraction
where a call was covered in part, rounded once in the true-up. The database
sums the calls of customers without free minutes (one GROUP BY a chunk);
customers with them have their calls read from their bundles' periods
(store.call_days).

Projections (`charges`) show usage lines while usage billing is on
(`with_usage`): each day before today with calls as the run would post it,
and the days from today on estimated at the run rate, a line per month
(billing.usage_lines.estimate_lines), marked as estimates.
"""

from __future__ import annotations

import heapq
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Iterable, Iterator

from billing.calls import day_start
from billing.money import from_micros
from billing.net_cost import exact_sum
from billing.run import customer_key
from billing.usage_lines import estimate_lines, net_between, usage_line, usage_run_rate
from billing.minimum import run_rate_window

from . import settings
from .call_days import bundle_rows, customer_days, plain_days
from .models import database
from .scan import RowCache, name_range
from .sql import chunks, marks
from .usage import usage_sums

ONE_DAY = timedelta(days=1)
ZERO = Decimal(0)


def net_call_sums(start: date, end: date, customer_ids: Iterable[int]) -> dict[int, Decimal | Fraction]:
    """The net cost of each customer's calls that started on days in
    [start, end) (customers without calls are left out), exact."""
    ids = sorted(set(customer_ids))
    if end <= start or not ids:
        return {}
    bundled = bundle_rows(ids, start)
    found: dict[int, Decimal | Fraction] = {}
    plain = [cid for cid in ids if cid not in bundled]
    for part in chunks(plain):
        rows = database.execute_sql(
            f"SELECT customer_id, SUM(cost) FROM call WHERE customer_id IN ({marks(len(part))}) AND start >= ? AND start < ? "
            "GROUP BY customer_id",
            [*part, day_start(start), day_start(end)],
        ).fetchall()
        found.update((cid, from_micros(int(total))) for cid, total in rows if total is not None)
    for cid, rows in bundled.items():
        days = customer_days(cid, rows, start, end - ONE_DAY)
        if days:
            found[cid] = net_between(days, start, end)
    return found


def spend_sums(start: date, end: date, customer_ids: Iterable[int]) -> dict[int, Decimal | Fraction]:
    """Usage spend of each customer dated in [start, end): usage records plus
    the net cost of calls (exact)."""
    ids = sorted(set(customer_ids))
    if end <= start or not ids:
        return {}
    records = usage_sums(start, end, ids)
    calls = net_call_sums(start, end, ids)
    return {cid: exact_sum((records.get(cid, ZERO), calls.get(cid, ZERO))) for cid in set(records) | set(calls)}


def spend_sum(customer_id: int, start: date, end: date) -> Decimal | Fraction:
    """One customer's usage spend dated in [start, end)."""
    return spend_sums(start, end, [customer_id]).get(customer_id, ZERO)


# --- usage lines in projections -----------------------------------------------------


def _customers(since: date, until: date, customer_id: int | None, names: tuple[str | None, str | None]) -> list[tuple]:
    """(id, name, prepaid) of the customers with calls in [since, until], in
    run order (name, NOCASE), within the name range `names`."""
    where, params = ["EXISTS (SELECT 1 FROM call k WHERE k.customer_id = c.id AND k.start >= ? AND k.start < ?)"], [
        day_start(since), day_start(until + ONE_DAY)
    ]
    if customer_id is not None:
        where.append("c.id = ?")
        params.append(customer_id)
    name_range(where, params, names)
    return database.execute_sql(
        f"SELECT c.id, c.name, c.usage_prepaid FROM customer c WHERE {' AND '.join(where)} ORDER BY c.name COLLATE NOCASE",
        params,
    ).fetchall()


def usage_groups(
    since: date, until: date, precision: int, today: date, customer_id: int | None = None,
    names: tuple[str | None, str | None] = (None, None),
) -> Iterator[tuple]:
    """The usage lines of [since, until], one (UsageLine, [its Charge]) at a
    time, customer by customer in run order: days before today as a run
    posts them, the rest estimated at each customer's run rate."""
    known_until = min(until, today - ONE_DAY)
    rate_from = run_rate_window(today)[0]
    low = min(since, rate_from)
    ask_until = max(known_until, today - ONE_DAY)
    customers = _customers(low, ask_until, customer_id, names)
    cache = RowCache()
    for part in chunks(customers, 400):
        bundled = bundle_rows([c[0] for c in part], low, cache)
        plain = plain_days({c[0]: low for c in part if c[0] not in bundled}, ask_until)
        for cid, name, prepaid in part:
            days = customer_days(cid, bundled[cid], low, ask_until) if cid in bundled else plain.get(cid, {})
            for day in sorted(days):
                if since <= day <= known_until:
                    line = usage_line(cid, name, day, days[day], bool(prepaid), precision)
                    yield line, [line.charge()]
            if until >= today:
                rate = usage_run_rate(days, today)
                if rate > 0:
                    for line in estimate_lines(cid, name, bool(prepaid), rate, max(since, today), until, precision):
                        yield line, [line.charge()]


def with_usage(
    groups: Iterable[tuple], since: date, until: date, precision: int, today: date, customer_id: int | None = None,
    names: tuple[str | None, str | None] = (None, None),
) -> Iterable[tuple]:
    """Allocation groups (store.charges.charges_by_customer: in customer
    order) with the usage lines merged in, in customer order, while usage
    billing is on; as they are while it is off."""
    if not settings.load().usage_billing:
        return groups
    usage = usage_groups(since, until, precision, today, customer_id, names)
    return heapq.merge(groups, usage, key=lambda group: customer_key(group[0].customer))
