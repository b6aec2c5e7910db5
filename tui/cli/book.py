"""The book itself: `packdesk settings`, `check`, `runs` and `demo`."""

from __future__ import annotations

import json
import sys

from billing.dates import DateError, parse_date
from billing.money import format_money
from store import chain
from store.book import integrity_problems
from store.demo import load_demo
from store.book import Book
from store.errors import BookError
from store.files import SHARED_FILE_MODE, SHARED_FOLDER_MODE, share
from store.ledger import check_balances
from store.run_log import list_runs
from store.runs import marks_differences, rebuild_marks
from store.usage_marks import first_usage_owed, rebuild_usage_marks
from store.dialect import engine, is_url

from .common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, book_path, err, given_today


def _chains(args) -> list[str]:
    problems = []
    for table, what in (("ledger", "ledger"), ("payment", "payments"), ("usage_line", "usage lines")):
        verdict = chain.verify(table, args.head if table == "ledger" else None)
        if verdict.broken_at is not None:
            problems.append(
                f"the {what} chain breaks at line {verdict.broken_at}: it was changed after it was written "
                f"({verdict.lines} line(s) before it follow)"
            )
        elif verdict.lines == 0:
            print(f"{what.capitalize()}: no line(s) yet.")
        else:
            print(f"{what.capitalize()}: {verdict.lines} line(s), each chained to the one before; head {verdict.head}")
        if verdict.found_head is False:
            problems.append(f"the ledger does not extend head {args.head}: its history was rewritten, or the head is of another book")
        elif verdict.found_head:
            print(f"The ledger extends head {args.head}.")
    return problems


def cmd_check(args, book) -> int:
    what = "SQLite integrity check" if engine() == "sqlite" else "PostgreSQL (the server checks its own pages)"
    problems = [f"{what}: {p}" for p in integrity_problems()]
    if not problems:
        print(f"{what}: ok.")
        problems += _chains(args)
    p = book.settings.precision
    differences = check_balances() if not problems else []
    for cid, name, kept, derived in differences:
        print(f"{name} (#{cid}): balance {format_money(kept, p)} but the ledger gives {format_money(derived, p)}")
    if differences:
        problems.append(f"{len(differences)} balance(s) differ from the ledger")
    elif not problems:
        print("Every balance equals payments and credits less posted auto-decrement charges and prepaid usage lines.")
    today = given_today(args) or book.today()
    if args.rebuild_marks and not problems:
        count = rebuild_marks(today, today, p, book.settings.usage_grace_days)
        print(f"Run marks of {count} allocation(s) worked out again from the ledger.")
        count = rebuild_usage_marks()
        print(f"Usage marks worked out again from the calls and the usage lines: {count} customer(s) with calls not posted.")
    if args.marks and not problems:
        missing = marks_differences(today, today, p, book.settings.usage_grace_days)
        for allocation_id, line in missing[:50]:
            problems.append(f"allocation {allocation_id}: its run marks pass {line}, which a run would post")
        if not missing:
            print(f"Run marks: a run for {today} from the marks posts what one from every allocation's start would.")
    for problem in problems:
        err(problem)
    return EXIT_FAILED if problems else EXIT_OK


def cmd_runs(args, book) -> int:
    runs = list_runs(max(1, args.limit))
    if args.format == "json":
        items = [
            {"run": r.id, "date": r.run_date.isoformat(), "since": r.since.isoformat() if r.since else None,
             "customer": r.customer_id, "started_at": r.started_at, "finished_at": r.finished_at,
             "by": r.posted_by, "lines": r.lines, "host": r.host, "status": r.status}
            for r in runs
        ]
        json.dump(items, sys.stdout, indent=2)
        print()
        return EXIT_OK
    if not runs:
        print("No billing run was committed in this book yet.")
        return EXIT_OK
    print(f"{'run':>5} {'date':<10} {'status':<11} {'lines':>8} {'started':<24} by")
    for r in runs:
        print(f"{r.id:>5} {r.run_date.isoformat():<10} {r.status:<11} {r.lines:>8,} {r.started_at:<24} {r.posted_by}")
    return EXIT_OK


def cmd_settings(args, book) -> int:
    changes: dict = {}
    if args.post_from is not None:
        if args.post_from.strip():
            try:
                changes["post_from"] = parse_date(args.post_from)
            except DateError as exc:
                err(f"--post-from: {exc}")
                return EXIT_USAGE
        else:
            changes["post_from"] = None
    if args.test_clock is not None:
        changes["test_clock"] = args.test_clock == "on"
    if args.usage_grace_days is not None:
        changes["usage_grace_days"] = args.usage_grace_days
    if args.usage_billing is not None:
        changes["usage_billing"] = args.usage_billing == "on"
    wanted = changes or any(v is not None for v in (args.currency, args.precision, args.timezone))
    if wanted and not book.access.may_post and not book.read_only:
        err(f"nothing was changed: the book's settings decide what runs post, and {book.access.why_not_post().split(': ', 1)[1]}")
        return EXIT_FAILED
    try:
        settings = book.update_settings(args.currency, args.precision, args.timezone, **changes)
    except BookError as exc:
        err(f"{exc}; nothing was changed")
        return EXIT_FAILED
    print(f"book:      {book.path}")
    print(f"currency:  {settings.currency}")
    print(f"precision: {settings.precision}")
    print(f"timezone:  {settings.timezone}")
    print(f"post from: {settings.post_from or 'each allocation start'}")
    print(f"usage grace days: {settings.usage_grace_days}")
    print(f"usage billing: {'on (calls are billed as usage)' if settings.usage_billing else 'off'}")
    if settings.usage_billing and changes.get("usage_billing"):
        first = first_usage_owed()
        if first is not None:
            print(f"  the next run bills calls from {max(first, settings.post_from or first)} on "
                  "(the first day not billed yet); --post-from DATE bills only from a date")
    print(f"test clock: {'on (runs may post up to --today)' if settings.test_clock else 'off'}")
    return EXIT_OK


def cmd_init(args, config) -> int:
    """Create the book (private, or shared by --group); on an existing book
    --group repairs its group and modes first (a book a member locked the
    others out of still opens after), then says what changed."""
    path, _source = book_path(config)
    group = args.group
    if group and is_url(path):
        err("--group shares a book file; a PostgreSQL book's access is given by its database roles")
        return EXIT_USAGE
    existed = not is_url(path) and path.exists()
    try:
        changes = share(path, group) if group and existed else []
        book = Book.open(path, create=True, group=group)
    except BookError as exc:
        err(str(exc))
        return EXIT_FAILED
    try:
        for change in changes:
            print(f"changed {change}")
        if group:
            print(f"The book {book.path} is shared by group {group}: every member can open, edit and run it "
                  f"(book and side files {SHARED_FILE_MODE:04o}, folder {SHARED_FOLDER_MODE:04o})."
                  + (" Nothing needed changing." if existed and not changes else ""))
        print(f"The book {book.path} is ready (currency {book.settings.currency}, precision {book.settings.precision}).")
    finally:
        book.close()
    return EXIT_OK


def cmd_demo(args, book) -> int:
    added = load_demo()
    print(f"{added} demo package(s) added to {book.path}.")
    return EXIT_OK


def cmd_roles(args, book) -> int:
    """`packdesk roles`: make the three groups and their grants (PostgreSQL);
    with --grant USER GROUP, make USER a member of that group."""
    from store import roles

    try:
        if args.grant:
            user, short = args.grant
            for line in roles.grant(user, short):
                print(line)
            return EXIT_OK
        for line in roles.setup():
            print(line)
        found = roles.members()
    except roles.RolesError as exc:
        err(str(exc))
        return EXIT_FAILED
    print(f"Grants are set on {book.path}:")
    for short, group in roles.GROUPS.items():
        people = ", ".join(found[group]) or "no members yet"
        print(f"  {group:<17} {roles.DOES[group]}")
        print(f"  {'':<17} members: {people}")
    print("Posted lines, payments and the audit log are append-only for all of them; only the owner holds more.")
    print("Add a person: packdesk roles --grant NAME viewer|clerk|billing")
    return EXIT_OK
