"""The app stays responsive on a book large enough that a run takes more than
a frame: the preview computes in a worker and escape leaves it at once; the
commit confirm closes the moment it is answered and a second `y` reaches no
field; the book projection shows running totals before it is done; a daily
minimum-spend allocation's projection lists every line, drawing only those
on screen."""

from __future__ import annotations

import asyncio
import time
from datetime import date, timedelta
from decimal import Decimal

import pytest
from textual.widgets import Input

from billing.accounts import AllocationDraft, CustomerDraft
from billing.catalogue import PackageDraft
from billing.schedule import Frequency
from store.allocations import create_allocation
from store.customers import create_customer
from store.dialect import connection
from store.models import database
from store.usage import add_usage
from tests.helpers.pilot import TODAY
from tui.app import PackdeskApp
from tui.screens.allocation_form import AllocationFormScreen
from tui.screens.billing_run import BillingRunScreen
from tui.screens.dialogs import ChoiceScreen
from tui.screens.projections import BookProjectionScreen
from tui.widgets.line_table import LineTable

pytestmark = pytest.mark.both_engines

SIZE = (80, 24)
ALLOCATIONS = 3000


@pytest.fixture
def big_book(book):
    """3,000 daily allocations over 300 customers, started 60 days ago and
    never run: a preview has 180,000 lines to work out."""
    did = create_package_daily()
    start = (TODAY - timedelta(days=60)).isoformat()
    with database.atomic():
        first = create_customer(CustomerDraft("Customer 000")).id
        conn = connection()
        conn.executemany("INSERT INTO customer (name) VALUES (?)", [(f"Customer {n:03d}",) for n in range(1, 300)])
        conn.executemany(
            "INSERT INTO allocation (customer_id, package_id, quantity, start_date, auto_decrement) VALUES (?, ?, 1, ?, 1)",
            [(first + n % 300, did, start) for n in range(ALLOCATIONS)],
        )
    book.update_settings(test_clock=True)  # TODAY is this book's today: its runs may post
    return book


def create_package_daily():
    from store.packages import create_package

    return create_package(PackageDraft("DID", Decimal("0.50"), Decimal("0.10"), frequency=Frequency.DAILY)).id


async def wait_for(pilot, condition, limit: float = 60.0) -> float:
    started = time.perf_counter()
    while not condition():
        assert time.perf_counter() - started < limit, "timed out"
        await asyncio.sleep(0.01)
    return time.perf_counter() - started


async def test_escape_leaves_a_preview_still_computing(big_book):
    from store import runs

    app = PackdeskApp(big_book, today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        runs.PLAN_CHUNK, chunk = 500, runs.PLAN_CHUNK  # progress (and the check for leaving) every 500 allocations
        try:
            asyncio.ensure_future(pilot.press("f5"))
            await wait_for(pilot, lambda: isinstance(app.screen, BillingRunScreen))
            screen = app.screen
            await wait_for(pilot, lambda: "allocations read" in str(screen.query_one("#run-status").content))
            assert screen.busy and screen.plan is None  # the preview is computing in its worker
            asyncio.ensure_future(pilot.press("escape"))
            left = await wait_for(pilot, lambda: not isinstance(app.screen, BillingRunScreen), 2.0)
            await app.workers.wait_for_complete()
        finally:
            runs.PLAN_CHUNK = chunk
        assert left < 1.0
        assert screen.plan is None  # it stopped: nothing was shown on a screen that was left


async def test_commit_closes_the_confirm_at_once_and_a_second_y_reaches_no_field(big_book):
    app = PackdeskApp(big_book, today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, BillingRunScreen))
        screen = app.screen
        await wait_for(pilot, lambda: screen.plan is not None)
        lines = len(screen.plan.lines)
        assert lines == ALLOCATIONS * 61
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        date_before = screen.query_one("#run-date", Input).value
        answering = asyncio.ensure_future(pilot.press("y", "y", "y"))
        closed = await wait_for(pilot, lambda: not isinstance(app.screen, ChoiceScreen), 2.0)
        assert closed < 0.5  # the confirm goes with the first y
        assert screen.busy and all(field.disabled for field in screen.query(Input))  # posting: no field takes keys
        await answering
        await wait_for(pilot, lambda: not screen.busy, 120)
        assert screen.query_one("#run-date", Input).value == date_before  # the extra y's went nowhere
        assert database.execute_sql("SELECT COUNT(*) FROM ledger").fetchone()[0] == lines
        assert not any(field.disabled for field in screen.query(Input))


async def test_the_book_projection_shows_running_totals_before_it_is_done(big_book):
    app = PackdeskApp(big_book, today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        pressing = asyncio.ensure_future(pilot.press("f4"))
        await wait_for(pilot, lambda: isinstance(app.screen, BookProjectionScreen) and app.screen.shown is not None)
        first = app.screen.shown
        await wait_for(pilot, lambda: app.screen.shown[1], 120)
        await pressing
        assert first[0] < ALLOCATIONS or first[1]  # figures came before the last allocation was read
        assert app.screen.shown == (ALLOCATIONS, True)


async def test_a_daily_commitment_lists_every_line_and_draws_only_what_is_on_screen(book):
    from store.packages import create_package

    package = create_package(
        PackageDraft("Daily commitment", Decimal("5"), Decimal("1"), frequency=Frequency.DAILY, minimum_spend=True)
    )
    acme = create_customer(CustomerDraft("Acme"))
    for n in range(1, 60):
        add_usage(acme.id, TODAY - timedelta(days=n), Decimal("3"))
    allocation = create_allocation(acme.id, package.id, AllocationDraft(1, TODAY - timedelta(days=10)))
    app = PackdeskApp(book, today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        from store.customers import get_customer

        app.push_screen(AllocationFormScreen(get_customer(acme.id), allocation))
        await wait_for(pilot, lambda: isinstance(app.screen, AllocationFormScreen))
        await pilot.pause()
        lines = app.screen.query_one("#projection-lines", LineTable)
        trueups = app.screen.query_one("#projection-trueups", LineTable)
        assert len(lines._rows) > 700 and len(trueups._rows) > 360
        drawn = []
        original = LineTable.render_line

        def counting(self, y):
            drawn.append(y)
            return original(self, y)

        quantity = app.screen.query_one("#quantity", Input)
        quantity.focus()
        app.screen.query_one("#allocation-projection").scroll_to_widget(lines, animate=False)
        await pilot.pause()
        LineTable.render_line = counting
        try:
            await pilot.press("end", "backspace", "2")
            await pilot.pause()
        finally:
            LineTable.render_line = original
        assert quantity.value == "2"
        assert 0 < len(drawn) < 100  # a screenful, not 1,100 lines
        assert "10.00" in trueups.text()  # quantity 2: each day's commitment is 2 x 5.00
        assert "~7.00" in lines.text()  # less the 3.00 a day the customer spends


def test_today_is_fixed():
    assert TODAY == date(2026, 11, 25)
