"""The PostgreSQL half of the tests: a server (PACKDESK_TEST_PG, default
postgresql://postgres@127.0.0.1:5432/test), a template database made once per
test session with an empty book's schema, and a database per test copied
from it. Every database is named packdesk_test_<random>_... and dropped after
(the template at the end of the session).

Modules marked `both_engines` run each test that takes a book (`book`,
`db`, ...) on SQLite and on PostgreSQL; without a server the PostgreSQL half
is skipped, saying why, unless PACKDESK_REQUIRE_PG=1 (CI), which fails it.
"""

from __future__ import annotations

import os
import secrets
from urllib.parse import urlsplit, urlunsplit

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"


def server_url() -> str:
    return os.environ.get("PACKDESK_TEST_PG") or DEFAULT_URL


def required() -> bool:
    return os.environ.get("PACKDESK_REQUIRE_PG") == "1"


def with_database(url: str, name: str) -> str:
    """`url` naming the database `name` instead."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


class Server:
    """The test session's PostgreSQL server, or why there is none (`missing`)."""

    def __init__(self, url: str):
        self.url = url
        self.prefix = f"packdesk_test_{secrets.token_hex(4)}"
        self.template: str | None = None
        self.count = 0
        self.missing: str | None = None
        self.used = 0
        try:
            import psycopg

            with psycopg.connect(url, autocommit=True, connect_timeout=3) as con:
                con.execute("SELECT 1")
        except ImportError:
            self.missing = "psycopg is not installed (pip install '.[postgres]')"
        except Exception as exc:  # any reason the server can't be used
            self.missing = f"no PostgreSQL server at {url} ({' '.join(str(exc).split())[:160]})"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True, connect_timeout=10) as con:
            con.execute(sql)

    def new_book(self) -> str:
        """The URL of a new database holding an empty book."""
        from store.book import Book

        if self.template is None:
            self.template = f"{self.prefix}_template"
            self._admin(f"CREATE DATABASE {self.template}")
            Book.open(with_database(self.url, self.template), create=True).close()
        self.count += 1
        self.used += 1
        name = f"{self.prefix}_{self.count}"
        self._admin(f"CREATE DATABASE {name} TEMPLATE {self.template}")
        return with_database(self.url, name)

    def new_empty(self) -> str:
        """The URL of a new, empty database (no book in it)."""
        self.count += 1
        self.used += 1
        name = f"{self.prefix}_{self.count}"
        self._admin(f"CREATE DATABASE {name}")
        return with_database(self.url, name)

    def drop(self, url: str) -> None:
        name = urlsplit(url).path.lstrip("/")
        self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def close(self) -> None:
        if self.template is not None:
            self.drop(with_database(self.url, self.template))
