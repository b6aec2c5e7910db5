"""Exactly once under real concurrency, on a file book, with real processes.

- Two `python -m tui.cli ... run --commit` processes released at the same
  moment post each charge once between them.
- A run killed with SIGKILL part way leaves only whole batches (each batch is
  one transaction: its ledger lines, the balances they move and the run's
  line count), and a rerun posts exactly the rest.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from datetime import date
from pathlib import Path

from billing.accounts import CustomerDraft
from billing.catalogue import PackageDraft
from billing.schedule import Frequency
from store.customers import create_customer
from store.ledger import check_balances
from store.runs import commit_run, plan_run
from store.dialect import connection
from store.models import database
from store.packages import create_package

from tests.helpers.books import D, opened
from tests.helpers.cli import ROOT, cli_command, cli_env, cli_process, key_of
from tests.helpers.raw import count, ledger_keys, query, raw
import pytest

pytestmark = pytest.mark.both_engines

RUN_DATE = date(2025, 3, 31)
START = date(2025, 3, 1)


def build(db, customers: int, allocations: int) -> int:
    """`allocations` spread over `customers`, every other one auto-decrement,
    daily/weekly/monthly with setup fees; returns the plan's line count.
    Customers and allocations go in with plain SQL in one transaction (the
    audit triggers still fire): a few thousand store calls would take seconds."""
    with opened(db) as book:
        with database.atomic():
            packages = [
                create_package(PackageDraft("Daily", D("0.125"), D("0.05"), D("1"), D("0.2"), Frequency.DAILY)),
                create_package(PackageDraft("Weekly", D("2.50"), D("0.90"), frequency=Frequency.WEEKLY, match=(0, 4))),
                create_package(PackageDraft("Monthly", D("12"), D("4.2"), D("25"), D("8"), Frequency.MONTHLY, (1, 15))),
            ]
            first = create_customer(CustomerDraft("Customer 0000")).id
            conn = connection()
            conn.executemany("INSERT INTO customer (name) VALUES (?)", [(f"Customer {n:04d}",) for n in range(1, customers)])
            conn.executemany(
                "INSERT INTO allocation (customer_id, package_id, quantity, start_date, auto_decrement) VALUES (?, ?, ?, ?, ?)",
                [
                    (first + n % customers, packages[n % 3].id, 1 + n % 3, START.isoformat(), 1 if n % 2 == 0 else 0)
                    for n in range(allocations)
                ],
            )
        return len(plan_run(RUN_DATE, RUN_DATE, book.settings.precision).lines)


def assert_once(db, expected: int) -> None:
    keys = ledger_keys(db)
    assert len(keys) == len(set(keys)) == expected
    assert query(db, "SELECT COUNT(*) FROM (SELECT 1 FROM ledger GROUP BY allocation_id, kind, date HAVING COUNT(*) > 1) AS twice") == [(0,)]


def cpu_ticks(pid: int) -> int | None:
    """User + system CPU time of a process in clock ticks (Linux /proc), or None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[11]) + int(fields[12])


def wait_until_idle(pids: list[int], limit: float = 10.0) -> None:
    """Wait until every process has stopped using the CPU (started, planned,
    and now sleeping in SQLite's busy handler for the write lock), at most
    `limit` seconds: well inside the book's 15 s busy timeout."""
    deadline = time.monotonic() + limit
    time.sleep(0.5)
    last = [cpu_ticks(pid) for pid in pids]
    if None in last:  # no /proc: give them time instead
        time.sleep(3.0)
        return
    quiet = 0
    while time.monotonic() < deadline and quiet < 2:
        time.sleep(0.25)
        now = [cpu_ticks(pid) for pid in pids]
        quiet = quiet + 1 if all(n is not None and n - b <= 1 for n, b in zip(now, last)) else 0
        last = now


def test_two_runs_at_once_post_each_charge_once(db):
    expected = build(db, customers=150, allocations=450)
    assert expected > 6000  # several batches of 2,000 each

    # Hold the write lock while both processes start and plan (reading is
    # free under WAL) until both sit waiting for it; released, both go for
    # the ledger at the same moment.
    lock = raw(db)
    lock.execute("BEGIN IMMEDIATE")
    argv = ("--db", str(db), "--today", RUN_DATE.isoformat(), "run", "--date", RUN_DATE.isoformat(), "--commit", "--format", "json")
    procs = [
        subprocess.Popen(cli_command(*argv), cwd=ROOT, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    wait_until_idle([p.pid for p in procs])
    lock.rollback()
    lock.close()
    results = [p.communicate(timeout=180) for p in procs]
    for p, (out, err) in zip(procs, results):
        assert p.returncode == 0, err

    posted = [json.loads(out) for out, _ in results]
    mine = [{key_of(line) for line in lines} for lines in posted]
    # Between them, every line once: no line in both outputs, none missing.
    assert len(posted[0]) + len(posted[1]) == expected
    assert not (mine[0] & mine[1])
    assert mine[0] | mine[1] == set(ledger_keys(db))
    assert_once(db, expected)
    # They raced: each planned every line before either posted any, so what
    # one did not post it found posted by the other, and says so.
    for lines, (_, err) in zip(posted, results):
        found = re.search(r"(\d+) charge\(s\) were posted by another run meanwhile", err)
        already = int(found.group(1)) if found else 0
        assert len(lines) + already == expected, err

    runs = query(db, "SELECT id, lines, finished_at FROM billing_run ORDER BY id")
    assert len(runs) == 2 and all(finished for _, _, finished in runs)
    assert sorted(n for _, n, _ in runs) == sorted(len(lines) for lines in posted)
    for run_id, lines, _ in runs:
        assert query(db, "SELECT COUNT(*) FROM ledger WHERE run_id = ?", (run_id,)) == [(lines,)]

    check = cli_process("check", "--db", str(db))
    assert check.returncode == 0, check.stdout + check.stderr
    assert "Every balance equals" in check.stdout


CHILD = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {root!r})
    from datetime import date
    from store.book import Book
    from store.runs import commit_run, plan_run

    book = Book.open(sys.argv[1])
    day = date.fromisoformat(sys.argv[2])
    plan = plan_run(day, day, book.settings.precision)
    print("planned", len(plan.lines), flush=True)

    def progress(done, total):
        print("done", done, flush=True)
        time.sleep(0.002)

    commit_run(plan, day, batch_size=50, progress=progress)
    print("finished", flush=True)
    """
)


def kill_part_way(script, db, after_lines: int, delay: float) -> int:
    """Start the child, SIGKILL it once it reports `after_lines` posted (plus
    `delay` seconds, so the kill may land inside a transaction); returns how
    many lines it reported done."""
    child = subprocess.Popen(
        [sys.executable, str(script), str(db), RUN_DATE.isoformat()],
        cwd=ROOT,
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    done = 0
    try:
        for line in child.stdout:
            word, _, number = line.partition(" ")
            if word == "finished":
                break
            if word == "done":
                done = int(number)
                if done >= after_lines:
                    time.sleep(delay)
                    os.kill(child.pid, signal.SIGKILL)
                    break
        child.wait(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL, "the run ended before it could be killed part way"
    return done


def test_a_killed_run_leaves_whole_batches_and_a_rerun_posts_the_rest(db, tmp_path):
    expected = build(db, customers=1000, allocations=3000)
    assert expected > 20000
    script = tmp_path / "child_run.py"
    script.write_text(CHILD.format(root=str(ROOT)))

    # Kill at odd moments after a few batches, so some kills land inside a
    # batch's transaction rather than in the progress callback's sleep.
    for after, delay in ((500, 0.0), (300, 0.0013), (400, 0.0031), (250, 0.0047), (350, 0.0069), (300, 0.0091)):
        before = count(db, "ledger")
        done = kill_part_way(script, db, after, delay)
        posted = count(db, "ledger")
        assert done <= posted - before < expected
        # Only whole batches of 50: the killed transaction left nothing behind.
        assert (posted - before) % 50 == 0
        assert_once(db, posted)
        # The killed run's own count matches its lines, and it never finished.
        run_id, lines, finished = query(db, "SELECT id, lines, finished_at FROM billing_run ORDER BY id DESC LIMIT 1")[0]
        assert finished is None
        assert query(db, "SELECT COUNT(*) FROM ledger WHERE run_id = ?", (run_id,)) == [(lines,)]
        assert lines == posted - before
        with opened(db):
            assert check_balances() == []

    already = count(db, "ledger")
    assert 0 < already < expected
    with opened(db) as book:
        plan = plan_run(RUN_DATE, RUN_DATE, book.settings.precision)
        assert len(plan.lines) == expected - already
        result = commit_run(plan, RUN_DATE)
        assert (result.posted, result.already) == (expected - already, 0)
        assert check_balances() == []
        assert plan_run(RUN_DATE, RUN_DATE, book.settings.precision).lines == []
    assert_once(db, expected)
