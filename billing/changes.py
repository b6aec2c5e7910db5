"""Changing an allocation from a date, and commitments that overlap
(BILLING.md, "Lifecycle rules").

A change from D (an upgrade, a downgrade, a move to another package) ends the
allocation on D - 1 day and starts a successor on D with the new quantity or
package. The two are one chain: the successor keeps the chain's schedule and
first start (minimum days count from it), charges no second setup for the
same package, and with proration both sides of D are prorated. Nothing dated
before D changes: the allocation charges exactly what it would have without
the change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from .accounts import first_allowed_end
from .charges import PackageTerms
from .schedule import effective_match, schedule_dates

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class ChangeFacts:
    """What a change from a date is checked against: the allocation as it is
    and what of it the ledger holds."""

    start: date
    end: date | None
    #: The first start of the chain it belongs to (its own start if it follows none).
    chain_start: date
    prorate: bool
    quantity: int
    package_id: int
    minimum_days: int  # of its package
    #: The latest date of a posted line of it, if any.
    last_posted: date | None = None
    #: The latest period end of a posted setup or recurring line, if any.
    last_posted_period: date | None = None
    #: The date of the allocation that already follows it, if any.
    followed_from: date | None = None


def first_change_date(facts: ChangeFacts, new_package: bool) -> date:
    """The earliest date a change can start from."""
    first = facts.start + ONE_DAY
    if facts.last_posted is not None:
        first = max(first, facts.last_posted + ONE_DAY)
    if facts.prorate and facts.last_posted_period is not None:
        first = max(first, facts.last_posted_period + ONE_DAY)
    if new_package and facts.minimum_days:
        first = max(first, first_allowed_end(facts.chain_start, facts.minimum_days) + ONE_DAY)
    return first


def suggested_change_date(facts: ChangeFacts, package: PackageTerms, new_package: bool, today: date) -> date:
    """The date a form offers for a change: the first charge date of the new
    terms (the chain's schedule) on or after both today and the first date
    allowed, so the old terms end with a whole period; that date itself when
    no charge date falls before the end."""
    first = max(first_change_date(facts, new_package), today)
    anchor = facts.chain_start
    match = effective_match(package.frequency, package.match, anchor)
    charge = next(schedule_dates(package.frequency, match, anchor, first, facts.end), None)
    return charge or first


def change_problem(facts: ChangeFacts, day: date, quantity: int, package_id: int) -> str | None:
    """Why the allocation can't change to `quantity` of `package_id` from
    `day` (None: it can), naming the first date it could."""
    new_package = package_id != facts.package_id
    if quantity == facts.quantity and not new_package:
        return "nothing changes: give another quantity or another package"
    if facts.followed_from is not None:
        return f"it already changes from {facts.followed_from}: change the allocation that follows it instead"
    if day <= facts.start:
        return (
            f"{day} is not after the start date {facts.start}: a change needs a day of the old terms before it "
            "(edit the allocation instead)"
        )
    if facts.end is not None and day > facts.end:
        return f"{day} is after the end date {facts.end}: nothing of the allocation is left to change"
    first = first_change_date(facts, new_package)
    if day >= first:
        return None
    if facts.end is not None and first > facts.end:
        tail = "it can't change any more (it ends on " + facts.end.isoformat() + ")"
    else:
        tail = f"change from {first} or later"
    if facts.last_posted is not None and day <= facts.last_posted:
        return f"charges of it are posted up to {facts.last_posted}: {tail}"
    if facts.prorate and facts.last_posted_period is not None and day <= facts.last_posted_period:
        return f"the period to {facts.last_posted_period} is posted whole (it prorates): {tail}"
    return (
        f"its package has {facts.minimum_days} minimum days from {facts.chain_start}: "
        f"a move to another package can start from {first}"
    )


def overlap(a_start: date, a_end: date | None, b_start: date, b_end: date | None) -> tuple[date, date | None] | None:
    """The days [from, to] (to None: open-ended) two date ranges share, or None."""
    lo = max(a_start, b_start)
    ends = [e for e in (a_end, b_end) if e is not None]
    hi = min(ends) if ends else None
    if hi is not None and hi < lo:
        return None
    return lo, hi


def commitments_warning(start: date, end: date | None, others: list[tuple[str, date, date | None]]) -> str | None:
    """A warning (not a refusal) when a minimum-spend allocation from `start`
    to `end` shares days with others of the same customer: each commitment is
    measured against all of the customer's usage, never split, so the
    customer would owe both. `others` are (what to call it, start, end)."""
    found = []
    for label, other_start, other_end in others:
        shared = overlap(start, end, other_start, other_end)
        if shared is not None:
            lo, hi = shared
            found.append(f"{label} ({lo} to {hi or 'no end'})")
    if not found:
        return None
    return (
        "two minimum-spend commitments over the same days: " + ", ".join(found[:3])
        + (f" and {len(found) - 3} more" if len(found) > 3 else "")
        + ". Each is measured against all of the customer's usage (usage is not split): "
        "for one larger commitment, give one allocation a larger quantity"
    )
