"""Fixtures for the app tests: a file book under tmp_path (never in-memory:
the list's paging worker runs in a thread, and an in-memory SQLite book is
empty in every other thread), optional demo data, and an app whose "today"
is fixed so the live panel and the snapshots don't drift."""

from __future__ import annotations

from datetime import date

import pytest

from store.book import Book
from store.demo import load_demo
from tui.app import PackdeskApp

#: A Wednesday.
TODAY = date(2026, 11, 25)
#: Every run_test uses this terminal size.
SIZE = (80, 24)


@pytest.fixture
def book(tmp_path, monkeypatch):
    """An empty book at the relative path `book.db` (inside tmp_path), so any
    text that shows the path is the same in every run."""
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
