"""Fixtures every folder shares.

A book is always a file under tmp_path, never in-memory: the app's workers
and the concurrency tests reach it from other threads and processes, and an
in-memory SQLite book is empty in every other thread. It is opened through
store.book.Book, as the app and the command line open it.

A module marked `pytest.mark.both_engines` runs each test that takes a book
twice, `[sqlite]` and `[postgresql]` (tests/helpers/pg.py says where the
PostgreSQL books come from); the summary says which halves ran.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from store.book import Book
from store.demo import load_demo

from tests.helpers import pg
from tests.helpers.books import add_demo_customers, make_demo_db
from tests.helpers.config import ConfigFiles, config_files

ENGINES = ("sqlite", "postgresql")
_SERVER: list[pg.Server] = []


def pytest_configure(config):
    config.addinivalue_line("markers", "both_engines: run the module's book tests on SQLite and on PostgreSQL")
    config.addinivalue_line(
        "markers", "sqlite_only(why): in a both_engines module, a test of what only an SQLite book has (says why)"
    )


def pytest_generate_tests(metafunc):
    if "engine" in metafunc.fixturenames and metafunc.definition.get_closest_marker("both_engines"):
        only = metafunc.definition.get_closest_marker("sqlite_only")
        metafunc.parametrize("engine", ENGINES[:1] if only else ENGINES, indirect=True)


def _server() -> pg.Server:
    if not _SERVER:
        _SERVER.append(pg.Server(pg.server_url()))
    return _SERVER[0]


def pytest_sessionfinish(session):
    if _SERVER:
        _SERVER[0].close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Each report says which fixtures its test used (the summary counts the
    tests of a PostgreSQL database made with `empty_pg` in the PostgreSQL half)."""
    outcome = yield
    outcome.get_result().fixturenames = tuple(getattr(item, "fixturenames", ()))


def pytest_terminal_summary(terminalreporter):
    ran = {e: 0 for e in ENGINES}
    for outcome in ("passed", "failed", "error", "xfailed", "xpassed"):
        for report in terminalreporter.stats.get(outcome, []):
            if getattr(report, "when", "call") == "call" or outcome == "error":
                on_pg = "[postgresql" in report.nodeid or "empty_pg" in getattr(report, "fixturenames", ())
                engine = "postgresql" if on_pg else "sqlite"
                ran[engine] += 1
    server = _SERVER[0] if _SERVER else None
    line = f"engines: SQLite half ran ({ran['sqlite']} tests); "
    if server is None or not server.used:
        line += "PostgreSQL half not run" + (f": {server.missing}" if server and server.missing else " (no test asked for it)")
    else:
        line += f"PostgreSQL half ran ({ran['postgresql']} tests, server {server.url})"
    terminalreporter.write_line(line)


@pytest.fixture
def engine(request) -> str:
    """'sqlite', or in a `both_engines` module also 'postgresql' (skipped
    without a server, failed instead when PACKDESK_REQUIRE_PG=1)."""
    name = getattr(request, "param", "sqlite")
    if name == "postgresql":
        server = _server()
        if server.missing:
            if pg.required():
                pytest.fail(f"PACKDESK_REQUIRE_PG=1 and {server.missing}")
            pytest.skip(server.missing)
    return name


@pytest.fixture
def empty_pg():
    """A new, empty PostgreSQL database's URL (no book in it), dropped after."""
    server = _server()
    if server.missing:
        if pg.required():
            pytest.fail(f"PACKDESK_REQUIRE_PG=1 and {server.missing}")
        pytest.skip(server.missing)
    url = server.new_empty()
    try:
        yield url
    finally:
        server.drop(url)


@pytest.fixture
def book_location(engine, tmp_path):
    """Where a new book goes: `tmp_path/book.db`, or a new PostgreSQL
    database's URL (dropped after the test)."""
    if engine == "sqlite":
        yield tmp_path / "book.db"
        return
    url = _server().new_book()
    try:
        yield url
    finally:
        _server().drop(url)


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
def book(tmp_path, monkeypatch, engine, book_location):
    """An empty book, open, at the relative path `book.db` inside tmp_path
    (the working directory), so any text that shows the path is the same in
    every run; or a PostgreSQL database's."""
    monkeypatch.chdir(tmp_path)
    opened = Book.open("book.db" if engine == "sqlite" else book_location)
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
def db(book_location) -> Path | str:
    """A new, empty, closed book file (or PostgreSQL database's URL), for the
    command line (which opens and closes the book itself)."""
    Book.open(book_location).close()
    return book_location


@pytest.fixture
def demo_db(tmp_path, engine, book_location) -> Path | str:
    """A closed book with the demo catalogue and the two demo customers."""
    return make_demo_db(tmp_path / "cli.db" if engine == "sqlite" else book_location)
