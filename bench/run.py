"""A committed billing run on a fresh copy of the run book: plan_run for TODAY,
then commit_run of its first RUN_LINES lines, against raw sqlite3 executemany
of the same rows.

Measures of other runs go here too (the per-customer run preview, a run on the
mature book), each on its own fresh copy of a template book from books.py."""

from __future__ import annotations

import time
from contextlib import contextmanager
from pathlib import Path

from bench.books import RUN_PATH, RUN_SPREAD_DAYS, remove_book, settle_writes
from bench.common import BENCH_DIR, TODAY

RUN_WORK = BENCH_DIR / "run-500k-work.db"  # a fresh copy per run, removed after
RAW_PATH = BENCH_DIR / "raw-ledger.db"  # the raw baseline's scratch book, removed after
RUN_LINES = 500_000  # the lines committed (the plan's first, in its order)
#: commit_run throughput / raw executemany of the same rows into a table of
#: the ledger's shape: the book's own ledger (its columns with the chain hash,
#: CHECKs, unique key, customer index and foreign keys) on a fresh copy.
RUN_TARGET = 1 / 3


@contextmanager
def work_copy():
    """A fresh copy of the run book at RUN_WORK, removed afterwards."""
    import shutil

    shutil.copyfile(RUN_PATH, RUN_WORK)
    settle_writes()
    try:
        yield RUN_WORK
    finally:
        remove_book(RUN_WORK)


def _ledger_rows(lines, run_id: int, user: str) -> list[tuple]:
    """The rows commit_run writes for these lines, built by its own code
    (store.runs), each with its hash chained as in an empty ledger."""
    from billing.money import to_micros
    from store import chain
    from store.runs import _ledger_rows as rows_of

    values = rows_of(lines, run_id, user, chain.now_text(), to_micros)
    return [(*row, digest) for row, digest in chain.chained(chain.GENESIS, values)]


def _raw_ledger(rows: list[tuple], batch: int, ledger_sql: str | None = None, book: Path | None = None) -> float:
    """Seconds for raw sqlite3 executemany of `rows` (INSERT ... ON CONFLICT DO
    NOTHING, BEGIN IMMEDIATE / COMMIT per `batch`), with the book's pragmas.

    Into a new scratch book holding one table of the ledger's columns, CHECKs
    and UNIQUE key (ledger_sql without its foreign keys, no other index); or,
    with `book`, into that book's own ledger (foreign keys on, its indexes)."""
    import re
    import sqlite3

    from store.book import PRAGMAS
    from store.runs import _INSERT

    path = book or RAW_PATH
    if book is None:
        remove_book(path)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for key, value in PRAGMAS.items():
            conn.execute(f"PRAGMA {key} = {value}")
        if book is None:
            conn.execute(re.sub(r"\s+REFERENCES \w+ \(id\)( ON DELETE RESTRICT)?", "", ledger_sql))
        else:
            conn.execute("INSERT INTO billing_run (id, run_date, posted_by) VALUES (?, ?, 'bench')", (rows[0][15], TODAY.isoformat()))
        t0 = time.perf_counter()
        for i in range(0, len(rows), batch):
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(_INSERT, rows[i : i + batch])
            conn.execute("COMMIT")
        seconds = time.perf_counter() - t0
        count = conn.execute("SELECT COUNT(*) FROM ledger").fetchone()[0]
    finally:
        conn.close()
    if book is None:
        remove_book(path)
    if count != len(rows):
        print(f"  (!) the raw insert left {count:,} rows, not {len(rows):,}")
    return seconds


def billing_run_bench(keep_plan: bool = False) -> dict:
    """plan_run for TODAY on a fresh copy of the run book, then commit_run of its
    first RUN_LINES lines, against raw executemany of the same rows."""
    import gc

    from store.book import Book, current_user
    from store.runs import BATCH, commit_run, plan_run
    from store.models import database

    print(f"\n7. A committed billing run on a fresh copy of {RUN_PATH.name} (allocations start over the {RUN_SPREAD_DAYS} days up to {TODAY})")
    with work_copy() as path:
        book = Book.open(path)
        try:
            precision = book.settings.precision
            t0 = time.perf_counter()
            plan = plan_run(TODAY, TODAY, precision)
            planned = time.perf_counter() - t0
            due = len(plan.lines)
            print(f"  plan_run({TODAY}): {due:,} lines due, {len(plan.skipped):,} skipped, {planned:.1f} s ({due / planned:,.0f} lines/s)")
            if due > RUN_LINES:
                plan.lines = plan.lines[:RUN_LINES]
            n = len(plan.lines)
            ledger_sql = database.execute_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'ledger'").fetchone()[0]
            rows = _ledger_rows(plan.lines, 1, current_user())
            gc.collect()
            raw = [_raw_ledger(rows, BATCH, ledger_sql)]  # before, and after, the commit: the better one is the baseline
            t0 = time.perf_counter()
            result = commit_run(plan, TODAY)
            committed = time.perf_counter() - t0
        finally:
            book.close()
    raw.append(_raw_ledger(rows, BATCH, ledger_sql))
    baseline = min(raw)
    # For information: the same raw rows into the book's own ledger (foreign keys, its two other indexes).
    with work_copy() as path:
        own = _raw_ledger(rows, BATCH, book=path)
    del rows
    rate, raw_rate, own_rate = n / committed, n / baseline, n / own
    note = "" if result.posted == n and result.already == 0 else f"  (!) posted {result.posted:,}, already {result.already:,}"
    print(
        f"  commit_run of the first {n:,} lines (batches of {BATCH:,}): {committed:.1f} s, {rate:,.0f} lines/s, "
        f"{rate / own_rate:.2f}x raw into the ledger (target >= {RUN_TARGET:.2f}x), {rate / raw_rate:.2f}x raw into a bare table{note}"
    )
    print(
        f"  baseline: raw sqlite3 executemany of the same {n:,} rows into a table of the ledger's columns and UNIQUE key "
        f"(ON CONFLICT DO NOTHING, BEGIN IMMEDIATE/COMMIT per {BATCH:,}, journal WAL, synchronous FULL), in {RAW_PATH.parent.name}/: "
        f"{' and '.join(f'{s:.2f}' for s in raw)} s (before and after), best {raw_rate:,.0f} rows/s"
    )
    print(
        f"  for information: the same raw rows into the book's own ledger (foreign keys on, 2 more indexes): "
        f"{own:.2f} s, {own_rate:,.0f} rows/s, {own_rate / raw_rate:.2f}x the bare table; commit_run is {rate / own_rate:.2f}x it"
    )
    out = {"plan": planned, "due": due, "lines": n, "commit": committed, "raw": baseline, "own": own,
           "seconds_per_line": (planned * n / max(1, due) + committed) / max(1, n)}
    if keep_plan:
        out["plan_object"] = plan
    return out

