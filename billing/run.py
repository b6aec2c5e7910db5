"""What a billing run posts (BILLING.md, "Posting"), as pure functions.

A run is a plan and its execution. The plan is decided here: given the
allocations a run looks at (each with its *marks*, below), the charges they
make up to the run date, what is posted already and the dates that skip
charges, it says which lines to post, which are skipped, in what order, and
where each allocation's marks move to once the lines are posted. store/ loads
the inputs and writes the result; the preview, the commit and the tests share
this one plan, so they can't disagree.

Marks: each allocation carries two dates, `charges_from` (no setup or
recurring charge dated before it is still owed) and `true_ups_from` (no
minimum-spend true-up settled before it is still owed); None means nothing
more is ever owed. A run only looks at allocations whose marks are due by the
run date, so its cost follows the lines due, not the book's history. A mark
that is too early only costs work (the ledger's unique key still posts each
line once); a mark that is too late would lose money, so marks only move past
lines that are posted, skipped for good (before the book's "post charges
from" date) or are nothing to charge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Callable, Container, Iterable, Iterator

from .charges import KINDS, AllocationTerms, Charge, PackageTerms, allocation_charges
from .minimum import SpendPeriod, spend_periods

ZERO = Decimal(0)
ONE_DAY = timedelta(days=1)
#: Skipped lines a plan keeps to show (it counts them all).
SKIPPED_KEPT = 1000


def nothing(charge: Charge) -> bool:
    """A line of nothing: 0.00 with no cost (a true-up whose usage covered the
    commitment, a minimum-spend charge date without cost). Never listed as a
    charge, never posted; projections still show a true-up falling to 0.00."""
    return not (charge.amount or charge.cost)


def chargeable(charge: Charge) -> bool:
    return bool(charge.amount or charge.cost)


def chargeable_lines(charges: Iterable[Charge]) -> list[Charge]:
    """The lines of `charges` that are not lines of nothing (see `nothing`),
    by index rather than by name: a year of a large book is millions."""
    return [c for c in charges if c[5] or c[6]]  # amount, cost


_ASCII_FOLD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def customer_key(name: str) -> str:
    """How customers are ordered: by name, A-Z folded to a-z (as SQLite's
    NOCASE does, so the book can give the same order from its index)."""
    return name.translate(_ASCII_FOLD)


#: Where a customer's usage line (billing.usage_lines) falls among its lines of a date: after them.
_AFTER_ALLOCATIONS = 1 << 62


def run_order(customer: str, allocation_id: int | None, charge: Charge) -> tuple:
    """The order a run lists and posts its lines in, and `charges` writes
    them: date, customer (customer_key), allocation, then setup, recurring,
    true-up; a customer's usage line of the date after its allocations'."""
    kind = charge.kind
    if kind not in KINDS:  # a usage line: no allocation
        return (charge.date, customer_key(customer), _AFTER_ALLOCATIONS, 0)
    return (charge.date, customer_key(customer), allocation_id or 0, KINDS.index(kind))


def ledger_key(allocation_id: int, charge: Charge) -> tuple[int, str, date]:
    """What the ledger holds once per posted line."""
    return (allocation_id, charge.kind, charge.date)


def true_up_due(settles_on: date, grace_days: int) -> date:
    """The first run date that posts a true-up settled on `settles_on`: usage
    may reach the book `grace_days` late."""
    return settles_on + timedelta(days=grace_days)


def last_settle_date(run_date: date, grace_days: int) -> date:
    """The latest settle date a run for `run_date` posts true-ups of."""
    return run_date - timedelta(days=grace_days)


@dataclass(frozen=True, slots=True)
class Candidate:
    """One allocation as a run sees it. `ref` is the caller's own row, handed
    back with each line; `customer` orders the lines."""

    ref: Any
    customer: str
    package: PackageTerms
    allocation: AllocationTerms
    charges_from: date | None
    true_ups_from: date | None

    @property
    def id(self) -> int | None:
        return self.allocation.id


def charges_due(candidate: Candidate, run_date: date, precision: int) -> Iterator[Charge]:
    """Setup and recurring lines dated in [charges_from, run_date]."""
    since = candidate.charges_from
    if since is None or since > run_date:
        return iter(())
    return allocation_charges(candidate.package, candidate.allocation, since, run_date, precision)


def periods_listed(candidate: Candidate, run_date: date) -> Iterator[SpendPeriod]:
    """Commitment periods settled in [true_ups_from, run_date]: those a run
    posts (see `periods_due`) and those it lists as pending (held back by
    the grace days, or not ended yet: `RunPlan.pending`)."""
    return periods_due(candidate, run_date, 0)


def periods_due(candidate: Candidate, run_date: date, grace_days: int) -> Iterator[SpendPeriod]:
    """Commitment periods settled in [true_ups_from, run_date - grace]."""
    since = candidate.true_ups_from
    until = last_settle_date(run_date, grace_days)
    if since is None or since > until or not candidate.package.minimum_spend:
        return iter(())
    return spend_periods(candidate.package, candidate.allocation, since, until)


@dataclass
class RunPlan:
    """What a run for `run_date` would post, and what it skips (before `since`)."""

    run_date: date
    since: date | None
    lines: list[tuple[Any, Charge]] = field(default_factory=list)
    skipped: list[tuple[Any, Charge]] = field(default_factory=list)  # the first SKIPPED_KEPT
    skipped_count: int = 0
    #: allocation id -> (charges_from, true_ups_from) once the lines are posted
    marks: dict[int, tuple[date | None, date | None]] = field(default_factory=dict)
    #: allocation id -> the version its marks were worked out for
    versions: dict[int, int] = field(default_factory=dict)
    #: True-ups listed but not posted by this run, each with the first run
    #: date that posts it: held back by the book's usage grace days, or of a
    #: period not ended by today (an estimate, basis.estimate).
    pending: list[tuple[Any, Charge, date]] = field(default_factory=list)
    #: Usage lines (billing.usage_lines) the run posts after the lines, as
    #: (UsageLine, its Charge) in run order: empty while usage billing is off.
    usage: list[tuple[Any, Charge]] = field(default_factory=list)
    #: customer id -> (first day left owed or None, the mark's seq when planned).
    usage_marks: dict[int, tuple[date | None, int]] = field(default_factory=dict)
    #: The last day the usage lines cover: the run date less the usage grace days.
    usage_through: date | None = None

    def totals(self) -> tuple[Decimal, Decimal]:
        """Retail and cost of everything the run posts: lines and usage lines."""
        retail = sum((c.amount for _, c in self.lines), ZERO) + sum((c.amount for _, c in self.usage), ZERO)
        cost = sum((c.cost for _, c in self.lines), ZERO)
        return retail, cost

    def posted_count(self) -> int:
        """How many lines (usage lines too) the run posts."""
        return len(self.lines) + len(self.usage)


class PlanBuilder:
    """Files each candidate's lines into a plan, one allocation at a time.

    `floor` is the later of the run's `since` and the book's post-from date:
    lines before it are skipped. Lines before `post_from` are skipped for good
    (marks move past them); lines skipped only by this run's `since` stay
    owed (marks stay before them).
    """

    def __init__(self, run_date: date, since: date | None, post_from: date | None, grace_days: int, precision: int):
        self.run_date = run_date
        self.post_from = post_from
        self.floor = max((d for d in (since, post_from) if d is not None), default=None)
        self.grace_days = grace_days
        self.precision = precision
        self.plan = RunPlan(run_date, self.floor)

    def _file(self, candidate: Candidate, charge: Charge, posted: Container) -> date | None:
        """File one line; the date it leaves owed (skipped by `since` only), if any."""
        if nothing(charge) or ledger_key(candidate.id, charge) in posted:
            return None
        floor = self.floor
        if floor is not None and charge.date < floor:
            plan = self.plan
            plan.skipped_count += 1
            if len(plan.skipped) < SKIPPED_KEPT:
                plan.skipped.append((candidate.ref, charge))
            if self.post_from is None or charge.date >= self.post_from:
                return charge.date
            return None
        self.plan.lines.append((candidate.ref, charge))
        return None

    def add(
        self,
        candidate: Candidate,
        true_ups: Iterable[Charge],
        posted: Container,
        version: int | None = None,
    ) -> None:
        """File the candidate's lines due by the run date and work out its marks.

        `true_ups` are its true-ups of the periods `periods_due` gave (usage is
        the caller's to sum); `posted` holds the ledger keys already posted."""
        owed_charge: date | None = None
        for charge in charges_due(candidate, self.run_date, self.precision):
            left = self._file(candidate, charge, posted)
            if left is not None and owed_charge is None:
                owed_charge = left
        owed_true_up: date | None = None
        last_settle = last_settle_date(self.run_date, self.grace_days)
        for charge in true_ups:
            estimate = getattr(charge.basis, "estimate", False)
            if estimate or charge.date > last_settle:
                # Not posted by this run: listed with the date it is due from.
                if ledger_key(candidate.id, charge) in posted:
                    continue
                if estimate and charge.date <= last_settle and owed_true_up is None:
                    owed_true_up = charge.date  # not settled yet: the marks wait before it
                if not nothing(charge) and (self.floor is None or charge.date >= self.floor):
                    self.plan.pending.append((candidate.ref, charge, true_up_due(charge.date, self.grace_days)))
                continue
            left = self._file(candidate, charge, posted)
            if left is not None and owed_true_up is None:
                owed_true_up = left
        if candidate.id is None:
            return
        charges_from = candidate.charges_from
        if charges_from is not None and charges_from <= self.run_date:
            charges_from = owed_charge or next_charge_after(candidate, self.run_date, self.precision)
        true_ups_from = candidate.true_ups_from
        if candidate.package.minimum_spend:
            if true_ups_from is not None and true_ups_from <= last_settle_date(self.run_date, self.grace_days):
                true_ups_from = owed_true_up or next_settle_after(candidate, last_settle_date(self.run_date, self.grace_days))
        else:
            true_ups_from = None
        if (charges_from, true_ups_from) != (candidate.charges_from, candidate.true_ups_from):
            self.plan.marks[candidate.id] = (charges_from, true_ups_from)
            if version is not None:
                self.plan.versions[candidate.id] = version

    def finish(self) -> RunPlan:
        plan = self.plan
        key: Callable = lambda pair: run_order(_customer(pair[0]), _allocation_id(pair[0], pair[1]), pair[1])  # noqa: E731
        plan.lines.sort(key=key)
        plan.skipped.sort(key=key)
        plan.pending.sort(key=lambda item: key(item[:2]))
        return plan


def _customer(ref) -> str:
    return getattr(ref, "customer", "") or ""


def _allocation_id(ref, charge: Charge) -> int:
    found = getattr(ref, "id", None)
    return found if found is not None else (charge.allocation or 0)


def next_charge_after(candidate: Candidate, day: date, precision: int) -> date | None:
    """The first setup or recurring charge date after `day` (None: none ever)."""
    following = next(allocation_charges(candidate.package, candidate.allocation, day + ONE_DAY, None, precision), None)
    return following.date if following is not None else None


def next_settle_after(candidate: Candidate, day: date) -> date | None:
    """The first true-up settle date after `day` (None: none ever)."""
    period = next(spend_periods(candidate.package, candidate.allocation, day + ONE_DAY, None), None)
    return period.end if period is not None else None


def first_marks(package: PackageTerms, allocation: AllocationTerms) -> tuple[date, date | None]:
    """The marks of an allocation nothing was posted for yet."""
    return allocation.start, (allocation.start if package.minimum_spend else None)


def rebuilt_marks(
    candidate: Candidate,
    posted: Container,
    post_from: date | None,
    last_run: date,
    grace_days: int,
    precision: int,
    true_ups: Callable[[Iterable[SpendPeriod]], Iterable[Charge]],
) -> tuple[date | None, date | None]:
    """The marks an allocation would have from the ledger alone, as of a run on
    `last_run`: the first line up to it that is owed (not posted, not nothing,
    not before post-from), else the first date after it."""
    charges_from: date | None = None
    for charge in allocation_charges(candidate.package, candidate.allocation, candidate.allocation.start, last_run, precision):
        if _owed(candidate, charge, posted, post_from):
            charges_from = charge.date
            break
    if charges_from is None:
        charges_from = next_charge_after(candidate, last_run, precision)
    if not candidate.package.minimum_spend:
        return charges_from, None
    until = last_settle_date(last_run, grace_days)
    periods = spend_periods(candidate.package, candidate.allocation, None, until)
    true_ups_from: date | None = None
    for charge in true_ups(periods):
        if _owed(candidate, charge, posted, post_from):
            true_ups_from = charge.date
            break
    if true_ups_from is None:
        true_ups_from = next_settle_after(candidate, until)
    return charges_from, true_ups_from


def _owed(candidate: Candidate, charge: Charge, posted: Container, post_from: date | None) -> bool:
    if nothing(charge) or ledger_key(candidate.id, charge) in posted:
        return False
    return post_from is None or charge.date >= post_from
