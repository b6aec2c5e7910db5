"""Opening a book: file mode, pragmas, settings, migrations, where it lives."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from store import book as book_module
from store.book import Book, BookError, BookSettings, default_book_path, resolve_book_path
from store.models import Setting
from tests.helpers.books import opened

pytestmark = pytest.mark.both_engines


def test_open_creates_owner_only_file(tmp_path):
    path = tmp_path / "new" / "book.db"
    assert not path.exists()
    with opened(path):
        assert path.is_file()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        for suffix in ("-wal", "-shm"):
            side = Path(str(path) + suffix)
            if side.exists():
                assert stat.S_IMODE(side.stat().st_mode) == 0o600


def test_open_creates_owner_only_file_despite_permissive_umask(tmp_path):
    old = os.umask(0)
    try:
        book = Book.open(tmp_path / "book.db")
    finally:
        os.umask(old)
    try:
        assert stat.S_IMODE((tmp_path / "book.db").stat().st_mode) == 0o600
    finally:
        book.close()


def _pragma(book, name):
    return book.db.execute_sql(f"PRAGMA {name}").fetchone()[0]


@pytest.mark.sqlite_only("SQLite's journal mode (PRAGMA)")
def test_wal_journal_mode(book):
    assert _pragma(book, "journal_mode").lower() == "wal"


@pytest.mark.sqlite_only("SQLite's foreign_keys PRAGMA (PostgreSQL always enforces them)")
def test_foreign_keys_on(book):
    assert _pragma(book, "foreign_keys") == 1


@pytest.mark.sqlite_only("SQLite's busy timeout (PRAGMA)")
def test_busy_timeout(book):
    assert _pragma(book, "busy_timeout") == 15000


@pytest.mark.sqlite_only("SQLite's synchronous PRAGMA")
def test_synchronous_full(book):
    assert _pragma(book, "synchronous") == 2  # FULL


def test_foreign_keys_enforced(book):
    from peewee import IntegrityError

    with pytest.raises(IntegrityError):
        book.db.execute_sql(
            "INSERT INTO allocation (customer_id, package_id, start_date) VALUES (999, 999, '2025-01-01')"
        )


def test_default_settings(book):
    assert book.settings == BookSettings("USD", 2, "UTC")
    assert book.settings.currency == "USD"
    assert book.settings.precision == 2
    assert book.settings.timezone == "UTC"


def test_update_settings_persists_across_reopen(tmp_path):
    path = tmp_path / "book.db"
    with opened(path) as first:
        result = first.update_settings(currency="gbp", precision=3, timezone="Europe/London")
        assert result == BookSettings("GBP", 3, "Europe/London")
        assert first.settings == result
    with opened(path) as second:
        assert second.settings == BookSettings("GBP", 3, "Europe/London")


def test_update_one_setting_keeps_the_others(book):
    book.update_settings(currency="EUR")
    book.update_settings(precision=4)
    assert book.settings == BookSettings("EUR", 4, "UTC")


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"currency": "US"}, "currency"),
        ({"currency": "DOLLARS"}, "currency"),
        ({"currency": "U5D"}, "currency"),
        ({"currency": ""}, "currency"),
        ({"precision": -1}, "precision"),
        ({"precision": 7}, "precision"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"timezone": "not a zone"}, "timezone"),
        ({"timezone": ""}, "timezone"),
        ({"timezone": "../../etc/passwd"}, "timezone"),
    ],
)
def test_bad_setting_raises_and_writes_nothing(tmp_path, changes, field):
    path = tmp_path / "book.db"
    with opened(path) as book:
        book.update_settings(currency="EUR")
        before = list(Setting.select().order_by(Setting.key).tuples())
        with pytest.raises(BookError) as info:
            book.update_settings(**changes)
        assert field in str(info.value)
        assert list(Setting.select().order_by(Setting.key).tuples()) == before
        assert book.settings == BookSettings("EUR", 2, "UTC")
    with opened(path) as again:
        assert again.settings == BookSettings("EUR", 2, "UTC")


def test_bad_setting_among_good_ones_writes_none_of_them(book):
    before = sorted(Setting.select(Setting.key, Setting.value).tuples())
    with pytest.raises(BookError):
        book.update_settings(currency="GBP", precision=3, timezone="Nowhere/Land")
    assert sorted(Setting.select(Setting.key, Setting.value).tuples()) == before
    assert book.settings == BookSettings("USD", 2, "UTC")


def test_opening_a_file_that_is_not_sqlite_raises_book_error(tmp_path):
    path = tmp_path / "book.db"
    garbage = b"this is not a database, just some bytes\x00\x01\x02" * 200
    path.write_bytes(garbage)
    with pytest.raises(BookError) as info:
        Book.open(path)
    assert str(path) in str(info.value)
    assert path.read_bytes() == garbage


def test_opening_a_directory_raises_book_error(tmp_path):
    with pytest.raises(BookError):
        Book.open(tmp_path)


@pytest.mark.sqlite_only("reads sqlite_master")
def test_migrations_recorded(book):
    names = [r[0] for r in book.db.execute_sql("SELECT name FROM schema_migration").fetchall()]
    assert "0001_initial" in names
    tables = {r[0] for r in book.db.execute_sql("SELECT name FROM sqlite_master WHERE type='table'").fetchall()}
    assert {"setting", "upstream_service", "package", "customer", "allocation"} <= tables


def test_reopening_twice_does_not_fail_or_rerun_migrations(tmp_path):
    path = tmp_path / "book.db"
    first = Book.open(path)
    first.update_settings(currency="JPY", precision=0)
    first.db.execute_sql("INSERT INTO package (name) VALUES ('kept')")
    first.close()
    for _ in range(2):
        with opened(path) as again:
            rows = again.db.execute_sql("SELECT name FROM schema_migration WHERE name = '0001_initial'").fetchall()
            assert len(rows) == 1
            assert again.db.execute_sql("SELECT name FROM package").fetchall() == [("kept",)]
            assert again.settings == BookSettings("JPY", 0, "UTC")


def test_close_is_idempotent(tmp_path):
    book = Book.open(tmp_path / "book.db")
    book.close()
    book.close()
    assert book.db.is_closed()


def test_resolve_cli_value_beats_env(monkeypatch, tmp_path):
    monkeypatch.setenv("PACKDESK_DB", str(tmp_path / "env.db"))
    assert resolve_book_path(str(tmp_path / "cli.db")) == tmp_path / "cli.db"


def test_resolve_env_beats_default(monkeypatch, tmp_path):
    monkeypatch.setenv("PACKDESK_DB", str(tmp_path / "env.db"))
    assert resolve_book_path(None) == tmp_path / "env.db"


def test_resolve_default_when_neither(monkeypatch, tmp_path):
    monkeypatch.delenv("PACKDESK_DB", raising=False)
    monkeypatch.setattr(book_module, "default_book_path", lambda: tmp_path / "default.db")
    assert resolve_book_path(None) == tmp_path / "default.db"


def test_resolve_empty_env_falls_back_to_default(monkeypatch, tmp_path):
    monkeypatch.setenv("PACKDESK_DB", "")
    monkeypatch.setattr(book_module, "default_book_path", lambda: tmp_path / "default.db")
    assert resolve_book_path(None) == tmp_path / "default.db"


def test_resolve_expands_user(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("PACKDESK_DB", raising=False)
    assert resolve_book_path("~/books/x.db") == tmp_path / "books" / "x.db"


def test_default_book_path_is_book_db_in_data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    path = default_book_path()
    assert path.name == "book.db"
    assert "packdesk" in path.parts
