"""Charges for the whole accounts book over 12 months: reading the allocations,
computing their lines, iter_charges end to end, against a plain loop building
as many tuples; and the charges CLI, for information."""

from __future__ import annotations

import os
import sys
import time
from datetime import date

from bench.books import ACCOUNTS_PATH
from bench.common import ROOT, TODAY

CHARGES_TARGET = 1_000_000  # lines per second of compute
CLI_TIMEOUT = 60.0  # seconds the 12-month CLI run may take before it is stopped


def charges_window() -> tuple[date, date]:
    """12 months from TODAY: [TODAY, TODAY + 1 year - 1 day], both inclusive."""
    from datetime import timedelta

    return TODAY, TODAY.replace(year=TODAY.year + 1) - timedelta(days=1)


def count_charges(allocations, since: date, until: date, precision: int) -> int:
    """What iter_charges does after reading: skip allocations outside the window,
    then run every line of allocation_charges, counting those it would yield
    (not the lines of nothing, 0.00 with no cost)."""
    from billing.charges import allocation_charges

    n = 0
    for allocation in allocations:
        if allocation.start > until or (allocation.end is not None and allocation.end < since):
            continue
        for charge in allocation_charges(allocation.package_terms, allocation.terms(), since, until, precision):
            if charge.amount or charge.cost:
                n += 1
    return n


def _tuples_baseline(n: int, chunk: int = 100_000) -> float:
    """Seconds a plain Python loop takes to build n tuples, in lists of `chunk`
    (dropped as it goes, as a billing run drops its lines)."""
    t0 = time.perf_counter()
    left = n
    while left > 0:
        size = min(chunk, left)
        block = [(i, i) for i in range(size)]
        del block
        left -= size
    return time.perf_counter() - t0


def _run_cli(args: list[str], timeout: float | None) -> dict:
    """Wall seconds and peak RSS of one CLI run, stdout to /dev/null; stopped
    after `timeout` seconds (None: no limit)."""
    import subprocess
    import tempfile

    env = dict(os.environ)
    env.pop("PACKDESK_TODAY", None)
    with open(os.devnull, "wb") as devnull, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "tui.cli", *args], cwd=ROOT, env=env, stdout=devnull, stderr=err)
        stopped = False
        while True:  # os.wait4, not proc.wait: it also gives the child's peak memory
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if timeout and time.perf_counter() - t0 > timeout:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                stopped = True
                break
            time.sleep(0.01)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read().decode(errors="replace").strip()
    return {"wall": wall, "stopped": stopped, "exit": proc.returncode, "rss_mb": usage.ru_maxrss / 1024, "stderr": stderr}


def charges(cli_timeout: float | None) -> dict:
    import gc

    from store.book import Book
    from store.charges import iter_charges
    from store.scan import iter_allocations

    since, until = charges_window()
    print(f"\n5. Charges for the whole of {ACCOUNTS_PATH.name}, {since} to {until} (12 months)")
    book = Book.open(ACCOUNTS_PATH)
    try:
        precision = book.settings.precision
        t0 = time.perf_counter()
        allocations = list(iter_allocations())
        read = time.perf_counter() - t0
        print(f"  (a) read {len(allocations):,} allocations from SQLite (iter_allocations): {read:.2f} s, {len(allocations) / read:,.0f} allocations/s")
        t0 = time.perf_counter()
        lines = count_charges(allocations, since, until, precision)
        compute = time.perf_counter() - t0
        print(f"  (b) compute {lines:,} charge lines (allocation_charges over those rows): {compute:.2f} s, {lines / compute:,.0f} lines/s (target >= {CHARGES_TARGET:,})")
        del allocations
        gc.collect()
        baseline = _tuples_baseline(lines)
        print(f"  baseline: a plain loop building {lines:,} tuples: {baseline:.2f} s, {lines / baseline:,.0f}/s; compute is {compute / baseline:.2f}x it, read {read / baseline:.2f}x")
        t0 = time.perf_counter()
        e2e_lines = 0
        for _ in iter_charges(since, until, precision):
            e2e_lines += 1
        e2e = time.perf_counter() - t0
        note = "" if e2e_lines == lines else f"  (!) {e2e_lines:,} lines, not {lines:,}"
        print(f"  end to end, iter_charges consumed: {e2e:.2f} s, {e2e_lines / e2e:,.0f} lines/s, {e2e / baseline:.2f}x the baseline{note}")
    finally:
        book.close()

    # --today as everywhere in this script: the same true-up estimates every run
    args = ["--db", str(ACCOUNTS_PATH.relative_to(ROOT)), "--today", TODAY.isoformat(), "charges", "--from", since.isoformat(), "--to", until.isoformat(), "--format", "csv"]
    limit = f"stopped after {cli_timeout:.0f} s" if cli_timeout else "no time limit"
    print(f"  `python -m tui.cli {' '.join(args)} > /dev/null` ({limit}, for information):")
    cli = _run_cli(args, cli_timeout)
    rss = f", peak RSS {cli['rss_mb']:,.0f} MB" if cli["rss_mb"] else ""
    if cli["stopped"]:
        print(f"    not finished after {cli['wall']:.1f} s{rss} (--cli-timeout 0 lets it finish)")
    elif cli["exit"]:
        last = cli["stderr"].splitlines()[-1] if cli["stderr"] else "no message"
        print(f"    failed after {cli['wall']:.1f} s, exit {cli['exit']}{rss}: {last}")
    else:
        print(f"    {cli['wall']:.1f} s{rss}, {cli['wall'] / baseline:.1f}x the baseline (its lines include minimum-spend true-ups)")
    return {"lines": lines, "read": read, "compute": compute, "baseline": baseline, "e2e": e2e, "cli": cli}

