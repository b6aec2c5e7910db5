"""How the billing run preview and a customer statement look at 80x24
(pytest-textual-snapshot).

Nothing may vary between runs: today is fixed (conftest), the book is the
relative `book.db`, the Input cursor does not blink, thread workers have
finished and no notification is left on screen.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from textual.widgets import Input

from billing.accounts import AllocationDraft, CustomerDraft
from store import allocations as allocation_store
from store import customers as customer_store
from store import packages as package_store
from store.payments import record_payment
from store.runs import commit_run, plan_run

from .conftest import SIZE, TODAY

D = Decimal


def steady(*keys: str):
    """A run_before: press `keys` (waiting for workers after each), then stop
    the cursor blinking and clear toasts."""

    async def run_before(pilot) -> None:
        await pilot.pause()
        for key in keys:
            await pilot.press(key)
            for _ in range(2):
                await pilot.pause()
                await pilot.app.workers.wait_for_complete()
                await pilot.pause()
        for box in pilot.app.screen.query(Input):
            box.cursor_blink = False
        pilot.app.clear_notifications()
        await pilot.pause()

    return run_before


@pytest.fixture
def run_book(demo_book):
    """Acme Telecom: 2 Hosted PBX seats from 2026-10-10 (auto decrement);
    Blue Fish Ltd: 3 UK DID rentals from 2026-09-20. Nothing posted."""
    find = package_store.find_package
    acme = customer_store.create_customer(CustomerDraft("Acme Telecom", "active", D("0"), ""))
    blue = customer_store.create_customer(CustomerDraft("Blue Fish Ltd", "active", D("0"), ""))
    allocation_store.create_allocation(
        acme.id, find("Hosted PBX seat").id, AllocationDraft(2, date(2026, 10, 10), None, True, False, "HQ"))
    allocation_store.create_allocation(
        blue.id, find("UK DID rental").id, AllocationDraft(3, date(2026, 9, 20), None, False, False, ""))
    return demo_book


@pytest.fixture
def statement_book(run_book):
    """run_book with everything up to TODAY posted and a payment of 250 from Acme Telecom."""
    commit_run(plan_run(TODAY, TODAY, run_book.settings.precision), TODAY)
    acme = customer_store.find_customer("Acme Telecom")
    record_payment(acme.id, date(2026, 11, 20), D("250"), "payment", "bank transfer", "INV-7")
    return run_book


def test_billing_run_preview(snap_compare, run_book, make_app):
    assert snap_compare(make_app(run_book), terminal_size=SIZE, run_before=steady("f5"))


def test_customer_statement(snap_compare, statement_book, make_app):
    # The customer list opens on Acme Telecom (sorted by name).
    assert snap_compare(make_app(statement_book), terminal_size=SIZE, run_before=steady("f3", "enter", "s"))
