"""How the screens look at 80x24 (pytest-textual-snapshot): the package list
and form, help, the customer and allocation screens, the billing run preview
and a customer statement.

Nothing may vary between runs: today is fixed (conftest), the book is the
relative `book.db`, the Input cursor does not blink, thread workers have
finished and no notification is left on screen. No screen here shows where
the book is, so a PostgreSQL book draws the same pictures: each test's
`[sqlite]` and `[postgresql]` snapshots are the same file twice.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from textual.widgets import Input

from billing.accounts import AllocationDraft
from billing.catalogue import PackageDraft
from billing.schedule import Frequency
from store.allocations import create_allocation
from store.customers import find_customer
from store.packages import create_package, find_package
from store.payments import record_payment
from store.runs import commit_run, plan_run
from tests.helpers.books import customer
from tests.helpers.pilot import SIZE, TODAY, settle

pytestmark = pytest.mark.both_engines

D = Decimal


def steady(*keys: str):
    """A run_before: press `keys` (letting workers finish after each), then
    stop the cursor blinking and clear toasts."""

    async def run_before(pilot) -> None:
        await pilot.pause()
        for key in keys:
            await pilot.press(key)
            await settle(pilot, 2)
        for box in pilot.app.screen.query(Input):
            box.cursor_blink = False
        pilot.app.clear_notifications()
        await pilot.pause()

    return run_before


# --- packages and help -------------------------------------------------------------


def test_package_list_with_demo_data(snap_compare, demo_app):
    assert snap_compare(demo_app, terminal_size=SIZE, run_before=steady())


def test_form_for_a_new_package(snap_compare, demo_app):
    assert snap_compare(demo_app, terminal_size=SIZE, run_before=steady("n"))


def test_form_editing_a_weekly_demo_package(snap_compare, demo_app):
    # Annual support plan, Call bundle 500, Daily test number, Fax to email (weekly, Monday).
    assert snap_compare(demo_app, terminal_size=SIZE, run_before=steady("down", "down", "down", "enter"))


def test_help_screen(snap_compare, demo_app):
    assert snap_compare(demo_app, terminal_size=SIZE, run_before=steady("question_mark"))


# --- customers and allocations ----------------------------------------------------------


@pytest.fixture
def accounts_app(demo_book, make_app):
    """Three customers; Acme Telecom (tax 20%) has two allocations."""
    create_package(PackageDraft(
        "Monthly line", D("10"), D("4"), D("25"), D("8"), Frequency.MONTHLY, (31,),
        "Business line, billed on the last day", "DID-UK", False, 30))
    acme = customer("Acme Telecom", tax="20")
    customer("Blue Fish Ltd", "suspended")
    customer("Cobalt Networks", "closed", "17.5")
    create_allocation(acme.id, find_package("Monthly line").id, AllocationDraft(2, date(2026, 10, 1), None, False, False, "DID 0201"))
    create_allocation(
        acme.id, find_package("Hosted PBX seat").id, AllocationDraft(5, date(2026, 12, 10), date(2027, 12, 9), True, False, "HQ"))
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


# --- the billing run and the statement ------------------------------------------------------


@pytest.fixture
def statement_book(run_book):
    """run_book with everything up to TODAY posted and a payment of 250 from Acme Telecom."""
    commit_run(plan_run(TODAY, TODAY, run_book.settings.precision), TODAY)
    record_payment(find_customer("Acme Telecom").id, date(2026, 11, 20), D("250"), "payment", "bank transfer", "INV-7")
    return run_book


def test_billing_run_preview(snap_compare, run_book, make_app):
    assert snap_compare(make_app(run_book), terminal_size=SIZE, run_before=steady("f5"))


def test_customer_statement(snap_compare, statement_book, make_app):
    # The customer list opens on Acme Telecom (sorted by name).
    assert snap_compare(make_app(statement_book), terminal_size=SIZE, run_before=steady("f3", "enter", "s"))


# --- readable on every terminal (tui.legible) ---------------------------------------------------
#
# The package form with 'x' in retail (its reason under it) and the cursor in
# cost: in the default theme, on a terminal of 16 colours (the ANSI theme)
# and under NO_COLOR (colours stripped: the bar before cost, bold reasons).

ERROR_AND_FOCUS = ("n", "tab", "x", "tab")


def _terminal(monkeypatch, **env: str) -> None:
    monkeypatch.delenv("COLORTERM", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)


def test_form_error_and_focus_in_the_default_theme(snap_compare, demo_app):
    assert snap_compare(demo_app, terminal_size=SIZE, run_before=steady(*ERROR_AND_FOCUS))


def test_form_error_and_focus_on_16_colours(snap_compare, demo_book, make_app, monkeypatch):
    _terminal(monkeypatch, TERM="linux")
    app = make_app(demo_book)
    assert snap_compare(app, terminal_size=SIZE, run_before=steady(*ERROR_AND_FOCUS))


def test_form_error_and_focus_without_colour(snap_compare, demo_book, make_app, monkeypatch):
    _terminal(monkeypatch, TERM="vt100", NO_COLOR="1")
    app = make_app(demo_book)
    assert snap_compare(app, terminal_size=SIZE, run_before=steady(*ERROR_AND_FOCUS))
