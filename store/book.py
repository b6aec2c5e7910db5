"""Opening a book: one SQLite file (or a PostgreSQL database: store.pg_book),
its settings, its schema kept current."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from peewee import SqliteDatabase

from . import dialect, files, pg_book, roles, settings
from .errors import DATABASE_ERRORS, BookError, closed_on_failure, explain
from .settings import BookSettings
from .models import MODELS, database

MIGRATIONS = Path(__file__).with_name("migrations")
PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "synchronous": "full",
    "busy_timeout": 15000,
    "cache_size": -16000,
}


def default_book_path() -> Path:
    """`book.db` in the user's data directory (~/.local/share/packdesk on Linux)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("packdesk", appauthor=False)) / "book.db"


def resolve_book_path(cli_value: str | None) -> Path | str:
    """--db beats PACKDESK_DB beats the default (a postgresql:// URL stays a URL)."""
    value = cli_value or os.environ.get("PACKDESK_DB")
    if dialect.is_url(value):
        return value
    return Path(value).expanduser() if value else default_book_path()


class Book:
    """An open book: `Book.open(path)` (creating it when `create`), then
    `close()`. A book someone may read but not write opens `read_only`."""

    def __init__(self, path: Path | str, db: SqliteDatabase, read_only: bool = False):
        self.path = path
        self.db = db
        self.read_only = read_only
        #: Read-only and nobody had the book open: read as the file was then
        #: (see _snapshot_only); reopen to see what others saved since.
        self.snapshot = False
        #: What this session may do (store.roles): on PostgreSQL its role's
        #: grants; on SQLite everything the file lets it.
        self.access = roles.Access("", not read_only, not read_only, ())
        self.settings = self._load_settings()

    @classmethod
    def open(cls, path: str | os.PathLike, create: bool = True, group: str | None = None) -> "Book":
        """Open the book at `path`. A missing one is created only with
        `create` (safely when several processes race to create it): private
        (0600 in a 0700 folder), or with `group` shared by that group's members
        (0660 in a setgid 2770 folder, see store.files.share). Anything that is
        not a packdesk book is refused, saying why. A book this user may read
        but not write opens `read_only` and creates nothing beside it.

        A postgresql:// URL opens a PostgreSQL book: `create` makes the schema
        in an empty database (`group` does not apply)."""
        if dialect.is_url(path):
            known = {p.stem for p in MIGRATIONS.glob("[0-9]*.py")}
            db = pg_book.connect(str(path), create, migrate, known, PRAGMAS["busy_timeout"])
            with closed_on_failure(db, pg_book.shown(str(path))):
                found = roles.access()
            book = cls(pg_book.shown(str(path)), db, read_only=not found.may_write)
            book.access = found
            return book
        path = Path(path).expanduser()
        files.check_reachable(path)
        if not path.exists():
            if not create:
                raise BookError(f"there is no book at {path} (check --db or PACKDESK_DB; `packdesk init --db {path}` creates one)")
            files.make_folder(path.parent, group)
            _create(path)
            if group:
                files.share(path, group)
        files.check_readable(path)
        if path.is_dir():
            raise BookError(f"{path} is a directory, not a book file")
        files.check_side_files(path)
        if path.stat().st_size == 0:
            raise BookError(f"{path} is an empty file (0 bytes), not a packdesk book: remove it, then `packdesk init --db {path}`")
        read_only = not files.writable(path)
        if not read_only:
            files.born_shared(path)
        for attempt in range(3):
            snapshot = read_only and _snapshot_only(path)
            try:
                _check_book(path, snapshot, read_only)
                db = _connect(path, read_only, snapshot)
                break
            except BookError as exc:
                # A reader between another process's last close (which takes
                # the side files away) and its own open: look again.
                if not read_only or snapshot or attempt == 2 or "unable to open" not in str(exc):
                    raise
        with closed_on_failure(db, str(path)):
            if not read_only:
                migrate(db)
            book = cls(path, db, read_only)  # reads the settings: a damaged page says so in a sentence
        book.snapshot = snapshot
        return book

    def why_read_only(self) -> str:
        """Why this book refuses edits, for each refused edit."""
        if dialect.is_url(self.path):
            return self.access.why_not_write()
        return files.why_read_only(self.path)

    def close(self) -> None:
        if not self.db.is_closed():
            self.db.close()

    def _load_settings(self) -> BookSettings:
        return settings.load()

    def update_settings(self, currency: str | None = None, precision: int | None = None, timezone: str | None = None, **more) -> BookSettings:
        """Change settings (see store.settings.update): all of them or none."""
        self.settings = settings.update(currency, precision, timezone, **more)
        return self.settings

    def today(self) -> date:
        """Today's date in the book's time zone (the real one: see test_clock)."""
        return settings.real_today(self.settings.timezone)


def _snapshot_only(path: Path) -> bool:
    """A reader of a book nobody has open: SQLite would create the side files
    (owned by this reader, with the book's mode: a member who may only read
    would lock the writers out) or fail. It reads the file as it is instead.
    Refused when a left-over -wal holds changes the file alone doesn't."""
    if files.side_files_present(path):
        return False
    wal = Path(f"{path}-wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise BookError(
            f"{files.describe(wal)} holds changes not yet in the book, and you may only read: it opens once a member "
            "who may write has opened it (or run `packdesk check` as one)"
        )
    return True


def _connect(path: Path, read_only: bool, snapshot: bool = False) -> SqliteDatabase:
    if snapshot:
        db = SqliteDatabase(f"file:{path}?mode=ro&immutable=1", uri=True, pragmas={"foreign_keys": 1, "query_only": 1}, timeout=15)
    elif read_only:
        # Nothing is written: the side files others made are read as they are.
        db = SqliteDatabase(f"file:{path}?mode=ro", uri=True, pragmas={"foreign_keys": 1, "query_only": 1}, timeout=15)
    else:
        db = SqliteDatabase(str(path), pragmas=PRAGMAS, lock_type="IMMEDIATE", timeout=15)
    _functions(db)
    database.initialize(db)
    try:
        db.connect(reuse_if_open=True)
    except DATABASE_ERRORS as exc:
        if "not a database" in str(exc).lower():
            raise BookError(f"{path} is not a packdesk book (not an SQLite database file)") from None
        raise BookError(f"{path}: {explain(exc)}") from None
    return db


def _functions(db: SqliteDatabase) -> None:
    """SQL functions the book's triggers call: who made a change (the
    operating-system user) and whether a file import is writing (audit.bulk);
    and money as shown, for the audit log's filter (audit.shown_money)."""
    from .audit import bulk_flag, shown_money

    db.register_function(current_user, "packdesk_user", 0)
    db.register_function(bulk_flag, "packdesk_bulk", 0)
    db.register_function(shown_money, "packdesk_money", 1)


def _check_book(path: Path, snapshot: bool = False, read_only: bool = True) -> None:
    """Refuse what is not a packdesk book, or is one from a newer packdesk,
    reading it without changing a byte. A writer reads it as a writer: a
    read-only connection can't make the side files another process's last
    close has just taken away, and would fail ("unable to open")."""
    import sqlite3

    mode = "ro" if read_only else "rw"
    try:
        con = sqlite3.connect(f"file:{path}?mode={mode}" + ("&immutable=1" if snapshot else ""), uri=True, timeout=15)
    except sqlite3.Error as exc:
        raise BookError(f"{path}: {explain(exc)}") from None
    try:
        tables = {name for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()}
        applied = {name for (name,) in con.execute("SELECT name FROM schema_migration").fetchall()} if "schema_migration" in tables else set()
    except sqlite3.Error as exc:
        text = str(exc).lower()
        if "not a database" in text or "encrypted" in text:
            raise BookError(f"{path} is not a packdesk book (not an SQLite database file)") from None
        raise BookError(f"{path}: {explain(exc)}") from None
    finally:
        con.close()
    if "schema_migration" not in tables or "setting" not in tables:
        raise BookError(f"{path} is an SQLite database but not a packdesk book (it has no packdesk tables)")
    known = {p.stem for p in MIGRATIONS.glob("[0-9]*.py")}
    newer = sorted(applied - known)
    if newer:
        raise BookError(
            f"{path} was written by a newer packdesk (its schema has {newer[-1]}; this packdesk knows up to "
            f"{max(known)}): upgrade packdesk to open it; nothing was changed"
        )


def _create(path: Path) -> None:
    """Make a new book at `path`, whole or not at all: built under a private
    name beside it, then linked into place, which fails if another process
    got there first (then that book is the one opened)."""
    building = path.with_name(f".{path.name}.{os.getpid()}.new")
    try:
        fd = os.open(building, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
        db = SqliteDatabase(str(building), pragmas={"journal_mode": "delete", "foreign_keys": 1})
        _functions(db)
        database.initialize(db)
        try:
            db.connect()
            migrate(db)
        finally:
            db.close()
        try:
            os.link(building, path)
        except FileExistsError:
            pass  # someone else created it meanwhile: theirs is the book
    except OSError as exc:
        raise BookError(f"can't create {path}: {exc.strerror}") from None
    finally:
        for leftover in (building, Path(f"{building}-journal")):
            try:
                leftover.unlink()
            except FileNotFoundError:
                pass


def migrate(db: SqliteDatabase) -> None:
    """Bring the schema to the newest migration (each in its own transaction)."""
    applied = _applied(db)
    wanted = {p.stem for p in MIGRATIONS.glob("[0-9]*.py")}
    if wanted <= applied:
        return
    from playhouse.migrations import Runner

    runner = Runner(db, directory=str(MIGRATIONS))
    runner.History._meta.database = db
    if not runner.History.table_exists():
        db.create_tables([runner.History])
    runner.up()


def integrity_problems() -> list[str]:
    """What SQLite's own integrity check finds wrong with the file (nothing: [])."""
    try:
        rows = database.execute_sql("PRAGMA integrity_check").fetchall()
    except DATABASE_ERRORS as exc:
        return [str(exc)]
    return [r[0] for r in rows if r[0] != "ok"]


def stored_precision() -> int:
    """The open book's money precision (decimal places of a posted amount)."""
    return settings.load().precision


def current_user() -> str:
    """The operating-system user of this process (its real user id), over SSH
    the operator. Never LOGNAME or USER: any process can set those. On a
    PostgreSQL book: the session's database role."""
    if dialect.engine() == "postgresql":
        return pg_book.session_user()
    return files.current_user()


def _applied(db: SqliteDatabase) -> set[str]:
    """Names of the migrations the book has, without loading the runner."""
    try:
        return {name for (name,) in db.execute_sql("SELECT name FROM schema_migration").fetchall()}
    except Exception:
        return set()


__all__ = ["Book", "BookError", "BookSettings", "MODELS", "default_book_path", "resolve_book_path"]
