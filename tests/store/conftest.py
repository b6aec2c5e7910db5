"""A fresh file book under tmp_path for every store test (never in-memory:
an in-memory SQLite book is empty in every other thread)."""

from __future__ import annotations

import pytest

from store.book import Book


@pytest.fixture
def book(tmp_path):
    opened = Book.open(tmp_path / "book.db")
    try:
        yield opened
    finally:
        opened.close()
