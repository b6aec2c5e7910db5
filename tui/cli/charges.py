"""`packdesk charges`, and the charge listing it and `run` write: a table,
CSV or JSON, written as the charges come."""

from __future__ import annotations

import csv
import json
from datetime import timedelta
from decimal import Decimal
from typing import Iterable, TextIO

from billing.charges import KINDS, Charge
from billing.labels import ESTIMATE_MARK, field_label
from billing.money import format_money
from billing.projection import add_months
from store.charges import iter_charges
from store.csvio import escape_cell

from .common import EXIT_FAILED, EXIT_USAGE, customer_id, range_reversed, to_stdout, today

CHARGE_COLUMNS = (
    "date",
    "customer",
    "package",
    "allocation",
    "kind",
    "quantity",
    "period_start",
    "period_end",
    "amount",
    "cost",
)


def charge_record(allocation, charge: Charge, precision: int) -> dict:
    return {
        "date": charge.date.isoformat(),
        "customer": allocation.customer,
        "package": allocation.package,
        "allocation": allocation.id,
        "kind": charge.kind,
        "quantity": charge.quantity,
        "period_start": charge.period_start.isoformat(),
        "period_end": charge.period_end.isoformat(),
        "amount": format_money(charge.amount, precision),
        "cost": format_money(charge.cost, precision),
    }


def sort_key(pair):
    allocation, charge = pair
    return (charge.date, allocation.customer.casefold(), allocation.id, KINDS.index(charge.kind))


def _table_header() -> str:
    date, customer, package, amount, cost = map(field_label, ("date", "customer", "package", "amount", "cost"))
    return f"{date:<10} {customer:<18} {package:<20} {'kind':<13} {'qty':>5} {amount:>11} {cost:>11}"


class ChargeWriter:
    """Writes blocks of charges (each sorted by date, customer, allocation,
    kind) so a year of a whole book never has to sit in memory at once."""

    def __init__(self, out: TextIO, fmt: str, settings):
        self.out, self.fmt, self.settings = out, fmt, settings
        self.precision = settings.precision
        self.count = 0
        self.estimates = 0
        self.retail = Decimal(0)
        self.cost = Decimal(0)
        self._csv = None
        if fmt == "json":
            out.write("[")
        elif fmt == "csv":
            self._csv = csv.writer(out, lineterminator="\n")
            self._csv.writerow(CHARGE_COLUMNS)
        else:
            self.header = _table_header()
            out.write(self.header + "\n" + "-" * len(self.header) + "\n")

    def write(self, pairs: Iterable) -> None:
        for allocation, charge in sorted(pairs, key=sort_key):
            record = charge_record(allocation, charge, self.precision)
            self.retail += charge.amount
            self.cost += charge.cost
            if self.fmt == "json":
                self.out.write(("," if self.count else "") + "\n  " + json.dumps(record, ensure_ascii=False))
            elif self.fmt == "csv":
                self._csv.writerow([escape_cell(str(record[c])) for c in CHARGE_COLUMNS])
            else:
                mark = ""
                if charge.basis is not None and getattr(charge.basis, "estimate", False):
                    mark = ESTIMATE_MARK
                    self.estimates += 1
                r = record
                self.out.write(
                    f"{r['date']:<10} {r['customer'][:18]:<18} {r['package'][:20]:<20} {r['kind']:<13} "
                    f"{r['quantity']:>5} {r['amount'] + mark:>11} {r['cost']:>11}\n"
                )
            self.count += 1

    def close(self) -> int:
        if self.fmt == "json":
            self.out.write("\n]\n" if self.count else "]\n")
        elif self.fmt == "table":
            p = self.precision
            self.out.write("-" * len(self.header) + "\n")
            self.out.write(
                f"{self.count} charge(s)   total {self.settings.currency} {format_money(self.retail, p)}   "
                f"cost {format_money(self.cost, p)}   margin {format_money(self.retail - self.cost, p)}\n"
            )
            if self.estimates:
                self.out.write(
                    f"{ESTIMATE_MARK} {self.estimates} minimum-spend true-up(s) of periods not ended yet: estimated "
                    "from usage known so far plus the last 30 days' run rate.\n"
                )
        return self.count


def write_charges(lines: Iterable, out: TextIO, fmt: str, settings) -> int:
    """All of `lines` as one sorted block; the table ends with totals."""
    writer = ChargeWriter(out, fmt, settings)
    writer.write(lines)
    return writer.close()


def cmd_charges(args, book) -> int:
    if range_reversed(args.date_from, args.date_to):
        return EXIT_USAGE
    ok, customer = customer_id(args.customer)
    if not ok:
        return EXIT_FAILED
    as_of = today(args, book)
    precision = book.settings.precision

    def write(out) -> None:
        # A month at a time: a year of a large book is written as it is
        # computed instead of held in memory whole.
        writer = ChargeWriter(out, args.format, book.settings)
        start = args.date_from
        while start <= args.date_to:
            month_end = add_months(start.replace(day=1), 1) - timedelta(days=1)
            stop = min(month_end, args.date_to)
            writer.write(iter_charges(start, stop, precision, customer, as_of))
            start = stop + timedelta(days=1)
        writer.close()

    return to_stdout(write)
