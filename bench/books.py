"""The four benchmark books in bench/, built once and reused while they hold
what they should (git ignores them):

- packages-100k.db: 100,000 packages;
- accounts-50k.db: 2,000 packages, 50,000 customers, 500,000 allocations;
- usage-10m.db: a copy of the accounts book with more minimum-spend packages
  and 10 million usage records;
- run-500k.db: a copy of the accounts book whose allocations all start in the
  12 days up to TODAY, so a run for TODAY has about half a million lines due.

The rows come from bench/rows.py (shared with stress/stress.py). A new book
goes here as one more ensure_* built with _ensure and _build, and a line in
prepare(): the "mature book" (500,000 allocations with 24 months of ledger
posted) is meant to be a copy of the accounts book made the way the usage and
run books are.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from bench.common import BENCH_DIR, ROOT, TODAY
from bench.rows import BIG_CUSTOMER, add_book, add_packages, usage_rows

BOOK_PATH = BENCH_DIR / "packages-100k.db"
PACKAGES = 100_000

ACCOUNTS_PATH = BENCH_DIR / "accounts-50k.db"
ACCOUNT_PACKAGES = 2_000
CUSTOMERS = 50_000
ALLOCATIONS = 500_000
BIG_ALLOCATIONS = 2_000  # BIG_CUSTOMER's
ACCOUNTS = (ACCOUNT_PACKAGES, CUSTOMERS, ALLOCATIONS, BIG_ALLOCATIONS)

USAGE_PATH = BENCH_DIR / "usage-10m.db"
USAGE_RECORDS = 10_000_000
USAGE_DAYS = 200  # records dated over the 200 days before TODAY
BIG_USAGE = 100_000  # the big customer's records, 500 a day; the rest fall on the others at random
USAGE_CHUNK = 500_000  # rows per transaction
USAGE_FILE = "bench-usage-10m.csv"  # the usage_import row that owns every record (so no audit row each)
USAGE_MARK = "bench-usage-10m"  # its sha256 column, to find it again
MINIMUM_SPEND_FLIP = 0.12  # share of the packages with a frequency turned into minimum spend in the copy
_USAGE_INSERT = "INSERT INTO usage (customer_id, date, amount, source, import_id, created_at) VALUES (?, ?, ?, ?, ?, ?)"

RUN_PATH = BENCH_DIR / "run-500k.db"  # the template: never posted into
RUN_SPREAD_DAYS = 12  # allocations start over the 12 days up to TODAY: about 536,000 lines are due


# --- files ---------------------------------------------------------------------------


def remove_book(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        side = Path(str(path) + suffix)
        if side.exists():
            side.unlink()


def settle_writes() -> None:
    """Put what was just copied on disk before anything is measured on it: a
    copy of gigabytes otherwise goes on being written back while the measure
    runs, and each fsync of the measured run waits behind it (a cron run's
    book has been at rest since yesterday)."""
    os.sync()


def copy_book(source: Path, target: Path) -> None:
    """A consistent copy of a book (SQLite's backup API, the book opened
    read-only: it is never changed), owner-only, on disk."""
    import sqlite3

    remove_book(target)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=15)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    os.chmod(target, 0o600)
    settle_writes()


def _move_book(source: Path, target: Path) -> None:
    """Put a finished build in place (its WAL was checkpointed and removed on close)."""
    remove_book(target)
    os.replace(source, target)
    remove_book(source)


def _ensure(path: Path, ok, rebuild: bool, build) -> tuple[float, bool]:
    """(seconds, built): the book at `path` reused if it opens and ok() says so
    (unless `rebuild`), else build(started)."""
    from store.book import Book

    started = time.perf_counter()
    if path.exists() and not rebuild:
        try:
            book = Book.open(path)
            try:
                if ok():
                    return time.perf_counter() - started, False
            finally:
                book.close()
        except Exception as exc:  # a stale or broken file: build it again
            print(f"  (rebuilding {path.name}: {exc})")
    build(started)
    return time.perf_counter() - started, True


def _build(path: Path, fill, check, source: Path | None = None):
    """A new book at `path`, or a copy of `source` built aside and moved into
    place: fill(db), checkpoint, and check()'s answer from the finished book."""
    from store.book import Book

    building = path if source is None else path.with_name(path.stem + "-building.db")
    if source is None:
        remove_book(path)
    else:
        copy_book(source, building)
    book = Book.open(building)
    try:
        fill(book.db)
        book.db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        result = check()
    finally:
        book.close()
    if source is not None:
        _move_book(building, path)
    return result


# --- the 100k book and the accounts book ------------------------------------------------


def ensure_book(path: Path, count: int, rebuild: bool = False) -> tuple[float, bool]:
    """The benchmark book with exactly `count` packages; (seconds, built)."""
    from store.packages import package_total

    def fill(db) -> None:
        with db.atomic():
            add_packages(count)

    def build(started: float) -> None:
        total = _build(path, fill, package_total)
        if total != count:
            print(f"  warning: the book holds {total:,} packages, not {count:,}")

    return _ensure(path, lambda: package_total() == count, rebuild, build)


def _accounts_counts() -> tuple[int, int, int, int]:
    """(packages, customers, allocations, allocations of the big customer)."""
    from store.models import Allocation, Customer, Package

    big = Customer.get_or_none(Customer.name == BIG_CUSTOMER)
    big_count = Allocation.select().where(Allocation.customer == big.id).count() if big else 0
    return Package.select().count(), Customer.select().count(), Allocation.select().count(), big_count


def ensure_accounts_book(path: Path, rebuild: bool = False) -> tuple[float, bool]:
    """The accounts book: ACCOUNT_PACKAGES packages, CUSTOMERS customers and
    ALLOCATIONS allocations; (seconds, built)."""
    import random

    def fill(db) -> None:
        with db.atomic():
            add_book(ACCOUNT_PACKAGES, CUSTOMERS, ALLOCATIONS, BIG_ALLOCATIONS, TODAY, random.Random(50_000), package_seed=2_000)

    def build(started: float) -> None:
        counts = _build(path, fill, _accounts_counts)
        if counts != ACCOUNTS:
            print(f"  warning: the book holds {counts} (packages, customers, allocations, big customer's), not {ACCOUNTS}")

    return _ensure(path, lambda: _accounts_counts() == ACCOUNTS, rebuild, build)


# --- the usage book ----------------------------------------------------------------------


def _usage_state() -> tuple[int | None, int]:
    """(rows the bench's usage_import row holds, usage records in the book)."""
    from store.models import database

    row = database.execute_sql("SELECT rows FROM usage_import WHERE sha256 = ?", (USAGE_MARK,)).fetchone()
    total = database.execute_sql("SELECT COUNT(*) FROM usage").fetchone()[0]
    return (row[0] if row else None), total


def minimum_spend_share() -> tuple[int, int, int]:
    """(allocations of minimum-spend packages, their customers, all allocations)."""
    from store.models import database

    allocations, customers = database.execute_sql(
        "SELECT COUNT(*), COUNT(DISTINCT a.customer_id) FROM allocation a JOIN package p ON p.id = a.package_id WHERE p.minimum_spend = 1"
    ).fetchone()
    return allocations, customers, database.execute_sql("SELECT COUNT(*) FROM allocation").fetchone()[0]


def _fill_usage(db, started: float) -> None:
    """MINIMUM_SPEND_FLIP of the packages with a frequency turned into minimum
    spend, one usage_import row, and USAGE_RECORDS records that point to it."""
    import random
    from itertools import islice

    rng = random.Random(USAGE_RECORDS)
    candidates = [pid for (pid,) in db.execute_sql("SELECT id FROM package WHERE frequency != 'none' AND minimum_spend = 0 ORDER BY id").fetchall()]
    flip = sorted(rng.sample(candidates, round(len(candidates) * MINIMUM_SPEND_FLIP)))
    with db.atomic():  # through the book's connection: the audit triggers need packdesk_user()
        db.execute_sql(f"UPDATE package SET minimum_spend = 1 WHERE id IN ({','.join('?' * len(flip))})", flip)
        import_id = db.execute_sql(
            "INSERT INTO usage_import (file_name, sha256, rows, imported_by) VALUES (?, ?, ?, 'bench')", (USAGE_FILE, USAGE_MARK, USAGE_RECORDS)
        ).lastrowid
    customers = [cid for (cid,) in db.execute_sql("SELECT id FROM customer ORDER BY id").fetchall()]
    big = db.execute_sql("SELECT id FROM customer WHERE name = ?", (BIG_CUSTOMER,)).fetchone()[0]
    db.execute_sql("PRAGMA cache_size = -1000000")  # 1 GB while building: the growing indexes stay in memory
    conn = db.connection()
    rows = usage_rows(import_id, big, customers, rng, USAGE_RECORDS, USAGE_DAYS, BIG_USAGE, TODAY)
    done = 0
    while chunk := list(islice(rows, USAGE_CHUNK)):
        with db.atomic():  # one transaction per chunk; the indexes are kept up as a real book's are
            conn.executemany(_USAGE_INSERT, chunk)
        done += len(chunk)
        if done % (4 * USAGE_CHUNK) == 0:
            print(f"    {done:,} usage records, {time.perf_counter() - started:.0f} s", flush=True)


def ensure_usage_book(rebuild: bool = False) -> tuple[float, bool]:
    """bench/usage-10m.db: the accounts book, MINIMUM_SPEND_FLIP of its packages
    turned into minimum spend, and USAGE_RECORDS usage records; (seconds, built)."""

    def build(started: float) -> None:
        state = _build(USAGE_PATH, lambda db: _fill_usage(db, started), _usage_state, source=ACCOUNTS_PATH)
        if state != (USAGE_RECORDS, USAGE_RECORDS):
            print(f"  warning: the usage book holds {state[1]:,} records, not {USAGE_RECORDS:,}")

    return _ensure(USAGE_PATH, lambda: _usage_state() == (USAGE_RECORDS, USAGE_RECORDS) and _accounts_counts() == ACCOUNTS, rebuild, build)


# --- the run book ------------------------------------------------------------------------


def _run_book_ok() -> bool:
    from datetime import timedelta

    from store.models import database

    first, last, count = database.execute_sql("SELECT MIN(start_date), MAX(start_date), COUNT(*) FROM allocation").fetchone()
    posted = database.execute_sql("SELECT (SELECT COUNT(*) FROM ledger) + (SELECT COUNT(*) FROM billing_run)").fetchone()[0]
    wanted = ((TODAY - timedelta(days=RUN_SPREAD_DAYS - 1)).isoformat(), TODAY.isoformat(), ALLOCATIONS)
    return (str(first), str(last), count) == wanted and posted == 0


def _spread_starts(db) -> None:
    start = "date(?, '-' || (id % ?) || ' days')"
    with db.atomic():
        db.execute_sql(
            f"UPDATE allocation SET start_date = {start}, end_date = CASE WHEN end_date IS NULL THEN NULL "
            f"ELSE date({start}, '+' || CAST(julianday(end_date) - julianday(start_date) AS INTEGER) || ' days') END",
            (TODAY.isoformat(), RUN_SPREAD_DAYS, TODAY.isoformat(), RUN_SPREAD_DAYS),
        )


def ensure_run_book(rebuild: bool = False) -> tuple[float, bool]:
    """bench/run-500k.db: the accounts book with every allocation moved to start
    in the RUN_SPREAD_DAYS up to TODAY (an end date keeps its distance from the
    start), so that a run for TODAY has about half a million lines due."""

    def build(started: float) -> None:
        if not _build(RUN_PATH, _spread_starts, _run_book_ok, source=ACCOUNTS_PATH):
            print(f"  warning: {RUN_PATH.name} is not as expected")

    return _ensure(RUN_PATH, _run_book_ok, rebuild, build)


# --- all of them -------------------------------------------------------------------------


def prepare(rebuild: bool) -> None:
    """Build (or reuse) the four books and say so."""
    seconds, built = ensure_book(BOOK_PATH, PACKAGES, rebuild)
    print(f"\n1. Book: {BOOK_PATH.relative_to(ROOT)} with {PACKAGES:,} packages, {'built' if built else 'reused'} in {seconds:.1f} s ({BOOK_PATH.stat().st_size / 1e6:.1f} MB)")
    seconds, built = ensure_accounts_book(ACCOUNTS_PATH, rebuild)
    print(
        f"   Book: {ACCOUNTS_PATH.relative_to(ROOT)} with {CUSTOMERS:,} customers, {ALLOCATIONS:,} allocations, {ACCOUNT_PACKAGES:,} packages, "
        f"{'built' if built else 'reused'} in {seconds:.1f} s ({ACCOUNTS_PATH.stat().st_size / 1e6:.1f} MB)"
    )
    copies_stale = rebuild or built  # a new accounts book: copy it again
    seconds, built = ensure_usage_book(copies_stale)
    print(
        f"   Book: {USAGE_PATH.relative_to(ROOT)}, a copy with {USAGE_RECORDS:,} usage records and more minimum-spend packages, "
        f"{'built' if built else 'reused'} in {seconds:.1f} s ({USAGE_PATH.stat().st_size / 1e6:,.0f} MB)"
    )
    seconds, built = ensure_run_book(copies_stale)
    print(
        f"   Book: {RUN_PATH.relative_to(ROOT)}, a copy whose allocations start in the {RUN_SPREAD_DAYS} days up to {TODAY}, "
        f"{'built' if built else 'reused'} in {seconds:.1f} s ({RUN_PATH.stat().st_size / 1e6:.1f} MB)"
    )
