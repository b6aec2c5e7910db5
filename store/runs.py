"""The billing run in the book: load what is due, ask billing.run for the
plan, post it exactly once, move the run marks.

Exactly once rests on the database, not on care: a UNIQUE key on
(allocation, kind, date) and `INSERT ... ON CONFLICT DO NOTHING` inside
IMMEDIATE transactions, so a second run, or two runs at once, post nothing
twice. Each batch is one transaction: a run killed part way leaves whole
batches or nothing, and the rerun posts the rest. The marks move only after
the lines they pass are in the ledger, so a killed run leaves them behind,
never ahead.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Callable, Iterable

from billing.charges import KINDS, Charge, price_day
from billing.money import to_micros
from billing.run import Candidate, PlanBuilder, RunPlan, periods_listed, rebuilt_marks

from . import chain, marks, settings, usage_lines
from .dialect import insert_id, lock_ledger, values_table
from .posting import LEDGER, insert_chained, insert_sql, move_balances
from .run_log import RunRow, close_interrupted, list_runs
from .book import PRAGMAS, current_user
from .charges import true_ups_for
from .errors import RunRefused
from .models import database
from .scan import AllocationRow, RowCache, iter_raw, marks_of, rows_by_ids
from .sql import as_date, iso

BATCH = 5000
#: Allocations planned per round trip (rows, ledger keys and usage).
PLAN_CHUNK = 5000
ZERO = Decimal(0)

__all__ = ["RunPlan", "RunResult", "RunRefused", "RunRow", "commit_run", "list_runs", "plan_run", "post_from", "set_post_from"]


@dataclass
class RunResult:
    run_id: int | None
    posted: int
    already: int
    retail: Decimal
    cost: Decimal
    posted_lines: list[tuple[AllocationRow, Charge]] = field(default_factory=list)
    #: The ledger's head after the run: keep it (a cron log) for `check --head`.
    head: str = ""
    #: Earlier runs this one found interrupted (their process gone, unfinished).
    interrupted: list[RunRow] = field(default_factory=list)


def post_from() -> date | None:
    """The book's "post charges from" date: nothing dated earlier is ever posted."""
    return settings.load().post_from


def set_post_from(day: date | None) -> None:
    """Set (or clear) the post-from date. Moving it earlier makes lines owed
    that were skipped for good, so every allocation's marks move back."""
    settings.update(post_from=day)


def _candidates(rows: list[AllocationRow], raw: list[tuple], from_start: bool = False) -> list[tuple[Candidate, int]]:
    out = []
    for row, r in zip(rows, raw):
        m = marks_of(r)
        charges_from, true_ups_from = (row.start, row.start) if from_start else (m.charges_from, m.true_ups_from)
        out.append((Candidate(row, row.customer, row.package_terms, row.terms(), charges_from, true_ups_from), m.seq))
    return out


def _posted_keys(candidates: list[Candidate], until: date) -> set[tuple[int, str, date]]:
    """Ledger keys of these allocations dated from each one's earliest mark to
    `until`: seeks in the unique index, never an allocation's whole history
    unless its marks are back at its start."""
    marks_low = []
    for c in candidates:
        lows = [d for d in (c.charges_from, c.true_ups_from) if d is not None]
        if lows and min(lows) <= until:
            marks_low.append((c.id, iso(min(lows))))
    if not marks_low:
        return set()
    table, params = values_table(["bigint", "date"], marks_low)
    kinds = ",".join(f"'{k}'" for k in KINDS)
    rows = database.execute_sql(
        f"WITH m(id, low) AS ({table}) SELECT l.allocation_id, l.kind, l.date FROM m "
        f"JOIN ledger l ON l.allocation_id = m.id AND l.kind IN ({kinds}) AND l.date >= m.low AND l.date <= ?",
        [*params, iso(until)],
    ).fetchall()
    return {(a, k, as_date(d)) for a, k, d in rows}


def _true_ups(planned: list[tuple[Candidate, int]], run_date: date, precision: int, today: date) -> dict:
    """allocation id -> its true-ups settled by the run date: those the run
    posts, those the grace days hold back and estimates of periods not ended
    by today (the plan lists the last two as pending, never posts them)."""
    wanted = []
    for candidate, _seq in planned:
        for period in periods_listed(candidate, run_date):
            wanted.append((candidate.ref, period))
    found: dict[int, list[Charge]] = {}
    for row, charge in true_ups_for(wanted, precision, today):
        found.setdefault(row.id, []).append(charge)
    return found


def plan_run(
    run_date: date,
    today: date,
    precision: int,
    customer_id: int | None = None,
    since: date | None = None,
    progress: Callable[[int], None] | None = None,
    grace_days: int = 0,
    *,
    from_start: bool = False,
) -> RunPlan:
    """Every charge dated on or before `run_date` that is not posted yet.

    Only allocations whose marks are due are read (see billing.run). Charges
    dated before `since` (or the book's "post charges from" date, the later
    of the two) are skipped: listed, never posted. Minimum-spend true-ups are
    included once their period has ended, `grace_days` after it; those
    held back by the grace days, and those of periods not ended by `today`
    (estimates: a preview for a date after today), are `plan.pending`.

    `from_start` ignores the marks and reads every allocation from its start
    (what `packdesk check` compares the marks against): the same lines, at
    the cost of the book's whole history."""
    builder = PlanBuilder(run_date, since, post_from(), grace_days, precision)
    if from_start:
        batches = ((rows, raw) for rows, raw in iter_raw(customer_id, PLAN_CHUNK))
    else:
        ids = marks.due_ids(run_date, run_date, customer_id)
        cache = RowCache()
        batches = (rows_by_ids(ids[i : i + PLAN_CHUNK], cache) for i in range(0, len(ids), PLAN_CHUNK))
    seen = 0
    for rows, raw in batches:
        planned = _candidates(rows, raw, from_start)
        _plan_chunk(builder, planned, run_date, precision, today)
        seen += len(planned)
        if progress is not None:
            progress(seen)
    return usage_lines.with_usage(builder.finish(), precision, customer_id, since, grace_days, from_start)


def _plan_chunk(builder: PlanBuilder, planned, run_date: date, precision: int, today: date) -> None:
    posted = _posted_keys([c for c, _ in planned], run_date)
    true_ups = _true_ups(planned, run_date, precision, today)
    for candidate, seq in planned:
        builder.add(candidate, true_ups.get(candidate.id, ()), posted, seq)


#: A line's INSERT as a batch runs it on SQLite (the bench's raw baseline runs the same).
_INSERT = insert_sql(LEDGER)


def _ledger_rows(
    batch: Iterable[tuple[AllocationRow, Charge]], run_id: int, user: str, at: str, micros: Callable, days: dict | None = None
) -> list[tuple]:
    """The batch's lines in chain.LEDGER_COLUMNS order. `days` keeps date
    texts across batches (a run has few distinct dates)."""
    days = {} if days is None else days

    def day(value):
        text = days.get(value)
        if text is None:
            text = days[value] = value.isoformat()
        return text

    rows = []
    append = rows.append
    prices: dict[int, tuple] = {}
    for allocation, charge in batch:
        terms = allocation.package_terms
        if terms.price_starts:  # the version the line was charged at
            terms = terms.on(price_day(charge))
        fixed = prices.get(id(terms))
        if fixed is None:
            fixed = prices[id(terms)] = (micros(terms.retail), micros(terms.cost), micros(terms.setup_retail), micros(terms.setup_cost))
        append(
            (
                allocation.id, allocation.customer_id, allocation.package_id, charge.kind, day(charge.date),
                day(charge.period_start), day(charge.period_end), charge.quantity,
                micros(charge.amount), micros(charge.cost), *fixed, 1 if allocation.auto_decrement else 0, run_id, at, user,
            )
        )
    return rows


def _post_batch(rows: list[tuple]) -> list[int]:
    """Post one batch in the caller's transaction (store.posting): the lines
    the ledger does not hold yet, each chained to the one before, and the
    balances they move. Returns the positions (in `rows`) of those posted."""
    lock_ledger()
    fresh = insert_chained(LEDGER, rows)
    totals: dict[int, int] = {}
    for i in fresh:
        row = rows[i]
        if row[14]:
            totals[row[1]] = totals.get(row[1], 0) + row[8]
    move_balances(totals)
    return fresh


#: WAL pages between checkpoints while a run posts (SQLite's default: 1,000).
RUN_CHECKPOINT_PAGES = 20_000
#: SQLite's page cache while a run posts, in KiB (the book's usual: 16 MB).
RUN_CACHE_KIB = 128 * 1024


def _post_lines(lines: list, batch_size: int, run_id: int, user: str, progress) -> list[tuple[AllocationRow, Charge]]:
    """Post `lines` in transactions of `batch_size`; the lines this run posted."""
    memo: dict = {}
    days: dict = {}

    def micros(value: Decimal) -> int:
        found = memo.get(value)
        if found is None:
            found = memo[value] = to_micros(value)
        return found

    posted_lines: list[tuple[AllocationRow, Charge]] = []
    for start in range(0, len(lines), batch_size):
        batch = lines[start : start + batch_size]
        rows = _ledger_rows(batch, run_id, user, chain.now_text(), micros, days)
        with database.atomic():
            fresh = _post_batch(rows)
            database.execute_sql("UPDATE billing_run SET lines = lines + ? WHERE id = ?", (len(fresh), run_id))
        posted_lines.extend(batch[i] for i in fresh)
        if progress is not None:
            progress(min(start + batch_size, len(lines)), len(lines))
    return posted_lines


def commit_run(
    plan: RunPlan,
    today: date,
    customer_id: int | None = None,
    batch_size: int = BATCH,
    progress: Callable[[int, int], None] | None = None,
) -> RunResult:
    """Post the plan's lines in transactions of `batch_size`; each line once;
    then move the marks of the allocations it covered.

    A line another run posted meanwhile is left alone (counted in `already`).
    Balances of auto-decrement allocations move in the same transaction."""
    limit = settings.posting_limit(today)
    if plan.run_date > limit:
        clock = (
            "the book's test clock is on" if settings.load().test_clock
            else "a --today or PACKDESK_TODAY moves previews only while the book's test clock is off"
        )
        raise RunRefused(
            f"can't post charges dated after today ({limit}): a run for {plan.run_date} only simulates ({clock})"
        )
    if plan.run_date > today:
        raise RunRefused(
            f"can't post a run for {plan.run_date} worked out as of {today}: a preview for a date after today "
            "estimates the true-ups of periods not ended yet, and is never posted"
        )
    user = current_user()
    interrupted = close_interrupted()
    with database.atomic():
        run_id = insert_id(
            "INSERT INTO billing_run (run_date, since, customer_id, posted_by, pid, host) VALUES (?, ?, ?, ?, ?, ?)",
            (plan.run_date.isoformat(), iso(plan.since), customer_id, user, os.getpid(), socket.gethostname()),
        )
    lines = plan.lines
    # Fewer, larger checkpoints while the run writes (the WAL folds the many
    # writes to the same index pages); the book's usual setting after.
    # A larger page cache while it posts: on a book with years of lines the
    # ledger's indexes are deep, and each line walks them.
    database.execute_sql(f"PRAGMA wal_autocheckpoint = {RUN_CHECKPOINT_PAGES}")
    database.execute_sql(f"PRAGMA cache_size = -{RUN_CACHE_KIB}")
    try:
        posted_lines = _post_lines(lines, batch_size, run_id, user, progress)
        marks.move(plan.marks, plan.versions)  # with the same cache: the allocation table's pages are in it
        posted_lines += usage_lines.post_usage(plan, run_id, user)  # after the lines; none while usage billing is off
    finally:
        database.execute_sql("PRAGMA wal_autocheckpoint = 1000")
        database.execute_sql(f"PRAGMA cache_size = {PRAGMAS['cache_size']}")
    retail = sum((c.amount for _, c in posted_lines), ZERO)
    cost = sum((c.cost for _, c in posted_lines), ZERO)
    posted = len(posted_lines)
    with database.atomic():
        database.execute_sql(
            "UPDATE billing_run SET finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ended = 'finished' WHERE id = ?",
            (run_id,),
        )
    return RunResult(run_id, posted, plan.posted_count() - posted, retail, cost, posted_lines, chain.head(), interrupted)


def marks_differences(run_date: date, today: date, precision: int, grace_days: int = 0) -> list[tuple[int, str]]:
    """Lines a run for `run_date` would post when read from every allocation's
    start but not from the marks: (allocation id, what the line is). Empty
    when the marks are right. Reads the book's whole history."""
    wanted = set()
    found = {}
    for row, charge in plan_run(run_date, today, precision, grace_days=grace_days, from_start=True).lines:
        key = (row.id, charge.kind, charge.date)
        wanted.add(key)
        found[key] = f"{charge.kind} {charge.date} {charge.amount}"
    for row, charge in plan_run(run_date, today, precision, grace_days=grace_days).lines:
        wanted.discard((row.id, charge.kind, charge.date))
    return sorted((key[0], found[key]) for key in wanted)


def rebuild_marks(last_run: date, today: date, precision: int, grace_days: int = 0) -> int:
    """Work every allocation's marks out again from the ledger alone, as of a
    run on `last_run` (what `packdesk check --rebuild-marks` does). Reads the
    book's whole history once. Returns how many allocations it set."""
    cut = post_from()
    new: dict[int, tuple[date | None, date | None]] = {}
    for rows, raw in iter_raw():
        for back, _seq in _candidates(rows, raw, from_start=True):
            posted = _posted_keys([back], last_run)

            def true_ups(periods, row=back.ref):
                return [c for _, c in true_ups_for([(row, p) for p in periods if p.end <= today], precision, today)]

            new[back.id] = rebuilt_marks(back, posted, cut, last_run, grace_days, precision, true_ups)
    marks.write(new)
    return len(new)
