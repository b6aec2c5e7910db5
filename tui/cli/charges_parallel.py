"""`packdesk charges` on a large book, on every core (tui/shares.py): the book's customers are
cut into name ranges of about as many allocations each
(store.scan.customer_cuts); this process files the first range's lines by date
while one process a range files the others' into spill files; then every
date is written range by range. The ranges follow customer order, so the
output is the same, byte for byte and in run order, as one process gives."""

from __future__ import annotations

import tempfile
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from decimal import Decimal
from pathlib import Path

from store.call_spend import with_usage
from store.charges import charges_by_customer
from store.scan import customer_cuts

from ..shares import spawning
from .charge_lines import ChargeWriter, Filed, add_counts, emit

def _file_share(path: str, fmt: str, precision: int, start: date, stop: date, as_of: date,
                names: tuple[str | None, str | None], folder: str) -> tuple[dict, int, Decimal, Decimal, int]:
    """In another process: one name range's lines of [start, stop], filed by
    date into spill files in `folder`; their names and the counts."""
    from store.book import Book

    book = Book.open(path, create=False)
    try:
        groups = charges_by_customer(start, stop, precision, None, as_of, names=names)
        filed = Filed(fmt, precision, folder).take(with_usage(groups, start, stop, precision, as_of, names=names))
        return filed.files(), filed.count, filed.retail, filed.cost, filed.estimates
    finally:
        book.close()


def write_window_shared(writer: ChargeWriter, path: Path, start: date, stop: date, as_of: date, shares: int) -> None:
    """One window's lines of the whole book, worked out in `shares` processes
    (this one included), written in run order."""
    cuts = customer_cuts(shares)
    with tempfile.TemporaryDirectory(prefix="packdesk-charges-") as folder:
        with ProcessPoolExecutor(max_workers=len(cuts) - 1, mp_context=spawning()) as pool:
            others = [
                pool.submit(_file_share, str(path), writer.fmt, writer.precision, start, stop, as_of, names, folder)
                for names in cuts[1:]
            ]
            groups = charges_by_customer(start, stop, writer.precision, None, as_of, names=cuts[0])
            mine = Filed(writer.fmt, writer.precision).take(
                with_usage(groups, start, stop, writer.precision, as_of, names=cuts[0])
            )
            add_counts(writer, mine.count, mine.retail, mine.cost, mine.estimates)
            spilled = []
            for future in others:
                files, count, retail, cost, estimates = future.result()
                add_counts(writer, count, retail, cost, estimates)
                spilled.append(files)
        emit(writer, [mine, *spilled])
