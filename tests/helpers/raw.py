"""Reading a book file back with plain sqlite3, not through packdesk, so what
a test sees is what the file holds, not what a store function says it holds.
Each takes the book as a path or as an open store.book.Book; a PostgreSQL
book (its URL, or an open Book of one) is read with plain psycopg, the SQL
written as for SQLite (store.pg_sql translates it)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from billing.money import from_micros
from store.dialect import LEDGER_LOCK, is_url
from store.pg_sql import translate

LEDGER_MONEY = ("amount", "cost", "retail_price", "cost_price", "setup_retail_price", "setup_cost_price")


def path_of(book) -> Path | str:
    """The file of a book: a path, or an open store.book.Book (a URL stays one)."""
    where = getattr(book, "path", book)
    return where if is_url(where) else Path(where)


class PgRaw:
    """A psycopg connection taking SQLite's spelling, as sqlite3's does."""

    def __init__(self, url: str):
        import psycopg
        from psycopg.types.string import TextLoader

        self.con = psycopg.connect(url)
        self.con.adapters.register_loader("date", TextLoader)  # dates as the text SQLite holds
        self.dicts = False

    def execute(self, sql: str, params=()):
        from psycopg.rows import dict_row, tuple_row

        if sql.strip().upper() == "BEGIN IMMEDIATE":  # the book's write lock: the ledger's (store.dialect)
            sql = f"SELECT pg_advisory_xact_lock({LEDGER_LOCK})"
        cursor = self.con.cursor(row_factory=dict_row if self.dicts else tuple_row)
        cursor.execute(translate(sql, bool(params)), tuple(params))
        return cursor

    def __enter__(self):
        return self

    def __exit__(self, kind, *_):
        self.rollback() if kind else self.commit()

    def executemany(self, sql: str, rows):
        cursor = self.con.cursor()
        cursor.executemany(translate(sql, True), list(rows))
        return cursor

    def commit(self) -> None:
        self.con.commit()

    def rollback(self) -> None:
        self.con.rollback()

    def close(self) -> None:
        self.con.close()


def raw(book, user: str = "raw-sql"):
    """Another connection to the book file (a path or an open Book), without
    peewee; the audit triggers call packdesk_user(), which names `user` here
    (on PostgreSQL: the connection's database role)."""
    if is_url(path_of(book)):
        return PgRaw(str(book.db.database) if hasattr(book, "db") else path_of(book))
    con = sqlite3.connect(path_of(book), timeout=15)
    con.create_function("packdesk_user", 0, lambda: user)
    return con


def query(book, sql: str, params: tuple = ()) -> list[tuple]:
    con = raw(book)
    try:
        cursor = con.execute(sql, params)
        return cursor.fetchall() if cursor.description is not None else []
    finally:
        con.close()


def rows(book, table: str) -> list[tuple]:
    """Every row of a table in the order of its first column; none if there is no file."""
    if not is_url(path_of(book)) and not path_of(book).exists():
        return []
    return query(book, f"SELECT * FROM {table} ORDER BY 1")


def tables(book, names: tuple[str, ...]) -> dict[str, list[tuple]]:
    """Every row of each of the tables named."""
    return {name: rows(book, name) for name in names}


def count(book, table: str) -> int:
    return query(book, f"SELECT COUNT(*) FROM {table}")[0][0]


def ledger_rows(book) -> list[dict]:
    """Every ledger row as a dict, money as Decimal, in id order."""
    con = raw(book)
    if isinstance(con, PgRaw):
        con.dicts = True
    else:
        con.row_factory = sqlite3.Row
    try:
        found = [dict(r) for r in con.execute("SELECT * FROM ledger ORDER BY id")]
    finally:
        con.close()
    for row in found:
        for key in LEDGER_MONEY:
            row[key] = from_micros(row[key])
    return found


def ledger_keys(book) -> list[tuple[int, str, str]]:
    """(allocation, kind, date) of every ledger row, in id order."""
    return [(r["allocation_id"], r["kind"], str(r["date"])) for r in ledger_rows(book)]


def who_writes(book) -> str:
    """Who the audit and the ledger name for changes made here: the
    operating-system user on an SQLite book, the database role (session_user)
    on a PostgreSQL book."""
    where = path_of(book)
    if is_url(where):
        from urllib.parse import urlsplit

        return urlsplit(str(book.db.database) if hasattr(book, "db") else where).username
    import getpass

    return getpass.getuser()
