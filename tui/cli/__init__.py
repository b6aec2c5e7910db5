"""The packdesk command: opens the app, or imports and exports from the shell.

parser.py holds the arguments, common.py what the commands share, and one
module each the command groups: transfer (import, export), charges, run,
payments (pay, reverse), book (check, settings, demo), copy_book
(copy-book) and config, which runs before any book is opened."""

from __future__ import annotations

import gc

from billing.dates import DateError
from store.errors import DATABASE_ERRORS, StoreError, explain

from ..config import Config, ConfigError, load
from .book import cmd_check, cmd_demo, cmd_init, cmd_roles, cmd_runs, cmd_settings
from .charges import cmd_charges
from .change import cmd_change
from .common import EXIT_FAILED, EXIT_USAGE, err, given_today, open_book
from .config import cmd_config
from .copy_book import cmd_copy_book
from .parser import build_parser
from .payments import cmd_pay, cmd_reverse
from .run import cmd_run
from .transfer import cmd_export, cmd_import

__all__ = ["COMMANDS", "build_parser", "main"]

COMMANDS = {
    "import": cmd_import,
    "export": cmd_export,
    "charges": cmd_charges,
    "run": cmd_run,
    "change": cmd_change,
    "pay": cmd_pay,
    "reverse": cmd_reverse,
    "check": cmd_check,
    "runs": cmd_runs,
    "settings": cmd_settings,
    "demo": cmd_demo,
    "roles": cmd_roles,
}
#: Commands that need no book: they run before one is opened, and work where there is none.
#: (copy-book opens its two books itself: a PostgreSQL --db is refused before any connection.)
BOOKLESS = {"config": cmd_config, "init": cmd_init, "copy-book": cmd_copy_book}


def _open_app(book, today, config: Config) -> int:
    # Imported here, not at the top: only this command needs Textual, and cron commands must start fast.
    from tui.app import PackdeskApp

    gc.freeze()  # what is loaded by now lives as long as the app: don't rescan it
    app = PackdeskApp(book, today=today, keymap=config.keymap)
    app.run()
    book.close()
    return app.return_code or 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = load(getattr(args, "db", None))
    except ConfigError as exc:
        err(str(exc))
        return EXIT_USAGE
    if args.command in BOOKLESS:
        return BOOKLESS[args.command](args, config)
    try:
        today = given_today(args)
    except DateError as exc:
        err(f"PACKDESK_TODAY: {exc}")
        return EXIT_USAGE
    book = open_book(args, config)
    if book is None:
        return EXIT_FAILED
    if args.command is None:
        return _open_app(book, today, config)
    try:
        return COMMANDS[args.command](args, book)
    except DATABASE_ERRORS as exc:
        # A book opened read-only refuses writes: say which file is in the way.
        err(f"nothing was written: {book.why_read_only()}" if book.read_only else explain(exc))
        return EXIT_FAILED
    except StoreError as exc:  # a refusal no command caught itself: still a sentence
        err(str(exc))
        return EXIT_FAILED
    finally:
        book.close()
