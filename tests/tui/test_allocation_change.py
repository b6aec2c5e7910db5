"""The allocation form's change from a date (f7): the date offered, the
projection of both sides while it is typed, the change saved (the old terms
end the day before, a successor follows, no second setup), a refusal shown
and nothing written; the question a plain save of new terms for an
allocation with posted charges asks; an allocation in a chain projected with
the others; and the warning of two minimum-spend commitments."""

from __future__ import annotations

from datetime import date

import pytest

from store.allocations import list_allocations
from store.changes import change_allocation
from store.customers import find_customer
from store.packages import find_package
from store.runs import commit_run, plan_run
from tests.helpers.books import BUNDLE, allocate, customer
from tests.helpers.pilot import (
    SIZE, TODAY, focused_id, messages, open_customer, opens, press, projection_text, replace_text, static_text,
)
from textual.widgets import Footer
from tui.screens.allocation_form import AllocationFormScreen
from tui.screens.customer import CustomerScreen
from tui.screens.dialogs import ChoiceScreen
from tui.screens.help import HelpScreen, key_rows

pytestmark = pytest.mark.both_engines

DID = "UK DID rental"  # monthly on the 1st, retail 1.50, setup 5.00, 30 minimum days
START = date(2026, 9, 10)


@pytest.fixture
def posted_book(demo_book):
    """Acme Telecom holds 3 x UK DID rental from 2026-09-10; a run on TODAY
    posted its setup and the charges of 10-01 and 11-01."""
    acme = customer("Acme Telecom")
    allocate(acme, find_package(DID), START, quantity=3)
    commit_run(plan_run(TODAY, TODAY, demo_book.settings.precision), TODAY)
    return demo_book


def acme_allocations():
    return list_allocations(find_customer("Acme Telecom").id)


async def edit(pilot, row: int = 0) -> AllocationFormScreen:
    """The allocation form on Acme's allocation `row` (0: the first)."""
    await open_customer(pilot, "Acme Telecom")
    for _ in range(row):
        await pilot.press("down")
    return await opens(pilot, AllocationFormScreen, "enter")


def errors_text(form) -> str:
    box = form.query_one("#form-errors")
    return static_text(form, "#form-errors") if box.has_class("shown") else ""


def lines(form) -> list[list[str]]:
    """The projection's charge lines, split into cells."""
    return [line.split() for line in form.query_one("#projection-lines").text().splitlines() if line[:2] == "20"]


async def test_f7_offers_the_next_charge_date_and_saves_a_successor_from_the_date_typed(posted_book, make_app):
    app = make_app(posted_book)
    async with app.run_test(size=SIZE) as pilot:
        form = await edit(pilot)
        await replace_text(pilot, "20")
        await press(pilot, "f7")
        # After what is posted (11-01) and today: the next charge date.
        assert form.query_one("#change-row").display and focused_id(app) == "change_from"
        assert form.query_one("#change_from").value == "2026-12-01"
        await replace_text(pilot, "2026-12-15")
        await pilot.pause()
        text = projection_text(form)
        assert "3 x UK DID rental to 2026-12-14, then 20 x UK DID rental from 2026-12-15" in text
        shown = lines(form)
        # The old terms hold for December's period (charged on 12-01), the new ones from January; one setup only.
        assert ["2026-12-01", "3", "recurring"] == shown[[r[0] for r in shown].index("2026-12-01")][:3]
        assert ["2027-01-01", "20", "recurring"] == shown[[r[0] for r in shown].index("2027-01-01")][:3]
        assert [r[0] for r in shown if r[2] == "setup"] == ["2026-09-10"]
        assert errors_text(form) == ""

        screen = await opens(pilot, CustomerScreen, "enter")
        old, new = acme_allocations()
        assert (old.quantity, old.start, old.end) == (3, START, date(2026, 12, 14))
        assert (new.quantity, new.start, new.end, new.follows_id, new.setup) == (20, date(2026, 12, 15), None, old.id, False)
        assert any("Changed from 2026-12-15" in m and "ends on 2026-12-14" in m for m in messages(app))
        assert screen.query_one("#allocations") is not None


async def test_a_change_date_on_posted_charges_is_refused_naming_the_first_date_and_writes_nothing(posted_book, make_app):
    app = make_app(posted_book)
    async with app.run_test(size=SIZE) as pilot:
        form = await edit(pilot)
        await replace_text(pilot, "20")
        await press(pilot, "f7")
        await replace_text(pilot, "2026-11-01")
        await pilot.pause()
        reason = "charges of it are posted up to 2026-11-01: change from 2026-11-02 or later"
        assert reason in errors_text(form)
        await press(pilot, "enter")
        assert app.screen is form
        assert any(m.startswith("Not saved") and reason in m for m in messages(app))
        [only] = acme_allocations()
        assert (only.quantity, only.end, only.version) == (3, None, 1)
        # escape leaves the change, not the form: the plain projection again.
        await press(pilot, "escape")
        assert app.screen is form and not form.changing and not form.query_one("#change-row").display
        assert "then 20" not in projection_text(form)


async def test_a_plain_save_of_a_new_quantity_with_posted_charges_asks_which_is_meant(posted_book, make_app):
    app = make_app(posted_book)
    async with app.run_test(size=SIZE) as pilot:
        form = await edit(pilot)
        await replace_text(pilot, "20")
        dialog = await opens(pilot, ChoiceScreen, "ctrl+s")
        assert dialog.title_text == "Change from a date, or correct it?"
        assert "Charges of 3 x UK DID rental are posted" in dialog.message
        # escape: nothing written, still editing.
        await press(pilot, "escape")
        assert app.screen is form and acme_allocations()[0].quantity == 3
        # c: the change row, as f7 gives it.
        await opens(pilot, ChoiceScreen, "ctrl+s")
        await press(pilot, "c")
        assert app.screen is form and form.changing and focused_id(app) == "change_from"
        await press(pilot, "escape")
        # a: the whole allocation corrected.
        await opens(pilot, ChoiceScreen, "ctrl+s")
        await opens(pilot, CustomerScreen, "a")
        [only] = acme_allocations()
        assert (only.quantity, only.start, only.end) == (20, START, None)


async def test_a_plain_save_without_new_terms_does_not_ask(posted_book, make_app):
    app = make_app(posted_book)
    async with app.run_test(size=SIZE) as pilot:
        await edit(pilot)
        app.screen.query_one("#reference").focus()
        await replace_text(pilot, "DID 0201")
        await opens(pilot, CustomerScreen, "ctrl+s")
        assert acme_allocations()[0].reference == "DID 0201"


@pytest.mark.parametrize("row", [0, 1])
async def test_an_allocation_in_a_chain_is_projected_with_the_other_side(posted_book, make_app, row):
    old = acme_allocations()[0]
    change_allocation(old.id, date(2026, 12, 15), 20)
    app = make_app(posted_book)
    async with app.run_test(size=SIZE) as pilot:
        form = await edit(pilot, row)
        assert form.allocation.quantity == (3, 20)[row]
        text = projection_text(form)
        assert "3 x UK DID rental to 2026-12-14, then 20 x UK DID rental from 2026-12-15" in text
        shown = lines(form)
        assert [(r[0], r[1]) for r in shown if r[0] in ("2026-12-01", "2027-01-01", "2027-02-01")] == [
            ("2026-12-01", "3"), ("2027-01-01", "20"), ("2027-02-01", "20"),
        ]
        # No second setup on 12-15 (the successor's projection runs from today, after the first).
        assert [r[0] for r in shown if r[2] == "setup"] == (["2026-09-10"], [])[row]


async def test_f7_is_offered_on_an_allocation_not_on_a_new_one(posted_book, make_app):
    app = make_app(posted_book)
    async with app.run_test(size=SIZE) as pilot:
        form = await edit(pilot)
        assert "f7 Change from" in _footer(form)
        await press(pilot, "f1")
        assert isinstance(app.screen, HelpScreen)
        rows = dict((words, keys) for keys, words in key_rows(form))
        assert rows["change the quantity or package from a date (the old terms end the day before)"] == "f7"
        await press(pilot, "escape", "escape")
        new = await opens(pilot, AllocationFormScreen, "n")
        assert "Change from" not in _footer(new)
        await press(pilot, "f7")
        assert not new.changing


def _footer(screen) -> str:
    footer = screen.query_one(Footer)
    return " ".join(
        f"{getattr(key, 'key_display', '')} {getattr(key, 'description', '')}" for key in footer.query("FooterKey")
    )


@pytest.fixture
def bundle_book(demo_book):
    """Acme Telecom holds 1 x Call bundle 500 (minimum spend) from 2026-10-01."""
    allocate(customer("Acme Telecom"), find_package(BUNDLE), date(2026, 10, 1))
    return demo_book


async def test_a_second_commitment_over_the_same_days_warns_and_saves(bundle_book, make_app):
    app = make_app(bundle_book)
    async with app.run_test(size=SIZE) as pilot:
        await open_customer(pilot, "Acme Telecom")
        form = await opens(pilot, AllocationFormScreen, "n")
        await press(pilot, *"Call bundle")
        await press(pilot, "enter")
        assert form.package is not None and form.package.name == BUNDLE
        await pilot.pause()
        text = " ".join(projection_text(form).split())  # the note wraps at the form's width
        assert "two minimum-spend commitments over the same days: Call bundle 500 #1 (2026-11-25 to no end)" in text
        await opens(pilot, CustomerScreen, "ctrl+s")
        assert len(acme_allocations()) == 2  # a warning, not a refusal
        said = [m for m in messages(app) if "two minimum-spend commitments" in m]
        assert said and "usage is not split" in said[0] and "give one allocation a larger quantity" in said[0]


async def test_a_commitment_that_does_not_share_days_does_not_warn(bundle_book, make_app):
    app = make_app(bundle_book)
    async with app.run_test(size=SIZE) as pilot:
        form = await edit(pilot)  # the bundle itself: no other commitment
        assert "two minimum-spend commitments" not in projection_text(form)
        form.query_one("#reference").focus()
        await replace_text(pilot, "main")
        await opens(pilot, CustomerScreen, "ctrl+s")
        assert not any("two minimum-spend commitments" in m for m in messages(app))
