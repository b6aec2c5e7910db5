"""`packdesk import` and `packdesk export`: CSV in (all or none), CSV or JSON out."""

from __future__ import annotations

import sys

from billing.money import format_price
from store.allocation_transfer import export_allocations, import_allocations
from store.audit import export_audit
from store.calls import export_calls, import_calls
from store.customers import export_customers, import_customers
from store.errors import ImportFailed
from store.ledger import export_ledger
from store.prices import export_prices
from store.transfer import export_packages, import_packages
from store.usage import export_usage, import_usage

from .common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, customer_id, err, range_reversed, to_stdout


#: Problems an import lists before it only counts the rest.
SHOWN = 50


def _import(args) -> None:
    """Import args.file and say what came in; ImportFailed if nothing did."""
    if args.what == "packages":
        result = import_packages(args.file, add_services=args.add_services)
        print(f"{args.file}: {result.added} package(s) added, {result.updated} updated.")
        if result.services_added:
            print(f"Upstream services added: {', '.join(result.services_added)}.")
    elif args.what == "customers":
        added, updated = import_customers(args.file)
        print(f"{args.file}: {added} customer(s) added, {updated} updated.")
    elif args.what == "allocations":
        result = import_allocations(args.file)
        print(f"{args.file}: {result.added} allocation(s) added, {result.updated} updated.")
    elif args.what == "calls":
        result = import_calls(args.file)
        print(
            f"{args.file}: {result.added} call(s) imported ({result.seconds} seconds, {format_price(result.cost)} in all); "
            f"{result.already} already in the book skipped"
            + (f", {result.repeated} repeated in the file skipped." if result.repeated else ".")
        )
        if result.on_posted:
            print(f"{result.on_posted} call(s) fall on days whose usage line is already posted: not billed "
                  "(a posted line never changes).")
    else:
        result = import_usage(args.file, replace=args.replace)
        replaced = f", replacing {result.replaced} record(s) of the earlier import" if result.replaced else ""
        print(f"{args.file}: {result.rows} usage record(s) imported, {result.total:f} in all{replaced}.")


def cmd_import(args, book) -> int:
    try:
        _import(args)
    except ImportFailed as exc:
        err(f"{args.file}: nothing imported; fix these and run again:")
        for problem in exc.problems[:SHOWN]:
            print(f"  {problem}", file=sys.stderr)
        if len(exc.problems) > SHOWN:
            print(f"  ... and {len(exc.problems) - SHOWN:,} more problem(s) ({len(exc.problems):,} in all)", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


#: The exports that take only --format.
WHOLE = {"packages": export_packages, "prices": export_prices, "customers": export_customers, "allocations": export_allocations, "audit": export_audit}


def cmd_export(args, book) -> int:
    if args.what in WHOLE:
        export = WHOLE[args.what]
        return to_stdout(lambda out: export(out, args.format))
    ok, customer = customer_id(args.customer)
    if not ok:
        return EXIT_FAILED
    if range_reversed(args.date_from, args.date_to):
        return EXIT_USAGE
    if args.what == "ledger":
        precision = book.settings.precision
        return to_stdout(lambda out: export_ledger(out, args.format, customer, args.date_from, args.date_to, precision))
    if args.what == "calls":
        return to_stdout(lambda out: export_calls(out, args.format, customer, args.date_from, args.date_to))
    return to_stdout(lambda out: export_usage(out, args.format, customer, args.date_from, args.date_to))
