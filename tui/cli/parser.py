"""The packdesk command line's arguments: every command, option and help text."""

from __future__ import annotations

import argparse

from billing.dates import DateError, parse_date


def date_arg(text: str):
    try:
        return parse_date(text)
    except DateError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def run_date_arg(text: str):
    """A run's date: YYYY-MM-DD, or `today` (the book's today, in its time
    zone: what a daily cron line wants)."""
    if text.strip().lower() == "today":
        return "today"
    return date_arg(text)


def record_id(text: str) -> int:
    """A record number as the book numbers them (1 .. 2^63 - 1)."""
    value = text.strip()
    if not (value.isascii() and value.isdigit()) or not 0 < int(value) < 2**63:
        raise argparse.ArgumentTypeError(f"'{text}' is not a record number (a whole number from 1)")
    return int(value)


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="the book (SQLite file, or postgresql://user@host:port/dbname); default $PACKDESK_DB, else db in packdesk.toml, else book.db in your data directory",
    )
    common.add_argument(
        "--today",
        metavar="YYYY-MM-DD",
        type=date_arg,
        default=argparse.SUPPRESS,
        help="fix 'today' for projections (default $PACKDESK_TODAY, else the date in the book's time zone)",
    )
    return common


def _format(parser, *choices: str) -> None:
    parser.add_argument("--format", choices=choices, default=choices[0])


def _customer(parser, help: str | None = None, required: bool = False) -> None:
    parser.add_argument("--customer", metavar="NAME", required=required, help=help)


def _range(parser, required: bool = False) -> None:
    """--from and --to: with help when optional (a filter), bare when required."""
    helps = (None, None) if required else ("dated on or after", "dated on or before")
    parser.add_argument("--from", dest="date_from", metavar="DATE", required=required, type=date_arg, help=helps[0])
    parser.add_argument("--to", dest="date_to", metavar="DATE", required=required, type=date_arg, help=helps[1])


def _day(parser, dest: str, help: str | None = "default today", required: bool = False) -> None:
    parser.add_argument("--date", dest=dest, metavar="DATE", required=required, type=date_arg, help=help)


def _imports(commands, common) -> None:
    imp = commands.add_parser("import", parents=[common], help="import rows from a CSV file (all or none)")
    what = imp.add_subparsers(dest="what", metavar="WHAT", required=True)
    for name, text in (
        ("packages", "packages; a name that exists is updated"),
        ("customers", "customers; a name that exists is updated"),
        ("allocations", "allocations; customer and package by name"),
        ("usage", "usage records (customer,date,amount[,source])"),
        ("calls", "calls (call_id,customer,start,destination,seconds,cost); a call already in the book is skipped"),
    ):
        sub = what.add_parser(name, parents=[common], help=text)
        sub.add_argument("file", metavar="FILE.csv")
        if name == "packages":
            sub.add_argument("--add-services", action="store_true", help="add upstream services the book doesn't know yet")
        elif name == "usage":
            sub.add_argument("--replace", action="store_true", help="replace what an earlier import of this file brought")


def _exports(commands, common) -> None:
    exp = commands.add_parser("export", parents=[common], help="write rows to standard output")
    what = exp.add_subparsers(dest="what", metavar="WHAT", required=True)
    for name, text, whose in (
        ("packages", "every package, in the import's columns", None),
        ("prices", "every price version: name,effective_from,retail,cost,setup_retail,setup_cost", None),
        ("customers", "every customer, in the import's columns", None),
        ("allocations", "every allocation, in the import's columns", None),
        ("ledger", "posted charges, oldest first", "only this customer's lines"),
        ("audit", "the audit log: who changed what, when", None),
        ("usage", "usage records, oldest first", "only this customer's usage"),
        ("calls", "calls in start order, in the import's columns", "only this customer's calls"),
    ):
        sub = what.add_parser(name, parents=[common], help=text)
        _format(sub, "csv", "json")
        if whose:
            _customer(sub, whose)
            _range(sub)


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    parser = argparse.ArgumentParser(
        prog="packdesk",
        description="Package catalogue and recurring billing for telecom and VoIP operators. "
        "With no command, opens the app.",
        parents=[common],
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    _imports(commands, common)
    _exports(commands, common)

    charges = commands.add_parser(
        "charges", parents=[common], help="every charge dated in a range, computed from the book (writes nothing)"
    )
    _range(charges, required=True)
    _customer(charges, "only this customer's charges")
    _format(charges, "table", "csv", "json")

    run = commands.add_parser("run", parents=[common], help="the billing run: show, or with --commit post, every unposted charge up to a date")
    run.add_argument("--date", dest="run_date", metavar="DATE", required=True, type=run_date_arg,
                     help="YYYY-MM-DD, or today (the book's today, in its time zone: for cron)")
    _customer(run, "only this customer")
    run.add_argument("--since", metavar="DATE", type=date_arg, help="skip (never post) charges dated before this")
    run.add_argument("--commit", action="store_true", help="post the charges (without it, nothing is written)")
    _format(run, "table", "csv", "json")

    change = commands.add_parser(
        "change", parents=[common], help="change an allocation from a date: a new quantity and/or package",
        description="Change an allocation from a date (an upgrade, a downgrade, a move to another package): it ends "
        "the day before, and a successor starts on the date with the new quantity and/or package, its other fields "
        "as they were. The successor keeps the chain's charge dates and first start (minimum days count from it); "
        "the same package charges no second setup, another package charges its own; with proration both sides of "
        "the date are prorated. Refused, writing nothing, for a date on or before the start, after the end, or on "
        "or before a posted charge of it (the message names the first date that can be given).",
    )
    _customer(change, "the customer the allocation belongs to", required=True)
    change.add_argument("--allocation", metavar="ID", required=True, type=record_id, help="the allocation's number")
    change.add_argument("--from", dest="change_from", metavar="DATE", required=True, type=date_arg, help="the first day of the new terms")
    change.add_argument("--quantity", metavar="N", help="the new quantity")
    change.add_argument("--package", metavar="NAME", help="the package to move to")

    pay = commands.add_parser("pay", parents=[common], help="record a payment or credit for a customer")
    _customer(pay, required=True)
    pay.add_argument("--amount", metavar="AMOUNT", required=True)
    _day(pay, "pay_date")
    pay.add_argument("--kind", choices=("payment", "credit"), default="payment")
    pay.add_argument("--description", default="")
    pay.add_argument("--reference", default="")

    rev = commands.add_parser("reverse", parents=[common], help="reverse a payment or credit with a reversing line")
    rev.add_argument("payment", metavar="PAYMENT_ID", type=record_id)
    _day(rev, "pay_date")
    rev.add_argument("--description", default="")

    check = commands.add_parser(
        "check",
        parents=[common],
        help="check the book: SQLite's integrity check (on an SQLite book), the ledger's, payments' and usage lines' hash chains, every balance",
    )
    check.add_argument("--head", metavar="HASH", help="also prove the ledger still extends this head (printed by a committed run)")
    check.add_argument("--marks", action="store_true", help="also compare each allocation's run marks with its whole history (slow on a large book)")
    check.add_argument("--rebuild-marks", action="store_true", help="work every allocation's run marks (and every customer's usage mark) out again from the ledger")

    runs = commands.add_parser("runs", parents=[common], help="the latest billing runs: finished, interrupted or running")
    runs.add_argument("--limit", metavar="N", type=int, default=20, help="how many (default 20)")
    _format(runs, "table", "json")

    settings = commands.add_parser("settings", parents=[common], help="show or change the book's settings")
    settings.add_argument("--post-from", metavar="DATE", help="post charges from this date on (empty: from each start)")
    settings.add_argument("--currency", metavar="CODE", help="three-letter currency code, e.g. GBP")
    settings.add_argument("--precision", metavar="N", type=int, help="decimal places of a posted amount (0-6)")
    settings.add_argument("--timezone", metavar="TZ", help="time zone name, e.g. Europe/London")
    settings.add_argument(
        "--test-clock",
        choices=("on", "off"),
        help="on: runs may post up to --today / PACKDESK_TODAY (sandboxes, tests); off: never past the real date",
    )
    settings.add_argument("--usage-grace-days", metavar="N", type=int, help="days a true-up waits for late usage (0-31)")
    settings.add_argument(
        "--usage-billing", choices=("on", "off"),
        help="on: customers' calls are billed as usage (free-minutes bundles taken off first); off (the default): calls are kept, not billed",
    )

    config = commands.add_parser(
        "config", parents=[common], help="each setting of the configuration files, its value and where it came from (opens no book)"
    )
    config.add_argument("--keys", action="store_true", help="list every binding id a [keymap] can remap, with its keys")

    commands.add_parser("demo", parents=[common], help="load demo packages into the book")
    roles = commands.add_parser(
        "roles", parents=[common],
        help="PostgreSQL books: make the groups packdesk_viewer, packdesk_clerk and packdesk_billing and their grants",
        description="Make (or set again) the three group roles of a PostgreSQL book and their grants: packdesk_viewer reads, "
        "packdesk_clerk also keeps the catalogue, customers, allocations, usage and payments, packdesk_billing also posts "
        "runs and changes settings. Run it as the book's owner, and again after an upgrade.",
    )
    roles.add_argument("--grant", nargs=2, metavar=("NAME", "GROUP"), help="make login role NAME (made if missing) a member of viewer, clerk or billing")
    copy_book = commands.add_parser(
        "copy-book", parents=[common],
        help="copy the SQLite book (--db) into an empty PostgreSQL database, then prove the copy",
        description="Copy the SQLite book of --db into an empty PostgreSQL database, in one transaction: the schema "
        "as init makes it, then every table's rows and ids as stored (the ledger's hash chain too). Then prove it: "
        "each table's rows counted on both, check run on the copy, and charges for the next 12 months worked out "
        "from both and compared. A database that is not empty is refused; any difference exits 1.",
    )
    copy_book.add_argument("--to", metavar="URL", required=True, help="the empty PostgreSQL database: postgresql://user@host:port/dbname")
    init = commands.add_parser(
        "init", parents=[common],
        help="create a new, empty book (only this and the app create one); with --group, shared by that group's members",
        description="Create a new, empty book. Without --group it is private (0600, its folder 0700 if made). With --group "
        "GROUP it is shared: the book 0660 and the group's, its folder (made if missing) setgid, 2770 and the group's, "
        "so every member can open it and the side files SQLite makes stay usable by all. On an existing book, "
        "--group repairs the group and modes of the book, its -wal and -shm and its folder, and says what changed.",
    )
    init.add_argument("--group", metavar="GROUP", help="share the book with the members of this operating-system group")
    return parser
