"""Books for the customers/allocations tests: always a file under tmp_path
(never in-memory), opened through store.book.Book like the app does."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from billing.accounts import CustomerDraft
from store.book import Book
from store.customers import create_customer
from store.demo import load_demo


@pytest.fixture
def book(tmp_path):
    opened = Book.open(tmp_path / "book.db")
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def demo_book(book):
    """The demo catalogue plus two customers, 'Acme Telecom' (20% tax) and
    'Blue Fish Ltd' (no tax)."""
    assert load_demo() > 0
    create_customer(CustomerDraft("Acme Telecom", "active", Decimal("20"), ""))
    create_customer(CustomerDraft("Blue Fish Ltd", "active", Decimal("0"), ""))
    return book


def make_demo_db(path: Path) -> Path:
    """A closed book file at `path` with the demo catalogue and the same two
    customers, for tests that then drive the command line against it."""
    opened = Book.open(path)
    try:
        load_demo()
        create_customer(CustomerDraft("Acme Telecom", "active", Decimal("20"), ""))
        create_customer(CustomerDraft("Blue Fish Ltd", "active", Decimal("0"), ""))
    finally:
        opened.close()
    return path


@pytest.fixture
def demo_db(tmp_path) -> Path:
    return make_demo_db(tmp_path / "book.db")
