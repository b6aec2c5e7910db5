"""`packdesk charges`: every charge of a date range, in run order, as a
table, CSV or JSON (charge_lines), a year at a time, on every core for a
whole large book (charges_parallel). While usage billing is on, the usage
lines too: days before today as a run posts them, the days to come
estimated at the run rate (store.call_spend)."""

from __future__ import annotations

from datetime import timedelta

from billing.projection import add_months
from store.call_spend import with_usage
from store.charges import charges_by_customer

from .charge_lines import ChargeWriter, write_window
from .. import shares as sharing
from .charges_parallel import write_window_shared
from .common import EXIT_FAILED, EXIT_USAGE, customer_id, range_reversed, to_stdout, today


def cmd_charges(args, book) -> int:
    if range_reversed(args.date_from, args.date_to):
        return EXIT_USAGE
    ok, customer = customer_id(args.customer)
    if not ok:
        return EXIT_FAILED
    as_of = today(args, book)
    precision = book.settings.precision

    shares = 1 if customer is not None else sharing.share_count()

    def write(out) -> None:
        writer = ChargeWriter(out, args.format, book.settings)
        start = args.date_from
        while start <= args.date_to:
            stop = min(add_months(start, 12) - timedelta(days=1), args.date_to)  # one spill file a date: at most 366 open
            if shares > 1:
                write_window_shared(writer, book.path, start, stop, as_of, shares)
            else:
                groups = charges_by_customer(start, stop, precision, customer, as_of)
                write_window(writer, with_usage(groups, start, stop, precision, as_of, customer), start)
            start = stop + timedelta(days=1)
        writer.close()

    return to_stdout(write)
