"""Opening a PostgreSQL book (`postgresql://user@host:port/dbname`).

The schema is the SQLite book's (the same migrations, translated by
store.pg_sql), made by `packdesk init` in an empty database; every other
command refuses a database without it. The SQL functions an SQLite book's
connection registers in Python are SQL functions of the database here:
`packdesk_user()` is the session's database role (session_user),
`packdesk_bulk()` the transaction's `packdesk.bulk` setting (store.audit.bulk)
and `packdesk_money(text)` micro-units as the screens show money.
"""

from __future__ import annotations

import re

from .errors import DATABASE_ERRORS, BookError, closed_on_failure
from .models import database

#: The database's own functions the triggers and queries call.
FUNCTIONS = [
    "CREATE EXTENSION IF NOT EXISTS citext",
    "CREATE OR REPLACE FUNCTION packdesk_user() RETURNS text LANGUAGE sql STABLE AS $$ SELECT session_user::text $$",
    "CREATE OR REPLACE FUNCTION packdesk_bulk() RETURNS integer LANGUAGE sql STABLE AS "
    "$$ SELECT COALESCE(NULLIF(current_setting('packdesk.bulk', true), ''), '0')::integer $$",
    # 178510000 -> '178.51', 125000 -> '0.125': at least 2 places, more only if it has them.
    "CREATE OR REPLACE FUNCTION packdesk_money(value text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ "
    "SELECT CASE WHEN value !~ '^-?[0-9]+$' THEN value ELSE "
    "(SELECT (CASE WHEN v < 0 THEN '-' ELSE '' END) || (abs(v) / 1000000)::text || '.' || "
    "rpad(rtrim(lpad((abs(v) % 1000000)::text, 6, '0'), '0'), 2, '0') FROM (SELECT value::bigint AS v) x) END $$",
]
#: Tables whose changes don't notify: each change to them comes with a change
#: to a table that does (a posted line or usage line moves a run's count and a
#: balance), or no screen follows them.
QUIET_TABLES = {"ledger", "usage_line", "audit", "schema_migration"}
NOTIFY_FUNCTION = (
    "CREATE OR REPLACE FUNCTION packdesk_notify() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN "
    "PERFORM pg_notify('packdesk_changed', TG_TABLE_NAME); RETURN NULL; END $fn$"
)

#: Session-level advisory lock key while a schema is made or brought up to date.
SCHEMA_LOCK = 0x7064736D


def shown(url: str) -> str:
    """The URL without its password, for messages."""
    return re.sub(r"^(\w+://[^:/@]*):[^@]*@", r"\1:***@", url)


def wire_driver() -> None:
    """Give peewee the PostgreSQL driver (psycopg 3), which store/__init__.py
    kept it from importing at start: what peewee would have set itself."""
    import peewee
    import psycopg
    from psycopg.pq import TransactionStatus
    from psycopg.types.json import Json, Jsonb

    if peewee.psycopg is None:
        peewee.psycopg, peewee.TransactionStatus = psycopg, TransactionStatus
        peewee.Json_pg3, peewee.Jsonb_pg3 = Json, Jsonb
        adapter = peewee.Psycopg3Adapter
        adapter.txn_idle = TransactionStatus.IDLE
        adapter.txn_inerror = TransactionStatus.INERROR
        adapter.txn_unknown = TransactionStatus.UNKNOWN


def connect(url: str, create: bool, migrate, known: set[str], lock_timeout_ms: int = 15000):
    """The open database of the book at `url`, its schema current (made first
    when `create` and the database has none). `migrate(db)` applies the
    migrations; `known` names those this packdesk has. A statement waits at
    most `lock_timeout_ms` for a lock another session holds (an SQLite book's
    busy timeout), then fails with "lock timeout": nothing written."""
    db = open_database(url, "packdesk", "book", options=f"-c lock_timeout={int(lock_timeout_ms)}")
    database.initialize(db)
    with closed_on_failure(db, shown(url), reason):
        _schema(db, url, create, migrate, known)
    return db


def open_database(url: str, application: str, what: str = "database", **options):
    """A PostgreSQL database at `url`, connected (not bound to the book's
    models: the caller does that, or keeps it apart, as copy-book does).
    BookError, in a sentence, for a missing driver or a server that refuses."""
    try:
        wire_driver()
    except ImportError:
        raise BookError(
            f"{shown(url)} is a PostgreSQL {what}, and the PostgreSQL driver (psycopg) is not installed: "
            "pip install 'packdesk[postgres]'"
        ) from None
    from .dialect import PgDatabase

    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    db = PgDatabase(url, connect_timeout=10, application_name=application, **options)
    try:
        db.connect(reuse_if_open=True)
    except DATABASE_ERRORS as exc:
        raise BookError(f"can't open the PostgreSQL {what} {shown(url)}: {reason(exc)}") from None
    return db


def reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    if "does not exist" in text and "database" in text:
        return f"{text} (create it first: createdb, or CREATE DATABASE)"
    if "refused" in text or "timeout" in text.lower() or "could not translate host" in text:
        return f"the server is not reachable ({text})"
    return text


def book_tables(db) -> set[str]:
    return {t for (t,) in db.execute_sql("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()").fetchall()}


def _schema(db, url: str, create: bool, migrate, known: set[str]) -> None:
    tables = book_tables(db)
    if not tables and not create:
        raise BookError(
            f"{shown(url)} has no packdesk book in it (the database is empty): `packdesk init --db {shown(url)}` makes one"
        )
    if tables and not {"schema_migration", "setting"} <= tables:
        raise BookError(f"{shown(url)} is a PostgreSQL database but not a packdesk book (it has no packdesk tables)")
    applied = {n for (n,) in db.execute_sql("SELECT name FROM schema_migration").fetchall()} if tables else set()
    newer = sorted(applied - known)
    if newer:
        raise BookError(
            f"{shown(url)} was written by a newer packdesk (its schema has {newer[-1]}; this packdesk knows up to "
            f"{max(known)}): upgrade packdesk to open it; nothing was changed"
        )
    if known <= applied and _notifying(db, tables):
        return
    # One process at a time brings a schema up to date (several apps and cron
    # jobs may open a book at once after an upgrade).
    db.execute_sql("SET lock_timeout = 0")  # however long another's upgrade takes
    try:
        db.execute_sql("SELECT pg_advisory_lock(%d)" % SCHEMA_LOCK)
    finally:
        db.execute_sql("RESET lock_timeout")  # the connection's again
    try:
        if not known <= applied:
            with db.atomic():
                for statement in FUNCTIONS:
                    db.execute_sql(statement)
            migrate(db)
        elif _notifying(db, book_tables(db)):
            return  # another process added them while this one waited
        try:
            _notify_triggers(db)
        except DATABASE_ERRORS:
            if not known <= applied:
                raise
            # A book made before packdesk notified, opened by a role that may
            # not add triggers: it works; open apps refresh once its owner opens it.
            return
        from .roles import regrant_if_set_up  # tables a migration added get the groups' grants

        with db.atomic():
            regrant_if_set_up()
    finally:
        db.execute_sql("SELECT pg_advisory_unlock(%d)" % SCHEMA_LOCK)


def _notifying(db, tables: set[str]) -> bool:
    """Every table that should notify others of its changes does."""
    have = {t for (t,) in db.execute_sql(
        "SELECT c.relname FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid WHERE g.tgname = 'packdesk_changed'"
    ).fetchall()}
    return tables - QUIET_TABLES <= have


def _notify_triggers(db) -> None:
    """Each table's statements NOTIFY packdesk_changed on commit (PostgreSQL
    folds a transaction's repeats into one), so an open app sees another
    operator's save (store.dialect.ChangeWatch)."""
    with db.atomic():
        db.execute_sql(NOTIFY_FUNCTION)
        for table in sorted(book_tables(db) - QUIET_TABLES):
            db.execute_sql(
                f"CREATE OR REPLACE TRIGGER packdesk_changed AFTER INSERT OR UPDATE OR DELETE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION packdesk_notify()"
            )


def session_user() -> str:
    """The database role of this session: who the audit and the ledger name."""
    return database.execute_sql("SELECT session_user").fetchone()[0]
