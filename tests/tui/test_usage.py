"""Minimum spend in the app (Pilot at 80x24, today fixed to 2026-11-25, a
Wednesday): the usage screen (`u` on a customer's screen: records newest
first, by month and by day, add / correct / delete), the allocation form's
true-up basis for a minimum-spend package, and the package form's panel."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

from billing.money import format_money
from store import usage as usage_store
from tui.screens.allocation_form import AllocationFormScreen
from tui.screens.customer import CustomerScreen
from tui.screens.customer_list import CustomerListScreen
from tui.screens.dialogs import ChoiceScreen
from tui.screens.package_form import PackageFormScreen
from tui.screens.projections import CustomerProjectionScreen
from tui.screens.usage import UsageFormScreen, UsageScreen
from tui.widgets.paged_table import PagedTable

from tests.helpers.books import ACME, BUNDLE, acme, give_bundle
from tests.helpers.pilot import projection_text
from tests.helpers.pilot import (
    SIZE, TODAY, messages, names, open_row, opens, panel_text, press, rendered, replace_text, static_text, table_rows,
)

pytestmark = pytest.mark.both_engines

D = Decimal
YESTERDAY = TODAY - timedelta(days=1)  # 2026-11-24, a Tuesday
PERIOD_START = date(2026, 11, 1)  # the bundle's current period: [11-01, 12-01)


def usage_rows(screen) -> list[tuple[str, str, str]]:
    return [tuple(row) for row in table_rows(screen)]


def by_month(screen) -> dict[str, str]:
    """month ('Nov 2026') -> usage as shown."""
    text = rendered(screen.query_one("#usage-periods"), 60)
    return {m.group(1): m.group(2) for m in re.finditer(r"^\s*([A-Z][a-z]{2} \d{4}) +([\d.]+)", text, re.M)}


def by_day(screen) -> dict[str, str]:
    """day ('11-24') -> usage as shown."""
    text = rendered(screen.query_one("#usage-days"), 60)
    return {m.group(1): m.group(2) for m in re.finditer(r"^\s*[A-Z][a-z]{2} (\d\d-\d\d) +([\d.]+)", text, re.M)}


async def to_customer(pilot) -> CustomerScreen:
    await pilot.pause()
    await opens(pilot, CustomerListScreen, "f3")
    assert names(pilot.app.screen)[0] == ACME
    screen = await opens(pilot, CustomerScreen, "enter")
    assert screen.customer.name == ACME
    return screen


async def to_usage(pilot) -> UsageScreen:
    await to_customer(pilot)
    screen = await opens(pilot, UsageScreen, "u")
    return screen


@pytest.fixture
def usage_book(demo_customers_book):
    """Acme's usage: two records yesterday, one on 11-20, one in October."""
    c = acme()
    usage_store.add_usage(c.id, date(2026, 10, 15), D("30.00"), "oct")
    usage_store.add_usage(c.id, YESTERDAY, D("5.25"), "b")
    usage_store.add_usage(c.id, date(2026, 11, 20), D("10.00"), "a")
    usage_store.add_usage(c.id, YESTERDAY, D("1.75"), "d")
    return demo_customers_book


# --- the usage screen -------------------------------------------------------------------


async def test_u_opens_the_usage_screen_newest_first_with_totals(usage_book, make_app):
    app = make_app(usage_book)
    async with app.run_test(size=SIZE) as pilot:
        screen = await to_usage(pilot)
        assert static_text(screen, "#title").startswith("Usage") and ACME in static_text(screen, "#title")
        assert usage_rows(screen) == [
            ("2026-11-24", "1.75", "d"),
            ("2026-11-24", "5.25", "b"),
            ("2026-11-20", "10.00", "a"),
            ("2026-10-15", "30.00", "oct"),
        ]
        months = by_month(screen)
        assert months["Nov 2026"] == "17.00"
        assert months["Oct 2026"] == "30.00"
        assert months["Sep 2026"] == "0.00"
        days = by_day(screen)
        assert days["11-24"] == "7.00"
        assert days["11-20"] == "10.00"
        assert days["11-25"] == "0.00"
        summary = static_text(screen, "#usage-summary")
        # Last 30 days = [10-26, 11-25): 17.00, 17 / 30 = 0.57 a day.
        assert "17.00" in summary and "0.57" in summary
        await opens(pilot, CustomerScreen, "escape")


async def test_n_adds_a_record_dated_yesterday_and_a_bad_amount_writes_nothing(usage_book, make_app):
    app = make_app(usage_book)
    async with app.run_test(size=SIZE) as pilot:
        screen = await to_usage(pilot)
        before = usage_store.list_usage(acme().id)
        form = await opens(pilot, UsageFormScreen, "n")
        assert form.query_one("#usage-date").value == YESTERDAY.isoformat()
        assert app.focused is form.query_one("#usage-amount")

        await press(pilot, *"12,5")
        assert "not a number" in static_text(form, "#usage-amount-error")
        await press(pilot, "ctrl+s")
        assert app.screen is form  # still open: not saved
        assert any("Not saved" in m for m in messages(app))
        assert usage_store.list_usage(acme().id) == before

        await replace_text(pilot, "-3")
        assert "negative" in static_text(form, "#usage-amount-error")
        await press(pilot, "ctrl+s")
        assert app.screen is form
        assert usage_store.list_usage(acme().id) == before

        await replace_text(pilot, "42.50")
        assert static_text(form, "#usage-amount-error") == ""
        await press(pilot, "ctrl+s")
        assert app.screen is screen
        after = usage_store.list_usage(acme().id)
        assert len(after) == len(before) + 1
        (added,) = [r for r in after if r.id not in {b.id for b in before}]
        assert (added.date, added.amount) == (YESTERDAY, D("42.50"))
        assert ("2026-11-24", "42.50", "") in usage_rows(screen)
        assert by_day(screen)["11-24"] == "49.50"
        assert by_month(screen)["Nov 2026"] == "59.50"
        # 30 days: 17 + 42.50 = 59.50, 59.50 / 30 = 1.98 a day.
        summary = static_text(screen, "#usage-summary")
        assert "59.50" in summary and "1.98" in summary


async def test_a_bad_date_is_refused_with_a_reason(usage_book, make_app):
    app = make_app(usage_book)
    async with app.run_test(size=SIZE) as pilot:
        await to_usage(pilot)
        before = usage_store.list_usage(acme().id)
        await press(pilot, "n")
        form = app.screen
        form.query_one("#usage-date").focus()
        await pilot.pause()
        await replace_text(pilot, "2026-11-31")
        assert "30 days" in static_text(form, "#usage-date-error")
        form.query_one("#usage-amount").focus()
        await pilot.pause()
        await replace_text(pilot, "1")
        await press(pilot, "ctrl+s")
        assert app.screen is form
        assert usage_store.list_usage(acme().id) == before


async def test_enter_on_a_record_corrects_it(usage_book, make_app):
    app = make_app(usage_book)
    async with app.run_test(size=SIZE) as pilot:
        screen = await to_usage(pilot)
        await pilot.press("down", "down")  # 2026-11-20 10.00
        await pilot.pause()
        target = screen.rows[screen.query_one(PagedTable).cursor_row]
        assert (target.date, target.amount) == (date(2026, 11, 20), D("10.00"))
        form = await opens(pilot, UsageFormScreen, "enter")
        assert form.query_one("#usage-date").value == "2026-11-20"
        assert form.query_one("#usage-amount").value == "10.00"
        assert form.query_one("#usage-source").value == "a"
        await replace_text(pilot, "12.25")
        await press(pilot, "ctrl+s")
        assert app.screen is screen
        fresh = usage_store.get_usage(target.id)
        assert (fresh.date, fresh.amount, fresh.version) == (date(2026, 11, 20), D("12.25"), 2)
        assert ("2026-11-20", "12.25", "a") in usage_rows(screen)
        assert by_day(screen)["11-20"] == "12.25"
        assert by_month(screen)["Nov 2026"] == "19.25"
        assert len(usage_rows(screen)) == 4


async def test_d_then_y_deletes_the_record_and_escape_keeps_it(usage_book, make_app):
    app = make_app(usage_book)
    async with app.run_test(size=SIZE) as pilot:
        screen = await to_usage(pilot)
        first = screen.rows[0]
        assert (first.date, first.amount) == (YESTERDAY, D("1.75"))

        await opens(pilot, ChoiceScreen, "d")
        await press(pilot, "escape")
        assert app.screen is screen
        assert usage_store.get_usage(first.id) is not None

        await opens(pilot, ChoiceScreen, "d")
        await press(pilot, "y")
        assert app.screen is screen
        assert usage_store.get_usage(first.id) is None
        assert [r[1] for r in usage_rows(screen)] == ["5.25", "10.00", "30.00"]
        assert by_day(screen)["11-24"] == "5.25"
        assert by_month(screen)["Nov 2026"] == "15.25"


# --- the allocation form's true-up basis ----------------------------------------------------


TRUE_UP = re.compile(
    r"^\s*(\d\d-\d\d-\d\d\.\.\d\d-\d\d) +([\d.]+) +([\d.]+) +([\d.]+) +(\d+) +([\d.]+) +(~?)([\d.]+)\s*$", re.M
)


def true_up_rows(form) -> dict[str, tuple]:
    """period -> (commit, known, rate/day, days, estimated, '~' or '', true-up)."""
    text = projection_text(form, 78)
    return {m.group(1): m.groups()[1:] for m in TRUE_UP.finditer(text)}


@pytest.fixture
def bundle_book(demo_customers_book):
    """Acme has "Call bundle 500" from 2026-11-01; usage 60.00 on 11-10 (known
    this period) and 30.00 on 10-30 (in the last 30 days only)."""
    c = acme()
    give_bundle(c, PERIOD_START)
    usage_store.add_usage(c.id, date(2026, 11, 10), D("60.00"), "")
    usage_store.add_usage(c.id, date(2026, 10, 30), D("30.00"), "")
    return demo_customers_book


async def open_allocation(pilot) -> AllocationFormScreen:
    customer = pilot.app.screen
    assert isinstance(customer, CustomerScreen)
    form = await opens(pilot, AllocationFormScreen, "enter")
    assert form.package is not None and form.package.name == BUNDLE
    return form


async def test_the_allocation_form_shows_the_true_up_basis(bundle_book, make_app):
    app = make_app(bundle_book)
    async with app.run_test(size=SIZE) as pilot:
        await to_customer(pilot)
        form = await open_allocation(pilot)
        text = projection_text(form, 78)
        assert "Minimum spend true-ups" in text
        rows = true_up_rows(form)
        # Current period: known 60.00, rate (60 + 30) / 30 = 3.00, 6 days (11-25..11-30):
        # estimated 78.00, true-up 500 - 78 = 422.00, an estimate.
        assert rows["26-11-01..11-30"] == ("500.00", "60.00", "3.00", "6", "78.00", "~", "422.00")
        # Next period, not begun: 31 days at 3.00 = 93.00, true-up 407.00.
        assert rows["26-12-01..12-31"] == ("500.00", "0.00", "3.00", "31", "93.00", "~", "407.00")
        # The charge lines list the true-ups as min.spend, estimates marked.
        assert re.search(r"2026-12-01 +min\.spend +11-01\.\.11-30 +~422\.00", text)


async def test_a_large_usage_record_yesterday_brings_the_current_true_up_to_zero(bundle_book, make_app):
    app = make_app(bundle_book)
    async with app.run_test(size=SIZE) as pilot:
        customer = await to_customer(pilot)
        # The customer's list shows the next true-up, an estimate, not the 0.00 of the charge date.
        (row,) = table_rows(customer)
        assert (row[4], row[5]) == ("2026-12-01", "~422.00")
        form = await open_allocation(pilot)
        assert true_up_rows(form)["26-11-01..11-30"][-1] == "422.00"
        await press(pilot, "escape")
        assert app.screen is customer

        # Add 600.00 through the usage screen; it defaults to yesterday.
        await press(pilot, "u")
        await opens(pilot, UsageFormScreen, "n")
        await pilot.press(*"600")
        await opens(pilot, UsageScreen, "ctrl+s")
        await press(pilot, "escape")
        assert app.screen is customer
        (row,) = table_rows(customer)
        assert (row[4], row[5]) == ("2026-12-01", "~0.00")

        form = await open_allocation(pilot)
        commit, known, rate, days, estimated, mark, amount = true_up_rows(form)["26-11-01..11-30"]
        assert known == "660.00"
        assert (days, mark) == ("6", "~")
        assert amount == "0.00"
        # Rate now (600 + 60 + 30) / 30 = 23.00: next month 31 x 23 = 713 > 500, also 0.00.
        assert rate == "23.00"
        assert true_up_rows(form)["26-12-01..12-31"][-1] == "0.00"


async def test_the_customer_projection_shows_the_true_up_basis(bundle_book, make_app):
    app = make_app(bundle_book)
    async with app.run_test(size=SIZE) as pilot:
        await to_customer(pilot)
        await pilot.press("p")
        screen = app.screen
        assert isinstance(screen, CustomerProjectionScreen)
        await screen.workers.wait_for_complete()
        await pilot.pause()
        text = "".join(rendered(screen.query_one(selector), 78) for selector in ("#months", "#trueups", "#lines"))
        assert "Minimum spend true-ups" in text
        rows = {m.group(1): m.groups()[1:] for m in TRUE_UP.finditer(text)}
        assert rows["26-11-01..11-30"] == ("500.00", "60.00", "3.00", "6", "78.00", "~", "422.00")


# --- the package form's panel -----------------------------------------------------------------


async def open_package(pilot, name: str) -> PackageFormScreen:
    await pilot.pause()
    form = await open_row(pilot, name)
    assert isinstance(form, PackageFormScreen)
    return form


async def test_the_package_panel_explains_minimum_spend_with_a_worked_figure(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        form = await open_package(pilot, BUNDLE)
        text = " ".join(panel_text(form).split())
        assert "Minimum spend" in text
        assert "500.00" in text and "commitment" in text
        m = re.search(r"If a period's usage is ([\d.]+), the charge is ([\d.]+)\.", text)
        assert m, text
        usage, charge = D(m.group(1)), D(m.group(2))
        assert D(0) < usage < D("500.00")
        assert charge == D("500.00") - usage
        assert format_money(charge, 2) == m.group(2)


async def test_a_plain_package_panel_says_nothing_of_minimum_spend(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        form = await open_package(pilot, "Hosted PBX seat")
        text = panel_text(form)
        assert "Minimum spend" not in text
        assert "If a period's usage" not in text


async def test_keys_typed_ahead_act_in_the_order_typed(usage_book, make_app):
    # Keys that reach the app together (typing ahead of a busy app, or over a
    # slow SSH link) must act in order: a backspace deletes what was typed
    # just before it, text after a tab goes to the next field, and keys after
    # ctrl+s reach the screen the save leads to.
    from textual import events

    app = make_app(usage_book)
    async with app.run_test(size=SIZE) as pilot:
        screen = await to_usage(pilot)
        form = await opens(pilot, UsageFormScreen, "n")

        def key(name: str, character: str | None) -> events.Key:
            return events.Key(name, character)

        burst = [key("1", "1"), key("2", "2"), key("backspace", "\x7f"), key("3", "3"), key("tab", "\t")]
        burst += [key(c, c) for c in "src"]
        for event in burst:
            app.post_message(event)
        await pilot.pause(0.3)
        await pilot.pause()
        assert form.query_one("#usage-amount").value == "13"
        assert form.query_one("#usage-source").value == "src"

        for event in [key("ctrl+s", None), key("n", "n"), key("5", "5")]:
            app.post_message(event)
        await pilot.pause(0.3)
        await pilot.pause()
        assert usage_rows(screen)[0][1] == "13.00"
        again = app.screen
        assert isinstance(again, UsageFormScreen) and again is not form
        assert again.query_one("#usage-amount").value == "5"
