"""What every command of the packdesk command line shares: exit codes, the
error line, opening the book, 'today', the --customer and --from/--to checks,
and writing to standard output."""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path

from billing.dates import parse_date
from store.book import Book, default_book_path
from store.customers import find_customer
from store.dialect import is_url
from store.errors import BookError

from ..config import DEFAULT, Config

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

#: Commands that may start a new book (the app and `init`); the others need
#: one that exists, so a mistyped --db in a cron job fails loudly instead of
#: billing (or importing into) a new empty book.
CREATES_BOOK = {None, "init"}


def err(message: str) -> None:
    print(f"packdesk: {message}", file=sys.stderr)


def book_path(config: Config) -> tuple[Path | str, str]:
    """The book's path (or a PostgreSQL book's URL) and where it came from:
    --db, PACKDESK_DB, a configuration file, else the default book."""
    if config.db is None:
        return default_book_path(), DEFAULT
    if is_url(config.db.value):
        return config.db.value, config.db.source
    return Path(config.db.value), config.db.source


def open_book(args, config: Config) -> Book | None:
    """The book of --db / PACKDESK_DB / the configuration files, or None once the reason is printed."""
    path, source = book_path(config)
    try:
        # A PostgreSQL book's schema is made by `init` alone: an empty database
        # is refused as a missing book file is (the app would make one).
        create = args.command == "init" if is_url(path) else args.command in CREATES_BOOK
        return Book.open(path, create=create)
    except BookError as exc:
        err(f"{exc}; the path is db in {source}" if config.db and config.db.from_file else str(exc))
        return None


def given_today(args) -> date | None:
    """--today, else $PACKDESK_TODAY, else None (DateError if the variable isn't a date)."""
    if getattr(args, "today", None):
        return args.today
    env = os.environ.get("PACKDESK_TODAY")
    if env:
        return parse_date(env)
    return None


def today(args, book: Book) -> date:
    """The day the command works as of: --today, $PACKDESK_TODAY, else the book's today."""
    return given_today(args) or book.today()


def customer_id(name: str | None, required: bool = False) -> tuple[bool, int | None]:
    """(ok, id or None) for a --customer NAME; not ok once the reason is printed."""
    if name is None or (not name.strip() and not required):
        return True, None
    if not name.strip():
        err("--customer: give the customer's name (it is empty)")
        return False, None
    customer = find_customer(name)
    if customer is None:
        err(f"--customer: '{name}' is not a customer of this book")
        return False, None
    return True, customer.id


def range_reversed(date_from: date | None, date_to: date | None) -> bool:
    """True (and says so) when --to is before --from."""
    if date_from and date_to and date_to < date_from:
        err(f"--to {date_to} is before --from {date_from}")
        return True
    return False


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so nothing left in its buffer fails again at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def to_stdout(write) -> int:
    """Run write(sys.stdout); a reader that goes away (`| head`) is no error,
    a full or failing device is one, said in a sentence."""
    try:
        write(sys.stdout)
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_stdout()
    except OSError as exc:
        _quiet_stdout()
        err(f"can't write the output: {exc.strerror or exc} (a full disk, or a device that takes nothing?)")
        return EXIT_FAILED
    return EXIT_OK
