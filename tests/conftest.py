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
from tests.helpers.config import ConfigFiles, config_files


@pytest.fixture(autouse=True)
def _no_env(monkeypatch, tmp_path_factory):
    """No book, 'today' or configuration file leaks in from the environment:
    the host's and the user's packdesk.toml are looked for in an empty folder."""
    monkeypatch.delenv("PACKDESK_DB", raising=False)
    monkeypatch.delenv("PACKDESK_TODAY", raising=False)
    nowhere = tmp_path_factory.mktemp("no-config")
    monkeypatch.setenv("PACKDESK_HOST_CONFIG", str(nowhere / "host.toml"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(nowhere))


@pytest.fixture
def configs(tmp_path, monkeypatch) -> ConfigFiles:
    """The host's and the user's packdesk.toml under tmp_path, to write."""
    return config_files(tmp_path, monkeypatch)


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
