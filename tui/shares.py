"""Work on a whole large book shared with another process, so a second core
takes half: the book's customers cut into two name ranges of about as many
allocations (store.scan.customer_cuts), this process doing the first. Used by
`packdesk charges` (tui/cli/charges_parallel.py) and the book projection."""

from __future__ import annotations

import multiprocessing
import os
import sys
from datetime import date
from pathlib import Path
from typing import Callable

from billing.projection import BookTotals
from store.charges import charges_by_customer
from store.dialect import engine
from store.scan import allocation_count, customer_cuts

#: Below this many allocations one process is quicker than starting another.
SHARED_FROM = 50_000
#: At most this many processes.
MOST_SHARES = 2


def share_count() -> int:
    """How many processes work on the whole book: one per core this process
    may use, up to MOST_SHARES, on an SQLite book big enough to gain."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    if engine() != "sqlite":  # a PostgreSQL server works on its own cores; one connection reads
        return 1
    if cores < 2 or allocation_count() < SHARED_FROM:
        return 1
    return min(cores, MOST_SHARES)


def spawning():
    """A fresh process, never a fork: no SQLite connection crosses into it.

    Spawning needs multiprocessing's resource tracker, which it starts with
    this process's standard error; inside the app that is Textual's capture,
    which has no file behind it, so the tracker is started on the real one."""
    from multiprocessing import resource_tracker

    saved = sys.stderr
    try:
        if sys.__stderr__ is not None:
            sys.stderr = sys.__stderr__
        resource_tracker.ensure_running()
    finally:
        sys.stderr = saved
    return multiprocessing.get_context("spawn")


def total_share(path: str, start: date, end: date, precision: int, today: date, names: tuple) -> tuple:
    """In another process: the book projection's totals of one name range (BookTotals.state)."""
    from store.book import Book

    book = Book.open(path, create=False)
    try:
        totals = BookTotals(start, end)
        allocations = 0
        for allocation, charges in charges_by_customer(start, end, precision, today=today, names=names):
            totals.add(allocation.package, charges)
            allocations += 1
        months, packages, lines, _ = totals.state()
        return months, packages, lines, allocations
    finally:
        book.close()


class OtherShare:
    """`with OtherShare(...) as other`: on a large book another process
    totals the second name range while this one reads `other.mine`;
    `other.wait(cancelled)` gives its totals (None once cancelled). Leaving
    the `with` stops it, finished or not."""

    def __init__(self, path: Path, start: date, end: date, precision: int, today: date):
        self.args = (str(path), start, end, precision, today)
        self.active = False
        self.mine: tuple = (None, None)
        self._pool = self._result = None

    def __enter__(self) -> "OtherShare":
        if share_count() > 1:
            cuts = customer_cuts(2)
            if len(cuts) == 2:
                self.mine = cuts[0]
                self._pool = spawning().Pool(1)
                self._result = self._pool.apply_async(total_share, (*self.args, cuts[1]))
                self.active = True
        return self

    def wait(self, cancelled: Callable[[], bool]):
        while not self._result.ready():
            if cancelled():
                return None
            self._result.wait(0.1)
        return self._result.get()

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
