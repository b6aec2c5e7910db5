"""Step 10's books: the PostgreSQL server (PACKDESK_BENCH_PG), the template
databases copied once from the SQLite books with store.copy_book, and a fresh
copy of a template for each measure (bench/pg.py measures on them)."""

from __future__ import annotations

import json
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from bench.books import ACCOUNTS_PATH, RUN_PATH, copy_book, remove_book
from bench.common import BENCH_DIR

PG_ENV = "PACKDESK_BENCH_PG"
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"
#: The fresh copy each measure runs on (dropped after, and before if left over).
WORK_DB = "packdesk_bench_work"
#: The raw baseline's table of the ledger's shape lives in this schema of the same database.
RAW_SCHEMA = "packdesk_bench_raw"
#: An SQLite book whose schema is behind this packdesk's is copied here and
#: brought up to date (Book.open) before it is copied into PostgreSQL: the
#: bench's own books are only ever read.
MIGRATING = BENCH_DIR / "pg-source-work.db"
#: How CREATE DATABASE copies a template: FILE_COPY copies its files (two
#: checkpoints), WAL_LOG (PostgreSQL 15's default) writes every page to the
#: WAL, much slower for a template of gigabytes.
STRATEGY = "FILE_COPY"
#: commit_run on PostgreSQL / raw psycopg of the same rows into a table of the ledger's shape.
PG_RUN_TARGET = 1 / 3


def admin_url() -> str:
    return os.environ.get(PG_ENV) or PG_DEFAULT


def db_url(admin: str, name: str) -> str:
    """The admin URL pointed at database `name` (user, host, port and options kept)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(admin)
    return urlunsplit(parts._replace(path="/" + name))


def shown(url: str) -> str:
    from store.pg_book import shown as without_password

    return without_password(url)


@contextmanager
def _admin(admin: str):
    import psycopg

    conn = psycopg.connect(admin, autocommit=True, connect_timeout=10, application_name="packdesk bench")
    try:
        yield conn
    finally:
        conn.close()


def _ident(name: str):
    from psycopg import sql

    return sql.Identifier(name)


def _drop(conn, name: str) -> None:
    from psycopg import sql

    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(_ident(name)))


# --- the template databases -----------------------------------------------------------


@dataclass(frozen=True)
class Template:
    key: str
    source: Path
    #: Builds (or reuses) the SQLite book, should it be missing: the bench's own ensure_*.
    ensure: Callable[[], object]

    @property
    def name(self) -> str:
        return f"packdesk_bench_{self.key}"


def _ensure_accounts() -> None:
    from bench.books import ensure_accounts_book

    ensure_accounts_book(ACCOUNTS_PATH)


def _ensure_run() -> None:
    from bench.books import ensure_run_book

    ensure_run_book()


def _ensure_mature() -> None:
    from bench.mature import ensure_mature_book

    ensure_mature_book()


def templates() -> dict[str, Template]:
    from bench.mature import MATURE_PATH

    return {
        "accounts": Template("accounts", ACCOUNTS_PATH, _ensure_accounts),
        "run": Template("run", RUN_PATH, _ensure_run),
        "mature": Template("mature", MATURE_PATH, _ensure_mature),
    }


def _read_only(path: Path):
    import sqlite3

    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=15)


def _known_migrations() -> list[str]:
    from store.book import MIGRATIONS

    return sorted(p.stem for p in MIGRATIONS.glob("[0-9]*.py"))


def source_facts(path: Path) -> dict:
    """What tells one state of an SQLite book from another, read without
    writing: its allocations, ledger and runs."""
    con = _read_only(path)
    try:
        allocations, first, last = con.execute("SELECT COUNT(*), MIN(start_date), MAX(start_date) FROM allocation").fetchone()
        lines, through = con.execute("SELECT COUNT(*), MAX(date) FROM ledger").fetchone()
        runs = con.execute("SELECT COUNT(*) FROM billing_run").fetchone()[0]
        customers = con.execute("SELECT COUNT(*) FROM customer").fetchone()[0]
    finally:
        con.close()
    return {
        "allocations": allocations, "starts": [str(first), str(last)], "customers": customers,
        "ledger": lines, "through": str(through) if through else None, "runs": runs,
    }


def _applied(path: Path) -> list[str]:
    con = _read_only(path)
    try:
        return sorted(n for (n,) in con.execute("SELECT name FROM schema_migration"))
    finally:
        con.close()


def _marker(conn, name: str) -> dict | None:
    """The note a finished template carries (its comment), None if there is none."""
    row = conn.execute(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", (name,)
    ).fetchone()
    if row is None or not row[0]:
        return None
    try:
        return json.loads(row[0])
    except ValueError:
        return None


@contextmanager
def _readable_source(path: Path):
    """The SQLite book at `path` as copy_book reads it (an object with .path
    and .db), never written: opened read-only when its schema is this
    packdesk's; else a copy (SQLite's backup API, read from a read-only
    connection) brought up to date by Book.open, removed after."""
    from types import SimpleNamespace

    from peewee import SqliteDatabase

    if _applied(path) == _known_migrations():
        db = SqliteDatabase(f"file:{path}?mode=ro", uri=True, pragmas={"query_only": 1}, timeout=15)
        try:
            yield SimpleNamespace(path=path, db=db)
        finally:
            db.close()
        return
    from store.book import Book

    t0 = time.perf_counter()
    copy_book(path, MIGRATING)
    book = Book.open(MIGRATING, create=False)
    print(f"    ({path.name}'s schema is behind this packdesk's: copied to {MIGRATING.name} and brought up to date, {time.perf_counter() - t0:.0f} s)", flush=True)
    try:
        yield book
    finally:
        book.close()
        remove_book(MIGRATING)


def ensure_template(admin: str, template: Template, rebuild: bool = False) -> tuple[float, str]:
    """The template database of one SQLite book, made with store.copy_book
    unless it is there already, finished (its comment says so) and made from
    the book as it is now with this packdesk's schema. (seconds, what was done)."""
    from psycopg import sql

    started = time.perf_counter()
    if not template.source.exists():
        template.ensure()
    wanted = {"source": template.source.name, "facts": source_facts(template.source), "schema": _known_migrations()}
    with _admin(admin) as conn:
        found = _marker(conn, template.name)
        if found == wanted and not rebuild:
            return time.perf_counter() - started, "reused"
        why = "--rebuild" if rebuild else ("none yet" if found is None else "stale")
        print(f"  making template {template.name} from {template.source.name} ({why}; once, then reused)", flush=True)
        _drop(conn, template.name)
        conn.execute(sql.SQL("CREATE DATABASE {}").format(_ident(template.name)))
    url = db_url(admin, template.name)
    from store.book import Book
    from store.copy_book import copy_book

    with _readable_source(template.source) as source:
        copied = copy_book(source, url)
    print(f"    copy_book: {copied.rows:,} rows in {len(copied.tables)} tables, {copied.seconds:.0f} s ({copied.rows / max(copied.seconds, 1e-9):,.0f} rows/s)", flush=True)
    # Opened once as packdesk opens a book: the change notifications it adds
    # on a first open are part of the template, not of each measure.
    Book.open(url, create=False).close()
    t0 = time.perf_counter()
    with _admin(url) as conn:
        conn.execute("VACUUM (ANALYZE)")  # as autovacuum would leave a book in use: statistics, visibility map
        size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
    print(f"    VACUUM (ANALYZE): {time.perf_counter() - t0:.0f} s; {size / 1e6:,.0f} MB", flush=True)
    with _admin(admin) as conn:
        conn.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(_ident(template.name), sql.Literal(json.dumps(wanted))))
        # Nobody connects to a template (CREATE DATABASE ... TEMPLATE refuses while anyone is), autovacuum included.
        conn.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(_ident(template.name)))
    return time.perf_counter() - started, "made"


@contextmanager
def fresh_copy(admin: str, template: str):
    """A fresh database made from `template`; its URL. Dropped afterwards."""
    from psycopg import sql

    with _admin(admin) as conn:
        _drop(conn, WORK_DB)
        t0 = time.perf_counter()
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY {}").format(_ident(WORK_DB), _ident(template), sql.SQL(STRATEGY)))
        print(f"  (a fresh copy of {template}: {time.perf_counter() - t0:.1f} s)", flush=True)
    try:
        yield db_url(admin, WORK_DB)
    finally:
        with _admin(admin) as conn:
            _drop(conn, WORK_DB)
