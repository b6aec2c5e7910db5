"""Step 10: the billing run and the charges on PostgreSQL.

The SQLite books are copied once into template databases on the server, with
store.copy_book (what `packdesk copy-book --to URL` runs): the accounts book,
the run book and the mature book. Each measure runs on a fresh copy of its
template (`CREATE DATABASE packdesk_bench_work TEMPLATE ...`), dropped after.

- The committed run, as step 7 (bench/run.py): plan_run for TODAY, then
  commit_run of its first RUN_LINES lines, against raw psycopg of the same
  rows into a table of the ledger's shape in the same database, in the same
  batches and transactions: `executemany` of the ledger's own INSERT, and
  COPY. The target is held against the faster of the two.
- The charges, as step 5 (bench/charges.py): the allocations read, their
  12 months computed, and the charges CLI on the copy, CSV counted and dropped.
- The mature book's next day, as step 8 (bench/mature.py, its child process):
  wall, peak memory, time per posted line against the fresh run book's here;
  and one big customer's run preview.

The server is PACKDESK_BENCH_PG (default postgresql://postgres@127.0.0.1:5432/test),
used as the admin connection: the role must be able to create databases.

    python bench/pg.py               # this step alone (the SQLite books must exist)
    python bench/pg.py --rebuild     # make the three template databases again
    python bench/bench.py --only 10  # the same, in the bench's table
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

if __name__ == "__main__":  # run as a script: the project root on the path, not bench/
    sys.path[0] = str(Path(__file__).resolve().parents[1])

from bench.books import ACCOUNTS_PATH, RUN_PATH  # noqa: E402
from bench.common import TODAY  # noqa: E402

from bench.pg_books import (  # noqa: E402
    PG_ENV, PG_RUN_TARGET, RAW_SCHEMA, _admin, admin_url, ensure_template, fresh_copy, shown, templates,
)

# --- the raw baseline -----------------------------------------------------------------------


def _shape_table(conn) -> list[str]:
    """RAW_SCHEMA.ledger, made anew: the book's ledger's columns, defaults,
    identity and CHECKs (LIKE), and its unique indexes (the primary key, the
    (allocation_id, kind, date) key) and customer index; no foreign key, no
    trigger, no other index. The index definitions, as made."""
    import re

    conn.execute(f"DROP SCHEMA IF EXISTS {RAW_SCHEMA} CASCADE")
    conn.execute(f"CREATE SCHEMA {RAW_SCHEMA}")
    conn.execute(
        f"CREATE TABLE {RAW_SCHEMA}.ledger (LIKE public.ledger INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY)"
    )
    made = []
    for name, definition in conn.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'ledger'"):
        columns = definition[definition.index("(") + 1 :].lstrip()
        if " UNIQUE " in definition or columns.startswith("customer_id"):
            shaped = re.sub(r" ON (public\.)?ledger ", f" ON {RAW_SCHEMA}.ledger ", definition, count=1)
            conn.execute(shaped)
            made.append(shaped.replace(f"{RAW_SCHEMA}.", ""))
    return made


def raw_ledger(url: str, rows: list[tuple], batch: int, how: str, own: bool = False) -> tuple[float, list[str]]:
    """Seconds for raw psycopg of `rows` in transactions of `batch` rows, on a
    connection of its own: `how` is "executemany" (store.runs' INSERT ...
    ON CONFLICT DO NOTHING, as translated for PostgreSQL) or "copy" (COPY
    FROM STDIN, one per batch). Into RAW_SCHEMA.ledger (made anew, dropped
    after); or, with `own`, into the book's own ledger (foreign keys, every
    index and trigger). Also the indexes of the table written."""
    import psycopg

    from store.chain import LEDGER_COLUMNS
    from store.pg_sql import translate
    from store.runs import _INSERT

    conn = psycopg.connect(url, application_name="packdesk bench raw")
    try:
        if own:
            conn.execute("INSERT INTO billing_run (id, run_date, posted_by) VALUES (%s, %s, 'bench')", (rows[0][15], TODAY.isoformat()))
            indexes = [d for (d,) in conn.execute("SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'ledger'")]
        else:
            indexes = _shape_table(conn)
            conn.execute(f"SET search_path = {RAW_SCHEMA}, public")
        conn.commit()
        insert = translate(_INSERT, True)
        copy = f"COPY ledger ({', '.join(LEDGER_COLUMNS)}, hash) FROM STDIN"
        t0 = time.perf_counter()
        with conn.cursor() as cursor:
            for i in range(0, len(rows), batch):
                part = rows[i : i + batch]
                if how == "executemany":
                    cursor.executemany(insert, part)
                else:
                    with cursor.copy(copy) as out:
                        for row in part:
                            out.write_row(row)
                conn.commit()
        seconds = time.perf_counter() - t0
        count = conn.execute("SELECT COUNT(*) FROM ledger").fetchone()[0]
        if not own:
            conn.execute(f"DROP SCHEMA {RAW_SCHEMA} CASCADE")
            conn.commit()
    finally:
        conn.close()
    if count != len(rows):
        print(f"  (!) the raw {how} left {count:,} rows, not {len(rows):,}")
    return seconds, indexes


# --- the measures ------------------------------------------------------------------------------


def run_on_pg(admin: str, keep_plan: bool = False) -> dict:
    """Step 7 on PostgreSQL: plan_run for TODAY on a fresh copy of the run
    template, commit_run of its first RUN_LINES lines; raw executemany and
    COPY of the same rows into a table of the ledger's shape in the same
    database, before and after the commit (the faster of each counts)."""
    import gc

    from bench.run import RUN_LINES, _ledger_rows
    from store.book import Book, current_user
    from store.runs import BATCH, commit_run, plan_run

    template = templates()["run"].name
    print(f"  (a) A committed billing run on a fresh copy of {template} ({RUN_PATH.name})")
    with fresh_copy(admin, template) as url:
        book = Book.open(url, create=False)
        try:
            precision = book.settings.precision
            t0 = time.perf_counter()
            plan = plan_run(TODAY, TODAY, precision)
            planned = time.perf_counter() - t0
            due = len(plan.lines)
            print(f"  plan_run({TODAY}): {due:,} lines due, {len(plan.skipped):,} skipped, {planned:.1f} s ({due / planned:,.0f} lines/s)", flush=True)
            if due > RUN_LINES:
                plan.lines = plan.lines[:RUN_LINES]
            n = len(plan.lines)
            rows = _ledger_rows(plan.lines, 1, current_user())
            gc.collect()
            raw = {"executemany": [], "copy": []}
            for how in raw:  # before, and after, the commit: the better of each is the baseline
                seconds, shape = raw_ledger(url, rows, BATCH, how)
                raw[how].append(seconds)
            t0 = time.perf_counter()
            result = commit_run(plan, TODAY)
            committed = time.perf_counter() - t0
        finally:
            book.close()
        for how in raw:
            raw[how].append(raw_ledger(url, rows, BATCH, how)[0])
    # For information: the same rows into the book's own ledger (foreign keys, its other indexes, its triggers).
    with fresh_copy(admin, template) as url:
        own, own_indexes = raw_ledger(url, rows, BATCH, "executemany", own=True)
    del rows
    best = {how: min(times) for how, times in raw.items()}
    faster = min(best, key=best.get)
    rate = n / committed
    rates = {how: n / s for how, s in best.items()}
    note = "" if result.posted == n and result.already == 0 else f"  (!) posted {result.posted:,}, already {result.already:,}"
    print(
        f"  commit_run of the first {n:,} lines (batches of {BATCH:,}): {committed:.1f} s, {rate:,.0f} lines/s, "
        f"{rate / rates[faster]:.2f}x raw {faster} (the faster raw; target >= {PG_RUN_TARGET:.2f}x), "
        f"{rate / rates['executemany']:.2f}x raw executemany, {rate / rates['copy']:.2f}x raw COPY{note}"
    )
    print(
        f"  baseline: raw psycopg of the same {n:,} rows into {RAW_SCHEMA}.ledger in the same database, a table of the ledger's "
        f"columns, defaults, identity and CHECKs with {len(shape)} indexes ({'; '.join(shape)}), a transaction per {BATCH:,} rows:"
    )
    for how, label in (("executemany", f"executemany of the ledger's INSERT ... ON CONFLICT DO NOTHING"), ("copy", "COPY FROM STDIN, one per transaction")):
        print(f"    {label}: {' and '.join(f'{s:.2f}' for s in raw[how])} s (before and after), best {rates[how]:,.0f} rows/s")
    print(
        f"  for information: raw executemany into the book's own ledger ({len(own_indexes)} indexes, foreign keys, its triggers): "
        f"{own:.2f} s, {n / own:,.0f} rows/s; commit_run is {rate / (n / own):.2f}x it"
    )
    out = {
        "plan": planned, "due": due, "lines": n, "commit": committed, "raw": best, "faster": faster, "own": own,
        "posted": result.posted, "seconds_per_line": (planned * n / max(1, due) + committed) / max(1, n),
    }
    if keep_plan:
        out["plan_object"] = plan
    return out


def charges_on_pg(admin: str, cli_timeout: float | None) -> dict:
    """Step 5 on PostgreSQL, on a fresh copy of the accounts template: the
    allocations read and their 12 months computed in this process, then the
    charges CLI (CSV counted and dropped; its processes' peak memory, the
    server's not counted)."""
    import gc

    from bench.charges import _run_cli, _tuples_baseline, charges_window, count_charges
    from store.book import Book
    from store.scan import iter_allocations

    template = templates()["accounts"].name
    since, until = charges_window()
    print(f"  (b) Charges for the whole of {template} ({ACCOUNTS_PATH.name}), {since} to {until} (12 months)")
    with fresh_copy(admin, template) as url:
        book = Book.open(url, create=False)
        try:
            precision = book.settings.precision
            t0 = time.perf_counter()
            allocations = list(iter_allocations())
            read = time.perf_counter() - t0
            print(f"  read {len(allocations):,} allocations from PostgreSQL (iter_allocations): {read:.2f} s, {len(allocations) / read:,.0f} allocations/s", flush=True)
            t0 = time.perf_counter()
            lines = count_charges(allocations, since, until, precision)
            compute = time.perf_counter() - t0
            print(f"  compute {lines:,} charge lines over those rows: {compute:.2f} s, {lines / compute:,.0f} lines/s (the same Python as step 5)")
        finally:
            book.close()
        del allocations
        gc.collect()
        baseline = _tuples_baseline(lines)
        print(f"  baseline: a plain loop building {lines:,} tuples: {baseline:.2f} s; compute is {compute / baseline:.2f}x it, read {read / baseline:.2f}x")
        args = ["--db", url, "--today", TODAY.isoformat(), "charges", "--from", since.isoformat(), "--to", until.isoformat(), "--format", "csv"]
        limit = f"stopped after {cli_timeout:.0f} s" if cli_timeout else "no time limit"
        print(f"  `python -m tui.cli {' '.join(args)}`, its CSV counted and dropped ({limit}):", flush=True)
        cli = _run_cli(args, cli_timeout)
    rss = f", peak RSS {cli['rss_mb']:,.0f} MB (its processes together; the server's not counted)" if cli["rss_mb"] else ""
    if cli["stopped"]:
        print(f"    not finished after {cli['wall']:.1f} s{rss} (--cli-timeout 0 lets it finish)")
    elif cli["exit"]:
        last = cli["stderr"].splitlines()[-1] if cli["stderr"] else "no message"
        print(f"    failed after {cli['wall']:.1f} s, exit {cli['exit']}{rss}: {last}")
    else:
        print(f"    {cli['lines']:,} lines in {cli['wall']:.1f} s: {cli['lines'] / cli['wall']:,.0f} lines/s end to end{rss}")
    return {"lines": lines, "read": read, "compute": compute, "baseline": baseline, "cli": cli}


def mature_on_pg(admin: str, fresh_seconds_per_line: float | None) -> dict:
    """Step 8 on PostgreSQL, with its child process: one big customer's run
    preview, then the next day's committed run, on a fresh copy of the
    mature template; time per posted line against the fresh run book's on
    PostgreSQL."""
    from bench.mature import CUSTOMER_PREVIEW_TARGET, MEMORY_TARGET_MB, RATIO_TARGET, YESTERDAY, _child
    from bench.rows import BIG_CUSTOMER

    template = templates()["mature"].name
    print(f"  (c) The mature book: a fresh copy of {template}, everything up to {YESTERDAY} posted")
    with fresh_copy(admin, template) as url:
        preview = _child(url, TODAY, BIG_CUSTOMER, commit=False)
        print(
            f"  run preview for one customer ({BIG_CUSTOMER}, {preview['lines']:,} lines due): "
            f"{preview['wall']:.2f} s (target < {CUSTOMER_PREVIEW_TARGET:.0f} s)", flush=True
        )
        daily = _child(url, TODAY, None, commit=True)
    per_line = daily["wall"] / max(1, daily["posted"])
    ratio = per_line / fresh_seconds_per_line if fresh_seconds_per_line else None
    shown_ratio = f", {ratio:.2f}x the fresh run book's time per line on PostgreSQL (target <= {RATIO_TARGET:.0f}x)" if ratio else ""
    print(
        f"  next day's committed run ({TODAY}): {daily['posted']:,} lines in {daily['wall']:.1f} s "
        f"(plan {daily['plan']:.1f} s), peak {daily['peak_mb']:.0f} MB (target < {MEMORY_TARGET_MB} MB; the server's not counted){shown_ratio}"
    )
    return {"preview": preview["wall"], "daily": daily["wall"], "posted": daily["posted"], "peak_mb": daily["peak_mb"], "ratio": ratio}


def pg_bench(
    cli_timeout: float | None, rebuild: bool = False, profile: bool = False, parts: str = "run,charges,mature", sqlite: dict | None = None
) -> dict:
    """Step 10: the templates made or reused, then each measure on a fresh
    copy. A part that fails is reported and left out (None); the others run.
    `sqlite`: this run's SQLite figures, if steps 5 and 7 ran ({"run": step
    7's, "cli": step 5's CLI}), compared for information."""
    import psycopg

    admin = admin_url()
    wanted = parts.split(",")
    print(f"\n10. The billing run and the charges on PostgreSQL ({shown(admin)})")
    try:
        psycopg.connect(admin, connect_timeout=10).close()
    except psycopg.OperationalError as exc:
        reason = " ".join(str(exc).split())
        print(f"  skipped: the server can't be reached ({reason}); set {PG_ENV} to a server where this role may create databases")
        return {"skipped": reason}
    with _admin(admin) as conn:
        print(f"  server: {conn.execute('SHOW server_version').fetchone()[0]}, shared_buffers {conn.execute('SHOW shared_buffers').fetchone()[0]}, "
              f"synchronous_commit {conn.execute('SHOW synchronous_commit').fetchone()[0]}, fsync {conn.execute('SHOW fsync').fetchone()[0]}")
    needed = {"run": ["run"], "charges": ["accounts"], "mature": ["run", "mature"]}
    keys = [k for k in ("accounts", "run", "mature") if any(k in needed[p] for p in wanted)]
    out: dict = {"templates": {}}  # then "run", "charges", "mature": those asked for (None: it failed)
    for key in keys:
        template = templates()[key]
        try:
            seconds, done = ensure_template(admin, template, rebuild)
        except Exception as exc:
            print(f"  template {template.name} failed: {type(exc).__name__}: {exc}")
            continue
        out["templates"][key] = seconds if done == "made" else None
        print(f"  template {template.name} ({template.source.name}): {done}{f' in {seconds:.0f} s' if done == 'made' else ''}", flush=True)

    def part(name, fn):
        try:
            return fn()
        except Exception as exc:
            print(f"  {name} on PostgreSQL failed: {type(exc).__name__}: {exc}")
            return None

    if "run" in wanted or "mature" in wanted:
        out["run"] = part("the billing run", lambda: run_on_pg(admin, keep_plan=profile))
    if "charges" in wanted:
        out["charges"] = part("charges", lambda: charges_on_pg(admin, cli_timeout))
    if "mature" in wanted:
        per_line = out["run"]["seconds_per_line"] if out.get("run") else None
        out["mature"] = part("the mature book", lambda: mature_on_pg(admin, per_line))
    _against_sqlite(out, sqlite or {})
    if profile and out.get("run") and out["run"].get("plan_object") is not None:
        part("the commit_run profile", lambda: profile_commit(admin, out["run"].pop("plan_object")))
    return out


def _against_sqlite(out: dict, sqlite: dict) -> None:
    """PostgreSQL's figures over SQLite's of this same bench run, for information."""
    found = {}
    run, lite = out.get("run"), sqlite.get("run")
    if run and lite:
        found["commit"] = (run["lines"] / run["commit"]) / (lite["lines"] / lite["commit"])
        found["plan"] = run["plan"] / lite["plan"]
    cli, lite_cli = (out.get("charges") or {}).get("cli"), sqlite.get("cli")
    if cli and lite_cli and not (cli["stopped"] or cli["exit"] or lite_cli["stopped"] or lite_cli["exit"]):
        found["cli"] = (cli["lines"] / cli["wall"]) / (lite_cli["lines"] / lite_cli["wall"])
    if found:
        said = {"commit": "commit_run lines/s", "plan": "plan_run time", "cli": "charges CLI lines/s"}
        print("  for information, PostgreSQL over SQLite (steps 5 and 7 of this run): " + ", ".join(f"{said[k]} {v:.2f}x" for k, v in found.items()))
    out["sqlite"] = found


def profile_commit(admin: str, plan) -> None:
    """Where commit_run's time goes on PostgreSQL: each statement it sends,
    timed at the driver by its first words, and a cProfile by self time, on
    another fresh copy of the run template."""
    import cProfile

    from bench.profiles import _print_profile, _StatementClock
    from store.book import Book
    from store.runs import commit_run

    with fresh_copy(admin, templates()["run"].name) as url:
        book = Book.open(url, create=False)
        try:
            times: dict = {}
            cursor = book.db.cursor
            book.db.cursor = lambda *a, **k: _StatementClock(cursor(*a, **k), times)  # this object only
            profile = cProfile.Profile()
            t0 = time.perf_counter()
            profile.enable()
            commit_run(plan, TODAY)
            profile.disable()
            total = time.perf_counter() - t0
        finally:
            book.close()
    print(f"\nProfile: commit_run of {len(plan.lines):,} lines on PostgreSQL, {total:.1f} s under cProfile; the statements it sends (calls, seconds):")
    for key, (calls, seconds) in sorted(times.items(), key=lambda kv: -kv[1][1]):
        print(f"  {seconds:7.2f} s {calls:5,}x  {key} ...")
    _print_profile(profile, "tottime", "", 16)


def main(argv: list[str]) -> int:
    import argparse

    from bench.charges import CLI_TIMEOUT

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rebuild", action="store_true", help="make the template databases again")
    parser.add_argument("--profile", action="store_true", help="also profile commit_run on PostgreSQL")
    parser.add_argument("--cli-timeout", type=float, default=CLI_TIMEOUT, help=f"seconds the charges CLI may run; 0: no limit (default {CLI_TIMEOUT:g})")
    parser.add_argument("--parts", default="run,charges,mature", help="which of run, charges, mature (default all three)")
    args = parser.parse_args(argv)
    from bench import report

    started = time.perf_counter()
    result = pg_bench(args.cli_timeout or None, args.rebuild, args.profile, args.parts)
    report.table(report.pg_rows(result))
    print(f"\n(step 10: {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
