"""Calls and free-minutes bundles for the tests of usage lines: a bundle
package, a calls file, and the usage lines a book holds, read back with plain
SQL (tests/helpers/raw.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from billing.accounts import AllocationDraft
from billing.catalogue import PackageDraft
from billing.money import from_micros
from billing.schedule import Frequency
from store.allocations import create_allocation
from store.calls import import_calls
from store.packages import PackageRow, create_package

from .cli import write
from .raw import query

HEADER = "call_id,customer,start,destination,seconds,cost\n"
JAN_1 = date(2026, 1, 1)


def bundle_package(name: str = "UK 100", minutes: int = 100, destinations: tuple[str, ...] = ("44",), retail: str = "0") -> PackageRow:
    """A free-minutes package: `minutes` a month (on the 1st) to the prefixes given."""
    return create_package(
        PackageDraft(name, Decimal(retail), frequency=Frequency.MONTHLY, match=(1,), type="free_minutes",
                     destinations=destinations, free_minutes=minutes)
    )


def give(customer, package, start: date = JAN_1, quantity: int = 1, auto: bool = False):
    return create_allocation(customer.id, package.id, AllocationDraft(quantity, start, None, auto, False, ""))


def calls_file(folder: Path, rows: list[tuple], name: str = "calls.csv") -> Path:
    """A calls file of (call_id, customer, start, destination, minutes or 'Ns', cost) rows."""
    lines = []
    for call_id, who, start, destination, length, cost in rows:
        seconds = int(length[:-1]) if isinstance(length, str) and length.endswith("s") else int(length) * 60
        lines.append(f"{call_id},{who},{start},{destination},{seconds},{cost}\n")
    return write(Path(folder) / name, HEADER + "".join(lines))


def add_calls(folder: Path, rows: list[tuple], name: str = "calls.csv"):
    """Import the calls (in the open book); the import's result."""
    return import_calls(calls_file(folder, rows, name))


#: The product's worked example: a 100-minute ^44 monthly bundle; on 5
#: January calls of 50 min (1.00), 60 min (1.20: 50 covered, 0.20 charged),
#: a US call (0.30), a 1-minute UK call once the bundle is empty (0.02): the
#: day's usage line 0.52. On 2 February a UK call is free again.
def worked_calls(who: str) -> list[tuple]:
    return [
        ("w1", who, "2026-01-05 09:00:00", "447700900001", 50, "1.00"),
        ("w2", who, "2026-01-05 10:00:00", "447700900002", 60, "1.20"),
        ("w3", who, "2026-01-05 11:00:00", "12125550100", 15, "0.30"),
        ("w4", who, "2026-01-05 12:00:00", "447700900003", 1, "0.02"),
        ("w5", who, "2026-02-02 09:00:00", "447700900004", 10, "0.20"),
    ]


def usage_lines(book) -> list[tuple]:
    """(customer id, date, amount, calls, seconds, free seconds, auto decrement) of every usage line, in id order."""
    return [
        (cid, str(day), from_micros(amount), calls, seconds, free, auto)
        for cid, day, amount, calls, seconds, free, auto in query(
            book, "SELECT customer_id, date, amount, calls, seconds, free_seconds, auto_decrement FROM usage_line ORDER BY id"
        )
    ]


def usage_mark(book, customer_id: int) -> tuple[str | None, int]:
    """(usage_from, usage_seq) of a customer, as the book holds them."""
    mark, seq = query(book, "SELECT usage_from, usage_seq FROM customer WHERE id = ?", (customer_id,))[0]
    return (str(mark) if mark is not None else None), seq
