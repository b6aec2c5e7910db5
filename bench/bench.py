"""packdesk benchmark: first frame on a 100k book, the live panel per keystroke,
opening customers on a 50k-customer book, a 12-month charges run, the book's
minimum-spend true-ups and the usage view over 10 million usage records, and a
committed billing run of 500,000 charges; and the run and the charges again on
PostgreSQL (step 10, bench/pg.py).

Speed is printed as ratios against a baseline measured in the same run (a bare
Textual app, a plain loop building as many tuples, one raw GROUP BY, raw
sqlite3 executemany), because these machines are noisy. Nothing here asserts:
the table at the end says PASS or FAIL beside each target.

    python bench/bench.py                  # from the project root (make bench)
    python bench/bench.py --runs 9         # more first-frame runs
    python bench/bench.py --rebuild        # rebuild the four books in bench/
    python bench/bench.py --profile        # also show where startup, the screens, charges, true-ups and commit_run go
    python bench/bench.py --cli-timeout 0  # let the 12-month charges CLI run to the end
    python bench/bench.py --only 10        # the run and the charges on PostgreSQL (PACKDESK_BENCH_PG)

This file is only the entry point; the parts are modules of the bench package
(see bench/README.md). It is also the child process of the first-frame runs
(`bench.py --child bare|app ...`), so it imports only what the child needs
before it knows which it is: the child imports bench.first_frame and nothing
else of the bench.
"""

from __future__ import annotations

import time

_T_MAIN = time.monotonic()  # when this interpreter started running our code

import sys  # noqa: E402
from pathlib import Path  # noqa: E402

# Run as a script, Python puts bench/ first on sys.path, where `bench` would be
# this file: the project root goes there instead, so `bench` is the package.
_HERE = Path(__file__).resolve().parent
if sys.path and Path(sys.path[0] or ".").resolve() == _HERE:
    sys.path[0] = str(_HERE.parent)
elif str(_HERE.parent) not in sys.path:
    sys.path.insert(0, str(_HERE.parent))


def main(argv: list[str]) -> int:
    import argparse
    import os

    from bench import books, report
    from bench.charges import CLI_TIMEOUT, charges
    from bench.common import TODAY
    from bench.first_frame import first_frame
    from bench.allocation_typing import allocation_typing
    from bench.keystrokes import panel_in_process, typing_headless
    from bench.run import billing_run_bench
    from bench.screens import book_projection, open_screens, usage_view
    from bench.true_ups import true_ups_bench

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="first-frame runs of each app (default 5)")
    parser.add_argument("--iterations", type=int, default=2000, help="in-process panel recomputes (default 2000)")
    parser.add_argument("--rounds", type=int, default=3, help="headless typing rounds of each app (default 3)")
    parser.add_argument("--screen-rounds", type=int, default=5, help="times the customer list and a customer are opened (default 5)")
    parser.add_argument("--cli-timeout", type=float, default=CLI_TIMEOUT, help=f"seconds the 12-month charges CLI may run before it is stopped; 0: no limit (default {CLI_TIMEOUT:g})")
    parser.add_argument("--rebuild", action="store_true", help="build the four books in bench/ again")
    parser.add_argument("--profile", action="store_true", help="also profile the app's startup, the customer screens, charges, the usage view, true-ups and commit_run")
    parser.add_argument("--only", metavar="STEPS", help="only these steps, e.g. 5,7,8 (the books are prepared all the same)")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    print(f"packdesk bench: Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, today fixed at {TODAY}")
    books.prepare(args.rebuild)

    rows: list[report.Row] = []
    measure, error_row = report.measure, report.error_row
    wanted = {int(s) for s in args.only.split(",")} if args.only else set(range(1, 10))
    if not args.only:
        wanted.add(10)  # PostgreSQL: skipped, and said so, when the server can't be reached
    ff = None
    if 2 in wanted:
        ff = measure(rows, "first frame", lambda: first_frame(args.runs), report.first_frame_rows, error_row("first frame, 100k book (median)", report.FIRST_FRAME), catch=RuntimeError, named=False)
    if 3 in wanted:
        rows.extend(report.panel_rows(panel_in_process(args.iterations)))
        measure(rows, "headless typing", lambda: typing_headless(args.rounds), report.typing_rows, error_row("form keystroke CPU, screen update incl. (mean)", report.NONE, "info"))
        measure(rows, "typing into a daily commitment", lambda: allocation_typing(args.rounds), report.allocation_typing_rows, error_row("allocation form, daily commitment: key echo", "<= 1.5x bare"))

    bare = ff["bare"] if ff else None
    if 4 in wanted:
        measure(rows, "opening the customer screens", lambda: open_screens(args.screen_rounds, bare), lambda r: report.screen_rows(r, bare), error_row("customer list / customer: key to rows", report.SCREEN))
    charged = None
    if 5 in wanted:
        charged = measure(rows, "charges", lambda: charges(args.cli_timeout or None), report.charges_rows, error_row("charges compute, 12 months", report.CHARGES))
        cli_wall = charged["cli"]["wall"] if charged and not charged["cli"]["stopped"] else None
        measure(rows, "book projection", lambda: book_projection(bare, cli_wall), lambda r: report.book_projection_rows(r, bare, cli_wall), error_row("book projection f4: first figures", "<= 4x bare"))
    if 6 in wanted:
        measure(rows, "true-ups", true_ups_bench, report.true_ups_rows, error_row(report.TRUE_UPS_LABEL, report.TRUE_UPS))
        measure(rows, "opening the usage view", lambda: usage_view(args.screen_rounds, bare), lambda r: report.usage_view_rows(r, bare), error_row("usage view: u to rows", report.SCREEN))
    run = None
    if 7 in wanted or 8 in wanted:
        run = measure(rows, "billing run", lambda: billing_run_bench(keep_plan=args.profile), report.run_rows, error_row("billing run commit, 500k charges", report.RUN))
    if 8 in wanted:
        from bench.mature import ensure_mature_book, mature_bench

        seconds, built = ensure_mature_book(args.rebuild)
        print(f"   Book: mature-500k.db, {'built' if built else 'reused'} in {seconds:.0f} s")
        per_line = run["seconds_per_line"] if run else None
        measure(rows, "mature book", lambda: mature_bench(per_line), report.mature_rows, error_row("mature book: next day's run", "<= 2x per line"))
    if 9 in wanted:
        from bench.calls import CALLS_TARGET, calls_bench, calls_rows

        measure(rows, "importing calls", calls_bench, calls_rows, error_row("import calls, 1000k", f">= {CALLS_TARGET:.2f}x raw"))

    if 10 in wanted:
        from bench.pg import PG_RUN_TARGET, pg_bench

        sqlite = {"run": run, "cli": charged["cli"] if charged else None}  # this run's SQLite figures, for information
        measure(rows, "PostgreSQL", lambda: pg_bench(args.cli_timeout or None, args.rebuild, args.profile, sqlite=sqlite), report.pg_rows,
                error_row("PG: billing run commit, 500k charges", f">= {PG_RUN_TARGET:.2f}x raw"))

    if args.profile:
        from bench import profiles

        profiles.profile_startup()
        profiles.profile_accounts()
        profiles.profile_usage()
        if run is not None and run.get("plan_object") is not None:
            profiles.profile_billing(run["plan_object"])

    report.table(rows)
    print(f"\n(whole bench {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        from bench.first_frame import child_main

        sys.exit(child_main(sys.argv[2:], _T_MAIN))
    sys.exit(main(sys.argv[1:]))
