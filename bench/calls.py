"""Step 9: importing a million calls (`packdesk import calls`), against raw
sqlite3 executemany of the same rows into a table of the call table's shape.

A fresh book (bench/calls-work.db, removed after) with 5,000 customers; a
CSV file of CALLS calls in a temporary folder, as a switch writes a day of
them: start order, starts with a space ('2026-03-11 00:00:03'), a fifth of the
destinations with a leading +, costs with up to 6 places. The figure is
store.calls.import_calls on it, end to end: reading and checking every row,
looking up the call ids already in the book (a query per batch), the
executemany. Calls per second, against the baseline's rows per second.

Baseline: the rows the import stores (call_id, customer id, start,
destination, seconds, cost, import id), made before the clock starts, into a
new scratch book on the same disk (bench/raw-calls.db, removed after) holding
one table of the call table's shape: its CREATE TABLE read from the book
(columns, defaults, CHECKs, the UNIQUE call_id), without its foreign keys,
and its two indexes (customer and start, start). One transaction (BEGIN
IMMEDIATE ... COMMIT, as the import's), executemany per 50,000 rows, the
book's pragmas. It runs before and after the import; the faster counts.

For information: the same raw rows into a bare table (no index but the
UNIQUE call_id), and the same file imported again (every call already in the
book: nothing written).

    python bench/calls.py            # this step alone
    python bench/bench.py --only 9   # the same, in the bench's table
"""

from __future__ import annotations

import random
import re
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

if __name__ == "__main__":  # run as a script: the project root on the path, not bench/
    sys.path[0] = str(Path(__file__).resolve().parents[1])

from bench.books import remove_book  # noqa: E402
from bench.common import BENCH_DIR, TODAY  # noqa: E402

CALLS = 1_000_000
CUSTOMERS = 5_000
#: import_calls throughput / raw executemany of the same rows into a table of the same shape.
CALLS_TARGET = 1 / 4
WORK = BENCH_DIR / "calls-work.db"
RAW = BENCH_DIR / "raw-calls.db"
_DESTINATIONS = ("44", "4420", "447", "1", "1212", "91", "49", "33", "353", "61")


def _rows(seed: int = 9) -> list[tuple[str, int, str, str, int, str]]:
    """(call_id, customer number, start as written, destination as written,
    seconds, cost as written) of a day of calls, in start order."""
    rng = random.Random(seed)
    day = datetime(TODAY.year, TODAY.month, TODAY.day)
    step = 86_400 / CALLS
    out = []
    for i in range(CALLS):
        start = (day + timedelta(seconds=int(i * step))).strftime("%Y-%m-%d %H:%M:%S")
        number = rng.choice(_DESTINATIONS) + str(rng.randrange(10**6, 10**9))
        if i % 5 == 0:
            number = "+" + number
        seconds = rng.choice((0, 0, 12, 37, 60, 95, 180, 240, 600, rng.randrange(1, 3600)))
        micros = seconds * rng.choice((100, 250, 1200, 8000))
        cost = f"{micros // 1_000_000}.{micros % 1_000_000:06d}".rstrip("0").rstrip(".") if micros else "0"
        out.append((f"sw1-{TODAY:%Y%m%d}-{i:08d}", 1 + rng.randrange(CUSTOMERS), start, number, seconds, cost))
    return out


def _write_csv(path: Path, rows) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("call_id,customer,start,destination,seconds,cost\n")
        out.writelines(f"{c},Customer {n:05d},{s},{d},{sec},{cost}\n" for c, n, s, d, sec, cost in rows)


def _book() -> None:
    """A fresh book at WORK with CUSTOMERS customers (raw inserts: the audit rows as a script's)."""
    from store.book import Book

    remove_book(WORK)
    book = Book.open(WORK)
    try:
        with book.db.atomic():
            book.db.cursor().executemany(
                "INSERT INTO customer (id, name) VALUES (?, ?)", [(n, f"Customer {n:05d}") for n in range(1, CUSTOMERS + 1)]
            )
    finally:
        book.close()


def _stored(rows) -> list[tuple]:
    """The rows as the import stores them, import id 1 (their customer ids are their numbers here)."""
    out = []
    for call_id, n, start, number, seconds, cost in rows:
        whole, _, fraction = cost.partition(".")
        micros = int(whole) * 1_000_000 + (int(fraction.ljust(6, "0")) if fraction else 0)
        out.append((call_id, n, start.replace(" ", "T"), number.lstrip("+"), seconds, micros, 1))
    return out


def _raw(rows: list[tuple], table_sql: str, indexes: list[str]) -> float:
    """Seconds for raw sqlite3 executemany of `rows` into a new scratch book
    holding one table (`table_sql` without its foreign keys) and `indexes`."""
    import sqlite3

    from store.book import PRAGMAS
    from store.calls import BATCH

    remove_book(RAW)
    conn = sqlite3.connect(RAW, isolation_level=None)
    try:
        for key, value in PRAGMAS.items():
            conn.execute(f"PRAGMA {key} = {value}")
        conn.execute(re.sub(r"\s+REFERENCES \w+ \(id\)( ON DELETE \w+)?", "", table_sql))
        for index in indexes:
            conn.execute(index)
        insert = "INSERT INTO call (call_id, customer_id, start, destination, seconds, cost, import_id) VALUES (?, ?, ?, ?, ?, ?, ?)"
        t0 = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        for i in range(0, len(rows), BATCH):
            conn.executemany(insert, rows[i : i + BATCH])
        conn.execute("COMMIT")
        seconds = time.perf_counter() - t0
        count = conn.execute("SELECT COUNT(*) FROM call").fetchone()[0]
    finally:
        conn.close()
        remove_book(RAW)
    if count != len(rows):
        print(f"  (!) the raw insert left {count:,} rows, not {len(rows):,}")
    return seconds


def calls_bench() -> dict:
    import gc

    from store.book import Book
    from store.calls import import_calls
    from store.models import database

    print(f"\n9. Importing {CALLS:,} calls into a fresh book of {CUSTOMERS:,} customers ({WORK.name})")
    rows = _rows()
    with tempfile.TemporaryDirectory(prefix="packdesk-calls-") as folder:
        csv_path = Path(folder) / f"calls-{TODAY}.csv"
        _write_csv(csv_path, rows)
        size_mb = csv_path.stat().st_size / 1e6
        _book()
        book = Book.open(WORK)
        try:
            table_sql, *indexes = [
                sql for (sql,) in database.execute_sql(
                    "SELECT sql FROM sqlite_master WHERE tbl_name = 'call' AND sql IS NOT NULL ORDER BY type DESC, name"
                ).fetchall()
            ]
            stored = _stored(rows)
            del rows
            gc.collect()
            raw = [_raw(stored, table_sql, indexes)]
            gc.collect()
            t0 = time.perf_counter()
            result = import_calls(csv_path)
            imported = time.perf_counter() - t0
            gc.collect()
            t0 = time.perf_counter()
            again = import_calls(csv_path)
            skipped = time.perf_counter() - t0
        finally:
            book.close()
            remove_book(WORK)
    raw.append(_raw(stored, table_sql, indexes))
    bare = _raw(stored, table_sql, [])
    del stored
    baseline = min(raw)
    rate, raw_rate, bare_rate = CALLS / imported, CALLS / baseline, CALLS / bare
    note = "" if result.added == CALLS and again.already == CALLS and again.added == 0 else f"  (!) {result} then {again}"
    print(
        f"  import_calls of a {size_mb:.0f} MB file: {imported:.2f} s, {rate:,.0f} calls/s, {rate / raw_rate:.2f}x raw "
        f"(target >= {CALLS_TARGET:.2f}x){note}"
    )
    print(
        f"  baseline: raw sqlite3 executemany of the same {CALLS:,} rows into a table of the call table's shape (its CHECKs, "
        f"UNIQUE call_id and {len(indexes)} indexes, no foreign key), one transaction, in {RAW.parent.name}/: "
        f"{' and '.join(f'{s:.2f}' for s in raw)} s (before and after), best {raw_rate:,.0f} rows/s"
    )
    print(f"  for information: into a bare table (UNIQUE call_id only) {bare:.2f} s, {bare_rate:,.0f} rows/s; import is {rate / bare_rate:.2f}x it")
    print(f"  for information: the same file again (every call already in the book, nothing written): {skipped:.2f} s")
    return {"calls": CALLS, "import": imported, "raw": baseline, "bare": bare, "again": skipped}


def calls_rows(c: dict) -> list[tuple[str, str, str, str, str, str]]:
    """The bench table's rows of this step."""
    rate, raw_rate, bare_rate = c["calls"] / c["import"], c["calls"] / c["raw"], c["calls"] / c["bare"]
    ok = rate / raw_rate >= CALLS_TARGET
    return [
        (f"import calls, {c['calls'] // 1000}k", f"{rate:,.0f} calls/s", f"{raw_rate:,.0f} rows/s", f"{rate / raw_rate:.2f}x",
         f">= {CALLS_TARGET:.2f}x raw", "PASS" if ok else "FAIL"),
        ("  the same against a bare table (UNIQUE call_id only)", f"{rate:,.0f} calls/s", f"{bare_rate:,.0f} rows/s",
         f"{rate / bare_rate:.2f}x", "none set", "info"),
        ("  the same file again (all skipped)", f"{c['again']:.1f} s", "-", "-", "none set", "info"),
    ]


if __name__ == "__main__":
    figures = calls_bench()
    for row in calls_rows(figures):
        print("  ".join(row))
    print("PASS" if figures["calls"] / figures["import"] >= CALLS_TARGET * figures["calls"] / figures["raw"] else "FAIL")
