"""Usage lines in the app: the billing run's preview (f5) lists each
customer's calls of a day as a usage line beside the charges and counts it
in the totals, ctrl+s posts it, and the customer's statement shows it with
the running balance (a prepaid customer's usage comes off it)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from textual.widgets import Static

from store import settings
from tui.screens.dialogs import ChoiceScreen

from tests.helpers.books import customer
from tests.helpers.calls import add_calls, bundle_package, give
from tests.helpers.pilot import SIZE, TODAY, opens, rows_of, settle
from tests.helpers.raw import count, query
from tests.tui.test_run_screens import open_run, open_statement

pytestmark = pytest.mark.both_engines

D = Decimal
DAY = "2026-11-05"


@pytest.fixture
def calls_book(book, tmp_path):
    """Acme Telecom with a 100-minute UK bundle and the worked example's
    calls of one day (net 0.52), usage billing on."""
    settings.update(usage_billing=True, test_clock=True)
    acme = customer("Acme Telecom")
    give(acme, bundle_package(), start=TODAY.replace(day=1))
    add_calls(tmp_path, [
        ("w1", "Acme Telecom", f"{DAY} 09:00:00", "447700900001", 50, "1.00"),
        ("w2", "Acme Telecom", f"{DAY} 10:00:00", "447700900002", 60, "1.20"),
        ("w3", "Acme Telecom", f"{DAY} 11:00:00", "12125550100", 15, "0.30"),
        ("w4", "Acme Telecom", f"{DAY} 12:00:00", "447700900003", 1, "0.02"),
    ])
    return book


async def test_the_run_preview_lists_the_usage_line_and_ctrl_s_posts_it(calls_book, make_app):
    app = make_app(calls_book)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_run(pilot)
        assert rows_of(screen, "#run-lines") == [
            [DAY, "Acme Telecom", "calls: 4 calls, 126 min, 100 min free", "usage", "0.52", "0.00"],
        ]
        assert rows_of(screen, "#run-customers") == [["Acme Telecom", "1", "0.52", "0.00", "0.52"]]
        status = str(screen.query_one("#run-status", Static).render())
        assert "1 charge(s) to post (1 of them usage lines), retail 0.52" in status
        await opens(pilot, ChoiceScreen, "ctrl+s")
        assert "Post 1 charge(s), retail 0.52 USD" in app.screen.message
        await pilot.press("y")
        await settle(pilot)
        assert query(calls_book, "SELECT date, amount, calls FROM usage_line") == [(DAY, 520_000, 4)]
        assert rows_of(screen, "#run-lines") == []


async def test_the_statement_shows_the_usage_line_and_the_balance_it_moves(calls_book, make_app):
    app = make_app(calls_book)
    async with app.run_test(size=SIZE) as pilot:
        await open_run(pilot)
        await opens(pilot, ChoiceScreen, "ctrl+s")
        await pilot.press("y")
        await settle(pilot)
        assert count(calls_book, "usage_line") == 1
        await pilot.press("escape")
        await settle(pilot)
        screen = await open_statement(pilot, "Acme Telecom")
        assert rows_of(screen, "#st-lines") == [[DAY, "usage", "calls: 4 calls, 126 min, 100 min free", "0.52", "", "-0.52"]]


async def test_a_day_of_calls_past_the_largest_line_is_said_in_the_preview(calls_book, make_app, tmp_path):
    add_calls(tmp_path, [(f"big{n}", "Acme Telecom", f"{DAY} 13:00:00", "1212", 1, "1000000000") for n in range(1001)], "big.csv")
    app = make_app(calls_book)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_run(pilot)
        status = str(screen.query_one("#run-status", Static).render())
        assert f"Acme Telecom's calls of {DAY} come to" in status and "nothing was posted" in status
        assert screen.plan is None and rows_of(screen, "#run-lines") == []
        await pilot.press("ctrl+s")  # nothing previewed: it previews again, and says the same
        await settle(pilot)
        assert app.is_running and count(calls_book, "usage_line") == 0
