"""The packdesk command: opens the app, or imports and exports from the shell."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date, timedelta

from billing.dates import DateError, parse_date

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _today_arg(text: str) -> date:
    try:
        return parse_date(text)
    except DateError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="the book (SQLite file); default $PACKDESK_DB, else book.db in your data directory",
    )
    common.add_argument(
        "--today",
        metavar="YYYY-MM-DD",
        type=_today_arg,
        default=argparse.SUPPRESS,
        help="fix 'today' for projections (default $PACKDESK_TODAY, else the date in the book's time zone)",
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    parser = argparse.ArgumentParser(
        prog="packdesk",
        description="Package catalogue and recurring billing for telecom and VoIP operators. "
        "With no command, opens the app.",
        parents=[common],
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    imp = commands.add_parser("import", parents=[common], help="import rows from a CSV file (all or none)")
    imp_what = imp.add_subparsers(dest="what", metavar="WHAT", required=True)
    imp_pk = imp_what.add_parser("packages", parents=[common], help="packages; a name that exists is updated")
    imp_pk.add_argument("file", metavar="FILE.csv")
    imp_pk.add_argument("--add-services", action="store_true", help="add upstream services the book doesn't know yet")

    imp_cu = imp_what.add_parser("customers", parents=[common], help="customers; a name that exists is updated")
    imp_cu.add_argument("file", metavar="FILE.csv")
    imp_al = imp_what.add_parser("allocations", parents=[common], help="allocations; customer and package by name")
    imp_al.add_argument("file", metavar="FILE.csv")
    imp_us = imp_what.add_parser("usage", parents=[common], help="usage records (customer,date,amount[,source])")
    imp_us.add_argument("file", metavar="FILE.csv")
    imp_us.add_argument("--replace", action="store_true", help="replace what an earlier import of this file brought")

    exp = commands.add_parser("export", parents=[common], help="write rows to standard output")
    exp_what = exp.add_subparsers(dest="what", metavar="WHAT", required=True)
    for what, text in (
        ("packages", "every package, in the import's columns"),
        ("customers", "every customer, in the import's columns"),
        ("allocations", "every allocation, in the import's columns"),
    ):
        sub = exp_what.add_parser(what, parents=[common], help=text)
        sub.add_argument("--format", choices=("csv", "json"), default="csv")
    exp_le = exp_what.add_parser("ledger", parents=[common], help="posted charges, oldest first")
    exp_le.add_argument("--format", choices=("csv", "json"), default="csv")
    exp_le.add_argument("--customer", metavar="NAME", help="only this customer's lines")
    exp_le.add_argument("--from", dest="date_from", metavar="DATE", type=_today_arg, help="dated on or after")
    exp_le.add_argument("--to", dest="date_to", metavar="DATE", type=_today_arg, help="dated on or before")
    exp_au = exp_what.add_parser("audit", parents=[common], help="the audit log: who changed what, when")
    exp_au.add_argument("--format", choices=("csv", "json"), default="csv")
    exp_us = exp_what.add_parser("usage", parents=[common], help="usage records, oldest first")
    exp_us.add_argument("--format", choices=("csv", "json"), default="csv")
    exp_us.add_argument("--customer", metavar="NAME", help="only this customer's usage")
    exp_us.add_argument("--from", dest="date_from", metavar="DATE", type=_today_arg, help="dated on or after")
    exp_us.add_argument("--to", dest="date_to", metavar="DATE", type=_today_arg, help="dated on or before")

    charges = commands.add_parser(
        "charges", parents=[common], help="every charge dated in a range, computed from the book (writes nothing)"
    )
    charges.add_argument("--from", dest="date_from", metavar="DATE", required=True, type=_today_arg)
    charges.add_argument("--to", dest="date_to", metavar="DATE", required=True, type=_today_arg)
    charges.add_argument("--customer", metavar="NAME", help="only this customer's charges")
    charges.add_argument("--format", choices=("table", "csv", "json"), default="table")

    run = commands.add_parser("run", parents=[common], help="the billing run: show, or with --commit post, every unposted charge up to a date")
    run.add_argument("--date", dest="run_date", metavar="DATE", required=True, type=_today_arg)
    run.add_argument("--customer", metavar="NAME", help="only this customer")
    run.add_argument("--since", metavar="DATE", type=_today_arg, help="skip (never post) charges dated before this")
    run.add_argument("--commit", action="store_true", help="post the charges (without it, nothing is written)")
    run.add_argument("--format", choices=("table", "csv", "json"), default="table")

    pay = commands.add_parser("pay", parents=[common], help="record a payment or credit for a customer")
    pay.add_argument("--customer", metavar="NAME", required=True)
    pay.add_argument("--amount", metavar="AMOUNT", required=True)
    pay.add_argument("--date", dest="pay_date", metavar="DATE", type=_today_arg, help="default today")
    pay.add_argument("--kind", choices=("payment", "credit"), default="payment")
    pay.add_argument("--description", default="")
    pay.add_argument("--reference", default="")

    rev = commands.add_parser("reverse", parents=[common], help="reverse a payment or credit with a reversing line")
    rev.add_argument("payment", metavar="PAYMENT_ID", type=int)
    rev.add_argument("--date", dest="pay_date", metavar="DATE", type=_today_arg, help="default today")
    rev.add_argument("--description", default="")

    commands.add_parser("check", parents=[common], help="recompute every balance from the ledger and report differences")

    settings = commands.add_parser("settings", parents=[common], help="show or change the book's settings")
    settings.add_argument("--post-from", metavar="DATE", help="post charges from this date on (empty: from each start)")
    settings.add_argument("--currency", metavar="CODE", help="three-letter currency code, e.g. GBP")
    settings.add_argument("--precision", metavar="N", type=int, help="decimal places of a posted amount (0-6)")
    settings.add_argument("--timezone", metavar="TZ", help="time zone name, e.g. Europe/London")

    commands.add_parser("demo", parents=[common], help="load demo packages into the book")
    return parser


def _err(message: str) -> None:
    print(f"packdesk: {message}", file=sys.stderr)


#: Commands that may start a new book; the others need one that exists, so a
#: mistyped --db in a cron job fails loudly instead of billing an empty book.
CREATES_BOOK = {None, "import", "demo", "settings"}


def _open_book(args):
    from store.book import Book, BookError, resolve_book_path

    path = resolve_book_path(getattr(args, "db", None))
    if args.command not in CREATES_BOOK and not path.exists():
        _err(f"there is no book at {path} (check --db or PACKDESK_DB; `packdesk --db {path}` creates one)")
        return None
    try:
        return Book.open(path)
    except BookError as exc:
        _err(str(exc))
        return None


def _env_today() -> date | None:
    value = os.environ.get("PACKDESK_TODAY")
    return parse_date(value) if value else None


def _resolve_today(args) -> date | None:
    if getattr(args, "today", None):
        return args.today
    env = os.environ.get("PACKDESK_TODAY")
    if env:
        return parse_date(env)
    return None


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        today = _resolve_today(args)
    except DateError as exc:
        _err(f"PACKDESK_TODAY: {exc}")
        return EXIT_USAGE
    if args.command is None:
        book = _open_book(args)
        if book is None:
            return EXIT_FAILED
        import gc

        from tui.app import PackdeskApp

        gc.freeze()  # what is loaded by now lives as long as the app: don't rescan it
        app = PackdeskApp(book, today=today)
        app.run()
        book.close()
        return app.return_code or 0
    book = _open_book(args)
    if book is None:
        return EXIT_FAILED
    try:
        return COMMANDS[args.command](args, book)
    finally:
        book.close()


def cmd_import(args, book) -> int:
    from store.transfer import ImportFailed, import_packages

    try:
        if args.what == "packages":
            result = import_packages(args.file, add_services=args.add_services)
            print(f"{args.file}: {result.added} package(s) added, {result.updated} updated.")
            if result.services_added:
                print(f"Upstream services added: {', '.join(result.services_added)}.")
        elif args.what == "customers":
            from store.customers import import_customers

            added, updated = import_customers(args.file)
            print(f"{args.file}: {added} customer(s) added, {updated} updated.")
        elif args.what == "allocations":
            from store.allocations import import_allocations

            added = import_allocations(args.file)
            print(f"{args.file}: {added} allocation(s) added.")
        else:
            from store.usage import import_usage

            result = import_usage(args.file, replace=args.replace)
            replaced = f", replacing {result.replaced} record(s) of the earlier import" if result.replaced else ""
            print(f"{args.file}: {result.rows} usage record(s) imported, {result.total:f} in all{replaced}.")
    except ImportFailed as exc:
        _err(f"{args.file}: nothing imported; fix these and run again:")
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _to_stdout(write) -> int:
    try:
        write(sys.stdout)
        sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return EXIT_OK


def _customer_id(name: str | None):
    """(ok, id or None) for a --customer NAME."""
    if not name:
        return True, None
    from store.customers import find_customer

    customer = find_customer(name)
    if customer is None:
        _err(f"--customer: '{name}' is not a customer of this book")
        return False, None
    return True, customer.id


def cmd_export(args, book) -> int:
    if args.what == "ledger":
        from store.ledger import export_ledger

        ok, customer_id = _customer_id(args.customer)
        if not ok:
            return EXIT_FAILED
        if args.date_from and args.date_to and args.date_to < args.date_from:
            _err(f"--to {args.date_to} is before --from {args.date_from}")
            return EXIT_USAGE
        return _to_stdout(lambda out: export_ledger(out, args.format, customer_id, args.date_from, args.date_to, book.settings.precision))
    if args.what == "audit":
        from store.audit import export_audit

        return _to_stdout(lambda out: export_audit(out, args.format))
    if args.what == "usage":
        from store.customers import find_customer
        from store.usage import export_usage

        customer_id = None
        if args.customer:
            customer = find_customer(args.customer)
            if customer is None:
                _err(f"--customer: '{args.customer}' is not a customer of this book")
                return EXIT_FAILED
            customer_id = customer.id
        if args.date_from and args.date_to and args.date_to < args.date_from:
            _err(f"--to {args.date_to} is before --from {args.date_from}")
            return EXIT_USAGE
        return _to_stdout(lambda out: export_usage(out, args.format, customer_id, args.date_from, args.date_to))
    if args.what == "packages":
        from store.transfer import export_packages as export
    elif args.what == "customers":
        from store.customers import export_customers as export
    else:
        from store.allocations import export_allocations as export
    return _to_stdout(lambda out: export(out, args.format))


def cmd_charges(args, book) -> int:
    from store.allocations import iter_charges
    from store.customers import find_customer

    from .reports import ChargeWriter

    if args.date_to < args.date_from:
        _err(f"--to {args.date_to} is before --from {args.date_from}")
        return EXIT_USAGE
    customer_id = None
    if args.customer:
        customer = find_customer(args.customer)
        if customer is None:
            _err(f"--customer: '{args.customer}' is not a customer of this book")
            return EXIT_FAILED
        customer_id = customer.id
    today = getattr(args, "today", None) or _env_today() or book.today()
    precision = book.settings.precision

    def write(out) -> None:
        # A month at a time: a year of a large book is written as it is
        # computed instead of held in memory whole.
        from billing.projection import add_months

        writer = ChargeWriter(out, args.format, book.settings)
        start = args.date_from
        while start <= args.date_to:
            month_end = add_months(start.replace(day=1), 1) - timedelta(days=1)
            stop = min(month_end, args.date_to)
            writer.write(iter_charges(start, stop, precision, customer_id, today))
            start = stop + timedelta(days=1)
        writer.close()

    return _to_stdout(write)


def _today(args, book) -> date:
    return getattr(args, "today", None) or _env_today() or book.today()


def cmd_run(args, book) -> int:
    from store.ledger import RunRefused, commit_run, plan_run

    from .reports import write_charges

    ok, customer_id = _customer_id(args.customer)
    if not ok:
        return EXIT_FAILED
    today = _today(args, book)
    if args.commit and args.run_date > today:
        _err(f"--date {args.run_date} is after today ({today}): a run can post only charges that are due; "
             "without --commit it shows what would be posted")
        return EXIT_USAGE
    precision = book.settings.precision
    plan = plan_run(args.run_date, today, precision, customer_id, args.since)
    if plan.skipped_count:
        print(
            f"{plan.skipped_count} charge(s) dated before {plan.since} skipped (never posted: before "
            f"{'--since' if args.since and plan.since == args.since else 'the book' + chr(39) + 's post-from date'}).",
            file=sys.stderr,
        )
    if not args.commit:
        if args.format == "table":
            print(f"Simulation for {args.run_date}: nothing is written. These {len(plan.lines)} charge(s) would be posted:")
        return _to_stdout(lambda out: write_charges(plan.lines, out, args.format, book.settings))
    try:
        result = commit_run(plan, today, customer_id)
    except RunRefused as exc:
        _err(str(exc))
        return EXIT_USAGE
    if args.format == "table":
        if result.posted == 0:
            print(f"Nothing to post for {args.run_date}: every charge up to that date is already posted.")
        else:
            print(f"Run {result.run_id} posted {result.posted} charge(s) for {args.run_date}:")
    code = _to_stdout(lambda out: write_charges(result.posted_lines, out, args.format, book.settings))
    if result.already:
        print(f"{result.already} charge(s) were posted by another run meanwhile and were left alone.", file=sys.stderr)
    return code


def cmd_pay(args, book) -> int:
    from billing.money import MoneyError, format_money, parse_amount
    from store.ledger import record_payment

    ok, customer_id = _customer_id(args.customer)
    if not ok:
        return EXIT_FAILED
    try:
        amount = parse_amount(args.amount)
    except MoneyError as exc:
        _err(f"--amount: {exc}")
        return EXIT_USAGE
    if amount <= 0:
        _err("--amount: must be more than 0")
        return EXIT_USAGE
    row = record_payment(customer_id, args.pay_date or _today(args, book), amount, args.kind, args.description, args.reference)
    from store.customers import get_customer

    balance = get_customer(customer_id).balance
    print(f"Recorded {row.kind} {row.id}: {format_money(row.amount, book.settings.precision)} on {row.date}. "
          f"Balance {format_money(balance, book.settings.precision)} {book.settings.currency}.")
    return EXIT_OK


def cmd_reverse(args, book) -> int:
    from billing.money import format_money
    from store.ledger import reverse_payment
    from store.packages import StoreError

    try:
        row = reverse_payment(args.payment, args.pay_date or _today(args, book), args.description)
    except StoreError as exc:
        _err(str(exc))
        return EXIT_FAILED
    print(f"Recorded reversal {row.id} of {row.reverses_id}: -{format_money(row.amount, book.settings.precision)} on {row.date}.")
    return EXIT_OK


def cmd_check(args, book) -> int:
    from billing.money import format_money
    from store.ledger import check_balances

    differences = check_balances()
    if not differences:
        print("Every balance equals payments and credits less posted auto-decrement charges.")
        return EXIT_OK
    for cid, name, kept, derived in differences:
        p = book.settings.precision
        print(f"{name} (#{cid}): balance {format_money(kept, p)} but the ledger gives {format_money(derived, p)}")
    _err(f"{len(differences)} balance(s) differ from the ledger")
    return EXIT_FAILED


def cmd_settings(args, book) -> int:
    from store.book import BookError

    try:
        settings = book.update_settings(args.currency, args.precision, args.timezone)
    except BookError as exc:
        _err(str(exc))
        return EXIT_FAILED
    from store.ledger import post_from, set_post_from

    if args.post_from is not None:
        if args.post_from.strip():
            try:
                set_post_from(parse_date(args.post_from))
            except DateError as exc:
                _err(f"--post-from: {exc}")
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
    from store.demo import load_demo

    added = load_demo()
    print(f"{added} demo package(s) added to {book.path}.")
    return EXIT_OK


COMMANDS = {
    "import": cmd_import,
    "export": cmd_export,
    "charges": cmd_charges,
    "run": cmd_run,
    "pay": cmd_pay,
    "reverse": cmd_reverse,
    "check": cmd_check,
    "settings": cmd_settings,
    "demo": cmd_demo,
}


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
