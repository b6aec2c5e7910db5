"""Posting chained lines exactly once: the ledger's charges and the usage
lines (store.runs, store.usage_lines) go in the same way.

Inside the caller's transaction, the ledger's lock held (store.dialect.
lock_ledger): the lines are chained to the table's head as if every one were
new and inserted with ON CONFLICT DO NOTHING on the table's unique key. If
another run posted some of them meanwhile (the key skipped them, so the chain
would have a gap), that is undone and the rest are chained again without
them. The balances the posted lines move go in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from billing.ledger import CHARGE_SIGNS

from . import chain
from .dialect import connection, insert_rows, values_table
from .sql import as_date, iso

# The balance moves by billing.ledger's rule: an auto-decrement line takes its
# amount off, any other moves nothing.
_BALANCE = f"UPDATE customer SET balance = balance + ({CHARGE_SIGNS[True]}) * ? WHERE id = ?"


@dataclass(frozen=True)
class ChainedTable:
    """A chained, append-only table of posted lines: its columns in the
    chain's order (each with its PostgreSQL type) and its unique key."""

    name: str
    columns: dict[str, str]
    key: tuple[str, ...]

    def positions(self) -> list[int]:
        names = list(self.columns)
        return [names.index(k) for k in self.key]


LEDGER = ChainedTable(
    "ledger",
    dict(zip(chain.LEDGER_COLUMNS, (
        "bigint", "bigint", "bigint", "text", "date", "date", "date", "bigint", "bigint", "bigint", "bigint",
        "bigint", "bigint", "bigint", "bigint", "bigint", "text", "text",
    ))),
    ("allocation_id", "kind", "date"),
)
USAGE_LINES = ChainedTable(
    "usage_line",
    dict(zip(chain.USAGE_LINE_COLUMNS, (
        "bigint", "date", "bigint", "bigint", "bigint", "bigint", "bigint", "bigint", "text", "text",
    ))),
    ("customer_id", "date"),
)


def insert_sql(table: ChainedTable) -> str:
    """The INSERT of one line with its hash, as executemany runs it on SQLite."""
    names = [*table.columns, "hash"]
    return (
        f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))}) "
        f"ON CONFLICT ({', '.join(table.key)}) DO NOTHING"
    )


def _key(values) -> tuple:
    return tuple(iso(as_date(v)) if hasattr(v, "isoformat") else v for v in values)


def insert_chained(table: ChainedTable, rows: list[tuple]) -> list[int]:
    """Insert `rows` (values in table.columns order) chained to the head;
    the positions of the rows posted (those another run posted are left)."""
    if not rows:
        return []
    conn = connection()
    previous = chain.head(table.name)
    columns = {**table.columns, "hash": "text"}
    conn.execute("SAVEPOINT posting")
    if insert_rows(table.name, columns, chain.chained_plain(previous, rows), table.key) == len(rows):
        conn.execute("RELEASE posting")
        return list(range(len(rows)))
    conn.execute("ROLLBACK TO posting")
    conn.execute("RELEASE posting")
    where = table.positions()
    types = [table.columns[k] for k in table.key]
    source, params = values_table(types, [tuple(r[i] for i in where) for r in rows])
    on = " AND ".join(f"t.{k} = k.{k}" for k in table.key)
    held = {
        _key(found)
        for found in conn.execute(
            f"WITH k({', '.join(table.key)}) AS ({source}) SELECT {', '.join('t.' + k for k in table.key)} "
            f"FROM k JOIN {table.name} t ON {on}",
            params,
        ).fetchall()
    }
    fresh = [i for i, r in enumerate(rows) if _key(r[i] for i in where) not in held]
    insert_rows(table.name, columns, chain.chained_plain(previous, (rows[i] for i in fresh)), table.key)
    return fresh


def move_balances(totals: dict[int, int]) -> None:
    """Add each customer's auto-decrement total (micro-units) the posting way."""
    if totals:
        connection().executemany(_BALANCE, [(total, customer) for customer, total in totals.items()])
