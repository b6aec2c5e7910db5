"""A customer's free-minutes bundles as the screens show them: the minutes
used and left this period (the customer screen) and which calls of a page
the bundles cover (the calls screen). The book is read through store/, the
minutes are counted by billing.minutes; these run in the screens' workers.

Bundles whose destinations overlap share calls: a call goes to the one with
the longest matching prefix and spills to the next. So calls are read from
where every period holding the first day wanted starts, as the billing run
reads them (billing.usage_lines.reading_start).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from itertools import islice
from typing import Callable, Iterable

from billing.minutes import Bundle, BundleIndex, BundleLeft, Draw, apply, bundle_for, bundle_summary
from billing.net_cost import net_cost
from billing.package_kind import FREE_MINUTES
from billing.schedule import Frequency
from billing.usage_lines import reading_start
from store.calls import CallRow, iter_calls
from store.packages import get_package
from store.scan import AllocationRow, iter_allocations

#: Calls handed to the rules at a time (the rest stay in the book until then).
BATCH = 20_000

#: How a period of each frequency is said: "100 min a month".
PER_PERIOD = {
    Frequency.DAILY: "a day",
    Frequency.WEEKLY: "a week",
    Frequency.MONTHLY: "a month",
    Frequency.YEARLY: "a year",
}

#: Country calling codes (E.164: no code is the start of another), for
#: naming a prefix: ^44 (UK), ^447 (UK).
COUNTRIES = {
    "1": "US/Canada", "7": "Russia", "20": "Egypt", "27": "South Africa", "30": "Greece", "31": "Netherlands",
    "32": "Belgium", "33": "France", "34": "Spain", "36": "Hungary", "39": "Italy", "40": "Romania",
    "41": "Switzerland", "43": "Austria", "44": "UK", "45": "Denmark", "46": "Sweden", "47": "Norway",
    "48": "Poland", "49": "Germany", "51": "Peru", "52": "Mexico", "53": "Cuba", "54": "Argentina",
    "55": "Brazil", "56": "Chile", "57": "Colombia", "58": "Venezuela", "60": "Malaysia", "61": "Australia",
    "62": "Indonesia", "63": "Philippines", "64": "New Zealand", "65": "Singapore", "66": "Thailand",
    "81": "Japan", "82": "South Korea", "84": "Vietnam", "86": "China", "90": "Turkey", "91": "India",
    "92": "Pakistan", "94": "Sri Lanka", "98": "Iran", "212": "Morocco", "213": "Algeria", "216": "Tunisia",
    "233": "Ghana", "234": "Nigeria", "251": "Ethiopia", "254": "Kenya", "255": "Tanzania", "256": "Uganda",
    "351": "Portugal", "352": "Luxembourg", "353": "Ireland", "354": "Iceland", "356": "Malta", "357": "Cyprus",
    "358": "Finland", "359": "Bulgaria", "370": "Lithuania", "371": "Latvia", "372": "Estonia",
    "380": "Ukraine", "381": "Serbia", "385": "Croatia", "386": "Slovenia", "420": "Czechia",
    "421": "Slovakia", "506": "Costa Rica", "507": "Panama", "591": "Bolivia", "593": "Ecuador",
    "595": "Paraguay", "598": "Uruguay", "852": "Hong Kong", "855": "Cambodia", "880": "Bangladesh",
    "886": "Taiwan", "961": "Lebanon", "962": "Jordan", "965": "Kuwait", "966": "Saudi Arabia",
    "971": "UAE", "972": "Israel", "974": "Qatar",
}


# --- words ------------------------------------------------------------------------


def country_of(prefix: str) -> str | None:
    """The country a prefix dials (its country code is its start), or None."""
    for length in (1, 2, 3):
        found = COUNTRIES.get(prefix[:length])
        if found and len(prefix) >= length:
            return found
    return None


def named_prefix(prefix: str) -> str:
    """'^44 (UK)', or '^4' where no one country has it."""
    country = country_of(prefix)
    return f"^{prefix} ({country})" if country else f"^{prefix}"


def named_prefixes(prefixes: Iterable[str], shown: int = 3) -> str:
    """'^44 (UK), ^91 (India) and 2 more'."""
    prefixes = list(prefixes)
    text = ", ".join(named_prefix(p) for p in prefixes[:shown])
    if len(prefixes) > shown:
        text += f" and {len(prefixes) - shown} more"
    return text


def per_period(frequency: Frequency) -> str | None:
    """'a month', or None for a package that never recurs (its bundle has no periods)."""
    return PER_PERIOD.get(frequency)


def duration(seconds: int) -> str:
    """A call's length as m:ss (minutes past 59 stay minutes: 75:03)."""
    return f"{seconds // 60}:{seconds % 60:02d}"


def left_text(left: BundleLeft) -> str:
    """'40 used, 60 left to 12-24' (the period's last day)."""
    last = left.period_end - timedelta(days=1)
    return f"{left.used_minutes:,} used, {left.left_minutes:,} left to {last:%m-%d}"


# --- a customer's bundles ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BundleAllocation:
    """One allocation of a free-minutes package, with what its package gives."""

    allocation: AllocationRow
    prefixes: tuple[str, ...]
    #: The package's minutes per unit per period (the allocation may have its own).
    package_minutes: int


def bundle_allocations(customer_id: int) -> list[BundleAllocation]:
    """The customer's allocations of free-minutes packages, by id."""
    packages: dict = {}
    found = []
    for row in iter_allocations(customer_id):
        if row.package_id not in packages:
            packages[row.package_id] = get_package(row.package_id)
        package = packages[row.package_id]
        if package is not None and package.type == FREE_MINUTES:
            found.append(BundleAllocation(row, package.destinations, package.free_minutes))
    return found


def bundles(found: list[BundleAllocation], since: date, until: date) -> list[Bundle]:
    """Each allocation's Bundle for calls dated in [since, until]."""
    return [
        bundle_for(b.allocation.package_terms, b.allocation.terms(), b.prefixes, b.package_minutes, since, until,
                   b.allocation.free_minutes)
        for b in found
    ]


def reading_from(found: list[BundleAllocation], day: date, until: date) -> tuple[date, list[Bundle]]:
    """The first day whose calls count for the bundles' use on the days
    [day, until], and the bundles for calls from that day on."""
    return reading_start(day, lambda since: bundles(found, since, until))


def _batches(calls: Iterable[CallRow]) -> Iterable[list[CallRow]]:
    it = iter(calls)
    while batch := list(islice(it, BATCH)):
        yield batch


def minutes_left(
    customer_id: int, today: date, stop: Callable[[], bool] = lambda: False
) -> list[tuple[BundleAllocation, BundleLeft]] | None:
    """Each of the customer's bundles with a period holding `today` (ended
    and not yet started ones are left out), by allocation id, and its
    minutes used and left in that period. None when `stop()` said to stop."""
    found = bundle_allocations(customer_id)
    if not found:
        return []
    since, built = reading_from(found, today, today)
    end = max([p.end for b in built for p in b.periods] + [today + timedelta(days=1)])
    index = BundleIndex(built)
    used: dict = {}
    for batch in _batches(iter_calls(customer_id, since, end)):
        if stop():
            return None
        used = apply(batch, index, used).used
    of = {b.allocation.id: b for b in found}
    return [(of[left.allocation_id], left) for left in bundle_summary(built, used, today)]


@dataclass(frozen=True, slots=True)
class Cover:
    """What the bundles did to one call: seconds covered, its net cost, and
    the seconds each allocation gave."""

    covered: int
    net: Decimal | Fraction
    draws: tuple[Draw, ...] = ()

    def mark(self, seconds: int) -> str:
        """'free' (covered in full), 'part', or '' (not covered)."""
        if self.covered <= 0:
            return ""
        return "free" if self.covered >= seconds else "part"


def coverage(
    customer_id: int, calls: list[CallRow], found: list[BundleAllocation] | None = None,
    stop: Callable[[], bool] = lambda: False,
) -> dict[int, Cover] | None:
    """Call id -> Cover of each of `calls` (one customer's): the customer's
    bundles applied to every call of theirs from the start of the periods
    the calls fall in up to the newest of them. None when `stop()` said to stop."""
    if not calls:
        return {}
    found = bundle_allocations(customer_id) if found is None else found
    if not found:
        return {c.id: Cover(0, c.cost) for c in calls}
    oldest = min(c.start for c in calls).date()
    newest = max(c.start for c in calls)
    since, built = reading_from(found, oldest, newest.date())
    index = BundleIndex(built)
    wanted = {c.id for c in calls}
    covered: dict[int, int] = {}
    draws: dict[int, tuple[Draw, ...]] = {}
    used: dict = {}
    until = newest.replace(microsecond=0) + timedelta(seconds=1)
    for batch in _batches(iter_calls(customer_id, since, until)):
        if stop():
            return None
        applied = apply(batch, index, used)
        used = applied.used
        for call_id, seconds in applied.covered.items():
            if call_id in wanted:
                covered[call_id] = seconds
                draws[call_id] = applied.draws[call_id]
    return {c.id: Cover(covered.get(c.id, 0), net_cost(c, covered.get(c.id, 0)), draws.get(c.id, ())) for c in calls}
