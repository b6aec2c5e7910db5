"""Books for the billing-run and ledger tests: always a file under tmp_path
(never in-memory: the concurrency tests open the same book from several
processes), opened through store.book.Book like the app and the CLI do.

Helpers build packages, customers and allocations through the store, run the
command line in-process (`cli`) or as a real process (`cli_process`), and
read the ledger back with plain sqlite3 so what the tests see is what the
file holds, not what a store function says it holds.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from billing.accounts import AllocationDraft, CustomerDraft
from billing.catalogue import PackageDraft
from billing.money import from_micros
from billing.schedule import Frequency
from store.allocations import AllocationRow, create_allocation
from store.book import Book
from store.customers import CustomerRow, create_customer, find_customer
from store.packages import PackageRow, create_package
from tui.cli import main

D = Decimal
ROOT = Path(__file__).resolve().parents[2]
#: "Today" for every test unless a test says otherwise.
TODAY = date(2025, 4, 10)


def days(start: date, end: date) -> list[date]:
    """Every date in [start, end]."""
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


@pytest.fixture(autouse=True)
def _no_env(monkeypatch):
    """No book or 'today' leaks in from the environment."""
    monkeypatch.delenv("PACKDESK_DB", raising=False)
    monkeypatch.delenv("PACKDESK_TODAY", raising=False)


@pytest.fixture
def db(tmp_path) -> Path:
    """A new, empty, closed book file."""
    path = tmp_path / "book.db"
    Book.open(path).close()
    return path


@contextmanager
def opened(path: Path):
    book = Book.open(path)
    try:
        yield book
    finally:
        book.close()


# --- building a book (inside `with opened(db):`) -----------------------------------


def package(
    name: str,
    retail: str = "0",
    cost: str = "0",
    setup_retail: str = "0",
    setup_cost: str = "0",
    frequency: Frequency = Frequency.DAILY,
    match: tuple[int, ...] = (),
    minimum_spend: bool = False,
    description: str = "",
) -> PackageRow:
    return create_package(
        PackageDraft(
            name=name,
            retail=D(retail),
            cost=D(cost),
            setup_retail=D(setup_retail),
            setup_cost=D(setup_cost),
            frequency=frequency,
            match=match,
            description=description,
            minimum_spend=minimum_spend,
        )
    )


def customer(name: str) -> CustomerRow:
    return create_customer(CustomerDraft(name, "active", D(0), ""))


def allocate(
    who: CustomerRow, what: PackageRow, start: date, end: date | None = None, auto: bool = False, quantity: int = 1
) -> AllocationRow:
    return create_allocation(who.id, what.id, AllocationDraft(quantity, start, end, auto, False, ""))


def balance_of(name: str) -> Decimal:
    found = find_customer(name)
    assert found is not None, name
    return found.balance


# --- the command line ---------------------------------------------------------------


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    """tui.cli.main(argv) in-process -> (exit code, stdout, stderr)."""
    capsys.readouterr()
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def cli_env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PACKDESK_DB", "PACKDESK_TODAY")}
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


def cli_command(*argv: str) -> list[str]:
    return [sys.executable, "-m", "tui.cli", *argv]


def cli_process(*argv: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """`python -m tui.cli ...` as a real process, from the project root."""
    return subprocess.run(
        cli_command(*argv), cwd=ROOT, env=env or cli_env(), capture_output=True, text=True, timeout=timeout
    )


def run_json(capsys, db: Path, run_date: date, *extra: str, today: date = TODAY, commit: bool = False) -> list[dict]:
    """`run --date D [--commit] --format json` in-process; asserts exit 0."""
    argv = ["run", "--db", str(db), "--today", today.isoformat(), "--date", run_date.isoformat(), "--format", "json"]
    if commit:
        argv.append("--commit")
    code, out, err = cli(capsys, *argv, *extra)
    assert code == 0, err
    return json.loads(out)


# --- reading the file back ------------------------------------------------------------


def raw(path: Path) -> sqlite3.Connection:
    """A plain sqlite3 connection to the book (the audit triggers need packdesk_user())."""
    con = sqlite3.connect(path, timeout=15)
    con.create_function("packdesk_user", 0, lambda: "raw-sql")
    return con


def query(path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    con = raw(path)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def ledger_rows(path: Path) -> list[dict]:
    """Every ledger row as a dict, money as Decimal, in id order."""
    con = raw(path)
    con.row_factory = sqlite3.Row
    try:
        rows = [dict(r) for r in con.execute("SELECT * FROM ledger ORDER BY id")]
    finally:
        con.close()
    for r in rows:
        for key in ("amount", "cost", "retail_price", "cost_price", "setup_retail_price", "setup_cost_price"):
            r[key] = from_micros(r[key])
    return rows


def ledger_keys(path: Path) -> list[tuple[int, str, str]]:
    return [(r["allocation_id"], r["kind"], str(r["date"])) for r in ledger_rows(path)]


def count(path: Path, table: str) -> int:
    return query(path, f"SELECT COUNT(*) FROM {table}")[0][0]


def key_of(line: dict) -> tuple[int, str, str]:
    """(allocation, kind, date) of a charge line as the CLI prints it in JSON."""
    return (int(line["allocation"]), line["kind"], line["date"])
