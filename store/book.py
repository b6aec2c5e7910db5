"""Opening a book: one SQLite file, its settings, its schema kept current."""

from __future__ import annotations

import os
import stat
from datetime import date
from pathlib import Path

from peewee import SqliteDatabase

from . import settings
from .errors import DATABASE_ERRORS, BookError
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


def resolve_book_path(cli_value: str | None) -> Path:
    """--db beats PACKDESK_DB beats the default."""
    value = cli_value or os.environ.get("PACKDESK_DB")
    return Path(value).expanduser() if value else default_book_path()


class Book:
    """An open book. `Book.open(path)` creates it on first use (owner-only)."""

    def __init__(self, path: Path, db: SqliteDatabase):
        self.path = path
        self.db = db
        self.settings = self._load_settings()

    @classmethod
    def open(cls, path: str | os.PathLike) -> "Book":
        path = Path(path).expanduser()
        if path.exists() and path.is_dir():
            raise BookError(f"{path} is a directory, not a book file")
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise BookError(f"can't create the folder for {path}: {exc.strerror}") from None
        new = not path.exists()
        if new:
            try:
                fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
                os.close(fd)
            except OSError as exc:
                raise BookError(f"can't create {path}: {exc.strerror}") from None
        db = SqliteDatabase(str(path), pragmas=PRAGMAS, lock_type="IMMEDIATE", timeout=15)
        # The audit triggers record who made each change: the operating-system user.
        db.register_function(current_user, "packdesk_user", 0)
        database.initialize(db)
        try:
            db.connect(reuse_if_open=True)
            migrate(db)
        except Exception as exc:
            db.close()
            raise BookError(f"{path} is not a packdesk book ({exc})") from None
        if new:
            for suffix in ("", "-wal", "-shm"):
                side = Path(str(path) + suffix)
                if side.exists():
                    side.chmod(stat.S_IRUSR | stat.S_IWUSR)
        return cls(path, db)

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
    the operator. Never LOGNAME or USER: any process can set those."""
    import pwd

    uid = os.getuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:  # a user id with no name on this host
        return str(uid)


def _applied(db: SqliteDatabase) -> set[str]:
    """Names of the migrations the book has, without loading the runner."""
    try:
        return {name for (name,) in db.execute_sql("SELECT name FROM schema_migration").fetchall()}
    except Exception:
        return set()


__all__ = ["Book", "BookError", "BookSettings", "MODELS", "default_book_path", "resolve_book_path"]
