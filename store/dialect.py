"""Where SQLite and PostgreSQL differ, in one place.

The book's SQL is written once, in SQLite's spelling (`?` parameters,
`COLLATE NOCASE`, `strftime('...', 'now')`, triggers with `BEGIN ... END`).
On SQLite it runs as written. On PostgreSQL, `PgDatabase` hands every raw
statement to `store.pg_sql.translate` first, so no query elsewhere asks which
engine it runs on. What can't be a translation of a statement (the id of a
row just inserted, the connection for `executemany`, "now" as a query node,
the write lock a run takes) is a function here.
"""

from __future__ import annotations

from functools import lru_cache

from peewee import SQL, PostgresqlDatabase

from .models import database

SCHEMES = ("postgresql://", "postgres://")

#: Timestamps as the book stores them (UTC, ISO 8601).
_NOW = {
    "sqlite": ("strftime('%Y-%m-%dT%H:%M:%SZ', 'now')", "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"),
    "postgresql": (
        "to_char(statement_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
        "to_char(statement_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')",
    ),
}


def is_url(value) -> bool:
    """True for a PostgreSQL book (`postgresql://user@host:port/dbname`)."""
    return isinstance(value, str) and value.startswith(SCHEMES)


def engine() -> str:
    """'postgresql' or 'sqlite': the engine of the open book."""
    return "postgresql" if isinstance(database.obj, PostgresqlDatabase) else "sqlite"


def now_text(millis: bool = False):
    """A query node: the current UTC time as the book's timestamp text."""
    return SQL(_NOW[engine()][1 if millis else 0])


@lru_cache(maxsize=4096)
def _translated(sql: str, with_params: bool) -> str:
    from .pg_sql import translate

    return translate(sql, with_params)


class PgDatabase(PostgresqlDatabase):
    """PostgreSQL that takes the book's SQL (see the module's docstring).
    Each thread has a connection of its own (a form saves in a thread);
    `backends` holds their server process ids while they are open."""

    def __init__(self, *args, **kwargs):
        self.backends: set[int] = set()
        super().__init__(*args, **kwargs)

    def _connect(self):
        conn = super()._connect()
        self.backends.add(conn.info.backend_pid)
        return conn

    def _close(self, conn):
        try:
            self.backends.discard(conn.info.backend_pid)
        except Exception:  # a broken connection: its server process has gone too
            pass
        super()._close(conn)

    def execute_sql(self, sql, params=None, *args, **kwargs):
        return super().execute_sql(_translated(sql, bool(params)), params, *args, **kwargs)


class _PgConnection:
    """What runs and imports use of an SQLite connection: execute and
    executemany (rowcount: rows changed in all), the book's SQL translated."""

    def __init__(self, db: PgDatabase):
        self.db = db

    def execute(self, sql: str, params=()):
        cursor = self.db.cursor()
        cursor.execute(_translated(sql, bool(params)), params or ())
        return cursor

    def executemany(self, sql: str, rows):
        cursor = self.db.cursor()
        cursor.executemany(_translated(sql, True), list(rows))
        return cursor


def connection():
    """The open book's connection, for execute/executemany of the book's SQL."""
    db = database.obj
    if isinstance(db, PgDatabase):
        return _PgConnection(db)
    return db.connection()


def insert_id(sql: str, params) -> int:
    """Run an INSERT of one row; the new row's id."""
    if engine() == "postgresql":
        return database.execute_sql(f"{sql} RETURNING id", params).fetchone()[0]
    return database.execute_sql(sql, params).lastrowid


#: Advisory lock key for the ledger's hash chain (any constant: "packdesk").
LEDGER_LOCK = 0x7061636B


def lock_ledger() -> None:
    """Inside a transaction that posts lines or payments: wait for any other
    poster. SQLite's BEGIN IMMEDIATE already holds the book's one write lock;
    on PostgreSQL one transaction-scoped advisory lock serializes posting
    (the hash chain links each line to the one before, so two posters must
    not read the same head). One lock, always taken first: no deadlock."""
    if engine() == "postgresql":
        database.execute_sql("SELECT pg_advisory_xact_lock(%s)" % LEDGER_LOCK)


def set_bulk(on: bool) -> None:
    """Tell the triggers a file import is writing (store.audit.bulk): on
    SQLite packdesk_bulk() reads the process's flag; on PostgreSQL it reads
    the transaction's `packdesk.bulk` setting, set here."""
    if engine() == "postgresql":
        database.execute_sql("SELECT set_config('packdesk.bulk', ?, true)", ("1" if on else "0",))


#: The channel a PostgreSQL book's tables notify on when a statement changes them.
CHANNEL = "packdesk_changed"


class ChangeWatch:
    """Has another connection changed the book since the last look?

    SQLite: `PRAGMA data_version` moves when another connection commits.
    PostgreSQL: the tables' statement triggers NOTIFY on commit (store.pg_book),
    and a second connection of this process LISTENs; what this process's own
    connections changed (any thread's: PgDatabase.backends) is not news.
    `changed()` never waits and never raises: a book that is busy or gone
    answers False, and is asked again next time."""

    def __init__(self):
        self._pg = engine() == "postgresql"
        self._listener = None
        self._own = None
        self._version = None if self._pg else self._data_version()
        if self._pg:
            self._listen()

    def _data_version(self):
        try:
            return database.execute_sql("PRAGMA data_version").fetchone()[0]
        except Exception:  # the book is busy or closed: next time
            return None

    def _listen(self) -> None:
        import psycopg

        db = database.obj
        try:
            db.connection()  # this thread's, open: its backend among db.backends
            self._own = db.backends
            self._listener = psycopg.connect(db.database, autocommit=True, **db.connect_params)
            self._listener.execute(f"LISTEN {CHANNEL}")
        except Exception:  # the server is away: try again next time
            self.close()

    def changed(self) -> bool:
        if not self._pg:
            version = self._data_version()
            if version is None or version == self._version:
                return False
            self._version = version
            return True
        if self._listener is None:
            self._listen()
            return False
        try:
            return any(n.pid not in self._own for n in list(self._listener.notifies(timeout=0)))
        except Exception:
            self.close()
            return False

    def close(self) -> None:
        if self._listener is not None:
            try:
                self._listener.close()
            except Exception:
                pass
        self._listener = None


def claim_rows(table: str, ids) -> list[int]:
    """Of these rows of `table`, the ones this transaction may now update
    without waiting: on PostgreSQL each row is locked here, in id order, and
    a row another transaction holds is left out (`FOR UPDATE SKIP LOCKED`);
    on SQLite the transaction holds the book's one write lock, so all of them.

    For writes that may be left undone (a run's marks, which may always stay
    behind): they never wait on a row another writer holds, so they can never
    be one end of a deadlock."""
    ids = sorted(ids)
    if engine() != "postgresql" or not ids:
        return ids
    rows = database.execute_sql(
        f"SELECT id FROM {table} WHERE id = ANY(%s) ORDER BY id FOR UPDATE SKIP LOCKED", (ids,)
    ).fetchall()
    return [i for (i,) in rows]


def update_rows(table: str, columns: dict[str, str], keys: dict[str, str], rows: list[tuple]) -> int:
    """UPDATE `table` SET each of `columns` WHERE each of `keys` equals, for
    each row (its values: the columns', then the keys'). `columns` and `keys`
    map a column to its PostgreSQL type. Returns the rows changed.

    SQLite: executemany of one UPDATE (each a b-tree seek, no round trip).
    PostgreSQL: one statement over the rows as arrays (`unnest`): a round trip
    and a plan for all of them, not one a row."""
    if not rows:
        return 0
    if engine() != "postgresql":
        sets = ", ".join(f"{c} = ?" for c in columns)
        where = " AND ".join(f"{k} = ?" for k in keys)
        cursor = connection().executemany(f"UPDATE {table} SET {sets} WHERE {where}", rows)
        return cursor.rowcount if cursor.rowcount is not None and cursor.rowcount >= 0 else 0
    names = [*columns, *keys]
    types = [*columns.values(), *keys.values()]
    arrays = ", ".join(f"%s::{t}[]" for t in types)
    sets = ", ".join(f"{c} = v.{c}" for c in columns)
    where = " AND ".join(f"t.{k} = v.{k}" for k in keys)
    sql = f"UPDATE {table} AS t SET {sets} FROM unnest({arrays}) AS v({', '.join(names)}) WHERE {where}"
    return database.execute_sql(sql, [list(column) for column in zip(*rows)]).rowcount


def values_table(types: list[str], rows: list[tuple]) -> tuple[str, list]:
    """A table of `rows` for a query's WITH or FROM (`types`: each column's
    PostgreSQL type), and its parameters. SQLite: `VALUES (?, ?), ...`.
    PostgreSQL: `unnest` of one array a column: a few parameters however many
    rows (the driver re-reads a statement of ten thousand `?` on each call)."""
    if engine() != "postgresql":
        one = "(" + ", ".join("?" * len(types)) + ")"
        return f"VALUES {', '.join([one] * len(rows))}", [v for row in rows for v in row]
    arrays = ", ".join(f"CAST(? AS {t}[])" for t in types)
    return f"SELECT * FROM unnest({arrays})", [list(column) for column in zip(*rows)]


def insert_rows(table: str, columns: dict[str, str], rows: list[tuple], conflict: tuple[str, ...]) -> int:
    """INSERT `rows` into `table` (`columns`: each column's PostgreSQL type, in
    the rows' order), skipping any whose `conflict` key the table holds (ON
    CONFLICT DO NOTHING). Returns how many went in.

    SQLite: executemany of one INSERT. PostgreSQL: one INSERT ... SELECT over
    the rows as arrays (`values_table`): one round trip for the batch."""
    if not rows:
        return 0
    names = ", ".join(columns)
    tail = f" ON CONFLICT ({', '.join(conflict)}) DO NOTHING"
    if engine() != "postgresql":
        marks = ", ".join("?" * len(columns))
        cursor = connection().executemany(f"INSERT INTO {table} ({names}) VALUES ({marks}){tail}", rows)
        return cursor.rowcount
    source, params = values_table(list(columns.values()), rows)
    return database.execute_sql(f"INSERT INTO {table} ({names}) {source}{tail}", params).rowcount
