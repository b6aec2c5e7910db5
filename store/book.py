"""Opening a book: one SQLite file, its settings, its schema kept current."""

from __future__ import annotations

import os
import stat
import zoneinfo
from dataclasses import dataclass
from pathlib import Path

from peewee import SqliteDatabase

from .errors import BookError
from .models import MODELS, Setting, database

MIGRATIONS = Path(__file__).with_name("migrations")
DEFAULT_SETTINGS = {"currency": "USD", "precision": "2", "timezone": "UTC"}
PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "synchronous": "full",
    "busy_timeout": 15000,
    "cache_size": -16000,
}


@dataclass(frozen=True, slots=True)
class BookSettings:
    currency: str = "USD"
    precision: int = 2
    timezone: str = "UTC"


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
        values = dict(DEFAULT_SETTINGS)
        values.update({s.key: s.value for s in Setting.select()})
        return BookSettings(values["currency"], int(values["precision"]), values["timezone"])

    def update_settings(self, currency: str | None = None, precision: int | None = None, timezone: str | None = None) -> BookSettings:
        changes: dict[str, str] = {}
        if currency is not None:
            code = currency.strip().upper()
            if not (len(code) == 3 and code.isalpha()):
                raise BookError(f"currency: '{currency}' is not a three-letter code such as USD or GBP")
            changes["currency"] = code
        if precision is not None:
            if not 0 <= precision <= 6:
                raise BookError(f"precision: {precision} is not between 0 and 6 decimal places")
            current = self.settings.precision
            if precision != current and self.db.execute_sql("SELECT 1 FROM ledger LIMIT 1").fetchone():
                raise BookError(
                    f"precision: the ledger holds lines posted at {current} decimal places; "
                    "the precision is fixed once a line is posted (BILLING.md, Money)"
                )
            changes["precision"] = str(precision)
        if timezone is not None:
            try:
                zoneinfo.ZoneInfo(timezone)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise BookError(f"timezone: '{timezone}' is not a time zone name such as UTC or Europe/London") from None
            changes["timezone"] = timezone
        with self.db.atomic():
            for key, value in changes.items():
                Setting.insert(key=key, value=value).on_conflict(
                    conflict_target=[Setting.key], update={Setting.value: value}
                ).execute()
        self.settings = self._load_settings()
        return self.settings

    def today(self):
        """Today's date in the book's time zone."""
        import datetime

        import pendulum

        now = pendulum.now(self.settings.timezone)
        # A plain datetime.date: SQLite can't bind pendulum's Date through peewee.
        return datetime.date(now.year, now.month, now.day)


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


def stored_precision() -> int:
    """The open book's money precision (decimal places of a posted amount)."""
    found = Setting.get_or_none(Setting.key == "precision")
    return int(found.value) if found is not None else int(DEFAULT_SETTINGS["precision"])


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
