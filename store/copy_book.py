"""An SQLite book copied into an empty PostgreSQL database, whole or not at
all (`packdesk copy-book --to URL`), and the row counts that prove it.

The schema is made there as `packdesk init` makes it (store.pg_book's
functions, then the migrations, translated by store.pg_sql); then every table
the schema has is copied, rows and ids as stored (the ledger's and payments'
hash columns too), parents before the tables that refer to them; then each
id sequence is set past the largest id. It is all one transaction on the
target: if anything fails, the target is left as empty as it was.

The rows stream from SQLite into PostgreSQL's COPY, so a book of millions of
ledger lines copies in bounded memory. The source is read in one read
transaction: the copy is the book as it was at one moment, even if another
packdesk writes to it meanwhile.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from . import dialect, pg_book
from .book import MIGRATIONS
from .errors import DATABASE_ERRORS, BookError
from .models import database

#: The migrations' own record: the target's is made with its schema, not copied.
MIGRATION_TABLE = "schema_migration"


@dataclass(frozen=True, slots=True)
class Copied:
    #: (table, rows copied), in the order they were copied.
    tables: list[tuple[str, int]]
    seconds: float

    @property
    def rows(self) -> int:
        return sum(n for _t, n in self.tables)


def copy_book(source, url: str) -> Copied:
    """Copy the open SQLite book `source` (a store.book.Book) into the empty
    PostgreSQL database at `url`. BookError, saying why and that nothing was
    written, when the database can't be reached or is not empty, or when any
    row can't be copied (the target is then left empty)."""
    if dialect.is_url(source.path):
        raise BookError(f"{pg_book.shown(str(source.path))} is a PostgreSQL book: copy-book copies an SQLite book")
    started = time.monotonic()
    where = pg_book.shown(url)
    db = _connect(url)
    try:
        tables = _copy(source, db, where)
    finally:
        db.close()
    return Copied(tables, time.monotonic() - started)


def table_counts() -> dict[str, int]:
    """The rows of each table of the open book (the tables its schema has), by name."""
    if dialect.engine() == "postgresql":
        sql = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
    else:
        sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND substr(name, 1, 7) != 'sqlite_' ORDER BY name"
    names = [name for (name,) in database.execute_sql(sql).fetchall()]
    return {name: database.execute_sql(f"SELECT COUNT(*) FROM {_quoted(name)}").fetchone()[0] for name in names}


def _quoted(name: str) -> str:
    """A table or column name as both engines read it, whatever the word."""
    return '"' + name.replace('"', '""') + '"'


def _connect(url: str):
    """The target database, connected: not store.pg_book.connect, which makes
    the schema in transactions of its own (and binds the book's models to it:
    they stay on the source here)."""
    return pg_book.open_database(url, "packdesk copy-book")


def _failures() -> tuple[type[BaseException], ...]:
    import psycopg

    # COPY goes through the driver's own cursor: its errors are not peewee's.
    return DATABASE_ERRORS + (psycopg.Error,)


def _copy(source, db, where: str) -> list[tuple[str, int]]:
    failures = _failures()
    step = "making the schema"
    try:
        with db.atomic():
            cursor = db.cursor()
            # The lock `packdesk init` takes: an init racing this copy waits, then finds it.
            cursor.execute(f"SELECT pg_advisory_xact_lock({pg_book.SCHEMA_LOCK})")
            found = pg_book.book_tables(db)
            if found:
                names = ", ".join(sorted(found)[:5]) + (", ..." if len(found) > 5 else "")
                raise BookError(
                    f"{where} is not empty: copy-book copies into an empty database (it has {len(found)} table(s): "
                    f"{names}); nothing was written"
                )
            _make_schema(db)
            con = source.db.connection()
            con.execute("BEGIN")  # one read transaction: every table as it was at one moment
            try:
                plan = _plan(con, cursor, where)
                _triggers(cursor, plan, "DISABLE")
                for table, _columns in reversed(plan):
                    # What the migrations wrote (the default settings) gives way to the book's own rows.
                    cursor.execute(f"DELETE FROM {_quoted(table)}")
                copied = []
                for table, columns in plan:
                    step = f"copying {table}"
                    copied.append((table, _copy_table(con, cursor, table, columns)))
            finally:
                con.execute("ROLLBACK")
            step = "setting the id sequences"
            _sequences(cursor, [t for t, _c in plan])
            _triggers(cursor, plan, "ENABLE")
            step = "committing"
        return copied
    except BookError:
        raise
    except failures as exc:
        raise BookError(
            f"can't copy the book into {where} ({step}): {_why(exc)}; nothing was written ({where} is still empty)"
        ) from None


def _why(exc: BaseException) -> str:
    """The server's reason, and for a row COPY refused, where it is."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    context = getattr(getattr(exc, "diag", None), "context", None)
    if context and context.startswith("COPY") and context not in text:
        text += f" (at {' '.join(context.split())})"
    return text


def _make_schema(db) -> None:
    """The schema `packdesk init` makes, inside this transaction: the same
    functions (store.pg_book) and migrations, each migration a savepoint."""
    from playhouse.migrations import Runner

    for statement in pg_book.FUNCTIONS:
        db.execute_sql(statement)
    runner = Runner(db, directory=str(MIGRATIONS))
    runner.History._meta.database = db
    runner.up()


def _plan(con, cursor, where: str) -> list[tuple[str, list[str]]]:
    """(table, columns) for every table to copy, each after the tables it
    refers to; refused unless the book's schema is the one just made."""
    source = [
        name for (name,) in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND substr(name, 1, 7) != 'sqlite_' ORDER BY rowid"
        )
    ]
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    target = {name for (name,) in cursor.fetchall()}
    tables = [t for t in source if t != MIGRATION_TABLE]
    applied = {n for (n,) in con.execute(f"SELECT name FROM {MIGRATION_TABLE}")} if MIGRATION_TABLE in source else set()
    cursor.execute(f"SELECT name FROM {MIGRATION_TABLE}")
    made = {n for (n,) in cursor.fetchall()}
    if applied != made or set(tables) != target - {MIGRATION_TABLE}:
        raise BookError(
            f"the book's schema is not the one this packdesk makes in {where} (open the book with this packdesk, "
            "as a user who may write it, to bring it up to date); nothing was written"
        )
    plan = []
    for table in _parents_first(tables, _references(cursor)):
        columns = [row[1] for row in con.execute(f"PRAGMA table_info({_quoted(table)})")]
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = %s",
            (table,),
        )
        if set(columns) != {name for (name,) in cursor.fetchall()}:
            raise BookError(f"the book's table {table} has other columns than {where}'s; nothing was written")
        plan.append((table, columns))
    return plan


def _references(cursor) -> set[tuple[str, str]]:
    """(table, the table it refers to) for each foreign key of the target."""
    cursor.execute(
        "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c "
        "JOIN pg_namespace n ON n.oid = c.connamespace WHERE c.contype = 'f' AND n.nspname = current_schema()"
    )
    return {(child.strip('"'), parent.strip('"')) for child, parent in cursor.fetchall()}


def _parents_first(tables: list[str], references: set[tuple[str, str]]) -> list[str]:
    """`tables` in their order, each moved after the tables it refers to (a
    table referring to itself is copied in one COPY: its keys are checked at
    the statement's end)."""
    waiting = {t: {p for c, p in references if c == t and p != t and p in tables} for t in tables}
    order: list[str] = []
    while waiting:
        ready = next((t for t in tables if t in waiting and not waiting[t] - set(order)), None)
        if ready is None:
            raise BookError(f"the book's tables refer to each other in a circle ({', '.join(sorted(waiting))})")
        order.append(ready)
        del waiting[ready]
    return order


def _triggers(cursor, plan, action: str) -> None:
    """The schema's triggers (audit, run marks, price versions, append-only
    guards) would add audit rows and price versions and move run marks for
    rows that are being copied as they are. `ALTER TABLE ... DISABLE TRIGGER
    USER` turns them off and leaves the foreign-key checks on (the copy is
    checked as it goes). A table's owner may do it, and the role copying made
    these tables, so the database's owner needs no superuser; `SET
    session_replication_role = replica` would need one (and would turn the
    foreign-key checks off too). The schema is made in this same transaction,
    so no other connection ever sees a table whose triggers are off: they are
    on again before the commit."""
    for table, _columns in plan:
        cursor.execute(f"ALTER TABLE {_quoted(table)} {action} TRIGGER USER")


def _copy_table(con, cursor, table: str, columns: list[str]) -> int:
    """Every row of one table, in key order, streamed into COPY."""
    keys = [row[1] for row in sorted(con.execute(f"PRAGMA table_info({_quoted(table)})"), key=lambda r: r[5]) if row[5]]
    listed = ", ".join(_quoted(c) for c in columns)
    rows = con.execute(
        f"SELECT {listed} FROM {_quoted(table)} ORDER BY {', '.join(_quoted(k) for k in keys) or 'rowid'}"
    )
    count = 0
    with cursor.copy(f"COPY {_quoted(table)} ({listed}) FROM STDIN") as copy:
        write = copy.write_row
        while True:
            batch = rows.fetchmany(10_000)
            if not batch:
                break
            for row in batch:
                write(row)
            count += len(batch)
    return count


def _sequences(cursor, tables: list[str]) -> None:
    """Each id sequence of the copied tables set past the largest id, so the
    next row made on the copy takes the next id."""
    cursor.execute(
        "SELECT table_name, column_name, pg_get_serial_sequence(quote_ident(table_name), column_name) "
        "FROM information_schema.columns WHERE table_schema = current_schema()"
    )
    for table, column, sequence in cursor.fetchall():
        if sequence and table in tables:
            cursor.execute(
                f"SELECT setval(%s, COALESCE((SELECT MAX({_quoted(column)}) FROM {_quoted(table)}), 0) + 1, false)",
                (sequence,),
            )


__all__ = ["Copied", "copy_book", "table_counts"]
