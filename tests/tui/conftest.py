"""The app on a test book: "today" fixed to TODAY so the live panel and the
snapshots don't drift (the books themselves come from tests/conftest.py),
and the book the billing-run screens and their snapshots share."""

from __future__ import annotations

from datetime import date

import pytest

from billing.accounts import AllocationDraft
from store.allocations import create_allocation
from store.book import Book
from store.packages import find_package
from tests.helpers.books import customer
from tests.helpers.pilot import TODAY
from tui.app import PackdeskApp


@pytest.fixture(autouse=True)
def _truecolour_terminal(monkeypatch):
    """Every app test runs on a truecolour terminal in the default theme unless
    it says otherwise: packdesk takes an ANSI theme on 16 colours (TERM=xterm,
    vt100, linux) or under NO_COLOR (tui.legible), which the shell running the
    tests may well be."""
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLORTERM", "truecolor")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("TEXTUAL_THEME", raising=False)


@pytest.fixture
def make_app():
    """Build the app on a book with today fixed to TODAY."""

    def make(book: Book) -> PackdeskApp:
        return PackdeskApp(book, today=TODAY)

    return make


@pytest.fixture
def app(book, make_app):
    return make_app(book)


@pytest.fixture
def demo_app(demo_book, make_app):
    return make_app(demo_book)


@pytest.fixture
def run_book(demo_book):
    """Demo packages and two customers with allocations, nothing posted yet:
    Acme Telecom has 2 Hosted PBX seats from 2026-10-10 (auto decrement),
    Blue Fish Ltd 3 UK DID rentals from 2026-09-20 and a Hosted PBX seat that
    only starts on 2026-12-10."""
    acme, blue = customer("Acme Telecom"), customer("Blue Fish Ltd")
    seat, did = find_package("Hosted PBX seat").id, find_package("UK DID rental").id
    create_allocation(acme.id, seat, AllocationDraft(2, date(2026, 10, 10), None, True, False, "HQ"))
    create_allocation(blue.id, did, AllocationDraft(3, date(2026, 9, 20), None, False, False, ""))
    create_allocation(blue.id, seat, AllocationDraft(1, date(2026, 12, 10), None, False, False, ""))
    return demo_book
