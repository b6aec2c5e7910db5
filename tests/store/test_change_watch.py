"""store.dialect.ChangeWatch: an open app learns that another connection
changed the book (SQLite's data_version, PostgreSQL's LISTEN/NOTIFY), and its
own saves are not news. And a PostgreSQL book made before its tables notified
gets the triggers once, however many processes open it at that moment."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from billing.accounts import CustomerDraft
from store.book import Book
from store.customers import create_customer
from store.dialect import ChangeWatch
from tests.helpers.cli import ROOT, cli_env
from tests.helpers.raw import query, raw

pytestmark = pytest.mark.both_engines


def _eventually(watch: ChangeWatch, seconds: float = 2.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if watch.changed():
            return True
        time.sleep(0.05)
    return False


def test_another_connections_commit_is_seen_once_and_its_own_is_not(book):
    watch = ChangeWatch()
    try:
        assert watch.changed() is False
        create_customer(CustomerDraft("Own save"))
        assert _eventually(watch, 0.5) is False  # this connection's save is already on its screens

        other = raw(book)
        other.execute("INSERT INTO setting (key, value) VALUES ('elsewhere', '1')")
        other.commit()
        assert _eventually(watch) is True
        assert watch.changed() is False  # said once

        other.execute("UPDATE setting SET value = '2' WHERE key = 'elsewhere'")
        other.rollback()  # nothing committed: nothing to see
        assert _eventually(watch, 0.5) is False
        other.close()
    finally:
        watch.close()


_OPEN = """
import sys
sys.path.insert(0, sys.argv[1])
from store.book import Book
Book.open(sys.argv[2], create=False).close()
print("opened")
"""


def test_many_processes_opening_a_book_without_the_triggers_at_once_add_them_once(empty_pg):
    book_location = empty_pg
    Book.open(book_location, create=True).close()
    con = raw(book_location)
    tables = [t for (t,) in con.execute(
        "SELECT c.relname FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid WHERE g.tgname = 'packdesk_changed'"
    ).fetchall()]
    assert {"customer", "allocation", "package", "payment", "billing_run"} <= set(tables)
    for table in tables:
        con.execute(f"DROP TRIGGER packdesk_changed ON {table}")
    con.commit()
    con.close()

    openers = [
        subprocess.Popen([sys.executable, "-c", _OPEN, str(ROOT), book_location], env=cli_env(),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    results = [p.communicate(timeout=120) for p in openers]
    assert [p.returncode for p in openers] == [0] * 4, [err for _, err in results]
    again = query(book_location, "SELECT c.relname FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid WHERE g.tgname = 'packdesk_changed'")
    assert sorted(t for (t,) in again) == sorted(tables)
