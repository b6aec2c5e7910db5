"""Stress: package edits and billing runs at once, on one file book.

Builds a book in a temporary folder (a few hundred packages, customers and
allocations, from the bench's row generators in bench/rows.py), then starts,
at the same moment:

- 3 editor processes, each making 1,000 package edits the way the app saves
  them: read the package, change its retail, save with the version it read
  (store.packages.update_package). On Conflict (someone saved first) the
  editor re-reads and tries again, and counts the conflict. Every edit also
  adds one to the editor's own counter in the package's description
  ("stress p0=12 p1=7 p2=30"), so an edit that was lost (overwritten by a
  save that had not seen it) shows as a counter short at the end.
- 2 billing processes, each committing runs (store.runs.commit_run) for
  the same successive dates up to the fixed "today", recording a payment
  after each run and reversing every third one.
- 1 importer process, importing files in a loop the way `packdesk import`
  does: usage CSVs (store.usage.import_usage, dated before any allocation
  starts, so no true-up moves under the runs) and allocation CSVs
  (store.allocation_transfer.import_allocations, starting after "today", so
  nothing they bring is due), each file all rows or none in one transaction.

Then it checks and prints: "database is locked" errors caught (target 0),
lost edits (target 0), conflicts detected and retried, double charges
(ledger lines sharing allocation, kind and date; the UNIQUE key makes them
impossible, they are counted anyway: target 0), balances that differ from
the ledger (store.ledger.check_balances, target 0), charges still unposted
after the last run (target 0), hash chains broken (target 0), rows the
importer's files brought against what they held (target: all of them), and the
total time. Exits 1 if a target is missed. `--db URL` runs it on an empty
PostgreSQL database instead of a file (stress/README.md says how).
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import sys
import tempfile
import time
import traceback
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

#: The fixed "today" of the whole run: billing runs never go past it.
TODAY = date(2025, 6, 30)
D = Decimal
COUNTER = re.compile(r"p(\d+)=(\d+)")


def is_locked(exc: BaseException) -> bool:
    """SQLite's "database is locked" / busy, PostgreSQL's deadlock or lock timeout."""
    text = str(exc).lower()
    return any(word in text for word in ("locked", "busy", "deadlock", "lock timeout", "could not serialize"))


# --- the book ----------------------------------------------------------------------------

#: Which packages the allocations pick, by frequency: mostly daily and weekly,
#: so that every one of the runs has lines to post.
RUN_MIX = {"daily": 50, "weekly": 20, "monthly": 30}
#: Allocations start up to this many days before the first run.
START_SPREAD = 45


def build(path: Path, packages: int, customers: int, allocations: int, days: int, seed: int) -> None:
    """The bench's rows (bench/rows.py) at this size, with no balances (the
    ledger starts empty), then some usage through the store."""
    from bench.rows import add_book
    from store.book import Book
    from store.models import database
    from store.usage import add_usage

    rng = random.Random(seed)
    first_run = TODAY - timedelta(days=days - 1)
    big = allocations if customers == 1 else allocations // customers  # the first customer's share
    book = Book.open(path)
    try:
        with database.atomic():
            add_book(packages, customers, allocations, big, first_run, rng, package_seed=seed, days=START_SPREAD, mix=RUN_MIX, balances=False)
            for customer_id in range(1, customers // 3 + 1):
                for _ in range(3):
                    add_usage(customer_id, TODAY - timedelta(days=rng.randint(1, 90)), D(rng.randint(100, 20000)).scaleb(-2), "calls")
    finally:
        book.close()


# --- the workers (each a separate process with its own connection) -------------------------------


def wait_until(moment: float) -> None:
    delay = moment - time.time()
    if delay > 0:
        time.sleep(delay)


@contextmanager
def worker(path: str, report: dict):
    """The book open for one worker; a failure is kept in report["errors"]."""
    from store.book import Book

    book = Book.open(path)
    try:
        yield book
    except Exception:
        report["errors"].append(traceback.format_exc())
    finally:
        book.close()


def until_done(report: dict, action, conflict=()):
    """action() until it goes through. "database is locked" (counted in
    report["lock_errors"]) and `conflict` (in report["conflicts"]) are tried
    again; anything else is raised."""
    from peewee import OperationalError

    while True:
        try:
            return action()
        except conflict:
            report["conflicts"] += 1
        except OperationalError as exc:
            if not is_locked(exc):
                raise
            report["lock_errors"] += 1


def editor(path: str, index: int, edits: int, hot: list[int], start_at: float, seed: int) -> dict:
    from store.errors import Conflict
    from store.packages import get_package, update_package

    report = {"role": f"editor {index}", "applied": {}, "conflicts": 0, "lock_errors": 0, "errors": []}
    rng = random.Random(seed * 1000 + index)
    me = f"p{index}"

    def edit(package_id: int) -> None:
        current = get_package(package_id)
        counters = {f"p{k}": int(v) for k, v in COUNTER.findall(current.description)}
        counters[me] = counters.get(me, 0) + 1
        text = "stress " + " ".join(f"{k}={counters[k]}" for k in sorted(counters))
        retail = D(rng.randint(10, 9999)).scaleb(-2)
        update_package(package_id, current.version, current.draft().with_(retail=retail, description=text))

    with worker(path, report):
        wait_until(start_at)
        for _ in range(edits):
            package_id = rng.choice(hot)
            until_done(report, lambda: edit(package_id), Conflict)
            report["applied"][package_id] = report["applied"].get(package_id, 0) + 1
    return report


def runner(path: str, index: int, days: int, start_at: float, seed: int) -> dict:
    from store.models import database
    from store.payments import record_payment, reverse_payment
    from store.runs import commit_run, plan_run

    report = {"role": f"billing {index}", "runs": 0, "posted": 0, "already": 0, "payments": 0, "reversals": 0,
              "lock_errors": 0, "errors": []}
    rng = random.Random(seed * 2000 + index)
    payments: list[int] = []

    def run(day: date) -> None:  # customers and precision: read in the worker below
        result = commit_run(plan_run(day, TODAY, precision), TODAY)
        report["runs"] += 1
        report["posted"] += result.posted
        report["already"] += result.already
        paid = record_payment(rng.choice(customers), day, D(rng.randint(100, 10000)).scaleb(-2), "payment", "stress")
        report["payments"] += 1
        payments.append(paid.id)
        if len(payments) % 3 == 0:
            reverse_payment(payments[-1], day, "stress reversal")
            report["reversals"] += 1

    with worker(path, report) as book:
        customers = [cid for (cid,) in database.execute_sql("SELECT id FROM customer").fetchall()]
        precision = book.settings.precision
        wait_until(start_at)
        for offset in range(days - 1, -1, -1):
            day = TODAY - timedelta(days=offset)
            until_done(report, lambda: run(day))
    return report


def importer(path: str, index: int, files: int, rows: int, start_at: float, seed: int, work: str) -> dict:
    from store.allocation_transfer import import_allocations
    from store.models import database
    from store.usage import import_usage

    report = {"role": f"importer {index}", "usage_rows": 0, "allocations": 0, "files": 0, "lock_errors": 0, "errors": []}
    rng = random.Random(seed * 3000 + index)
    folder = Path(work) / f"imports-{index}"
    folder.mkdir(exist_ok=True)
    with worker(path, report):
        customers = [name for (name,) in database.execute_sql("SELECT name FROM customer").fetchall()]
        packages = [name for (name,) in database.execute_sql("SELECT name FROM package WHERE archived = 0").fetchall()]
        before_any = TODAY - timedelta(days=400)  # long before any allocation starts: no true-up moves
        wait_until(start_at)
        for n in range(files):
            file = folder / f"{'usage' if n % 2 == 0 else 'allocations'}-{n:04d}.csv"
            if n % 2 == 0:
                lines = [f"{rng.choice(customers)},{before_any - timedelta(days=rng.randint(0, 300))},"
                         f"{D(rng.randint(1, 99999)).scaleb(-2)},calls" for _ in range(rows)]
                file.write_text("customer,date,amount,source\n" + "\n".join(lines) + "\n")
                report["usage_rows"] += until_done(report, lambda: import_usage(file, today=TODAY)).rows
            else:
                lines = [f"{csv_cell(rng.choice(customers))},{csv_cell(rng.choice(packages))},1,"
                         f"{TODAY + timedelta(days=rng.randint(1, 60))},imp-{index}-{n}-{k}" for k in range(rows // 10)]
                file.write_text("customer,package,quantity,start_date,reference\n" + "\n".join(lines) + "\n")
                report["allocations"] += until_done(report, lambda: import_allocations(file, TODAY)).added
            report["files"] += 1
    return report


def csv_cell(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"') else text


# --- checking -----------------------------------------------------------------------------------


def verify(path: Path, editors: list[dict], runners: list[dict], edits: int, importers: list[dict] = ()) -> dict:
    from store.book import Book
    from store import chain
    from store.ledger import check_balances
    from store.models import database
    from store.packages import get_package
    from store.runs import plan_run

    book = Book.open(path)
    try:
        hot = sorted({pid for e in editors for pid in e["applied"]})
        found: dict[int, dict[str, int]] = {}
        for pid in hot:
            found[pid] = {f"p{k}": int(v) for k, v in COUNTER.findall(get_package(pid).description)}
        lost = 0
        for n, report in enumerate(editors):
            me = f"p{n}"
            # Each process's counter on each package is exactly the number of
            # edits it saved there; the sum is the edits it was asked to make.
            for pid in hot:
                lost += abs(report["applied"].get(pid, 0) - found[pid].get(me, 0))
            lost += abs(edits - sum(found[pid].get(me, 0) for pid in hot))
        description_audit = database.execute_sql(
            "SELECT COUNT(*) FROM audit WHERE entity = 'package' AND action = 'update' AND field = 'description'"
        ).fetchone()[0]
        doubles = database.execute_sql(
            "SELECT COUNT(*) FROM (SELECT 1 FROM ledger GROUP BY allocation_id, kind, date HAVING COUNT(*) > 1) AS doubled"
        ).fetchone()[0]
        ledger_lines = database.execute_sql("SELECT COUNT(*) FROM ledger").fetchone()[0]
        unposted = len(plan_run(TODAY, TODAY, book.settings.precision).lines)
        imported_usage = database.execute_sql("SELECT COUNT(*) FROM usage WHERE import_id IS NOT NULL").fetchone()[0]
        imported_allocations = database.execute_sql("SELECT COUNT(*) FROM allocation WHERE reference LIKE 'imp-%'").fetchone()[0]
        expected = (sum(r["usage_rows"] for r in importers), sum(r["allocations"] for r in importers))
        return {
            "imported": (imported_usage, imported_allocations),
            "imports_expected": expected,
            "lost": lost,
            "applied": sum(sum(e["applied"].values()) for e in editors),
            "audit_description_updates": description_audit,
            "doubles": doubles,
            "ledger_lines": ledger_lines,
            "balances": check_balances(),
            "chains": [v.table for v in (chain.verify(t) for t in chain.TABLES) if v.broken_at is not None],
            "unposted": unposted,
        }
    finally:
        book.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edits", type=int, default=1000, help="edits per editor process (default 1000)")
    parser.add_argument("--editors", type=int, default=3)
    parser.add_argument("--runners", type=int, default=2, help="billing processes (default 2)")
    parser.add_argument("--packages", type=int, default=300)
    parser.add_argument("--customers", type=int, default=300)
    parser.add_argument("--allocations", type=int, default=600)
    parser.add_argument("--hot", type=int, default=8, help="packages the editors fight over (default 8)")
    parser.add_argument("--days", type=int, default=30, help="billing runs per billing process, one per date (default 30)")
    parser.add_argument("--importers", type=int, default=1, help="importer processes (default 1)")
    parser.add_argument("--files", type=int, default=40, help="files each importer imports, usage and allocations in turn (default 40)")
    parser.add_argument("--rows", type=int, default=500, help="usage rows a file (an allocation file: a tenth; default 500)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the book and print where it is")
    parser.add_argument(
        "--db", metavar="URL",
        help="a PostgreSQL book instead of a file: an empty database (postgresql://user@host:port/dbname), "
        "emptied again after unless --keep",
    )
    args = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="packdesk-stress-"))
    path = folder / "stress.db"
    if args.db:
        from stress_pg import empty_again, empty_database  # beside this file

        problem = empty_database(args.db)
        if problem:
            print(f"stress: {problem}", file=sys.stderr)
            return 2
        path = args.db
    began = time.perf_counter()
    try:
        build(path, args.packages, args.customers, args.allocations, args.days, args.seed)
        built = time.perf_counter() - began
        print(f"book: {args.packages} packages, {args.customers} customers, {args.allocations} allocations "
              f"(built in {built:.1f} s); today {TODAY}")
        print(f"{args.editors} editors x {args.edits} edits on {args.hot} packages; "
              f"{args.runners} billing processes x {args.days} runs ({TODAY - timedelta(days=args.days - 1)} .. {TODAY}); "
              f"{args.importers} importers x {args.files} files")
        hot = list(range(1, args.hot + 1))
        started = time.perf_counter()
        start_at = time.time() + 1.5
        workers = args.editors + args.runners + args.importers
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
            editing = [pool.submit(editor, str(path), n, args.edits, hot, start_at, args.seed) for n in range(args.editors)]
            billing = [pool.submit(runner, str(path), n, args.days, start_at, args.seed) for n in range(args.runners)]
            importing = [pool.submit(importer, str(path), n, args.files, args.rows, start_at, args.seed, str(folder)) for n in range(args.importers)]
            editors = [f.result() for f in editing]
            runners = [f.result() for f in billing]
            importers = [f.result() for f in importing]
        worked = time.perf_counter() - started - 1.5
        result = verify(path, editors, runners, args.edits, importers)
    finally:
        if args.keep:
            print(f"book kept at {path}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
            if args.db:
                empty_again(args.db)
    total = time.perf_counter() - began

    errors = [text for r in editors + runners + importers for text in r["errors"]]
    lock_errors = sum(r["lock_errors"] for r in editors + runners + importers)
    conflicts = sum(r["conflicts"] for r in editors)
    posted = sum(r["posted"] for r in runners)
    print()
    for r in editors:
        print(f"  {r['role']}: {sum(r['applied'].values())} edits saved, {r['conflicts']} conflicts retried, "
              f"{r['lock_errors']} lock errors")
    for r in runners:
        print(f"  {r['role']}: {r['runs']} runs, {r['posted']} lines posted, {r['already']} left to the other run, "
              f"{r['payments']} payments, {r['reversals']} reversals, {r['lock_errors']} lock errors")
    for r in importers:
        print(f"  {r['role']}: {r['files']} files, {r['usage_rows']} usage rows, {r['allocations']} allocations, "
              f"{r['lock_errors']} lock errors")
    print()
    rows = [
        ("lock errors (database is locked)", lock_errors, 0),
        ("lost edits", result["lost"], 0),
        ("conflicts detected and retried", conflicts, None),
        ("edits applied / asked", f"{result['applied']} / {args.edits * args.editors}", None),
        ("audit rows for those edits", result["audit_description_updates"], None),
        ("ledger lines (posted by the runs)", f"{result['ledger_lines']} ({posted})", None),
        ("double charges", result["doubles"], 0),
        ("balances differing from the ledger", len(result["balances"]), 0),
        ("hash chains broken (check)", len(result["chains"]), 0),
        ("charges left unposted up to today", result["unposted"], 0),
        ("usage rows / allocations imported", "{} / {}".format(*result["imported"]), None),
        ("  in the importers' files", "{} / {}".format(*result["imports_expected"]), None),
        ("worker errors", len(errors), 0),
        ("time (s): total / concurrent part", f"{total:.1f} / {worked:.1f}", None),
    ]
    for label, value, target in rows:
        print(f"{label:<40} {value}" + (f"   (target {target})" if target is not None else ""))
    for text in errors:
        print(text, file=sys.stderr)
    for cid, name, kept, derived in result["balances"][:10]:
        print(f"  {name} (#{cid}): balance {kept} but the ledger gives {derived}", file=sys.stderr)

    missed = (
        lock_errors
        or result["lost"]
        or result["doubles"]
        or result["balances"]
        or result["unposted"]
        or errors
        or result["applied"] != args.edits * args.editors
        or result["audit_description_updates"] != result["applied"]
        or result["ledger_lines"] != posted
        or result["imported"] != result["imports_expected"]
        or sum(r["files"] for r in importers) != args.files * args.importers
    )
    print("\nFAILED: a target was missed" if missed else "\nOK: every target met")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
