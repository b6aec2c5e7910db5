"""The customer list and form (f3): adding with keys only, validation, the
duplicate-name rule, the filter, paging in a large book, opening a customer
(with the services their allocations switch on today) and editing one."""

from __future__ import annotations

from contextlib import asynccontextmanager
from datetime import date
from decimal import Decimal

import pytest

from billing.accounts import AllocationDraft, CustomerDraft
from store import allocations as allocation_store
from store import customers as customer_store
from store import packages as package_store
from store.models import Customer
from tui.screens.customer import CustomerScreen
from tui.screens.customer_form import CustomerFormScreen
from tui.screens.customer_list import PAGE, PREFETCH, CustomerListScreen
from tui.screens.dialogs import ChoiceScreen

from tests.helpers.pilot import (
    TODAY, focused_id, messages, names, opens, press, replace_text, row_count, running, static_text, table_rows,
)

pytestmark = pytest.mark.both_engines

D = Decimal


def customer_total() -> int:
    return customer_store.count_customers()


async def to_customers(pilot) -> CustomerListScreen:
    # An empty catalogue opens with the demo offer: decline it first.
    await pilot.pause()
    if isinstance(pilot.app.screen, ChoiceScreen):
        await press(pilot, "escape")
    screen = await opens(pilot, CustomerListScreen, "f3")
    return screen


@asynccontextmanager
async def on_customer_list(app):
    """The app running at 80x24, on the customer list (f3)."""
    async with running(app) as pilot:
        await to_customers(pilot)
        yield pilot


async def new_customer_form(pilot) -> CustomerFormScreen:
    """On the customer list: n, and the form for a new customer."""
    form = await opens(pilot, CustomerFormScreen, "n")
    return form


async def fill_new_customer(pilot, name: str, tax: str) -> CustomerFormScreen:
    """On the customer list: n, then `name` typed, and two fields on (past
    the status) the tax."""
    form = await new_customer_form(pilot)
    await pilot.press(*name, "tab", "tab")
    await replace_text(pilot, tax)
    return form


@pytest.fixture
def customers_book(demo_book):
    """Demo packages and three customers."""
    customer_store.create_customer(CustomerDraft("Acme Telecom", "active", D("20"), "pays by card"))
    customer_store.create_customer(CustomerDraft("Blue Fish Ltd", "suspended", D("0"), ""))
    customer_store.create_customer(CustomerDraft("Acme Hosting", "active", D("17.5"), ""))
    return demo_book


# --- f3 and the list ----------------------------------------------------------


async def test_f3_opens_the_customer_list_sorted_by_name(customers_book, make_app):
    app = make_app(customers_book)
    async with on_customer_list(app) as pilot:
        screen = app.screen
        assert static_text(screen, "#title") == "packdesk · Customers"
        assert table_rows(screen) == [
            ["Acme Hosting", "active", "17.5", "0.00"],
            ["Acme Telecom", "active", "20", "0.00"],
            ["Blue Fish Ltd", "suspended", "0", "0.00"],
        ]
        assert static_text(screen, "#status").startswith("3 of 3 shown")
        assert focused_id(app) == "customers"

        # f2 goes back to the packages, f3 comes back to the customers.
        await press(pilot, "f2")
        assert not isinstance(app.screen, CustomerListScreen)
        await to_customers(pilot)


async def test_an_empty_book_shows_an_empty_list(app):
    async with on_customer_list(app) as pilot:
        screen = app.screen
        assert row_count(screen) == 0
        assert static_text(screen, "#status").startswith("0 of 0 shown")
        await press(pilot, "enter")
        assert app.screen is screen


async def test_enter_on_an_empty_list_says_how_to_add_one(app):
    """The list has a hint for this ("No customer here. Press n to add one."): enter should show it."""
    async with on_customer_list(app) as pilot:
        screen = app.screen
        await press(pilot, "enter")
        assert app.screen is screen
        assert "No customer here. Press n to add one." in messages(app)


# --- adding -----------------------------------------------------------------------


async def test_add_a_customer_with_keys_only(customers_book, make_app):
    app = make_app(customers_book)
    async with on_customer_list(app) as pilot:
        before = customer_total()

        form = await new_customer_form(pilot)
        assert isinstance(form, CustomerFormScreen)
        assert static_text(form, "#title") == "New customer"
        assert focused_id(app) == "name"

        await pilot.press(*"Cobalt Networks", "tab")
        # Status: a Select; enter opens it, active -> suspended is one down.
        assert focused_id(app) == "status"
        await press(pilot, "enter")
        await press(pilot, "down", "enter")
        assert form.query_one("#status").value == "suspended"

        await pilot.press("tab")
        assert focused_id(app) == "tax_percent"
        await replace_text(pilot, "20")
        await pilot.press("tab")
        assert focused_id(app) == "notes"
        await pilot.press(*"Reseller, net 30")

        await opens(pilot, CustomerListScreen, "ctrl+s")
        assert customer_total() == before + 1
        saved = customer_store.find_customer("Cobalt Networks")
        assert saved is not None
        assert saved.status == "suspended"
        assert saved.tax_percent == D("20")
        assert isinstance(saved.tax_percent, Decimal)
        assert saved.balance == D("0")
        assert saved.notes == "Reseller, net 30"
        assert saved.version == 1

        # It is in the list, and the cursor is on it.
        assert ["Cobalt Networks", "suspended", "20", "0.00"] in table_rows(app.screen)
        assert names(app.screen) == ["Acme Hosting", "Acme Telecom", "Blue Fish Ltd", "Cobalt Networks"]
        assert app.screen.current().name == "Cobalt Networks"
        assert static_text(app.screen, "#status").startswith("4 of 4 shown")


async def test_tax_over_100_shows_the_reason_under_the_field_and_saves_nothing(customers_book, make_app):
    app = make_app(customers_book)
    async with on_customer_list(app) as pilot:
        before = customer_total()
        form = await fill_new_customer(pilot, "Taxing Ltd", "101")
        assert focused_id(app) == "tax_percent"

        error = form.query_one("#tax_percent-error")
        assert error.has_class("shown")
        assert str(error.content) == "101 is more than 100"
        assert form.query_one("#tax_percent").has_class("-invalid")
        # The reason is on screen, right under the field.
        assert error.region.height >= 1
        assert error.region.y == form.query_one("#tax_percent").region.y + 1

        await press(pilot, "ctrl+s")
        assert app.screen is form
        assert customer_total() == before
        assert customer_store.find_customer("Taxing Ltd") is None
        assert any("Not saved" in m and "tax" in m for m in messages(app))

        # 100 is allowed; fixing the field takes the reason away and saves.
        await replace_text(pilot, "100")
        assert not error.has_class("shown")
        assert not form.query_one("#tax_percent").has_class("-invalid")
        await opens(pilot, CustomerListScreen, "ctrl+s")
        assert customer_store.find_customer("Taxing Ltd").tax_percent == D("100")


async def test_a_tax_that_is_not_a_number_is_refused(customers_book, make_app):
    app = make_app(customers_book)
    async with on_customer_list(app) as pilot:
        before = customer_total()
        form = await fill_new_customer(pilot, "Words Ltd", "twenty")
        assert form.query_one("#tax_percent-error").has_class("shown")
        await press(pilot, "ctrl+s")
        assert app.screen is form
        assert customer_total() == before


async def test_an_empty_name_is_refused_under_the_name(customers_book, make_app):
    app = make_app(customers_book)
    async with on_customer_list(app) as pilot:
        before = customer_total()
        form = await fill_new_customer(pilot, "", "5")
        await press(pilot, "ctrl+s")
        assert app.screen is form
        error = form.query_one("#name-error")
        assert error.has_class("shown")
        assert str(error.content) == "is required"
        assert customer_total() == before


@pytest.mark.parametrize("typed", ["Acme Telecom", "ACME telecom", "  Acme   Telecom "])
async def test_a_duplicate_name_is_refused(customers_book, make_app, typed):
    app = make_app(customers_book)
    async with on_customer_list(app) as pilot:
        before = customer_total()
        form = await fill_new_customer(pilot, typed, "5")
        await press(pilot, "ctrl+s")

        # The customer that was there is untouched.
        assert customer_store.find_customer("Acme Telecom").tax_percent == D("20")
        assert customer_total() == before
        assert app.screen is form
        error = form.query_one("#name-error")
        assert error.has_class("shown")
        assert "is already the name of another customer" in str(error.content)

        # Leaving asks about the unsaved changes; discarding writes nothing.
        await opens(pilot, ChoiceScreen, "escape")
        await opens(pilot, CustomerListScreen, "d")
        assert row_count(app.screen) == before


# --- filter -------------------------------------------------------------------------


async def test_slash_filters_the_list_as_you_type(customers_book, make_app):
    app = make_app(customers_book)
    async with on_customer_list(app) as pilot:
        screen = app.screen
        box = screen.query_one("#filter")
        assert not box.display

        await press(pilot, "slash")
        assert box.display
        assert focused_id(app) == "filter"
        await press(pilot, *"acme")
        assert names(screen) == ["Acme Hosting", "Acme Telecom"]
        assert "2 of 2 shown · filter 'acme'" in static_text(screen, "#status")

        await press(pilot, *" tel")
        assert names(screen) == ["Acme Telecom"]

        # enter goes back to the table; enter there opens the customer found.
        await press(pilot, "enter")
        assert focused_id(app) == "customers"
        await opens(pilot, CustomerScreen, "enter")
        assert app.screen.customer.name == "Acme Telecom"
        await press(pilot, "escape")
        assert app.screen is screen

        # escape clears the filter and hides the box.
        await press(pilot, "escape")
        assert not box.display
        assert names(screen) == ["Acme Hosting", "Acme Telecom", "Blue Fish Ltd"]


async def test_a_filter_that_matches_nothing_shows_no_rows(customers_book, make_app):
    app = make_app(customers_book)
    async with on_customer_list(app) as pilot:
        screen = app.screen
        await press(pilot, "slash", *"zzz")
        assert row_count(screen) == 0
        assert static_text(screen, "#status").startswith("0 of 0 shown")
        # A % in the filter is a literal character, not a wildcard.
        await press(pilot, "escape", "slash", *"%")
        assert row_count(screen) == 0


# --- paging ----------------------------------------------------------------------


def _many_customers(count: int) -> None:
    with Customer._meta.database.atomic():
        Customer.insert_many(
            [{Customer.name: f"Customer {i:04d}", Customer.tax_percent: D(i % 21)} for i in range(count)]
        ).execute()


async def test_500_customers_page_in_as_the_cursor_moves_down(book, make_app):
    _many_customers(500)
    app = make_app(book)
    async with on_customer_list(app) as pilot:
        screen = app.screen
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = screen.query_one("#customers")
        assert row_count(screen) == PAGE
        assert static_text(screen, "#status").startswith(f"{PAGE} of 500 shown")

        # Down, a screenful at a time: nothing more loads before the prefetch mark...
        while table.cursor_row + 22 < PAGE - PREFETCH:
            await pilot.press("pagedown")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert row_count(screen) == PAGE
        # ...and the next page loads once the cursor reaches it.
        for _ in range(30):
            if table.cursor_row >= PAGE - PREFETCH:
                break
            await pilot.press("down")
        assert table.cursor_row == PAGE - PREFETCH
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert row_count(screen) == 2 * PAGE
        assert names(screen) == [f"Customer {i:04d}" for i in range(2 * PAGE)]
        assert static_text(screen, "#status").startswith(f"{2 * PAGE} of 500 shown")
        # The cursor stayed where it was.
        assert table.cursor_row == PAGE - PREFETCH
        assert screen.current().name == f"Customer {PAGE - PREFETCH:04d}"

        # The last page (100 rows) comes in the same way, and then there is no more.
        for _ in range(40):
            if row_count(screen) == 500:
                break
            await pilot.press("pagedown")
            await app.workers.wait_for_complete()
            await pilot.pause()
        assert row_count(screen) == 500
        assert names(screen) == [f"Customer {i:04d}" for i in range(500)]
        assert static_text(screen, "#status").startswith("500 of 500 shown")

        await press(pilot, "end")
        assert table.cursor_row == 499
        assert screen.current().name == "Customer 0499"

        # Enter opens the customer under the cursor, deep in the list.
        await opens(pilot, CustomerScreen, "enter")
        assert app.screen.customer.name == "Customer 0499"


async def test_filtering_a_large_list_pages_the_filtered_rows(book, make_app):
    _many_customers(500)
    app = make_app(book)
    async with on_customer_list(app) as pilot:
        screen = app.screen
        # 'Customer 00' .. 'Customer 04' : 500 match "Customer 0", 100 match "Customer 01".
        await press(pilot, "slash", *"Customer 01")
        assert row_count(screen) == 100
        assert names(screen)[0] == "Customer 0100"
        assert names(screen)[-1] == "Customer 0199"
        assert static_text(screen, "#status").startswith("100 of 100 shown")


# --- opening a customer ------------------------------------------------------------


@pytest.fixture
def services_book(customers_book):
    """Acme Telecom with allocations of packages that switch services on:
    one running (UK DID rental x2, DID-UK), one that ended (SIP trunk, 'SIP Trunk'),
    one that starts next month (Fax to email, Fax2Email), one ending today
    (Hosted PBX seat x5, 'Hosted PBX') and one without a service (Call bundle)."""
    acme = customer_store.find_customer("Acme Telecom")
    find = package_store.find_package
    add = allocation_store.create_allocation
    add(acme.id, find("UK DID rental").id, AllocationDraft(2, date(2026, 10, 1)))
    add(acme.id, find("SIP trunk 10 channels").id, AllocationDraft(1, date(2026, 1, 1), date(2026, 10, 31)))
    add(acme.id, find("Fax to email").id, AllocationDraft(1, date(2026, 12, 1)))
    add(acme.id, find("Hosted PBX seat").id, AllocationDraft(5, date(2026, 6, 1), TODAY))
    add(acme.id, find("Call bundle 500").id, AllocationDraft(1, date(2026, 1, 1)))
    return customers_book


async def open_customer(pilot, name: str) -> CustomerScreen:
    screen = pilot.app.screen
    index = names(screen).index(name)
    for _ in range(index):
        await pilot.press("down")
    opened = await opens(pilot, CustomerScreen, "enter")
    assert static_text(opened, "#title") == f"Customer · {name}"
    return opened


async def test_enter_opens_the_customer_with_the_services_switched_on_today(services_book, make_app):
    app = make_app(services_book)
    async with on_customer_list(app) as pilot:
        screen = await open_customer(pilot, "Acme Telecom")

        info = static_text(screen, "#customer-info")
        assert "active · tax 20% · balance 0.00 USD" in info
        switched = info.split("Switched on today: ", 1)[1].strip()
        # Running today: the DID rental and the PBX seats (ending today still counts).
        assert switched == "DID-UK x2, Hosted PBX x5"
        # Ended, not started yet, or without an upstream service: not switched on.
        assert "SIP Trunk" not in info
        assert "Fax2Email" not in info
        # The line is on screen at 80x24.
        assert screen.query_one("#customer-info").region.height == 2

        # Every allocation is listed, in the order they were made.
        rows = table_rows(screen)
        assert [r[0] for r in rows] == [
            "UK DID rental",
            "SIP trunk 10 channels",
            "Fax to email",
            "Hosted PBX seat",
            "Call bundle 500",
        ]
        # UK DID rental x2 charges 1.50 x 2 on the 1st: the next is 2026-12-01.
        assert rows[0][1:6] == ["2", "2026-10-01", "-", "2026-12-01", "3.00"]
        # The ended one has no next charge.
        assert rows[1][3:6] == ["2026-10-31", "-", "-"]
        assert "5 of 5 allocation(s)" in static_text(screen, "#status")

        # escape goes back to the list, the cursor still on the customer.
        await opens(pilot, CustomerListScreen, "escape")
        assert app.screen.current().name == "Acme Telecom"


async def test_a_customer_with_nothing_running_has_nothing_switched_on(services_book, make_app):
    app = make_app(services_book)
    async with on_customer_list(app) as pilot:
        screen = await open_customer(pilot, "Blue Fish Ltd")
        assert static_text(screen, "#customer-info").endswith("Switched on today: nothing")
        assert row_count(screen) == 0


async def test_the_services_line_follows_today(services_book):
    """The same book a day later: the PBX seats ended yesterday, so only DID-UK is on."""
    from tui.app import PackdeskApp

    app = PackdeskApp(services_book, today=date(2026, 11, 26))
    async with on_customer_list(app) as pilot:
        screen = await open_customer(pilot, "Acme Telecom")
        assert static_text(screen, "#customer-info").endswith("Switched on today: DID-UK x2")


# --- editing ---------------------------------------------------------------------


async def test_e_on_the_list_edits_the_customer(customers_book, make_app):
    app = make_app(customers_book)
    async with on_customer_list(app) as pilot:
        screen = app.screen
        await pilot.press("down")  # Acme Telecom
        form = await opens(pilot, CustomerFormScreen, "e")
        assert static_text(form, "#title") == "Edit customer: Acme Telecom"
        assert form.query_one("#name").value == "Acme Telecom"
        assert form.query_one("#status").value == "active"
        assert form.query_one("#tax_percent").value == "20"
        assert form.query_one("#notes").value == "pays by card"

        await pilot.press("tab", "tab")
        assert focused_id(app) == "tax_percent"
        await replace_text(pilot, "7.5")
        await press(pilot, "ctrl+s")

        assert app.screen is screen
        saved = customer_store.find_customer("Acme Telecom")
        assert saved.tax_percent == D("7.5")
        assert saved.version == 2
        assert saved.notes == "pays by card"
        assert customer_total() == 3
        assert ["Acme Telecom", "active", "7.5", "0.00"] in table_rows(screen)
        assert screen.current().name == "Acme Telecom"


async def test_e_on_the_customer_screen_edits_and_renames(services_book, make_app):
    app = make_app(services_book)
    async with on_customer_list(app) as pilot:
        screen = await open_customer(pilot, "Acme Telecom")
        acme = customer_store.find_customer("Acme Telecom")

        await opens(pilot, CustomerFormScreen, "e")
        assert focused_id(app) == "name"
        await replace_text(pilot, "Acme Telecom Group")
        await pilot.press("tab", "tab")
        await replace_text(pilot, "0")
        await press(pilot, "ctrl+s")

        assert app.screen is screen
        renamed = customer_store.get_customer(acme.id)
        assert renamed.name == "Acme Telecom Group"
        assert renamed.tax_percent == D("0")
        assert customer_store.find_customer("Acme Telecom") is None
        assert static_text(screen, "#title") == "Customer · Acme Telecom Group"
        assert "tax 0%" in static_text(screen, "#customer-info")
        # The allocations are still the customer's.
        assert row_count(screen) == 5

        # Back on the list, the new name is shown.
        await press(pilot, "escape")
        assert "Acme Telecom Group" in names(app.screen)
        assert "Acme Telecom" not in names(app.screen)


async def test_renaming_onto_another_customer_is_refused(customers_book, make_app):
    app = make_app(customers_book)
    async with on_customer_list(app) as pilot:
        await pilot.press("down", "e")  # Acme Telecom
        await pilot.pause()
        form = app.screen
        await replace_text(pilot, "blue fish ltd")
        await press(pilot, "ctrl+s")
        assert app.screen is form
        assert "is already the name of another customer" in static_text(form, "#name-error")
        assert customer_store.find_customer("Acme Telecom").version == 1
