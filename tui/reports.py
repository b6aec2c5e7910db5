"""Charge listings for the command line: table, CSV or JSON."""

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


def write_charges(lines: Iterable, out: TextIO, fmt: str, settings) -> int:
    """Charges sorted by date, customer, package; the table ends with totals."""
    precision = settings.precision
    ordered = sorted(lines, key=lambda pair: (pair[1].date, pair[0].customer.casefold(), pair[0].package.casefold(), pair[0].id, KINDS.index(pair[1].kind)))
    records = [charge_record(a, c, precision) for a, c in ordered]
    if fmt == "json":
        json.dump(records, out, indent=2, ensure_ascii=False)
        out.write("\n")
        return len(records)
    if fmt == "csv":
        from store.transfer import escape_cell

        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CHARGE_COLUMNS)
        for record in records:
            writer.writerow([escape_cell(str(record[c])) for c in CHARGE_COLUMNS])
        return len(records)
    retail = sum((c.amount for _, c in ordered), Decimal(0))
    cost = sum((c.cost for _, c in ordered), Decimal(0))
    header = (
        f"{'date':<10} {'customer':<18} {'package':<20} {'kind':<13} {'qty':>5} {'amount':>11} {'cost':>11}"
    )
    out.write(header + "\n")
    out.write("-" * len(header) + "\n")
    estimates = 0
    for (allocation, charge), r in zip(ordered, records):
        basis = charge.basis
        mark = ""
        if basis is not None and getattr(basis, "estimate", False):
            mark = "*"
            estimates += 1
        out.write(
            f"{r['date']:<10} {r['customer'][:18]:<18} {r['package'][:20]:<20} {r['kind']:<13} "
            f"{r['quantity']:>5} {r['amount'] + mark:>11} {r['cost']:>11}\n"
        )
    out.write("-" * len(header) + "\n")
    margin = retail - cost
    out.write(f"{len(records)} charge(s)   total {settings.currency} {format_money(retail, precision)}   "
              f"cost {format_money(cost, precision)}   margin {format_money(margin, precision)}\n")
    if estimates:
        out.write(f"* {estimates} minimum-spend true-up(s) of periods not ended yet: estimated from usage known "
                  "so far plus the last 30 days' run rate.\n")
    return len(records)
