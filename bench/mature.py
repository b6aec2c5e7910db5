"""The mature book and the runs measured on it: the daily run must cost what
is due, not what the book has been through.

mature-500k.db is a copy of the accounts book (500,000 allocations whose
starts fall over the two years up to TODAY) with everything up to the day
before TODAY posted, a month at a time as a book would have been run. It is
about 3 GB and takes a while to build; it is built once and reused (git
ignores it). Each measure runs on a fresh copy, in a child process, so its
wall time and peak memory are those an operator's cron job sees.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import timedelta

from bench.books import ACCOUNTS_PATH, _build, _ensure, copy_book, remove_book
from bench.common import BENCH_DIR, ROOT, TODAY
from bench.rows import BIG_CUSTOMER

MATURE_PATH = BENCH_DIR / "mature-500k.db"
MATURE_WORK = BENCH_DIR / "mature-500k-work.db"
YESTERDAY = TODAY - timedelta(days=1)
STEP_DAYS = 30  # the build posts a month at a time
RATIO_TARGET = 2.0  # time per posted line: mature book / fresh book
MEMORY_TARGET_MB = 300
CUSTOMER_PREVIEW_TARGET = 1.0  # seconds


def _posted_through():
    from store.models import database

    row = database.execute_sql("SELECT MAX(date), COUNT(*) FROM ledger").fetchone()
    return (str(row[0]) if row[0] else None), row[1]


def _fill(db) -> None:
    from store.runs import commit_run, plan_run

    first = db.execute_sql("SELECT MIN(start_date) FROM allocation").fetchone()[0]
    day = min(YESTERDAY, _as_date(first) + timedelta(days=STEP_DAYS))
    started = time.perf_counter()
    while True:
        plan = plan_run(day, day, 2)
        result = commit_run(plan, day)
        print(f"    posted through {day}: {result.posted:,} lines ({time.perf_counter() - started:.0f} s)", flush=True)
        if day >= YESTERDAY:
            return
        day = min(YESTERDAY, day + timedelta(days=STEP_DAYS))


def _as_date(value):
    from datetime import date

    return value if isinstance(value, date) else date.fromisoformat(str(value))


def ensure_mature_book(rebuild: bool = False) -> tuple[float, bool]:
    def ok() -> bool:
        through, lines = _posted_through()
        return through == YESTERDAY.isoformat() and lines > 1_000_000

    def build(started: float) -> None:
        print(f"  building {MATURE_PATH.name}: everything up to {YESTERDAY} posted, a month at a time (once; it is reused)")
        _build(MATURE_PATH, _fill, ok, source=ACCOUNTS_PATH)

    return _ensure(MATURE_PATH, ok, rebuild, build)


# --- measures, each in a child process on a fresh copy ------------------------------------

_CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
from datetime import date
from store.book import Book
from store.runs import commit_run, plan_run
book = Book.open(sys.argv[2], create=False)
day = date.fromisoformat(sys.argv[3])
from store.customers import find_customer
customer = find_customer(sys.argv[4]).id if sys.argv[4] != "-" else None
commit = sys.argv[5] == "commit"
t0 = time.perf_counter()
plan = plan_run(day, day, 2, customer)
planned = time.perf_counter() - t0
posted = 0
if commit:
    posted = commit_run(plan, day, customer).posted
wall = time.perf_counter() - t0
# VmHWM: this process's own peak (ru_maxrss would carry the parent's over from fork)
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:")) / 1024
print(json.dumps({"lines": len(plan.lines), "posted": posted, "plan": planned, "wall": wall, "peak_mb": peak}))
"""


def _child(path, day, customer, commit: bool) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(ROOT), str(path), day.isoformat(), str(customer) if customer else "-", "commit" if commit else "plan"],
        capture_output=True, text=True, timeout=3600,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def mature_bench(fresh_seconds_per_line: float | None) -> dict:
    """The next day's committed run on the mature book (wall, peak memory,
    time per line against the fresh book's), and one big customer's preview."""
    print(f"\n8. The mature book: {MATURE_PATH.name}, everything up to {YESTERDAY} posted")
    copy_book(MATURE_PATH, MATURE_WORK)
    try:
        preview = _child(MATURE_WORK, TODAY, BIG_CUSTOMER, commit=False)
        print(
            f"  run preview for one customer ({BIG_CUSTOMER}, 2,000 allocations, {preview['lines']:,} lines due): "
            f"{preview['wall']:.2f} s (target < {CUSTOMER_PREVIEW_TARGET:.0f} s)"
        )
        daily = _child(MATURE_WORK, TODAY, None, commit=True)
    finally:
        remove_book(MATURE_WORK)
    per_line = daily["wall"] / max(1, daily["posted"])
    ratio = per_line / fresh_seconds_per_line if fresh_seconds_per_line else None
    shown = f", {ratio:.2f}x the fresh book's time per line (target <= {RATIO_TARGET:.0f}x)" if ratio else ""
    print(
        f"  next day's committed run ({TODAY}): {daily['posted']:,} lines in {daily['wall']:.1f} s "
        f"(plan {daily['plan']:.1f} s), peak {daily['peak_mb']:.0f} MB (target < {MEMORY_TARGET_MB} MB){shown}"
    )
    return {"preview": preview["wall"], "daily": daily["wall"], "posted": daily["posted"], "peak_mb": daily["peak_mb"], "ratio": ratio}
