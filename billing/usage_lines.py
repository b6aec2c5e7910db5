"""Calls on the ledger: a customer's usage line a day, as pure functions.

With usage billing on, a billing run posts each customer's net cost of
calls (billing.minutes takes the free minutes off, billing.net_cost sums
exactly) as one `usage` line per customer per day: the day's net costs
summed exactly and rounded once, half up, at the book's precision. A day's
line is due once the day plus the book's usage grace days has come
(`usage_due`), like a true-up, so calls that reach the book a day or two
late are still on it; a day before the book's post-from date is never
posted. A day is posted once (the book's unique key): calls imported later
for a posted day are not billed (the import says so).

Each customer carries a mark, the first day whose line may still be owed
(store/ keeps it). A run reads that customer's calls from the mark on, and
from further back only as far as the free-minutes periods holding it start
(`reading_start`): a period's earlier calls use its minutes up first.

Projections estimate the days not over yet at the run rate: the last 30
days' net cost of calls / 30, a line per month (`estimate_lines`), marked as
an estimate as minimum-spend estimates are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from itertools import islice
from typing import Callable, Container, Iterable, Sequence

from .charges import Charge
from .ledger import USAGE
from .minimum import RUN_RATE_DAYS, run_rate_window
from .minutes import Bundle, BundleIndex, Call, apply
from .money import MAX_LINE
from .net_cost import exact_sum, net_by_day, round_total

ZERO = Decimal(0)
ONE_DAY = timedelta(days=1)
#: Calls handed to the bundle rules at a time (their minutes carry over).
CALL_BATCH = 50_000


# --- what a customer's calls come to, day by day ---------------------------------


@dataclass(frozen=True, slots=True)
class DayUse:
    """One customer's calls of one day: their net cost (exact), how many,
    their seconds and the seconds free minutes covered."""

    net: Decimal | Fraction
    calls: int
    seconds: int
    free_seconds: int

    def plus(self, other: "DayUse") -> "DayUse":
        return DayUse(exact_sum((self.net, other.net)), self.calls + other.calls, self.seconds + other.seconds,
                      self.free_seconds + other.free_seconds)


def use_by_day(calls: Iterable[Call], bundles: Sequence[Bundle] = ()) -> dict[date, DayUse]:
    """Each day's DayUse of a customer's calls, given in order of start (then
    id), the bundles used up batch by batch, their minutes carried over."""
    index = BundleIndex(bundles)
    days: dict[date, DayUse] = {}
    used: dict = {}
    calls = iter(calls)
    while True:
        batch = tuple(islice(calls, CALL_BATCH))
        if not batch:
            return days
        applied = apply(batch, index, used)
        used = applied.used
        counts: dict[date, list[int]] = {}
        covered = applied.covered
        for call in batch:
            entry = counts.get(call.start.date())
            if entry is None:
                entry = counts[call.start.date()] = [0, 0, 0]
            entry[0] += 1
            entry[1] += call.seconds
            entry[2] += min(covered.get(call.id, 0), call.seconds)
        for day, net in net_by_day(applied).items():
            found = DayUse(net, *counts[day])
            days[day] = found if day not in days else days[day].plus(found)


def reading_start(mark: date, bundles_from: Callable[[date], Sequence[Bundle]]) -> tuple[date, Sequence[Bundle]]:
    """(the first day to read calls from, the bundles for calls from it) so
    that the days from `mark` on come out exact: back to where every period
    holding that day starts. `bundles_from(day)` gives the customer's
    bundles with their periods from the one holding `day`. One bundle (or
    bundles of one schedule) goes back to its period's start; bundles whose
    periods start on other days go back until they agree."""
    since = mark
    while True:
        bundles = bundles_from(since)
        earliest = since
        for bundle in bundles:
            for period in bundle.periods:
                if period.start <= since < period.end:
                    earliest = min(earliest, period.start)
                    break
        if earliest == since:
            return since, bundles
        since = earliest


def net_between(days: dict[date, DayUse], since: date, before: date) -> Decimal | Fraction:
    """Net cost of the days in [since, before) (exact)."""
    return exact_sum(use.net for day, use in days.items() if since <= day < before)


# --- usage lines ------------------------------------------------------------------------


def minutes_text(seconds: int) -> str:
    """'111 min', or '2 min 5 s' for seconds that are not whole minutes."""
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} min" + (f" {rest} s" if rest else "")


def describe(calls: int, seconds: int, free_seconds: int) -> str:
    """What a usage line says instead of a package: 'calls: 4 calls, 111 min, 100 min free'."""
    return f"calls: {calls} call{'' if calls == 1 else 's'}, {minutes_text(seconds)}, {minutes_text(free_seconds)} free"


@dataclass(frozen=True, slots=True)
class UsageLine:
    """One customer's usage line: a day's calls (posted, or due to post), or
    an estimate of days to come (`estimate`, dated on the last of them,
    `period_start` the first). `prepaid`: the amount comes off the balance.

    It is also the row the charge tables write beside its Charge (`charge`):
    `customer`, `package` (what it says instead of one) and an empty `id`."""

    customer_id: int
    customer: str
    date: date
    amount: Decimal
    calls: int
    seconds: int
    free_seconds: int
    prepaid: bool
    estimate: bool = False
    period_start: date | None = None

    id = ""  # no allocation

    @property
    def package(self) -> str:
        if self.estimate:
            days = (self.date - (self.period_start or self.date)).days + 1
            return f"calls: estimate, {days} day{'' if days == 1 else 's'} at the last 30 days' rate"
        return describe(self.calls, self.seconds, self.free_seconds)

    def charge(self) -> Charge:
        return Charge(self.date, USAGE, self.period_start or self.date, self.date, self.calls, self.amount, ZERO, None, self)

    def pair(self) -> tuple["UsageLine", Charge]:
        return self, self.charge()


def usage_line(customer_id: int, customer: str, day: date, use: DayUse, prepaid: bool, precision: int) -> UsageLine:
    amount = round_total(use.net, precision)
    if amount > MAX_LINE:
        raise ValueError(
            f"{customer}'s calls of {day} come to {amount}, more than the largest line a book takes ({MAX_LINE:,})"
        )
    return UsageLine(customer_id, customer, day, amount, use.calls, use.seconds, use.free_seconds, prepaid)


def usage_due(day: date, grace_days: int) -> date:
    """The first run date that posts the usage line of `day`."""
    return day + timedelta(days=grace_days)


def last_usage_day(run_date: date, grace_days: int) -> date:
    """The last day a run for `run_date` posts usage lines of."""
    return run_date - timedelta(days=grace_days)


@dataclass
class CustomerUsage:
    """What a run does with one customer's calls: the lines it posts, those
    it skips (before its floor) and the first day it leaves owed (skipped by
    the run's `since` only; None: none, the mark moves past the last due day)."""

    lines: list[UsageLine]
    skipped: list[UsageLine]
    owed: date | None


def due_lines(
    customer_id: int,
    customer: str,
    prepaid: bool,
    days: dict[date, DayUse],
    mark: date,
    last_day: date,
    posted: Container[date],
    post_from: date | None,
    since: date | None,
    precision: int,
) -> CustomerUsage:
    """The usage lines of the days with calls in [mark, last_day] that are
    not posted: posted unless before the book's post-from date (skipped for
    good) or the run's `since` (skipped, still owed)."""
    found = CustomerUsage([], [], None)
    for day in sorted(days):
        if day < mark or day > last_day or day in posted:
            continue
        line = usage_line(customer_id, customer, day, days[day], prepaid, precision)
        if post_from is not None and day < post_from:
            found.skipped.append(line)
        elif since is not None and day < since:
            found.skipped.append(line)
            if found.owed is None:
                found.owed = day
        else:
            found.lines.append(line)
    return found


# --- projections ------------------------------------------------------------------


def usage_run_rate(days: dict[date, DayUse], today: date) -> Decimal | Fraction:
    """Net cost of calls per day at the pace of the last 30 days (exact)."""
    total = net_between(days, *run_rate_window(today))
    if isinstance(total, Fraction):
        return total / RUN_RATE_DAYS
    return exact_sum((Fraction(total) / RUN_RATE_DAYS,))


def estimate_lines(
    customer_id: int, customer: str, prepaid: bool, rate: Decimal | Fraction, since: date, until: date, precision: int
) -> list[UsageLine]:
    """The estimated usage of the days [since, until] at `rate` a day: a line
    per month, dated on its last day in the range, rounded once."""
    lines = []
    start = since
    while start <= until:
        following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
        end = min(following - ONE_DAY, until)
        days = (end - start).days + 1
        amount = round_total(exact_sum((rate * days,)) if isinstance(rate, Fraction) else rate * days, precision)
        lines.append(UsageLine(customer_id, customer, end, amount, 0, 0, 0, prepaid, True, start))
        start = end + ONE_DAY
    return lines
