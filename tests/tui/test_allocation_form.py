"""The allocation form, opened with `n` on a customer's screen: package search
(archived packages are not offered), the details panel, the live 12-month
projection, the date and minimum-days rules, saving, and removing with `d`."""

from __future__ import annotations

import re
from contextlib import asynccontextmanager
from datetime import date, timedelta
from decimal import Decimal

import pytest

from billing.accounts import AllocationDraft, CustomerDraft
from billing.catalogue import PackageDraft
from billing.charges import AllocationTerms, allocation_charges
from billing.money import format_money
from billing.schedule import Frequency
from store import allocations as allocation_store
from store import customers as customer_store
from store import packages as package_store
from tui.screens.allocation_form import AllocationFormScreen
from tui.screens.customer import CustomerScreen
from tui.app import PackdeskApp
from tui.screens.customer_list import CustomerListScreen
from tui.screens.dialogs import ChoiceScreen

from tests.helpers.books import acme
from tests.helpers.pilot import projection_text as all_of_projection
from tests.helpers.pilot import (
    SIZE, TODAY, focused_id, messages, open_customer, opens, press, rendered, replace_text, row_count, static_text,
    table_rows,
)

pytestmark = pytest.mark.both_engines

D = Decimal
PLACEHOLDER = "The projection appears when a package is chosen and the fields are valid."


def projection_text(screen) -> str:
    return all_of_projection(screen)


LINE = re.compile(r"^(\d{4}-\d{2}-\d{2}) (setup|recurring|min\.spend) +(\S+) +([\d,]+\.\d\d) +([\d,]+\.\d\d)$")
MONTH = re.compile(r"^([A-Z][a-z]{2} \d{4}|total) +([\d,.-]+) +([\d,.-]+) +([\d,.-]+)(?: +([\d,.-]+))?")


def charge_rows(text: str) -> list[tuple[str, str, str, str, str]]:
    """(date, kind, period, amount, cost) of each charge line shown."""
    return [m.groups() for m in (LINE.match(line.strip()) for line in text.splitlines()) if m]


def month_rows(text: str) -> dict[str, tuple]:
    """month (or 'total') -> (retail, cost, margin, tax) as shown."""
    rows = {}
    for line in text.splitlines():
        m = MONTH.match(line.strip())
        if m:
            rows[m.group(1)] = m.groups()[1:]
    return rows


def errors_text(screen) -> str:
    box = screen.query_one("#form-errors")
    return static_text(screen, "#form-errors") if box.has_class("shown") else ""


# --- the book ------------------------------------------------------------------------


MONTHLY_LINE = PackageDraft(
    "Monthly line", D("10"), D("4"), D("25"), D("8"), Frequency.MONTHLY, (31,),
    "Business line, billed on the last day", "DID-UK", False, 30,
)


@pytest.fixture
def accounts_book(demo_book):
    """The demo catalogue, 'Monthly line' (monthly on day 31, retail 10, cost 4,
    setup 25 / 8, DID-UK, 30 minimum days), 'Spare line' (monthly on the 1st,
    2.00), the archived 'Old line', and the customer 'Acme Telecom' (tax 20%)."""
    package_store.create_package(MONTHLY_LINE)
    package_store.create_package(PackageDraft("Spare line", D("2"), D("1"), frequency=Frequency.MONTHLY, match=(1,)))
    old = package_store.create_package(PackageDraft("Old line", D("3"), D("1"), frequency=Frequency.MONTHLY, match=(1,)))
    package_store.set_archived(old.id, old.version, True)
    customer_store.create_customer(CustomerDraft("Acme Telecom", "active", D("20"), ""))
    return demo_book


async def to_customer(pilot) -> CustomerScreen:
    """Acme Telecom's screen (the first customer)."""
    return await open_customer(pilot, "Acme Telecom")


async def new_allocation(pilot) -> AllocationFormScreen:
    await to_customer(pilot)
    form = await opens(pilot, AllocationFormScreen, "n")
    return form


async def pick_monthly_line(pilot) -> AllocationFormScreen:
    form = await new_allocation(pilot)
    await press(pilot, *"month")
    await press(pilot, "down", "enter")
    assert form.package is not None and form.package.name == "Monthly line"
    return form


@asynccontextmanager
async def on_form(app, open_form):
    """The app running at 80x24 on the allocation form `open_form(pilot)`
    opens; yields (pilot, form)."""
    async with app.run_test(size=SIZE) as pilot:
        yield pilot, await open_form(pilot)


async def ctrl_s_is_refused(pilot, form: AllocationFormScreen, says: str) -> None:
    """ctrl+s keeps the form open, saves nothing, and a message says `says`."""
    await press(pilot, "ctrl+s")
    assert pilot.app.screen is form
    assert allocation_store.list_allocations(acme().id) == []
    assert any(says in m for m in messages(pilot.app))


async def type_into(pilot, field: str, text: str) -> None:
    pilot.app.screen.query_one(f"#{field}").focus()
    await pilot.pause()
    await replace_text(pilot, text)


# --- choosing the package ----------------------------------------------------------


async def test_n_opens_the_form_and_typing_shows_matches_to_pick_from(accounts_book, make_app):
    app = make_app(accounts_book)
    async with on_form(app, new_allocation) as (pilot, form):
        assert static_text(form, "#title") == "Acme Telecom · new allocation"
        assert focused_id(app) == "package"
        matches = form.query_one("#matches")
        assert not matches.display
        assert static_text(form, "#details") == "No package chosen yet."
        assert rendered(form.query_one("#projection-body")).strip() == PLACEHOLDER
        # Nothing typed yet: no error shown.
        assert errors_text(form) == ""

        await press(pilot, *"line")
        assert matches.display
        shown = [str(matches.get_option_at_index(i).prompt) for i in range(matches.option_count)]
        # Archived 'Old line' is not offered.
        assert shown == ["Monthly line  10.00 monthly", "Spare line  2.00 monthly"]
        assert form.package is None

        # down goes into the matches, a second down to 'Spare line', enter picks it.
        await press(pilot, "down")
        assert focused_id(app) == "matches"
        assert matches.highlighted == 0
        await press(pilot, "down", "enter")
        assert form.package.name == "Spare line"
        assert form.query_one("#package").value == "Spare line"
        assert not matches.display
        assert focused_id(app) == "quantity"


async def test_down_and_enter_pick_the_first_match(accounts_book, make_app):
    app = make_app(accounts_book)
    async with on_form(app, new_allocation) as (pilot, form):
        await pilot.press(*"MONTH")  # any case
        await pilot.pause()
        await press(pilot, "down", "enter")
        assert form.package.name == "Monthly line"
        assert form.query_one("#package").value == "Monthly line"
        assert focused_id(app) == "quantity"
        assert "Projection 2026-11-25 to 2027-11-24" in projection_text(form)


async def test_enter_in_the_package_box_takes_the_first_match(accounts_book, make_app):
    app = make_app(accounts_book)
    async with on_form(app, new_allocation) as (pilot, form):
        await press(pilot, *"spare", "enter")
        assert form.package.name == "Spare line"
        assert focused_id(app) == "quantity"


async def test_archived_packages_are_not_offered(accounts_book, make_app):
    app = make_app(accounts_book)
    async with on_form(app, new_allocation) as (pilot, form):
        await press(pilot, *"Old line")
        assert not form.query_one("#matches").display
        assert form.package is None
        assert errors_text(form).startswith("package: ")
        assert rendered(form.query_one("#projection-body")).strip() == PLACEHOLDER

        await press(pilot, "ctrl+s")
        assert app.screen is form
        assert allocation_store.list_allocations(acme().id) == []
        assert any("Not saved" in m and ("choose a package" in m or "no package" in m) for m in messages(app))


async def test_a_name_nothing_matches_says_so(accounts_book, make_app):
    """The form has a reason for this case; it should be the one the operator reads."""
    app = make_app(accounts_book)
    async with on_form(app, new_allocation) as (pilot, form):
        await press(pilot, *"Old line")
        assert errors_text(form) == "package: no package (that is not archived) matches 'Old line'"


async def test_the_details_panel_shows_the_package(accounts_book, make_app):
    app = make_app(accounts_book)
    async with on_form(app, pick_monthly_line) as (pilot, form):
        details = static_text(form, "#details")
        assert details == (
            "Monthly line: retail 10.00, cost 4.00, monthly on day 31; setup 25.00 (cost 8.00); "
            "minimum days 30; upstream DID-UK\nBusiness line, billed on the last day"
        )

        # Changing the package changes the panel.
        form.query_one("#package").focus()
        await pilot.pause()
        await replace_text(pilot, "Spare line")
        assert form.package.name == "Spare line"
        assert static_text(form, "#details") == (
            "Spare line: retail 2.00, cost 1.00, monthly on day 1; no setup; minimum days 0; upstream none"
        )


async def test_the_details_panel_is_not_cut_off_at_80x24(accounts_book, make_app):
    """Every line of the details (including the description) fits the space the panel gets."""
    app = make_app(accounts_book)
    async with on_form(app, pick_monthly_line) as (pilot, form):
        details = form.query_one("#details")
        lines = rendered(details).rstrip("\n").split("\n")
        assert lines[-1].strip() == "Business line, billed on the last day"
        assert details.content_region.height >= len(lines), (
            f"the details need {len(lines)} lines, the panel shows {details.content_region.height}: "
            f"{lines[details.content_region.height:]} is hidden"
        )


async def test_every_field_is_on_screen_at_80x24(accounts_book, make_app):
    app = make_app(accounts_book)
    async with on_form(app, pick_monthly_line) as (pilot, form):
        await type_into(pilot, "end_date", "2026-12-01")  # an error line shows too
        screen_region = form.region
        for field in ("package", "quantity", "start_date", "end_date", "auto_decrement", "prorate", "reference",
                      "form-errors", "details", "projection-body"):
            region = form.query_one(f"#{field}").region
            assert region.width > 0 and region.height > 0, field
            assert screen_region.contains_region(region), field
        assert form.query_one("#allocation-projection").region.height >= 5


# --- the live projection ----------------------------------------------------------------


async def test_the_projection_shows_the_setup_line_and_every_charge_of_12_months(accounts_book, make_app):
    app = make_app(accounts_book)
    async with on_form(app, pick_monthly_line) as (pilot, form):
        await replace_text(pilot, "3")
        await type_into(pilot, "start_date", "2026-12-15")
        text = projection_text(form)

        assert "Projection 2026-11-25 to 2027-11-24: 12 charge(s)" in text
        lines = charge_rows(text)
        assert lines[0] == ("2026-12-15", "setup", "12-15..12-15", "75.00", "24.00")
        assert lines[1] == ("2026-12-31", "recurring", "26-12-31..27-01-30", "30.00", "12.00")
        assert lines[2] == ("2027-01-31", "recurring", "01-31..02-27", "30.00", "12.00")
        assert lines[3] == ("2027-02-28", "recurring", "02-28..03-30", "30.00", "12.00")
        assert [line[0] for line in lines[1:]] == [
            "2026-12-31", "2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30", "2027-05-31",
            "2027-06-30", "2027-07-31", "2027-08-31", "2027-09-30", "2027-10-31",
        ]
        assert all(line[1] == "recurring" and line[3:] == ("30.00", "12.00") for line in lines[1:])

        # Exactly what billing charges in the window.
        package = package_store.find_package("Monthly line")
        expected = list(allocation_charges(package.terms(), AllocationTerms(date(2026, 12, 15), None, 3),
                                           TODAY, date(2027, 11, 24), 2))
        assert [(c.date.isoformat(), format_money(c.amount, 2), format_money(c.cost, 2)) for c in expected] == [
            (line[0], line[3], line[4]) for line in lines
        ]

        # Month by month with tax (Acme pays 20%).
        months = month_rows(text)
        assert months["Nov 2026"] == ("0.00", "0.00", "0.00", "0.00")
        assert months["Dec 2026"] == ("105.00", "36.00", "69.00", "21.00")
        for month in ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct"):
            assert months[f"{month} 2027"] == ("30.00", "12.00", "18.00", "6.00"), month
        assert months["total"] == ("405.00", "156.00", "249.00", "81.00")
        assert "tax" in text.split("\n")[1]


async def test_the_projection_updates_as_the_quantity_is_typed(accounts_book, make_app):
    app = make_app(accounts_book)
    async with on_form(app, pick_monthly_line) as (pilot, form):
        await type_into(pilot, "start_date", "2026-12-15")
        form.query_one("#quantity").focus()
        await pilot.pause()
        await replace_text(pilot, "3")
        lines = charge_rows(projection_text(form))
        assert lines[0][3:] == ("75.00", "24.00")
        assert {line[3] for line in lines[1:]} == {"30.00"}

        # 3 -> 20, key by key: after "2" it is already 2 x.
        await press(pilot, "backspace", "2")
        lines = charge_rows(projection_text(form))
        assert lines[0][3:] == ("50.00", "16.00")
        assert {line[3] for line in lines[1:]} == {"20.00"}
        await press(pilot, "0")
        text = projection_text(form)
        lines = charge_rows(text)
        assert lines[0][3:] == ("500.00", "160.00")
        assert {line[3:] for line in lines[1:]} == {("200.00", "80.00")}
        months = month_rows(text)
        assert months["Dec 2026"] == ("700.00", "240.00", "460.00", "140.00")
        assert months["Jan 2027"] == ("200.00", "80.00", "120.00", "40.00")
        assert months["total"] == ("2700.00", "1040.00", "1660.00", "540.00")

        # A quantity that is not a whole number: the reason, and no projection.
        await press(pilot, "x")
        assert errors_text(form) == "quantity: '20x' is not a whole number of 1 or more"
        assert form.query_one("#quantity").has_class("-invalid")
        assert projection_text(form).strip() == PLACEHOLDER


async def test_changing_the_start_date_moves_the_charges(accounts_book, make_app):
    app = make_app(accounts_book)
    async with on_form(app, pick_monthly_line) as (pilot, form):
        await type_into(pilot, "start_date", "2026-12-15")
        before = charge_rows(projection_text(form))
        assert before[0][:2] == ("2026-12-15", "setup")
        assert before[1][0] == "2026-12-31"

        await replace_text(pilot, "2027-01-10")
        text = projection_text(form)
        lines = charge_rows(text)
        assert lines[0] == ("2027-01-10", "setup", "01-10..01-10", "25.00", "8.00")
        assert [line[0] for line in lines[1:]] == [
            "2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30", "2027-05-31",
            "2027-06-30", "2027-07-31", "2027-08-31", "2027-09-30", "2027-10-31",
        ]
        assert "2026-12-31" not in text
        months = month_rows(text)
        assert months["Dec 2026"] == ("0.00", "0.00", "0.00", "0.00")
        assert months["Jan 2027"] == ("35.00", "12.00", "23.00", "7.00")


@pytest.mark.parametrize(
    "typed, start, first_recurring",
    [("t", TODAY, "2026-11-30"), ("T", TODAY, "2026-11-30"), ("+10", TODAY + timedelta(days=10), "2026-12-31")],
)
async def test_t_and_plus_n_are_accepted_as_dates(accounts_book, make_app, typed, start, first_recurring):
    app = make_app(accounts_book)
    async with on_form(app, pick_monthly_line) as (pilot, form):
        await type_into(pilot, "start_date", typed)
        assert not form.query_one("#start_date").has_class("-invalid")
        assert errors_text(form) == ""
        lines = charge_rows(projection_text(form))
        assert lines[0][:2] == (start.isoformat(), "setup")
        assert lines[1][0] == first_recurring

        # +N in the end date too: start t, end +40 (past the 30 minimum days) is fine.
        await type_into(pilot, "start_date", "t")
        await type_into(pilot, "end_date", "+40")
        assert errors_text(form) == ""
        text = projection_text(form)
        assert "Projection 2026-11-25 to 2027-01-04" in text
        await press(pilot, "ctrl+s")
        saved = allocation_store.list_allocations(acme().id)
        assert [(a.start, a.end) for a in saved] == [(TODAY, TODAY + timedelta(days=40))]


async def test_a_date_that_does_not_exist_is_refused_naming_the_days_of_the_month(accounts_book, make_app):
    app = make_app(accounts_book)
    async with on_form(app, pick_monthly_line) as (pilot, form):
        await type_into(pilot, "start_date", "2027-02-30")
        assert form.query_one("#start_date").has_class("-invalid")
        assert errors_text(form) == "start: '2027-02-30': February 2027 has 28 days"
        assert projection_text(form).strip() == PLACEHOLDER

        await ctrl_s_is_refused(pilot, form, "28 days")
        assert focused_id(app) == "start_date"

        # The same rule for the end date.
        await replace_text(pilot, "2027-02-01")
        await type_into(pilot, "end_date", "2027-02-29")
        assert form.query_one("#end_date").has_class("-invalid")
        assert errors_text(form) == "end: '2027-02-29': February 2027 has 28 days"


async def test_an_end_before_the_start_is_refused(accounts_book, make_app):
    app = make_app(accounts_book)
    async with on_form(app, pick_monthly_line) as (pilot, form):
        await type_into(pilot, "start_date", "2026-12-15")
        await type_into(pilot, "end_date", "2026-12-01")
        assert errors_text(form) == "end: 2026-12-01 is before the start date 2026-12-15"
        assert projection_text(form).strip() == PLACEHOLDER

        await ctrl_s_is_refused(pilot, form, "is before the start date")


async def test_an_end_before_start_plus_minimum_days_is_refused_naming_the_first_allowed_date(accounts_book, make_app):
    app = make_app(accounts_book)
    async with on_form(app, pick_monthly_line) as (pilot, form):
        await type_into(pilot, "start_date", "2026-12-15")
        # 30 minimum days from 2026-12-15: the first allowed end is 2027-01-14.
        await type_into(pilot, "end_date", "2027-01-13")
        reason = "the package has 30 minimum days: the first allowed end date is 2027-01-14"
        assert errors_text(form) == f"end: {reason}"
        assert form.query_one("#form-errors").region.height >= 1

        await ctrl_s_is_refused(pilot, form, reason)
        assert focused_id(app) == "end_date"

        # The first allowed date itself is fine, and the projection stops there.
        await replace_text(pilot, "2027-01-14")
        assert errors_text(form) == ""
        text = projection_text(form)
        assert "Projection 2026-11-25 to 2027-01-14: 2 charge(s)" in text
        assert [line[:2] for line in charge_rows(text)] == [("2026-12-15", "setup"), ("2026-12-31", "recurring")]


# --- saving ------------------------------------------------------------------------


async def test_ctrl_s_saves_and_the_row_shows_on_the_customer_screen(accounts_book, make_app):
    app = make_app(accounts_book)
    async with on_form(app, pick_monthly_line) as (pilot, form):
        await replace_text(pilot, "3")
        await type_into(pilot, "start_date", "2026-12-15")
        await type_into(pilot, "end_date", "2027-06-30")
        form.query_one("#auto_decrement").focus()
        await pilot.pause()
        await pilot.press("space")
        await type_into(pilot, "reference", "DID 0201")
        await press(pilot, "ctrl+s")

        screen = app.screen
        assert isinstance(screen, CustomerScreen)
        saved = allocation_store.list_allocations(acme().id)
        assert len(saved) == 1
        a = saved[0]
        assert a.package == "Monthly line"
        assert a.quantity == 3
        assert a.start == date(2026, 12, 15)
        assert a.end == date(2027, 6, 30)
        assert a.auto_decrement is True
        assert a.prorate is False
        assert a.reference == "DID 0201"
        assert a.version == 1

        assert table_rows(screen) == [
            ["Monthly line", "3", "2026-12-15", "2027-06-30", "2026-12-15", "75.00", "yes", "DID 0201"]
        ]
        assert screen.current().id == a.id
        assert "1 of 1 allocation(s)" in static_text(screen, "#status")
        assert any("Saved 3 x 'Monthly line'" in m for m in messages(app))
        # It starts next month: nothing is switched on today yet.
        assert static_text(screen, "#customer-info").endswith("Switched on today: nothing")


async def test_an_allocation_from_today_switches_its_service_on(accounts_book, make_app):
    app = make_app(accounts_book)
    async with on_form(app, pick_monthly_line) as (pilot, _form):
        await replace_text(pilot, "2")
        screen = await opens(pilot, CustomerScreen, "ctrl+s")
        assert [(a.quantity, a.start, a.end) for a in allocation_store.list_allocations(acme().id)] == [(2, TODAY, None)]
        assert static_text(screen, "#customer-info").endswith("Switched on today: DID-UK x2")
        # Next charge: the setup today, 2 x 25.00.
        assert table_rows(screen)[0][4:6] == ["2026-11-25", "50.00"]


async def test_enter_on_an_allocation_edits_it(accounts_book, make_app):
    package = package_store.find_package("Monthly line")
    created = allocation_store.create_allocation(acme().id, package.id, AllocationDraft(2, date(2026, 10, 1)))
    app = make_app(accounts_book)
    async with app.run_test(size=SIZE) as pilot:
        screen = await to_customer(pilot)
        form = await opens(pilot, AllocationFormScreen, "enter")
        assert static_text(form, "#title") == "Acme Telecom · edit allocation"
        assert form.query_one("#package").value == "Monthly line"
        assert form.query_one("#quantity").value == "2"
        assert focused_id(app) == "quantity"
        # A start in the past: the projection runs from the start.
        assert "Projection 2026-10-01 to 2027-09-30" in projection_text(form)
        await replace_text(pilot, "4")
        await press(pilot, "ctrl+s")
        assert app.screen is screen
        after = allocation_store.get_allocation(created.id)
        assert after.quantity == 4
        assert after.version == 2
        assert table_rows(screen)[0][1] == "4"


async def test_escape_with_changes_asks_and_discarding_writes_nothing(accounts_book, make_app):
    app = make_app(accounts_book)
    async with on_form(app, pick_monthly_line) as (pilot, _form):
        await opens(pilot, ChoiceScreen, "escape")
        await opens(pilot, CustomerScreen, "d")
        assert allocation_store.list_allocations(acme().id) == []
        assert row_count(app.screen) == 0


# --- removing --------------------------------------------------------------------


@pytest.fixture
def allocated_book(accounts_book):
    """Acme has 'Monthly line' x2 from 2026-11-10: with 30 minimum days it can be
    removed from 2026-12-10."""
    package = package_store.find_package("Monthly line")
    allocation_store.create_allocation(acme().id, package.id, AllocationDraft(2, date(2026, 11, 10)))
    return accounts_book


async def test_d_before_start_plus_minimum_days_is_refused_naming_the_first_allowed_date(allocated_book, make_app):
    app = make_app(allocated_book)
    async with app.run_test(size=SIZE) as pilot:
        screen = await to_customer(pilot)
        assert row_count(screen) == 1
        await press(pilot, "d")
        if isinstance(app.screen, ChoiceScreen):
            await press(pilot, "y")
        assert app.screen is screen
        said = messages(app)
        assert any("2026-12-10" in m and "30 minimum days" in m for m in said), said
        assert not any(m.startswith("Removed") for m in said)
        assert row_count(screen) == 1
        assert len(allocation_store.list_allocations(acme().id)) == 1


@pytest.mark.parametrize("today, removed", [(date(2026, 12, 9), False), (date(2026, 12, 10), True), (date(2027, 3, 1), True)])
async def test_d_from_the_first_allowed_date_removes_the_allocation(allocated_book, today, removed):
    app = PackdeskApp(allocated_book, today=today)
    async with app.run_test(size=SIZE) as pilot:
        screen = await to_customer(pilot)
        await press(pilot, "d")
        if removed:
            # From the first allowed date: asked first, then removed.
            assert isinstance(app.screen, ChoiceScreen)
            await press(pilot, "y")
        else:
            # Before it: refused at once, with no question asked.
            assert app.screen is screen
        assert app.screen is screen
        if removed:
            assert allocation_store.list_allocations(acme().id) == []
            assert row_count(screen) == 0
            assert any("Removed 2 x 'Monthly line'" in m for m in messages(app))
        else:
            assert len(allocation_store.list_allocations(acme().id)) == 1
            assert row_count(screen) == 1
            assert any("from 2026-12-10" in m for m in messages(app))


async def test_escape_in_the_remove_dialog_keeps_the_allocation(allocated_book):
    app = PackdeskApp(allocated_book, today=date(2027, 1, 1))
    async with app.run_test(size=SIZE) as pilot:
        screen = await to_customer(pilot)
        await opens(pilot, ChoiceScreen, "d")
        await press(pilot, "escape")
        assert app.screen is screen
        assert len(allocation_store.list_allocations(acme().id)) == 1
        assert row_count(screen) == 1


# --- f2/f3/f4 with a form open --------------------------------------------------------


async def test_f3_and_f4_do_not_leave_a_form_with_unsaved_changes(accounts_book, make_app):
    app = make_app(accounts_book)
    async with on_form(app, pick_monthly_line) as (pilot, form):
        await replace_text(pilot, "3")
        for key in ("f3", "f4", "f2"):
            await press(pilot, key)
            assert app.screen is form, key
        assert "Save (ctrl+s) or leave (escape) the form first." in messages(app)
        assert form.query_one("#quantity").value == "3"
        assert allocation_store.list_allocations(acme().id) == []


async def test_f3_from_an_unchanged_form_goes_to_the_customer_list(accounts_book, make_app):
    app = make_app(accounts_book)
    async with on_form(app, new_allocation) as (pilot, _form):
        await opens(pilot, CustomerListScreen, "f3")
        assert len(app.screen_stack) == 3
