"""Books for the minimum-spend tests: always a file under tmp_path (never
in-memory: the app's workers run in threads, and an in-memory SQLite book is
empty in every other thread), opened through store.book.Book like the app.

The demo catalogue has "Call bundle 500": monthly on day 1, retail 500.00,
cost 0, minimum spend on. The demo customers are 'Acme Telecom' (20% tax) and
'Blue Fish Ltd' (no tax), as in tests/accounts.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from billing.accounts import AllocationDraft, CustomerDraft
from store import allocations as allocation_store
from store import customers as customer_store
from store.book import Book
from store.demo import load_demo
from store.packages import find_package
from tui.app import PackdeskApp

from ..accounts.conftest import make_demo_db
from ..tui.conftest import SIZE, TODAY

__all__ = ["SIZE", "TODAY", "BUNDLE", "ACME", "BLUE", "acme", "blue", "bundle", "give_bundle"]

D = Decimal
BUNDLE = "Call bundle 500"
ACME = "Acme Telecom"
BLUE = "Blue Fish Ltd"


@pytest.fixture(autouse=True)
def _no_env(monkeypatch):
    """No book or 'today' leaks in from the environment."""
    monkeypatch.delenv("PACKDESK_DB", raising=False)
    monkeypatch.delenv("PACKDESK_TODAY", raising=False)


@pytest.fixture
def book(tmp_path, monkeypatch):
    """An empty book at book.db inside tmp_path (the working directory)."""
    monkeypatch.chdir(tmp_path)
    opened = Book.open("book.db")
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def demo_book(book):
    """The demo catalogue (with "Call bundle 500") and the two demo customers."""
    assert load_demo() > 0
    customer_store.create_customer(CustomerDraft(ACME, "active", D("20"), ""))
    customer_store.create_customer(CustomerDraft(BLUE, "active", D("0"), ""))
    return book


@pytest.fixture
def demo_db(tmp_path) -> Path:
    """A closed book file with the demo catalogue and customers, for the
    command line (which opens and closes the book itself)."""
    return make_demo_db(tmp_path / "cli.db")


@pytest.fixture
def make_app():
    def make(book: Book) -> PackdeskApp:
        return PackdeskApp(book, today=TODAY)

    return make


@pytest.fixture
def demo_app(demo_book, make_app):
    return make_app(demo_book)


def acme():
    return customer_store.find_customer(ACME)


def blue():
    return customer_store.find_customer(BLUE)


def bundle():
    package = find_package(BUNDLE)
    assert package is not None and package.minimum_spend
    return package


def give_bundle(customer, start: date, end: date | None = None, quantity: int = 1, prorate: bool = False):
    """Allocate "Call bundle 500" to `customer` (in the open book)."""
    draft = AllocationDraft(quantity, start, end, False, prorate, "")
    return allocation_store.create_allocation(customer.id, bundle().id, draft)
