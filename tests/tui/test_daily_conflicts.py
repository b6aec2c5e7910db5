"""Two operators saving the same record: merged field by field against what
each form opened. Fields only the other changed are kept (the form takes
them), fields only I changed are saved, and only fields both changed are
asked about, each value as the form shows it. Packages, customers and
allocations."""

from __future__ import annotations

import pytest

from dataclasses import replace
from datetime import date
from decimal import Decimal

from store import allocations as allocation_store
from store import customers as customer_store
from store import packages as package_store
from tui.screens.allocation_form import AllocationFormScreen
from tui.screens.customer import CustomerScreen
from tui.screens.customer_form import CustomerFormScreen
from tui.screens.customer_list import CustomerListScreen
from tui.screens.dialogs import ConflictScreen
from tui.screens.package_form import PackageFormScreen
from tui.screens.package_list import PackageListScreen

from tests.helpers.books import acme
from tests.helpers.pilot import focus_and_type, messages, open_row, press, running

pytestmark = pytest.mark.both_engines

D = Decimal


# --- packages ---------------------------------------------------------------------------


async def test_keep_editing_then_save_keeps_a_field_only_they_changed(demo_app):
    # "Keep editing" then ctrl+s used to write every field of the form again,
    # reverting the colleague's cost without a question.
    app = demo_app
    async with running(app) as pilot:
        form = await open_row(pilot, "Hosted PBX seat")
        assert isinstance(form, PackageFormScreen)
        theirs = package_store.find_package("Hosted PBX seat")
        package_store.update_package(theirs.id, theirs.version, theirs.draft().with_(retail=D("13"), cost=D("4.40")))
        await focus_and_type(pilot, "#retail", "14")
        await press(pilot, "ctrl+s")
        dialog = app.screen
        assert isinstance(dialog, ConflictScreen)
        assert dialog.differences == [("retail", "14.00", "13.00")]
        assert form.query_one("#cost").value == "4.40"  # theirs, in the form already

        await press(pilot, "escape")  # keep editing
        assert app.screen is form
        await press(pilot, "ctrl+s")

        assert isinstance(app.screen, PackageListScreen)
        held = package_store.find_package("Hosted PBX seat")
        assert (held.retail, held.cost) == (D("14"), D("4.40"))


async def test_the_dialog_shows_money_as_the_form_does_and_never_calls_mine_theirs(demo_app):
    app = demo_app
    async with running(app) as pilot:
        form = await open_row(pilot, "Hosted PBX seat")
        theirs = package_store.find_package("Hosted PBX seat")
        package_store.update_package(theirs.id, theirs.version, theirs.draft().with_(retail=D("17.5"), setup_cost=D("0.125")))
        await focus_and_type(pilot, "#retail", "12.5")
        await focus_and_type(pilot, "#description", "Seat, new wording")
        await press(pilot, "ctrl+s")

        dialog = app.screen
        assert isinstance(dialog, ConflictScreen)
        # Only retail was changed by both; my description is not "theirs".
        assert dialog.differences == [("retail", "12.50", "17.50")]
        assert dialog.taken == [("setup_cost", "0.125")]
        await press(pilot, "o")
        held = package_store.find_package("Hosted PBX seat")
        assert (held.retail, held.setup_cost, held.description) == (D("12.5"), D("0.125"), "Seat, new wording")
        assert app.screen is not form


async def test_two_changes_to_the_same_value_are_no_conflict(demo_app):
    app = demo_app
    async with running(app) as pilot:
        await open_row(pilot, "Hosted PBX seat")
        theirs = package_store.find_package("Hosted PBX seat")
        package_store.update_package(theirs.id, theirs.version, theirs.draft().with_(retail=D("13"), minimum_days=7))
        await focus_and_type(pilot, "#retail", "13.00")
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, PackageListScreen)
        held = package_store.find_package("Hosted PBX seat")
        assert (held.retail, held.minimum_days, held.version) == (D("13"), 7, 3)


# --- customers --------------------------------------------------------------------------


async def _customer_form(pilot, name: str = "Acme Telecom") -> CustomerFormScreen:
    await press(pilot, "f3")
    assert isinstance(pilot.app.screen, CustomerListScreen)
    for _ in range(pilot.app.screen.rows.index(next(r for r in pilot.app.screen.rows if r.name == name))):
        await press(pilot, "down")
    await press(pilot, "e")
    form = pilot.app.screen
    assert isinstance(form, CustomerFormScreen)
    return form


async def test_customer_fields_changed_apart_both_survive(demo_customers_book, make_app):
    app = make_app(demo_customers_book)
    async with running(app) as pilot:
        await _customer_form(pilot)
        theirs = acme()
        customer_store.update_customer(theirs.id, theirs.version, replace(theirs.draft(), notes="pays by card"))
        await focus_and_type(pilot, "#tax_percent", "17.5")
        await press(pilot, "ctrl+s")

        assert isinstance(app.screen, CustomerListScreen)
        held = acme()
        assert (held.tax_percent, held.notes) == (D("17.5"), "pays by card")
        assert any("kept their notes pays by card" in m for m in messages(app)), messages(app)


async def test_customer_clash_shows_tax_as_the_form_does(demo_customers_book, make_app):
    app = make_app(demo_customers_book)
    async with running(app) as pilot:
        form = await _customer_form(pilot)
        theirs = acme()
        customer_store.update_customer(theirs.id, theirs.version, replace(theirs.draft(), tax_percent=D("17.5")))
        await focus_and_type(pilot, "#tax_percent", "12.5")
        await press(pilot, "ctrl+s")
        dialog = app.screen
        assert isinstance(dialog, ConflictScreen)
        assert dialog.differences == [("tax_percent", "12.5", "17.5")]
        await press(pilot, "t")
        assert app.screen is form
        assert form.query_one("#tax_percent").value == "17.5"
        assert not form.dirty


# --- allocations ------------------------------------------------------------------------


async def _allocation_form(pilot) -> AllocationFormScreen:
    await press(pilot, "f3")
    await press(pilot, "enter")  # Acme Telecom, first by name
    assert isinstance(pilot.app.screen, CustomerScreen)
    await press(pilot, "enter")
    form = pilot.app.screen
    assert isinstance(form, AllocationFormScreen)
    return form


async def test_allocation_fields_changed_apart_both_survive(run_book, make_app):
    app = make_app(run_book)
    async with running(app) as pilot:
        await _allocation_form(pilot)
        (theirs,) = allocation_store.list_allocations(acme().id)
        allocation_store.update_allocation(
            theirs.id, theirs.version, theirs.package_id, replace(theirs.draft(), reference="HQ, 2nd floor", prorate=True)
        )
        await focus_and_type(pilot, "#quantity", "3")
        await press(pilot, "ctrl+s")

        assert isinstance(app.screen, CustomerScreen)
        (held,) = allocation_store.list_allocations(acme().id)
        assert (held.quantity, held.reference, held.prorate) == (3, "HQ, 2nd floor", True)


async def test_allocation_clash_lists_only_the_field_both_changed(run_book, make_app):
    app = make_app(run_book)
    async with running(app) as pilot:
        form = await _allocation_form(pilot)
        (theirs,) = allocation_store.list_allocations(acme().id)
        allocation_store.update_allocation(
            theirs.id, theirs.version, theirs.package_id, replace(theirs.draft(), quantity=4, end=date(2027, 12, 31))
        )
        await focus_and_type(pilot, "#quantity", "3")
        await focus_and_type(pilot, "#reference", "HQ main")
        await press(pilot, "ctrl+s")

        dialog = app.screen
        assert isinstance(dialog, ConflictScreen)
        assert dialog.differences == [("quantity", "3", "4")]
        assert dialog.taken == [("end_date", "2027-12-31")]
        assert form.query_one("#end_date").value == "2027-12-31"
        await press(pilot, "o")

        assert isinstance(app.screen, CustomerScreen)
        (held,) = allocation_store.list_allocations(acme().id)
        assert (held.quantity, held.end, held.reference) == (3, date(2027, 12, 31), "HQ main")
