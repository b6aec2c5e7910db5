"""Payments and credits in the store (validation, the balance they move),
the customer statement (running and opening balance), and the audit log (a
row per changed field, who made it, money as decimals)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from billing.accounts import AllocationDraft, CustomerDraft
from billing.money import MoneyError
from store.allocations import update_allocation
from store.audit import list_audit
from store.customers import get_customer, update_customer
from store.ledger import check_balances, ledger_balance, statement
from store.payments import list_payments, record_payment, reverse_payment
from store.packages import StoreError, update_package
from store.usage import add_usage, update_usage
from tests.helpers.books import allocate, balance_of, customer, opened, package
from tests.helpers.cli import run_json
from tests.helpers.raw import count, query, who_writes

pytestmark = pytest.mark.both_engines

D = Decimal
MAR = lambda day: date(2025, 3, day)  # noqa: E731


# --- payments and credits -------------------------------------------------------------------------


def test_record_payment_and_credit_move_the_balance(db):
    with opened(db) as book:
        book.update_settings(precision=6)  # a book that keeps micro-units: amounts stay exact to the last place
        who = customer("Acme Telecom")
        paid = record_payment(who.id, MAR(1), D("100.25"), "payment", " March ", " INV-7 ")
        credit = record_payment(who.id, MAR(2), D("0.000001"), "credit")
        assert (paid.kind, paid.amount, paid.description, paid.reference) == ("payment", D("100.25"), "March", "INV-7")
        assert paid.created_by == who_writes(db)
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
        me = who_writes(db)
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
        me = who_writes(db)
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
