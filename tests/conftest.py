"""Fixtures every folder shares.

A book is always a file under tmp_path, never in-memory: the app's workers
and the concurrency tests reach it from other threads and processes, and an
in-memory SQLite book is empty in every other thread. It is opened through
store.book.Book, as the app and the command line open it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from store.book import Book
from store.demo import load_demo

from tests.helpers.books import add_demo_customers, make_demo_db


@pytest.fixture(autouse=True)
def _no_env(monkeypatch):
    """No book or 'today' leaks in from the environment."""
    monkeypatch.delenv("PACKDESK_DB", raising=False)
    monkeypatch.delenv("PACKDESK_TODAY", raising=False)


@pytest.fixture
def book(tmp_path, monkeypatch):
    """An empty book, open, at the relative path `book.db` inside tmp_path
    (the working directory), so any text that shows the path is the same in
    every run."""
    monkeypatch.chdir(tmp_path)
    opened = Book.open("book.db")
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def demo_book(book):
    """The book with the demo services and packages loaded."""
    assert load_demo() > 0
    return book


@pytest.fixture
def demo_customers_book(demo_book):
    """The demo catalogue plus two customers, 'Acme Telecom' (20% tax) and
    'Blue Fish Ltd' (no tax)."""
    add_demo_customers()
    return demo_book


@pytest.fixture
def db(tmp_path) -> Path:
    """A new, empty, closed book file, for the command line (which opens and
    closes the book itself)."""
    path = tmp_path / "book.db"
    Book.open(path).close()
    return path


@pytest.fixture
def demo_db(tmp_path) -> Path:
    """A closed book file with the demo catalogue and the two demo customers."""
    return make_demo_db(tmp_path / "cli.db")
