"""The package form: add with keys only, validation, duplicates, edits, leaving,
the version conflict, archive and delete."""

from __future__ import annotations

import pytest

from decimal import Decimal

from billing.schedule import Frequency
from store import packages as package_store
from tui.screens.dialogs import ChoiceScreen, ConflictScreen
from tui.screens.package_form import PackageFormScreen
from tui.screens.package_list import PackageListScreen

from tests.helpers.pilot import focused_id, messages, names, opens, press, replace_text, row_count, running, static_text, table_rows

pytestmark = pytest.mark.both_engines

D = Decimal


async def type_fields(pilot, *fields: tuple[str, str]) -> None:
    """For each (field, text): the field has the focus; `text` is typed, then tab."""
    for field, text in fields:
        assert focused_id(pilot.app) == field
        await pilot.press(*text, "tab")


async def open_row(pilot, name: str) -> None:
    """Move the list cursor to `name` with the down key and open it with enter."""
    screen = pilot.app.screen
    index = names(screen).index(name)
    for _ in range(index):
        await pilot.press("down")
    await opens(pilot, PackageFormScreen, "enter")
    assert static_text(pilot.app.screen, "#title") == f"Edit package: {name}"


async def new_package(pilot, name: str, retail: str) -> None:
    """n on the list, then `name`, tab and `retail` typed."""
    await press(pilot, "n")
    await press(pilot, *name, "tab", *retail)


async def change_retail(pilot, name: str, retail: str) -> None:
    """Open the package `name`, tab to its retail and type `retail` over it."""
    await open_row(pilot, name)
    await pilot.press("tab")
    await replace_text(pilot, retail)


async def test_add_a_package_with_keys_only(demo_app):
    app = demo_app
    async with running(app) as pilot:
        before = package_store.package_total()

        await opens(pilot, PackageFormScreen, "n")
        await type_fields(pilot, ("name", "Office line"), ("retail", "30"), ("cost", "12.345"))

        # Frequency: open the drop-down, monthly -> weekly is one up, enter picks it.
        assert focused_id(app) == "frequency"
        await press(pilot, "enter")
        await press(pilot, "up", "enter")
        assert app.screen.query_one("#frequency").value == "weekly"

        # Days: the cursor starts on Monday; Tuesday and Friday are picked with space.
        await pilot.press("tab")
        assert focused_id(app) == "frequency_match"
        await press(pilot, "right", "space", "right", "right", "right", "space")
        assert app.screen.query_one("#frequency_match").days == (1, 4)

        await pilot.press("tab")
        await type_fields(pilot, ("description", "Two lines"), ("setup_cost", "5"), ("setup_retail", "19.99"))

        # Upstream: (none), DID-UK, DID-US, ...: two down picks DID-US.
        assert focused_id(app) == "upstream_service"
        await press(pilot, "enter")
        await press(pilot, "down", "down", "enter")
        assert app.screen.query_one("#upstream_service").value == "DID-US"

        await pilot.press("tab")
        assert focused_id(app) == "minimum_spend"
        await pilot.press("tab")
        assert focused_id(app) == "minimum_days"
        await replace_text(pilot, "30")

        await opens(pilot, PackageListScreen, "ctrl+s")
        assert package_store.package_total() == before + 1
        saved = package_store.find_package("Office line")
        assert saved is not None
        assert saved.retail == D("30")
        assert saved.cost == D("12.345")
        assert saved.setup_cost == D("5")
        assert saved.setup_retail == D("19.99")
        assert isinstance(saved.retail, Decimal)
        assert saved.frequency is Frequency.WEEKLY and saved.match == (1, 4)
        assert (saved.description, saved.upstream_service) == ("Two lines", "DID-US")
        assert saved.minimum_spend is False and saved.minimum_days == 30
        assert saved.version == 1
        # 30 x 2 days x 365.25 / 7 / 12
        assert saved.monthly_retail == D("260.892857")
        # Back on the list, the cursor is on the new package.
        assert app.screen.current().name == "Office line"
        row = next(r for r in table_rows(app.screen) if r[0] == "Office line")
        assert row[1:5] == ["30.00", "12.345", "17.655", "week tue fri"]


async def test_invalid_retail_shows_the_reason_and_saves_nothing(demo_app):
    app = demo_app
    async with running(app) as pilot:
        before = package_store.package_total()
        await new_package(pilot, "Broken price", "12.5x")

        form = app.screen
        error = form.query_one("#retail-error")
        assert error.has_class("shown")
        assert str(error.content) == "'12.5x' is not a number (use digits and a '.', like 12.50)"
        assert form.query_one("#retail").has_class("-invalid")

        await press(pilot, "ctrl+s")

        assert app.screen is form
        assert package_store.package_total() == before
        assert package_store.find_package("Broken price") is None
        assert focused_id(app) == "retail"

        # Fixing the field takes the reason away.
        await press(pilot, "backspace")
        assert not error.has_class("shown")
        assert not form.query_one("#retail").has_class("-invalid")


async def test_a_duplicate_name_is_refused_under_the_name(demo_app):
    app = demo_app
    async with running(app) as pilot:
        before = package_store.package_total()
        await new_package(pilot, "Fax to email", "3")
        await press(pilot, "ctrl+s")

        form = app.screen
        assert isinstance(form, PackageFormScreen)
        error = form.query_one("#name-error")
        assert error.has_class("shown")
        assert "'Fax to email' is already the name of another package" in str(error.content)
        assert focused_id(app) == "name"
        assert package_store.package_total() == before
        assert package_store.find_package("Fax to email").retail == D("2.50")


async def test_editing_a_package_changes_the_value_and_bumps_the_version(demo_app):
    app = demo_app
    async with running(app) as pilot:
        before = package_store.find_package("Annual support plan")
        assert before.version == 1

        await open_row(pilot, "Annual support plan")
        assert app.screen.query_one("#retail").value == "240.00"
        await pilot.press("tab")
        await replace_text(pilot, "250.50")
        await press(pilot, "ctrl+s")

        assert isinstance(app.screen, PackageListScreen)
        after = package_store.find_package("Annual support plan")
        assert after.id == before.id
        assert after.version == 2
        assert after.retail == D("250.50")
        assert after.cost == before.cost
        assert after.monthly_retail == D("20.875")
        row = next(r for r in table_rows(app.screen) if r[0] == "Annual support plan")
        assert row[1] == "250.50"
        assert package_store.package_total() == 9


async def test_escape_on_an_unchanged_form_leaves_without_asking(demo_app):
    app = demo_app
    async with running(app) as pilot:
        await open_row(pilot, "Hosted PBX seat")
        await opens(pilot, PackageListScreen, "escape")
        assert package_store.find_package("Hosted PBX seat").version == 1


async def test_escape_with_unsaved_changes_asks_and_d_discards(demo_app):
    app = demo_app
    async with running(app) as pilot:
        await change_retail(pilot, "Hosted PBX seat", "99")

        await opens(pilot, ChoiceScreen, "escape")
        assert app.screen.title_text == "Unsaved changes"

        await opens(pilot, PackageListScreen, "d")
        kept = package_store.find_package("Hosted PBX seat")
        assert kept.retail == D("12.00")
        assert kept.version == 1


async def test_a_new_package_left_with_escape_and_discarded_writes_nothing(demo_app):
    app = demo_app
    async with running(app) as pilot:
        before = package_store.package_total()
        await new_package(pilot, "Never saved", "4")
        await opens(pilot, ChoiceScreen, "escape")
        await opens(pilot, PackageListScreen, "d")
        assert package_store.package_total() == before
        assert package_store.find_package("Never saved") is None


async def test_escape_with_unsaved_changes_then_s_saves(demo_app):
    app = demo_app
    async with running(app) as pilot:
        await change_retail(pilot, "Hosted PBX seat", "13")
        await opens(pilot, ChoiceScreen, "escape")
        await opens(pilot, PackageListScreen, "s")
        saved = package_store.find_package("Hosted PBX seat")
        assert saved.retail == D("13")
        assert saved.version == 2


async def _conflict(pilot, their_cost: str | None = "0.95"):
    """Open 'Fax to email', have someone else save it (retail, description and,
    unless `their_cost` is None, cost), change cost to 1.10, ctrl+s."""
    app = pilot.app
    await open_row(pilot, "Fax to email")
    form = app.screen
    theirs = package_store.find_package("Fax to email")
    changes = dict(retail=D("3.00"), description="Price rise from the carrier")
    if their_cost is not None:
        changes["cost"] = D(their_cost)
    package_store.update_package(theirs.id, theirs.version, theirs.draft().with_(**changes))
    await pilot.press("tab", "tab")
    assert focused_id(app) == "cost"
    await replace_text(pilot, "1.10")
    await press(pilot, "ctrl+s")
    return form


async def test_a_save_after_someone_else_saved_other_fields_keeps_both(demo_app):
    # Changed on purpose: "save mine over theirs" used to write every field of
    # the form, reverting their retail and description. Now only the fields
    # both changed are asked about: here none, so it saves without a question.
    app = demo_app
    async with running(app) as pilot:
        await _conflict(pilot, their_cost=None)

        assert isinstance(app.screen, PackageListScreen)
        held = package_store.find_package("Fax to email")
        assert held.version == 3
        assert held.cost == D("1.10")  # mine
        assert held.retail == D("3.00")  # theirs, kept
        assert held.description == "Price rise from the carrier"
        assert any("kept their retail 3.00, description" in m for m in messages(app)), messages(app)


async def test_a_version_conflict_asks_only_about_the_fields_both_changed(demo_app):
    app = demo_app
    async with running(app) as pilot:
        form = await _conflict(pilot)

        dialog = app.screen
        assert isinstance(dialog, ConflictScreen)
        assert dialog.package_name == "Fax to email"
        assert dialog.differences == [("cost", "1.10", "0.95")]
        # What only they changed is in the form already.
        assert form.query_one("#retail").value == "3.00"
        assert form.query_one("#description").value == "Price rise from the carrier"
        # Nothing of ours was written: the book holds what they saved.
        held = package_store.find_package("Fax to email")
        assert (held.version, held.retail, held.cost) == (2, D("3.00"), D("0.95"))

        await press(pilot, "o")

        assert app.screen is not form
        assert isinstance(app.screen, PackageListScreen)
        mine = package_store.find_package("Fax to email")
        assert mine.version == 3
        assert mine.cost == D("1.10")
        assert mine.retail == D("3.00")
        assert mine.description == "Price rise from the carrier"


async def test_a_version_conflict_t_takes_theirs_into_the_form(demo_app):
    app = demo_app
    async with running(app) as pilot:
        form = await _conflict(pilot)
        assert isinstance(app.screen, ConflictScreen)

        await press(pilot, "t")

        assert app.screen is form
        assert form.query_one("#retail").value == "3.00"
        assert form.query_one("#cost").value == "0.95"
        assert form.query_one("#description").value == "Price rise from the carrier"
        assert form.version == 2
        assert not form.dirty
        held = package_store.find_package("Fax to email")
        assert (held.version, held.cost) == (2, D("0.95"))

        # The form is clean again: escape leaves without asking.
        await opens(pilot, PackageListScreen, "escape")


async def test_d_then_y_archives_the_package(demo_app):
    app = demo_app
    async with running(app) as pilot:
        assert names(app.screen)[0] == "Annual support plan"
        await opens(pilot, ChoiceScreen, "d")
        assert "was never allocated" in app.screen.message

        await opens(pilot, PackageListScreen, "y")
        archived = package_store.find_package("Annual support plan")
        assert archived.archived is True
        assert archived.version == 2
        assert names(app.screen)[0] == "Annual support plan (archived)"
        assert package_store.package_total() == 9


async def test_d_then_x_deletes_a_package_never_allocated(demo_app):
    app = demo_app
    async with running(app) as pilot:
        await pilot.press("down")
        assert app.screen.current().name == "Call bundle 500"
        await opens(pilot, ChoiceScreen, "d")

        await opens(pilot, PackageListScreen, "x")
        assert package_store.find_package("Call bundle 500") is None
        assert package_store.package_total() == 8
        assert row_count(app.screen) == 8
        assert "Call bundle 500" not in names(app.screen)
