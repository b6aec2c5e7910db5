"""Free-minutes bundles: how calls use their minutes up (the destinations a
bundle covers are billing.destinations').

The rules, pure like the rest of billing/ (the caller reads calls and
allocations from the book and hands them in):

- Each allocation of a bundle package is a `Bundle`: its prefixes, the free
  seconds each period holds (minutes per unit, the package's or the
  allocation's own, x quantity x 60) and its periods, [start, end) by date:
  the periods of the package's schedule, as a minimum-spend commitment has
  them (`bundle_periods`, `bundle_for`). Outside them (before the
  allocation's start, after its end) nothing is covered; a package that
  never recurs has no periods. Minutes are not prorated.
- `apply(calls, bundles, used)` takes the calls in order of start (ties: id).
  A call draws on the bundles with a prefix its destination starts with and a
  period holding its day (`start.date()`, the book's time zone): first the one
  with the longest matching prefix (then the lowest allocation id), and when
  that one is empty the rest of the call on the next. Unused seconds lapse at
  a period's end. `used` carries seconds already used, so a period can be
  continued batch by batch; `Applied.used` is what to pass to the next batch.
- A call's net cost (`net_cost`) is its cost x uncovered seconds / seconds:
  nothing when wholly covered, its cost when not covered (a call of 0 seconds
  covers nothing) and an exact Fraction when covered in part.
- Net costs are summed exactly (billing.net_cost: `net_by_day`, `net_spend`) and rounded once,
  half up, at the book's precision where a total is shown or posted
  (`round_total`, `daily_lines`: a customer's usage line a day).
- `bundle_summary` says, for each bundle, the seconds and minutes used and
  left in the period holding a day.

A customer without bundles costs one pass over the calls; calls already in
order (as the book reads them) are not sorted.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from operator import attrgetter
from typing import NamedTuple

from .destinations import (  # noqa: F401 - where callers found them first
    MAX_PREFIXES, format_destinations, matching_prefix, normalise_number, parse_destinations,
)
from .charges import AllocationTerms, PackageTerms
from .minimum import SpendPeriod, spend_periods
from .schedule import ONE_DAY

ZERO = Decimal(0)
_NO_USE: dict = {}
#: How many destination heads a BundleIndex remembers before it starts over.
_MAX_HEADS = 1 << 16


# --- Using the minutes up -------------------------------------------------


@dataclass(frozen=True, slots=True)
class Call:
    """One call of a customer. `id` tells calls apart and orders calls that
    start together (the switch's id, text, or a number: one kind per batch);
    `start` is in the book's time zone (its date is the call's day);
    `destination` is digits (see normalise_number); `cost` is what the call
    costs before any free minutes."""

    id: int | str
    start: datetime
    destination: str
    seconds: int
    cost: Decimal


@dataclass(frozen=True, slots=True)
class Bundle:
    """One allocation of a free-minutes package, as the rules need it.

    `free_seconds` is what each period holds (minutes x quantity x 60);
    `periods` are its schedule periods, ascending and not overlapping, each
    with `start` and `end` dates, [start, end) (SpendPeriod or anything alike).
    Dates outside every period are outside the allocation: covered by nothing.
    """

    allocation_id: int
    prefixes: tuple[str, ...]
    free_seconds: int
    periods: tuple = ()


class Draw(NamedTuple):
    """Seconds one call took from one period of one bundle."""

    allocation_id: int
    period_start: date
    seconds: int


@dataclass(frozen=True, slots=True)
class Applied:
    """What bundles did to a batch of calls.

    `calls`: the batch, as given;
    `covered`: call id -> free seconds (calls that drew nothing are absent);
    `draws`: call id -> the Draws it took, in the order it took them;
    `used`: (allocation id, period start) -> seconds used, the `used` passed
    in plus this batch's draws (pass it to the next batch to carry on).
    """

    calls: tuple[Call, ...]
    covered: dict[int | str, int]
    draws: dict[int | str, tuple[Draw, ...]]
    used: dict[tuple[int, date], int]

    def net(self, call: Call) -> Decimal | Fraction:
        """The call's cost once its free seconds are taken off (exact)."""
        from .net_cost import net_cost

        return net_cost(call, self.covered.get(call.id, 0))


def free_seconds(minutes: int | Decimal, quantity: int) -> int:
    """Seconds one period holds: minutes per unit x quantity x 60 (whole seconds)."""
    if minutes < 0 or quantity < 0:
        raise ValueError("free minutes and quantity can't be negative")
    seconds = minutes * quantity * 60
    if seconds != int(seconds):
        raise ValueError(f"{minutes} minutes x {quantity} is not a whole number of seconds")
    return int(seconds)


def bundle_periods(
    package: PackageTerms, allocation: AllocationTerms, since: date, until: date
) -> tuple[SpendPeriod, ...]:
    """The schedule periods of a bundle allocation that hold a date in
    [since, until]: the minimum-spend periods of the same schedule (the first
    from the allocation's start, the last cut by its end). Minutes are not
    prorated, so a successor's first part-period holds its minutes too."""
    if until < since:
        return ()
    terms = replace(package, minimum_spend=True)
    # prorate=True: spend_periods then keeps a successor's first part-period.
    terms_of_allocation = replace(allocation, prorate=True)
    found = []
    for period in spend_periods(terms, terms_of_allocation, since + ONE_DAY, None):
        if period.start > until:
            break
        found.append(period)
    return tuple(found)


def bundle_for(
    package: PackageTerms,
    allocation: AllocationTerms,
    prefixes: tuple[str, ...],
    minutes: int,
    since: date,
    until: date,
    own_minutes: int | None = None,
) -> Bundle:
    """The Bundle of one allocation for calls dated in [since, until]: the
    package's `minutes` per unit, or the allocation's `own_minutes` when it
    has them."""
    if allocation.id is None:
        raise ValueError("a bundle needs its allocation's id")
    per_unit = minutes if own_minutes is None else own_minutes
    return Bundle(
        allocation.id,
        tuple(prefixes),
        free_seconds(per_unit, allocation.quantity),
        bundle_periods(package, allocation, since, until),
    )


class _Periods:
    """One bundle's periods, looked up by day."""

    __slots__ = ("bundle", "free", "starts", "ends")

    def __init__(self, bundle: Bundle):
        self.bundle = bundle
        self.free = bundle.free_seconds
        self.starts = [p.start for p in bundle.periods]
        self.ends = [p.end for p in bundle.periods]
        for i in range(1, len(self.starts)):
            if self.starts[i] < self.ends[i - 1]:
                raise ValueError(f"bundle {bundle.allocation_id}: periods overlap or are out of order")

    def key(self, day: date) -> tuple[int, date] | None:
        """(allocation id, period start) of the period holding `day`, or None."""
        i = bisect_right(self.starts, day) - 1
        if i < 0 or day >= self.ends[i]:
            return None
        return (self.bundle.allocation_id, self.starts[i])


class BundleIndex:
    """A customer's bundles ready to match calls: for each prefix any of them
    names, the bundles a destination whose longest named prefix is that one
    draws on, in order (longest matching prefix first, then lowest
    allocation id). Build it once per customer and reuse it."""

    def __init__(self, bundles=()):
        bundles = sorted(bundles, key=lambda b: b.allocation_id)
        ids = [b.allocation_id for b in bundles]
        if len(set(ids)) != len(ids):
            raise ValueError("each bundle is one allocation: allocation ids repeat")
        self.bundles = tuple(bundles)
        lookups = {b.allocation_id: _Periods(b) for b in bundles}
        named: dict[str, list[Bundle]] = {}
        for b in bundles:
            for prefix in b.prefixes:
                named.setdefault(prefix, []).append(b)
        self.chains: dict[str, tuple[_Periods, ...]] = {}
        for prefix in named:
            # Every named prefix of `prefix` (itself included) matches too;
            # a bundle ranks by the longest of its prefixes that matches.
            ranked: dict[int, tuple[int, int]] = {}
            for length in range(len(prefix), -1, -1):
                for b in named.get(prefix[:length], ()):
                    ranked.setdefault(b.allocation_id, (-length, b.allocation_id))
            self.chains[prefix] = tuple(lookups[i] for i in sorted(ranked, key=ranked.__getitem__))
        self.lengths = tuple(sorted({len(p) for p in named}, reverse=True))
        self.longest = self.lengths[0] if self.lengths else 0
        # A destination's first `longest` digits -> its longest named prefix
        # (None: no bundle matches), filled as calls come.
        self._heads: dict[str, str | None] = {}

    def prefix_of(self, destination: str) -> str | None:
        """The longest prefix any bundle names that `destination` starts with."""
        head = destination[: self.longest]
        heads = self._heads
        if head in heads:
            return heads[head]
        found = None
        for length in self.lengths:
            if head[:length] in self.chains:
                found = head[:length]
                break
        if len(heads) >= _MAX_HEADS:
            heads.clear()
        heads[head] = found
        return found

    def __bool__(self) -> bool:
        return bool(self.chains)

    def matching(self, destination: str) -> tuple[Bundle, ...]:
        """The bundles a call to `destination` draws on, in order."""
        prefix = self.prefix_of(destination)
        return () if prefix is None else tuple(p.bundle for p in self.chains[prefix])


_START, _ID = attrgetter("start"), attrgetter("id")


def apply(calls, bundles, used: dict[tuple[int, date], int] | None = None) -> Applied:
    """Use a customer's bundles (Bundles or a BundleIndex) up with `calls`,
    in order of start (ties: id), each call drawing on its matching bundles
    in turn until it is covered or they are empty. `used` is what earlier
    batches took (Applied.used); it is not changed. Calls already in order
    (as the book reads them) are not sorted."""
    index = bundles if isinstance(bundles, BundleIndex) else BundleIndex(bundles)
    calls = tuple(calls)
    if not index:  # no bundles: every call costs its cost
        return Applied(calls, {}, {}, dict(used or _NO_USE))
    found = _draw(calls, index, used, check=True)
    if found is None:  # out of order: sort (stable, so ties stay in order of id) and start again
        ordered = sorted(calls, key=_ID)
        ordered.sort(key=_START)
        found = _draw(ordered, index, used, check=False)
    return Applied(calls, *found)


def _draw(ordered, index: BundleIndex, used, check: bool):
    """(covered, draws, used) for calls in order of (start, id); with
    `check`, None as soon as a call that draws comes before the last one
    that did (only their order matters)."""
    used = dict(used or _NO_USE)
    covered: dict[int | str, int] = {}
    draws: dict[int | str, tuple[Draw, ...]] = {}
    chains, longest, heads, prefix_of = index.chains, index.longest, index._heads, index.prefix_of
    make = tuple.__new__
    day = last = None
    plans: dict[str, tuple] = {}  # chain prefix -> ((key, free), ...) of its bundles' periods on `day`
    for call in ordered:
        seconds = call.seconds
        if seconds <= 0:
            continue
        head = call.destination[:longest]
        prefix = heads[head] if head in heads else prefix_of(head)
        if prefix is None:
            continue
        start = call.start
        if check:
            if last is not None and (start < last.start or (start == last.start and call.id < last.id)):
                return None
            last = call
        when = start.date()
        if when != day:
            day, plans = when, {}
        plan = plans.get(prefix)
        if plan is None:
            keys = ((p.key(day), p.free) for p in chains[prefix])
            plan = plans[prefix] = tuple(k for k in keys if k[0] is not None)
        need = seconds
        taken = None
        for key, free in plan:
            spent = used.get(key, 0)
            if spent >= free:
                continue
            take = free - spent
            if need < take:
                take = need
            used[key] = spent + take
            draw = make(Draw, (key[0], key[1], take))
            taken = (draw,) if taken is None else taken + (draw,)
            need -= take
            if not need:
                break
        if taken is not None:
            covered[call.id] = seconds - need
            draws[call.id] = taken
    return covered, draws, used


@dataclass(frozen=True, slots=True)
class BundleLeft:
    """One bundle's current period: what it holds, what calls used."""

    allocation_id: int
    period_start: date
    period_end: date  # exclusive
    free_seconds: int
    used_seconds: int

    @property
    def left_seconds(self) -> int:
        return max(0, self.free_seconds - self.used_seconds)

    @property
    def used_minutes(self) -> int:
        """Whole minutes used: a minute begun counts as used."""
        return -(-min(self.used_seconds, self.free_seconds) // 60)

    @property
    def left_minutes(self) -> int:
        """Whole minutes left (used_minutes + left_minutes = the period's minutes)."""
        return self.left_seconds // 60


def bundle_summary(bundles, used: dict[tuple[int, date], int], day: date) -> list[BundleLeft]:
    """For each bundle with a period holding `day`: that period's seconds and
    minutes used and left, by allocation id. `used` is Applied.used."""
    found = []
    for bundle in sorted(bundles, key=lambda b: b.allocation_id):
        for period in bundle.periods:
            if period.start <= day < period.end:
                spent = used.get((bundle.allocation_id, period.start), 0)
                found.append(BundleLeft(bundle.allocation_id, period.start, period.end, bundle.free_seconds, spent))
                break
    return found
