"""Charge listings for the command line: table, CSV or JSON, written as they come."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from typing import Iterable, TextIO

from billing.charges import KINDS, Charge
from billing.money import format_money

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
            self.header = f"{'date':<10} {'customer':<18} {'package':<20} {'kind':<13} {'qty':>5} {'amount':>11} {'cost':>11}"
            out.write(self.header + "\n" + "-" * len(self.header) + "\n")

    def write(self, pairs: Iterable) -> None:
        from store.transfer import escape_cell

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
                    mark = "*"
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
                    f"* {self.estimates} minimum-spend true-up(s) of periods not ended yet: estimated from usage "
                    "known so far plus the last 30 days' run rate.\n"
                )
        return self.count


def write_charges(lines: Iterable, out: TextIO, fmt: str, settings) -> int:
    """All of `lines` as one sorted block; the table ends with totals."""
    writer = ChargeWriter(out, fmt, settings)
    writer.write(lines)
    return writer.close()
