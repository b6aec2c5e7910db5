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
CLI_TARGET = 500_000  # lines per second of `packdesk charges`, CSV to /dev/null, end to end
CLI_MEMORY_TARGET_MB = 300
CLI_TIMEOUT = 120.0  # seconds the 12-month CLI run may take before it is stopped


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

    import threading

    env = dict(os.environ)
    env.pop("PACKDESK_TODAY", None)
    lines = [0]
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "tui.cli", *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=err)

        def count() -> None:  # the output's lines, counted as it comes (as /dev/null would take it)
            while chunk := proc.stdout.read(1 << 20):
                lines[0] += chunk.count(b"\n")

        reader = threading.Thread(target=count, daemon=True)
        reader.start()
        stopped = False
        peaks: dict[int, int] = {}
        while True:
            for pid in _tree(proc.pid):  # the CLI and the processes it starts
                peaks[pid] = max(peaks.get(pid, 0), _high_water_kb(pid))
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
        peak_kb = sum(peaks.values())  # each process's own peak, added up: an upper bound
        reader.join(5)
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read().decode(errors="replace").strip()
    return {"wall": wall, "stopped": stopped, "exit": proc.returncode, "rss_mb": peak_kb / 1024, "stderr": stderr, "lines": max(0, lines[0] - 1)}


def _tree(pid: int) -> list[int]:
    """`pid` and its descendants, as /proc lists them now."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    queue.extend(int(child) for child in children.read().split())
        except OSError:
            pass
    return found


def _high_water_kb(pid: int) -> int:
    """The child's own peak resident memory so far (VmHWM): rusage's
    ru_maxrss would carry this process's peak over from the fork."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def charges(cli_timeout: float | None) -> dict:
    import gc

    from store.book import Book
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
        e2e = None
    finally:
        book.close()

    # --today as everywhere in this script: the same true-up estimates every run
    args = ["--db", str(ACCOUNTS_PATH.relative_to(ROOT)), "--today", TODAY.isoformat(), "charges", "--from", since.isoformat(), "--to", until.isoformat(), "--format", "csv"]
    limit = f"stopped after {cli_timeout:.0f} s" if cli_timeout else "no time limit"
    print(f"  `python -m tui.cli {' '.join(args)}`, its CSV counted and dropped ({limit}):")
    cli = _run_cli(args, cli_timeout)
    rss = f", peak RSS {cli['rss_mb']:,.0f} MB (its processes together)" if cli["rss_mb"] else ""
    if cli["stopped"]:
        print(f"    not finished after {cli['wall']:.1f} s{rss} (--cli-timeout 0 lets it finish)")
    elif cli["exit"]:
        last = cli["stderr"].splitlines()[-1] if cli["stderr"] else "no message"
        print(f"    failed after {cli['wall']:.1f} s, exit {cli['exit']}{rss}: {last}")
    else:
        print(
            f"    {cli['lines']:,} lines in {cli['wall']:.1f} s: {cli['lines'] / cli['wall']:,.0f} lines/s end to end "
            f"(target >= {CLI_TARGET:,}){rss} (target < {CLI_MEMORY_TARGET_MB} MB); its lines include minimum-spend true-ups"
        )
    return {"lines": lines, "read": read, "compute": compute, "baseline": baseline, "e2e": e2e, "cli": cli}

