"""The book itself: `packdesk settings`, `check` and `demo`."""

from __future__ import annotations

from billing.dates import DateError, parse_date
from billing.money import format_money
from store.demo import load_demo
from store.errors import BookError
from store.ledger import check_balances
from store.runs import post_from, set_post_from

from .common import EXIT_FAILED, EXIT_OK, err


def cmd_check(args, book) -> int:
    differences = check_balances()
    if not differences:
        print("Every balance equals payments and credits less posted auto-decrement charges.")
        return EXIT_OK
    p = book.settings.precision
    for cid, name, kept, derived in differences:
        print(f"{name} (#{cid}): balance {format_money(kept, p)} but the ledger gives {format_money(derived, p)}")
    err(f"{len(differences)} balance(s) differ from the ledger")
    return EXIT_FAILED


def cmd_settings(args, book) -> int:
    try:
        settings = book.update_settings(args.currency, args.precision, args.timezone)
    except BookError as exc:
        err(str(exc))
        return EXIT_FAILED
    if args.post_from is not None:
        if args.post_from.strip():
            try:
                set_post_from(parse_date(args.post_from))
            except DateError as exc:
                err(f"--post-from: {exc}")
                return EXIT_FAILED
        else:
            set_post_from(None)
    print(f"book:      {book.path}")
    print(f"currency:  {settings.currency}")
    print(f"precision: {settings.precision}")
    print(f"timezone:  {settings.timezone}")
    print(f"post from: {post_from() or 'each allocation start'}")
    return EXIT_OK


def cmd_demo(args, book) -> int:
    added = load_demo()
    print(f"{added} demo package(s) added to {book.path}.")
    return EXIT_OK
