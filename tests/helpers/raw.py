"""Reading a book file back with plain sqlite3, not through packdesk, so what
a test sees is what the file holds, not what a store function says it holds.
Each takes the book as a path or as an open store.book.Book."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from billing.money import from_micros

LEDGER_MONEY = ("amount", "cost", "retail_price", "cost_price", "setup_retail_price", "setup_cost_price")


def path_of(book) -> Path:
    """The file of a book: a path, or an open store.book.Book."""
    return Path(getattr(book, "path", book))


def raw(book, user: str = "raw-sql") -> sqlite3.Connection:
    """Another connection to the book file (a path or an open Book), without
    peewee; the audit triggers call packdesk_user(), which names `user` here."""
    con = sqlite3.connect(path_of(book), timeout=15)
    con.create_function("packdesk_user", 0, lambda: user)
    return con


def query(book, sql: str, params: tuple = ()) -> list[tuple]:
    con = raw(book)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def rows(book, table: str) -> list[tuple]:
    """Every row of a table in the order of its first column; none if there is no file."""
    if not path_of(book).exists():
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
