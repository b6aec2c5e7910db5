"""How the customer and allocation screens look at 80x24 (pytest-textual-snapshot).

Nothing may vary between runs: today is fixed (conftest), the book is the
relative `book.db`, the Input cursor does not blink, workers have finished
and no notification is left on screen.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from textual.widgets import Input

from billing.accounts import AllocationDraft, CustomerDraft
from billing.catalogue import PackageDraft
from billing.schedule import Frequency
from store import allocations as allocation_store
from store import customers as customer_store
from store import packages as package_store

from .conftest import SIZE

D = Decimal


def steady(*keys: str):
    """A run_before: press `keys` (waiting for workers after each), then stop
    the cursor blinking and clear toasts."""

    async def run_before(pilot) -> None:
        await pilot.pause()
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
        for box in pilot.app.screen.query(Input):
            box.cursor_blink = False
        pilot.app.clear_notifications()
        await pilot.pause()

    return run_before


@pytest.fixture
def accounts_app(demo_book, make_app):
    """Three customers; Acme Telecom (tax 20%) has two allocations."""
    package_store.create_package(PackageDraft(
        "Monthly line", D("10"), D("4"), D("25"), D("8"), Frequency.MONTHLY, (31,),
        "Business line, billed on the last day", "DID-UK", False, 30))
    acme = customer_store.create_customer(CustomerDraft("Acme Telecom", "active", D("20"), ""))
    customer_store.create_customer(CustomerDraft("Blue Fish Ltd", "suspended", D("0"), ""))
    customer_store.create_customer(CustomerDraft("Cobalt Networks", "closed", D("17.5"), ""))
    find = package_store.find_package
    allocation_store.create_allocation(
        acme.id, find("Monthly line").id, AllocationDraft(2, date(2026, 10, 1), None, False, False, "DID 0201"))
    allocation_store.create_allocation(
        acme.id, find("Hosted PBX seat").id, AllocationDraft(5, date(2026, 12, 10), date(2027, 12, 9), True, False, "HQ"))
    return make_app(demo_book)


def test_customer_list(snap_compare, accounts_app):
    assert snap_compare(accounts_app, terminal_size=SIZE, run_before=steady("f3"))


def test_customer_screen_with_two_allocations(snap_compare, accounts_app):
    assert snap_compare(accounts_app, terminal_size=SIZE, run_before=steady("f3", "enter"))


def test_allocation_form_with_a_package_and_its_projection(snap_compare, accounts_app):
    keys = ("f3", "enter", "n", *"month", "down", "enter", "ctrl+u", "3")
    assert snap_compare(accounts_app, terminal_size=SIZE, run_before=steady(*keys))


def test_customer_projection(snap_compare, accounts_app):
    assert snap_compare(accounts_app, terminal_size=SIZE, run_before=steady("f3", "enter", "p"))
