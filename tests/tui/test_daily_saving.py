"""Saving in daily operation: ctrl+q asks about unsaved changes as escape
does; a save waits for the book in a thread (the screen stays live and says
so) and, when the book stays locked or is read-only, keeps the form as typed
and says why; a read-only book and the test clock show in the title bar."""

from __future__ import annotations

import asyncio
import threading
from decimal import Decimal

import pytest
from textual import events

from store import book as book_module
from store import packages as package_store
from store.book import Book
from store.demo import load_demo
from tui.app import PackdeskApp
from tui.screens.dialogs import ChoiceScreen, ConflictScreen
from tui.screens.package_form import PackageFormScreen
from tui.screens.package_list import PackageListScreen

from tests.helpers.pilot import TODAY, focus_and_type, messages, open_row, press, running, static_text
from tests.helpers.raw import PgRaw, raw

pytestmark = pytest.mark.both_engines

D = Decimal


# --- ctrl+q --------------------------------------------------------------------------------


async def _dirty_form(pilot) -> PackageFormScreen:
    form = await open_row(pilot, "Hosted PBX seat")
    assert isinstance(form, PackageFormScreen)
    await focus_and_type(pilot, "#retail", "13")
    assert form.dirty
    return form


async def test_ctrl_q_on_a_form_with_unsaved_changes_asks_and_escape_keeps_editing(demo_app):
    app = demo_app
    async with running(app) as pilot:
        form = await _dirty_form(pilot)
        await press(pilot, "ctrl+q")
        assert app.is_running
        dialog = app.screen
        assert isinstance(dialog, ChoiceScreen)
        assert dialog.title_text == "Unsaved changes"
        assert [c[2] for c in dialog.choices] == ["save", "discard"]
        assert dialog.cancel == "Keep editing"

        await press(pilot, "escape")
        assert app.is_running
        assert app.screen is form
        assert form.query_one("#retail").value == "13"


async def test_ctrl_q_then_s_saves_and_quits(demo_app):
    app = demo_app
    async with running(app) as pilot:
        await _dirty_form(pilot)
        await press(pilot, "ctrl+q")
        await press(pilot, "s")
        assert not app.is_running
    assert package_store.find_package("Hosted PBX seat").retail == D("13")


async def test_ctrl_q_then_d_discards_and_quits(demo_app):
    app = demo_app
    async with running(app) as pilot:
        await _dirty_form(pilot)
        await press(pilot, "ctrl+q")
        await press(pilot, "d")
        assert not app.is_running
    assert package_store.find_package("Hosted PBX seat").retail == D("12")


async def test_ctrl_q_from_help_over_a_dirty_form_asks_too(demo_app):
    app = demo_app
    async with running(app) as pilot:
        form = await _dirty_form(pilot)
        await press(pilot, "f1")
        await press(pilot, "ctrl+q")
        assert app.is_running
        assert isinstance(app.screen, ChoiceScreen)
        await press(pilot, "escape")
        assert app.screen is form


# --- a save that waits for the book ------------------------------------------------------------


def _hold_write_lock(book, seconds: float) -> threading.Thread:
    """Another writer holds the book's write lock for `seconds` (as an import
    or a run would): SQLite's one lock of the file; on PostgreSQL the rows of
    every package, as an import rewriting the catalogue holds them."""
    started = threading.Event()

    def hold() -> None:
        con = raw(book)
        if isinstance(con, PgRaw):
            con.execute("SELECT id FROM package FOR UPDATE")
        else:
            con.execute("BEGIN IMMEDIATE")
        started.set()
        threading.Event().wait(seconds)
        con.rollback()
        con.close()

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    started.wait(5)
    return thread


async def test_a_save_waiting_for_the_lock_says_so_and_the_screen_stays_live(demo_app):
    app = demo_app
    async with running(app) as pilot:
        form = await _dirty_form(pilot)
        holder = _hold_write_lock(app.book, 1.5)
        app.post_message(events.Key("ctrl+s", None))
        await asyncio.sleep(1.0)
        # The app is not frozen: the title bar says what it waits for.
        note = static_text(form, "#title-note")
        assert "saving… the book is busy" in note, note
        assert app.screen is form
        holder.join(5)
        await pilot.pause()
        await pilot.pause(0.3)
        assert isinstance(app.screen, PackageListScreen)
        assert package_store.find_package("Hosted PBX seat").retail == D("13")


@pytest.fixture
def quick_busy_book(tmp_path, monkeypatch, engine, book_location):
    """The demo book, its busy timeout (PostgreSQL: lock timeout) 0.3 s
    instead of 15 s (the same path, faster)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(book_module.PRAGMAS, "busy_timeout", 300)
    opened = Book.open("book.db" if engine == "sqlite" else book_location)
    load_demo()
    try:
        yield opened
    finally:
        opened.close()


async def test_a_save_that_never_gets_the_lock_keeps_the_form_and_says_why(quick_busy_book):
    app = PackdeskApp(quick_busy_book, today=TODAY)
    async with running(app) as pilot:
        form = await _dirty_form(pilot)
        holder = _hold_write_lock(quick_busy_book, 2.0)
        await press(pilot, "ctrl+s")
        assert app.is_running
        assert app.screen is form
        assert form.query_one("#retail").value == "13"
        assert form.dirty
        assert any(m.startswith("Not saved: the book is busy") for m in messages(app)), messages(app)
        assert static_text(form, "#title-note") == ""
        holder.join(5)
        await press(pilot, "ctrl+s")  # the lock is free now: the same form saves
        assert isinstance(app.screen, PackageListScreen)
        assert package_store.find_package("Hosted PBX seat").retail == D("13")


# --- a read-only book, the test clock -----------------------------------------------------


@pytest.fixture
def read_only_book(tmp_path, monkeypatch, engine):
    """The demo book, opened the way a user who may not write its file opens it
    (a PostgreSQL book's read-only role: tests/tui/test_roles.py)."""
    monkeypatch.chdir(tmp_path)
    Book.open("book.db").close()
    writable = Book.open("book.db")
    load_demo()
    writable.close()
    monkeypatch.setattr("store.files.writable", lambda path: False)
    opened = Book.open("book.db")
    assert opened.read_only
    try:
        yield opened
    finally:
        opened.close()


@pytest.mark.sqlite_only("the book file's permissions make it read-only")
async def test_a_read_only_book_says_so_and_every_edit_key_says_why(read_only_book):
    app = PackdeskApp(read_only_book, today=TODAY)
    async with running(app) as pilot:
        screen = app.screen
        assert isinstance(screen, PackageListScreen)
        assert "read-only" in static_text(screen, "#book-marks")
        assert screen.total == 9  # the list works

        for key in ("n", "d"):
            before = len(messages(app))
            await press(pilot, key)
            assert app.screen is screen, key
            assert messages(app)[before:] and "Nothing can be saved" in messages(app)[-1], key

        # A form opens to be read; ctrl+s says why it can't save.
        form = await open_row(pilot, "Hosted PBX seat")
        await focus_and_type(pilot, "#retail", "13")
        await press(pilot, "ctrl+s")
        assert app.screen is form
        assert "Nothing can be saved" in messages(app)[-1]
        assert "read-only" in static_text(form, "#book-marks")
        await press(pilot, "escape", "d")

        await press(pilot, "f3")
        customers = app.screen
        await press(pilot, "n")
        assert app.screen is customers
        assert "Nothing can be saved" in messages(app)[-1]
        await press(pilot, "f4")  # projections work
        assert "read-only" in static_text(app.screen, "#book-marks")
    assert package_store.find_package("Hosted PBX seat").retail == D("12")


async def test_the_title_bar_shows_the_test_clock(demo_book):
    demo_book.update_settings(test_clock=True)
    app = PackdeskApp(demo_book, today=TODAY)
    async with running(app) as pilot:
        assert static_text(app.screen, "#book-marks").strip() == "TEST CLOCK"
        await press(pilot, "f3")
        assert "TEST CLOCK" in static_text(app.screen, "#book-marks")


async def test_a_book_without_marks_shows_none(demo_app):
    async with running(demo_app):
        assert not demo_app.screen.query("#book-marks")


async def test_conflict_dialog_is_not_shown_on_a_plain_save(demo_app):
    app = demo_app
    async with running(app) as pilot:
        await _dirty_form(pilot)
        await press(pilot, "ctrl+s")
        assert not isinstance(app.screen, ConflictScreen)
        assert isinstance(app.screen, PackageListScreen)
