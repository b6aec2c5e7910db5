"""The screens in daily operation: the audit log (literal filter, amounts as
shown, names beside ids, billing runs), refusals said before any question,
columns that take a wide terminal's width, escape going back where you came
from, and ? opening help everywhere (f1 in forms)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from rich.text import Text

from billing.catalogue import PackageDraft
from store import packages as package_store
from store.audit import list_audit
from store.audit_log import list_log
from store.payments import record_payment, reverse_payment
from store.runs import commit_run, plan_run
from tui.screens.audit import AuditScreen
from tui.screens.customer import CustomerScreen
from tui.screens.customer_list import CustomerListScreen
from tui.screens.dialogs import ChoiceScreen
from tui.screens.help import HelpScreen
from tui.screens.package_list import PackageListScreen
from tui.screens.projections import BookProjectionScreen
from tui.screens.services import ServicesScreen
from tui.screens.statement import StatementScreen
from tui.widgets.paged_table import PagedTable

from tests.helpers.books import blue
from tests.helpers.pilot import TODAY, messages, names, open_row, press, replace_text, rows_of, running, settle

pytestmark = pytest.mark.both_engines

D = Decimal


@pytest.fixture
def posted_book(run_book):
    """run_book with every charge up to TODAY posted: one billing run."""
    result = commit_run(plan_run(TODAY, TODAY, run_book.settings.precision), TODAY)
    assert result.posted > 0
    return run_book


# --- the audit log ---------------------------------------------------------------------------


def test_the_audit_filter_takes_percent_and_underscore_literally(demo_book):
    fibre = package_store.create_package(PackageDraft("Fibre 100% up", D("30")))
    sip = package_store.create_package(PackageDraft("SIP_trunk spare", D("5")))
    # A row is found by its values or the name of the package it is about: only Fibre's hold a %.
    percent = list_audit("%")
    assert percent and {r.entity_id for r in percent} == {fibre.id}
    underscore = list_audit("SIP_")
    assert underscore and {r.entity_id for r in underscore} == {sip.id}
    assert not list_audit("Fibre_100")
    assert not list_audit("SIP%spare")


def test_the_audit_filter_finds_amounts_as_shown_not_as_stored(demo_book):
    made = package_store.create_package(PackageDraft("Porting premium", D("178.51"), D("0.5")))
    found = list_audit("178.51")
    assert [(r.entity_id, r.field, r.new) for r in found] == [(made.id, "retail", "178.51")]
    assert list_audit("178510000") == []
    assert {r.field for r in list_audit("0.50") if r.entity_id == made.id} == {"cost"}


def test_the_audit_filter_finds_rows_by_the_package_name(demo_book):
    fax = package_store.find_package("Fax to email")
    package_store.update_package(fax.id, fax.version, fax.draft().with_(retail=D("2.75")))
    rows = list_audit("Fax to")
    assert any(r.entity_id == fax.id and r.field == "retail" for r in rows)


def test_the_log_pages_changes_and_runs_once_each_newest_first(posted_book):
    record_payment(blue().id, TODAY, D("10"))
    everything = list_log(limit=100_000)
    runs = [r for r in everything if r.kind == "run"]
    assert len(runs) == 1 and runs[0].name == "all customers" and runs[0].field == str(TODAY)
    assert runs[0].new.endswith("line(s), finished")
    paged, after = [], None
    while True:
        page = list_log(after=after, limit=7)
        if not page:
            break
        paged += page
        after = page[-1]
    assert [r.id for r in paged] == [r.id for r in everything]
    keys = [(r.at, r.kind == "run", r.ref) for r in paged]
    assert keys == sorted(keys, reverse=True)


async def test_the_audit_screen_names_what_each_row_is_about_and_lists_the_run(posted_book, make_app):
    app = make_app(posted_book)
    async with running(app) as pilot:
        await press(pilot, "f6")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AuditScreen)
        rows = rows_of(screen, "#audit")
        whats = [row[2] for row in rows]
        assert any(w.startswith("run 1 all customers") for w in whats), whats
        run = next(row for row in rows if row[2].startswith("run 1"))
        assert run[3] == str(TODAY) and run[4].endswith("line(s), finished")
        seat = package_store.find_package("Hosted PBX seat")
        assert f"package {seat.id} Hosted PBX seat" in whats
        # An allocation names its customer and package; a field holding an id, the name too.
        assert any(w.startswith("allocation") and "Acme Telecom · Hosted PBX seat" in w for w in whats)
        assert any(row[3] == "package_id" and row[4] == f"= {seat.id} Hosted PBX seat" for row in rows)

        await press(pilot, "slash")
        await replace_text(pilot, "12.00")
        filtered = rows_of(screen, "#audit")
        assert filtered and all("12.00" in row[4] for row in filtered)


# --- refusals before the question -----------------------------------------------------------------


async def test_removing_an_allocation_with_posted_charges_is_refused_before_asking(posted_book, make_app):
    app = make_app(posted_book)
    async with running(app) as pilot:
        await press(pilot, "f3")
        await open_row(pilot, "Blue Fish Ltd")
        screen = app.screen
        assert isinstance(screen, CustomerScreen)
        assert screen.current().package == "UK DID rental"
        await press(pilot, "d")
        assert app.screen is screen, "no question: the book would refuse"
        assert "are posted in the ledger" in messages(app)[-1]


async def test_reversing_a_reversed_payment_is_refused_before_asking(posted_book, make_app):
    paid = record_payment(blue().id, date(2026, 11, 20), D("40"))
    reverse_payment(paid.id, date(2026, 11, 21))
    app = make_app(posted_book)
    async with running(app) as pilot:
        await press(pilot, "f3")
        await open_row(pilot, "Blue Fish Ltd")
        await press(pilot, "s")
        screen = app.screen
        assert isinstance(screen, StatementScreen)
        index = next(i for i, line in enumerate(screen.rows) if line.what == "payment")
        screen.table.move_cursor(row=index)
        await press(pilot, "r")
        assert app.screen is screen
        assert f"already reversed" in messages(app)[-1]


async def test_removing_a_service_in_use_is_refused_before_asking(demo_app):
    app = demo_app
    async with running(app) as pilot:
        await press(pilot, "u")
        screen = app.screen
        assert isinstance(screen, ServicesScreen)
        assert screen.current().name == "DID-UK"
        await press(pilot, "d")
        assert app.screen is screen
        assert "switch this service on" in messages(app)[-1]
        # One no package uses is asked about, as before.
        await press(pilot, "n", *"Spare", "ctrl+s")
        await open_row(pilot, "Spare")
        await press(pilot, "escape")
        await press(pilot, "d")
        assert isinstance(app.screen, ChoiceScreen)


# --- a wide terminal --------------------------------------------------------------------------


def _line(table: PagedTable, y: int) -> str:
    return Text.assemble(*((seg.text, seg.style) for seg in table.render_line(y))).plain


async def test_name_and_reference_columns_take_a_wide_terminals_width(run_book, make_app):
    long_name = "Hosted PBX seat with call recording and transcription"
    seat = package_store.find_package("Hosted PBX seat")
    package_store.update_package(seat.id, seat.version, seat.draft().with_(name=long_name))
    old = package_store.find_package("Annual support plan")
    package_store.set_archived(old.id, old.version, True)
    app = make_app(run_book)
    async with app.run_test(size=(200, 50)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(PagedTable)
        assert table.columns["name"].shown > 40
        lines = [_line(table, y) for y in range(1, table.row_count + 1)]
        assert any(long_name in line for line in lines), lines
        assert any("Annual support plan (archived)" in line for line in lines)
        # The figures keep their width.
        assert table.columns["retail"].shown == table.columns["retail"].width


# --- escape goes back ---------------------------------------------------------------------------


async def test_escape_goes_back_to_the_screen_you_came_from(run_book, make_app):
    app = make_app(run_book)
    async with running(app) as pilot:
        await press(pilot, "escape")
        assert isinstance(app.screen, PackageListScreen), "the base list stays"
        await press(pilot, "f3")
        await press(pilot, "escape")
        assert isinstance(app.screen, PackageListScreen), "escape on customers goes back"

        await press(pilot, "f3")
        await open_row(pilot, "Acme Telecom")
        for key, kind in (("f4", BookProjectionScreen), ("f6", AuditScreen)):
            await press(pilot, key)
            await settle(pilot)
            assert isinstance(app.screen, kind)
            await press(pilot, "escape")
            assert isinstance(app.screen, CustomerScreen), key
        await press(pilot, "escape")
        assert isinstance(app.screen, CustomerListScreen)
        await press(pilot, "f4")
        await settle(pilot)
        await press(pilot, "escape")
        assert isinstance(app.screen, CustomerListScreen)


# --- ? everywhere -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "keys,key",
    [
        ((), "question_mark"), (("f3",), "question_mark"), (("f3", "enter"), "question_mark"),
        (("f3", "enter", "u"), "question_mark"), (("f3", "enter", "s"), "question_mark"), (("u",), "question_mark"),
        (("f6",), "question_mark"), (("f4",), "question_mark"), (("f3", "enter", "p"), "question_mark"),
        (("f5", "tab", "tab"), "question_mark"),  # the run screen, a table focused (its fields type ?)
        (("f5",), "f1"), (("enter",), "f1"), (("f3", "e"), "f1"), (("f3", "enter", "enter"), "f1"),
    ],
)
async def test_help_opens_on_every_screen(run_book, make_app, keys, key):
    app = make_app(run_book)
    async with running(app) as pilot:
        for k in keys:
            await press(pilot, k)
            await settle(pilot)
        screen = app.screen
        await press(pilot, key)
        assert isinstance(app.screen, HelpScreen), (keys, type(screen).__name__, app.focused)
        assert app.screen.title_text == screen.HELP_TITLE
