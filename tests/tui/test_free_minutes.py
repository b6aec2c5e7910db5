"""Free-minutes bundles in the app: the package form's type, destinations
(checked as typed) and minutes, with the live panel saying what the bundle
gives, saved and merged with someone else's save; an allocation's own
minutes; each bundle's minutes used and left this period on the customer
screen; and the calls screen (newest first, paged, filtered by prefix,
covered calls marked with their net cost)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from textual.widgets import Input, Select

from billing.accounts import AllocationDraft
from billing.catalogue import PackageDraft
from billing.package_kind import FREE_MINUTES, RECURRING
from billing.schedule import Frequency
from store import allocations as allocation_store
from store import packages as package_store
from store.calls import import_calls
from store.customers import find_customer as customer_named
from tests.helpers.books import customer
from tests.helpers.cli import write
from tests.helpers.pilot import (
    focused_id, messages, open_customer, opens, panel_text, press, replace_text, running, settle, static_text,
    table_rows,
)
from tui.screens.allocation_form import AllocationFormScreen
from tui.screens.calls import CallsScreen
from tui.screens.customer import CustomerScreen
from tui.screens.dialogs import ConflictScreen
from tui.screens.package_form import PackageFormScreen
from tui.screens.package_list import PackageListScreen

pytestmark = pytest.mark.both_engines

D = Decimal
HEADER = "call_id,customer,start,destination,seconds,cost\n"
BUNDLE = "UK 100"
LINE = "Line rental"

#: Acme Telecom's calls around TODAY (2026-11-25): one before its bundle
#: starts (2026-11-01), two to the UK (44) and one to France (33) after.
CALLS = (
    "o1,Acme Telecom,2026-10-30 10:00:00,447000000001,600,0.60\n"
    "a1,Acme Telecom,2026-11-02 09:00:00,447000000002,1800,1.80\n"
    "a2,Acme Telecom,2026-11-10 12:00:00,33100000000,600,0.90\n"
    "a3,Acme Telecom,2026-11-20 08:15:00,447000000003,300,0.30\n"
)
#: A UK call of 70 minutes: more than the 100 minutes of one unit have left.
LONG_CALL = "a4,Acme Telecom,2026-11-24 18:00:00,447000000004,4200,4.20\n"


def bundle_draft(name: str = BUNDLE, **changes) -> PackageDraft:
    """100 minutes a month (from the 1st) per unit to 44, retail 10.00."""
    values = dict(retail=D("10"), frequency=Frequency.MONTHLY, match=(1,), type=FREE_MINUTES, destinations=("44",), free_minutes=100)
    return PackageDraft(name, **(values | changes))


def calls_from(tmp_path, body: str, name: str = "calls.csv"):
    return import_calls(write(tmp_path / name, HEADER + body))


@pytest.fixture
def bundle_book(book):
    """A bundle package and a recurring one; Acme Telecom (no allocations yet) and Blue Fish Ltd."""
    package_store.create_package(bundle_draft())
    package_store.create_package(PackageDraft(LINE, D("5"), frequency=Frequency.MONTHLY, match=(1,)))
    customer("Acme Telecom")
    customer("Blue Fish Ltd")
    return book


def allocate(name: str, package: str, quantity: int = 1, start: date = date(2026, 11, 1), free_minutes: int | None = None):
    """`quantity` x `package` for the customer `name` from `start`."""
    return allocation_store.create_allocation(
        customer_named(name).id, package_store.find_package(package).id,
        AllocationDraft(quantity, start, None, False, False, ""), free_minutes=free_minutes,
    )


async def open_form_of(pilot, name: str) -> PackageFormScreen:
    """On the package list: the cursor to `name`, enter."""
    screen = pilot.app.screen
    rows = [row[0] for row in table_rows(screen)]
    for _ in range(rows.index(name)):
        await pilot.press("down")
    return await opens(pilot, PackageFormScreen, "enter")


async def choose(pilot, selector: str, steps: int) -> None:
    """Focus the drop-down, open it, move `steps` down (up when negative), enter."""
    pilot.app.screen.query_one(selector, Select).focus()
    await press(pilot, "enter")
    await press(pilot, *(["down"] * steps if steps > 0 else ["up"] * -steps), "enter")


async def to_free_minutes(pilot) -> None:
    await choose(pilot, "#type", 1)
    assert pilot.app.screen.query_one("#type", Select).value == FREE_MINUTES


async def to_recurring(pilot) -> None:
    await choose(pilot, "#type", -1)
    assert pilot.app.screen.query_one("#type", Select).value == RECURRING


# --- the package form ---------------------------------------------------------------------------


async def test_the_type_shows_destinations_and_minutes_only_for_free_minutes(bundle_book, make_app):
    app = make_app(bundle_book)
    async with running(app) as pilot:
        form = await opens(pilot, PackageFormScreen, "n")
        rows = form.query_one("#bundle-rows")
        assert form.query_one("#type", Select).value == RECURRING
        assert not rows.display
        # Recurring: tab goes past the type to the end of the form (the bundle's fields are not in the way).
        form.query_one("#type").focus()
        await press(pilot, "tab")
        assert focused_id(app) == "form"

        await to_free_minutes(pilot)
        assert rows.display
        await press(pilot, "tab")
        assert focused_id(app) == "destinations"
        await press(pilot, "tab")
        assert focused_id(app) == "free_minutes"
        assert form.query_one("#free_minutes", Input).placeholder == "per unit"

        await to_recurring(pilot)
        assert not rows.display
        await press(pilot, "tab")
        assert focused_id(app) == "form"


async def test_a_bad_destination_is_refused_as_it_is_typed_and_ctrl_s_saves_nothing(bundle_book, make_app):
    app = make_app(bundle_book)
    async with running(app) as pilot:
        before = package_store.package_total()
        form = await opens(pilot, PackageFormScreen, "n")
        await press(pilot, *"UK 200")
        await to_free_minutes(pilot)
        await press(pilot, "tab", *"^4[4]")

        reason = "'^4[4]' is not a destination prefix: write digits, as ^44|^91|^1 or 44 91 1 (no other pattern is understood)"
        box = form.query_one("#destinations", Input)
        assert box.has_class("-invalid")
        assert form.query_one("#destinations-error").has_class("shown")
        assert static_text(form, "#destinations-error") == reason
        assert panel_text(form).startswith("Bundle: fix the destinations (in red)")

        await press(pilot, "ctrl+s")
        assert app.screen is form
        assert package_store.package_total() == before
        assert package_store.find_package("UK 200") is None
        assert messages(app)[-1] == f"Not saved: destinations: {reason}"
        assert focused_id(app) == "destinations"

        # Put right, the reason goes.
        await replace_text(pilot, "^44")
        assert not box.has_class("-invalid")
        assert not form.query_one("#destinations-error").has_class("shown")


async def test_minutes_must_be_a_whole_number_of_0_or_more(bundle_book, make_app):
    app = make_app(bundle_book)
    async with running(app) as pilot:
        form = await opens(pilot, PackageFormScreen, "n")
        await press(pilot, *"UK 200")
        await to_free_minutes(pilot)
        await press(pilot, "tab", *"44", "tab", *"-5")
        assert static_text(form, "#free_minutes-error") == "can't be negative"
        await replace_text(pilot, "1.5")
        assert static_text(form, "#free_minutes-error") == "'1.5' is not a whole number of minutes (0 or more)"
        await press(pilot, "ctrl+s")
        assert app.screen is form and package_store.find_package("UK 200") is None


async def test_the_live_panel_says_what_the_bundle_gives(bundle_book, make_app):
    app = make_app(bundle_book)
    async with running(app) as pilot:
        form = await opens(pilot, PackageFormScreen, "n")
        await press(pilot, *"UK 200", "tab", *"10")
        assert "Bundle" not in panel_text(form)  # recurring: no bundle line

        await to_free_minutes(pilot)
        assert panel_text(form).startswith("Bundle: type the destinations it covers (^44|^91|^1 or 44 91 1)")
        await press(pilot, "tab", *"^44|^91|1", "tab", *"100")
        assert panel_text(form).startswith(
            "Bundle: 100 min a month per unit to ^44 (UK), ^91 (India), ^1 (US/Canada) x quantity; retail 10.00 a month\n"
        )
        # The charges still follow under it.
        assert "Per month      10.00" in panel_text(form)

        await choose(pilot, "#frequency", -1)  # monthly -> weekly
        assert panel_text(form).startswith("Bundle: 100 min a week per unit to ^44 (UK)")
        await choose(pilot, "#frequency", -2)  # weekly -> daily -> none
        assert panel_text(form).startswith("Bundle: no minutes: a package that never recurs has no periods")

        await to_recurring(pilot)
        assert "Bundle" not in panel_text(form)


async def test_a_bundle_saved_then_reopened_holds_what_was_typed(bundle_book, make_app):
    app = make_app(bundle_book)
    async with running(app) as pilot:
        await opens(pilot, PackageFormScreen, "n")
        await press(pilot, *"Europe 500", "tab", *"25")
        await to_free_minutes(pilot)
        await press(pilot, "tab", *"33 49 ^44", "tab", *"500")
        await opens(pilot, PackageListScreen, "ctrl+s")

        saved = package_store.find_package("Europe 500")
        assert (saved.type, saved.destinations, saved.free_minutes, saved.retail) == (FREE_MINUTES, ("33", "49", "44"), 500, D("25"))

        form = await open_form_of(pilot, "Europe 500")
        assert form.query_one("#type", Select).value == FREE_MINUTES
        assert form.query_one("#bundle-rows").display
        assert form.query_one("#destinations", Input).value == "^33|^49|^44"
        assert form.query_one("#free_minutes", Input).value == "500"
        assert panel_text(form).startswith("Bundle: 500 min a month per unit to ^33 (France), ^49 (Germany), ^44 (UK)")
        assert not form.dirty

        form.query_one("#free_minutes").focus()
        await replace_text(pilot, "750")
        await opens(pilot, PackageListScreen, "ctrl+s")
        again = package_store.find_package("Europe 500")
        assert (again.free_minutes, again.destinations, again.version) == (750, ("33", "49", "44"), 2)

        # Back to recurring: the destinations and minutes go with the type.
        await open_form_of(pilot, "Europe 500")
        await to_recurring(pilot)
        await opens(pilot, PackageListScreen, "ctrl+s")
        plain = package_store.find_package("Europe 500")
        assert (plain.type, plain.destinations, plain.free_minutes) == (RECURRING, (), 0)


async def test_a_save_merges_with_someone_elses_change_of_the_minutes(bundle_book, make_app):
    app = make_app(bundle_book)
    async with running(app) as pilot:
        form = await open_form_of(pilot, BUNDLE)
        theirs = package_store.find_package(BUNDLE)
        package_store.update_package(theirs.id, theirs.version, theirs.draft().with_(free_minutes=150))
        form.query_one("#retail").focus()
        await replace_text(pilot, "12")
        await opens(pilot, PackageListScreen, "ctrl+s")

        merged = package_store.find_package(BUNDLE)
        assert (merged.retail, merged.free_minutes, merged.destinations, merged.version) == (D("12"), 150, ("44",), 3)
        assert any("kept their free minutes 150" in m for m in messages(app))


async def test_both_changing_the_bundle_is_asked_about_field_by_field(bundle_book, make_app):
    app = make_app(bundle_book)
    async with running(app) as pilot:
        form = await open_form_of(pilot, BUNDLE)
        theirs = package_store.find_package(BUNDLE)
        package_store.update_package(theirs.id, theirs.version, theirs.draft().with_(destinations=("44", "33")))
        form.query_one("#free_minutes").focus()
        await replace_text(pilot, "120")
        await press(pilot, "ctrl+s")

        dialog = app.screen
        assert isinstance(dialog, ConflictScreen)
        # The kind merges as one: their destinations and my minutes are a clash of the bundle.
        assert dialog.differences == [("destinations", "^44", "^44|^33"), ("free_minutes", "120", "100")]
        assert package_store.find_package(BUNDLE).free_minutes == 100

        await press(pilot, "t")
        assert app.screen is form
        assert form.query_one("#destinations", Input).value == "^44|^33"
        assert form.query_one("#free_minutes", Input).value == "100"


# --- the allocation form: its own minutes -------------------------------------------------------


async def pick(pilot, package: str) -> AllocationFormScreen:
    form = await opens(pilot, AllocationFormScreen, "n")
    await press(pilot, *package, "enter")
    assert form.package is not None and form.package.name == package
    return form


async def test_an_allocation_of_a_bundle_may_give_its_own_minutes(bundle_book, make_app):
    app = make_app(bundle_book)
    async with running(app) as pilot:
        await open_customer(pilot, "Acme Telecom")
        form = await pick(pilot, BUNDLE)
        minutes = form.query_one("#free_minutes", Input)
        assert minutes.display and minutes.value == ""
        assert minutes.placeholder == "100 (pkg)"  # blank: the package's
        assert "100 free min a month per unit to ^44 (UK)" in static_text(form, "#details")

        minutes.focus()
        await press(pilot, *"2x")
        assert static_text(form, "#form-errors") == "free minutes: '2x' is not a whole number of minutes (0 or more)"
        await press(pilot, "ctrl+s")
        assert app.screen is form and allocation_store.count_allocations(customer_named("Acme Telecom").id) == 0

        await replace_text(pilot, "250")
        assert static_text(form, "#form-errors") == ""
        await opens(pilot, CustomerScreen, "ctrl+s")
        (saved,) = allocation_store.list_allocations(customer_named("Acme Telecom").id)
        assert (saved.package, saved.free_minutes) == (BUNDLE, 250)

        # Reopened it shows them; cleared, the allocation takes the package's again.
        edit = await opens(pilot, AllocationFormScreen, "enter")
        assert edit.query_one("#free_minutes", Input).value == "250"
        edit.query_one("#free_minutes").focus()
        await replace_text(pilot, "")
        await opens(pilot, CustomerScreen, "ctrl+s")
        assert allocation_store.get_allocation(saved.id).free_minutes is None


async def test_a_recurring_package_has_no_minutes_field(bundle_book, make_app):
    app = make_app(bundle_book)
    async with running(app) as pilot:
        await open_customer(pilot, "Acme Telecom")
        form = await pick(pilot, LINE)
        assert not form.query_one("#free_minutes").display
        assert not form.query_one("#free-minutes-label").display
        await opens(pilot, CustomerScreen, "ctrl+s")
        (saved,) = allocation_store.list_allocations(customer_named("Acme Telecom").id)
        assert saved.free_minutes is None


# --- the customer screen: minutes used and left this period ---------------------------------------


async def test_the_customer_screen_shows_each_bundles_minutes_used_and_left(bundle_book, make_app, tmp_path):
    allocate("Acme Telecom", BUNDLE, quantity=2)  # 200 minutes a month, from 2026-11-01
    allocate("Acme Telecom", LINE)
    calls_from(tmp_path, CALLS)
    app = make_app(bundle_book)
    async with running(app) as pilot:
        screen = await open_customer(pilot, "Acme Telecom")
        await settle(pilot)
        # 30 + 5 minutes to 44 this period; the call to France and October's don't count.
        assert static_text(screen, "#customer-minutes") == " Minutes UK 100 x2: 35 used, 165 left to 11-30"
        assert screen.query_one("#customer-minutes").display
        assert "minutes 35 used, 165 left to 11-30" in static_text(screen, "#status")
        await press(pilot, "down")  # the line rental: no minutes
        assert "minutes" not in static_text(screen, "#status")


async def test_an_allocations_own_minutes_and_a_customer_without_bundles(bundle_book, make_app, tmp_path):
    allocate("Acme Telecom", BUNDLE, free_minutes=40)
    calls_from(tmp_path, CALLS)
    app = make_app(bundle_book)
    async with running(app) as pilot:
        screen = await open_customer(pilot, "Acme Telecom")
        await settle(pilot)
        assert static_text(screen, "#customer-minutes") == " Minutes UK 100: 35 used, 5 left to 11-30"
        await press(pilot, "escape")
        blue = await open_customer(pilot, "Blue Fish Ltd")
        await settle(pilot)
        assert not blue.query_one("#customer-minutes").display


async def test_bundles_that_share_calls_are_counted_from_the_earliest_period_they_share(bundle_book, make_app, tmp_path):
    # UK mobile 10 (447, periods from the 15th) ranks before UK 100 (44, from
    # the 1st) for 447 calls. October 20th's call empties UK mobile's period
    # to November 14th, so November 5th's call spills to UK 100: read from
    # November 1st only, it would look covered by UK mobile instead.
    package_store.create_package(bundle_draft("UK mobile 10", match=(15,), destinations=("447",), free_minutes=10))
    allocate("Acme Telecom", BUNDLE, start=date(2026, 10, 1))
    allocate("Acme Telecom", "UK mobile 10", start=date(2026, 10, 15))
    calls_from(tmp_path, (
        "m1,Acme Telecom,2026-10-20 09:00:00,447000000001,600,0.60\n"
        "m2,Acme Telecom,2026-11-05 09:00:00,447000000002,300,0.30\n"
        "m3,Acme Telecom,2026-11-20 09:00:00,447000000003,120,0.12\n"
    ))
    app = make_app(bundle_book)
    async with running(app) as pilot:
        screen = await open_customer(pilot, "Acme Telecom")
        await settle(pilot)
        assert static_text(screen, "#customer-minutes") == (
            " Minutes UK 100: 5 used, 95 left to 11-30\n Minutes UK mobile 10: 2 used, 8 left to 12-14"
        )


# --- the calls screen ----------------------------------------------------------------------------


async def open_calls(pilot, name: str = "Acme Telecom") -> CallsScreen:
    await open_customer(pilot, name)
    screen = await opens(pilot, CallsScreen, "c")
    await settle(pilot)
    return screen


def shown(screen) -> list[list[str]]:
    return table_rows(screen)


async def test_calls_are_listed_newest_first_with_covered_ones_marked(bundle_book, make_app, tmp_path):
    allocate("Acme Telecom", BUNDLE)  # 100 minutes: a1 and a3 use 35, a4 gets the 65 left of its 70
    calls_from(tmp_path, CALLS + LONG_CALL)
    app = make_app(bundle_book)
    async with running(app) as pilot:
        screen = await open_calls(pilot)
        assert shown(screen) == [
            ["2026-11-24 18:00:00", "447000000004", "70:00", "4.20", "0.30", "part"],
            ["2026-11-20 08:15:00", "447000000003", "5:00", "0.30", "0.00", "free"],
            ["2026-11-10 12:00:00", "33100000000", "10:00", "0.90", "0.90", ""],
            ["2026-11-02 09:00:00", "447000000002", "30:00", "1.80", "0.00", "free"],
            ["2026-10-30 10:00:00", "447000000001", "10:00", "0.60", "0.60", ""],
        ]
        assert static_text(screen, "#status").startswith("5 of 5 call(s) · newest first")

        await press(pilot, "enter")  # the long call: which bundle, how much
        assert messages(app)[-1] == (
            "Call a4 to 447000000004, 70:00, cost 4.20: 65:00 from UK 100 (allocation 1, period from 2026-11-01); "
            "net cost 0.30."
        )

        await opens(pilot, CustomerScreen, "escape")


async def test_slash_filters_the_calls_by_destination_prefix(bundle_book, make_app, tmp_path):
    allocate("Acme Telecom", BUNDLE)
    calls_from(tmp_path, CALLS + LONG_CALL)
    app = make_app(bundle_book)
    async with running(app) as pilot:
        screen = await open_calls(pilot)
        await press(pilot, "slash")
        assert focused_id(app) == "filter"
        await press(pilot, *"^33")
        await settle(pilot)
        assert shown(screen) == [["2026-11-10 12:00:00", "33100000000", "10:00", "0.90", "0.90", ""]]

        # Coverage is the customer's bundles over all their calls, not only those shown.
        await replace_text(pilot, "+44")
        await settle(pilot)
        assert [(row[0][:10], row[5]) for row in shown(screen)] == [
            ("2026-11-24", "part"), ("2026-11-20", "free"), ("2026-11-02", "free"), ("2026-10-30", ""),
        ]

        await replace_text(pilot, "4[")
        box = screen.query_one("#filter", Input)
        assert box.has_class("-invalid")
        assert static_text(screen, "#filter-error") == "'4[' is not a destination prefix: digits, as 44, ^44 or +44"
        assert shown(screen) == []

        # Escape clears the filter; escape again goes back.
        await press(pilot, "escape")
        assert len(shown(screen)) == 5 and not box.display
        assert not screen.query_one("#filter-error").has_class("shown")
        await opens(pilot, CustomerScreen, "escape")


async def test_later_pages_load_newest_first_and_are_marked_too(bundle_book, make_app, tmp_path):
    # 250 one-minute UK calls from 2026-11-02, a minute apart: the oldest 100
    # use the bundle's 100 minutes; the first page (200) holds 50 of them.
    allocate("Acme Telecom", BUNDLE)
    first = datetime(2026, 11, 2, 8, 0)
    body = "".join(
        f"p{n:03},Acme Telecom,{first + timedelta(minutes=n):%Y-%m-%d %H:%M:%S},4470000{n:05},60,0.06\n" for n in range(250)
    )
    calls_from(tmp_path, body)
    app = make_app(bundle_book)
    async with running(app) as pilot:
        screen = await open_calls(pilot)
        assert len(shown(screen)) == 200
        await press(pilot, "end")
        await settle(pilot)
        rows = shown(screen)
        assert len(rows) == 250
        starts = [row[0] for row in rows]
        assert starts == sorted(starts, reverse=True) and len(set(starts)) == 250
        marks = [row[5] for row in rows]
        assert marks == [""] * 150 + ["free"] * 100
        assert rows[-1][0] == "2026-11-02 08:00:00"
        assert static_text(screen, "#status").startswith("250 of 250 call(s)")


async def test_the_customer_screen_offers_the_calls_in_its_footer_and_help(bundle_book, make_app):
    app = make_app(bundle_book)
    async with running(app) as pilot:
        screen = await open_customer(pilot, "Acme Telecom")
        footer = [strip.text for strip in app.screen._compositor.render_strips()][-1]
        assert "c Calls" in footer
        await press(pilot, "question_mark")
        rows = {words: keys for keys, words in app.screen.keys}
        assert rows["the customer's calls, newest first, those a bundle covers marked"] == "c"
        await press(pilot, "escape")
        assert app.screen is screen
