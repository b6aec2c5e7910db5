"""Run marks in the book: where a billing run takes up each allocation.

billing.run says what the marks mean and where a run moves them; this module
keeps them in the allocation table. Every change that can make an earlier
line owed again moves the marks back (and counts it in `marks_seq`, so a run
that planned before the change never moves them forward again):

- an allocation created or edited, or its package's terms changed: back to
  its start (the book's triggers do this, see migration 0005, so no writer
  can forget it);
- usage added, changed or removed for a day: that customer's minimum-spend
  allocations' true-ups back to that day;
- the book's post-from date moved earlier or cleared: every allocation back.
"""

from __future__ import annotations

from datetime import date
from typing import Iterable

from .dialect import claim_rows, connection, update_rows
from .models import database
from .sql import as_date, chunks, iso, marks

#: Marks written per transaction after a run (a few bytes each: a day's run
#: moves them in one commit, which on a large book costs more than the rows).
MARKS_BATCH = 50_000
#: The marks' columns and their PostgreSQL types (store.dialect.update_rows).
MARK_TYPES = {"charges_from": "date", "true_ups_from": "date"}


def reset_all() -> None:
    """Every allocation owes from its start again (inside the caller's transaction)."""
    database.execute_sql("UPDATE allocation SET charges_from = start_date, true_ups_from = start_date, marks_seq = marks_seq + 1")


def reopen_true_ups(days: Iterable[tuple[int, date]]) -> None:
    """Usage of (customer, day) changed: the true-ups of that customer's
    minimum-spend allocations from that day on are owed again, unless posted
    (inside the caller's transaction)."""
    earliest: dict[int, date] = {}
    for customer_id, day in days:
        day = as_date(day)
        if customer_id not in earliest or day < earliest[customer_id]:
            earliest[customer_id] = day
    if not earliest:
        return
    sql = (
        "UPDATE allocation SET true_ups_from = ?, marks_seq = marks_seq + 1 "
        "WHERE customer_id = ? AND (true_ups_from IS NULL OR true_ups_from > ?) "
        "AND (end_date IS NULL OR end_date >= ?) "
        "AND package_id IN (SELECT id FROM package WHERE minimum_spend = 1)"
    )
    for customer_id, day in earliest.items():
        d = iso(day)
        database.execute_sql(sql, (d, customer_id, d, d))


def due_ids(charges_until: date, settles_until: date, customer_id: int | None = None) -> list[int]:
    """Allocations a run up to `charges_until` may owe a line for: a charge
    dated by then, or a true-up settled by `settles_until`."""
    if customer_id is None:
        sql = (
            "SELECT id FROM allocation WHERE charges_from <= ? "
            "UNION SELECT id FROM allocation WHERE true_ups_from <= ?"
        )
        params: tuple = (iso(charges_until), iso(settles_until))
    else:
        sql = (
            "SELECT id FROM allocation WHERE customer_id = ? AND "
            "(charges_from <= ? OR true_ups_from <= ?)"
        )
        params = (customer_id, iso(charges_until), iso(settles_until))
    return sorted(i for (i,) in database.execute_sql(sql, params).fetchall())


def move(new_marks: dict[int, tuple[date | None, date | None]], seqs: dict[int, int]) -> int:
    """Move marks forward after a run posted its lines, in bounded
    transactions; an allocation whose marks were moved back meanwhile (its
    `marks_seq` differs), or that another writer holds at this moment, is left
    as it is (marks behind are always safe: the next run reads a little more
    and the ledger's key posts nothing twice). Returns how many moved."""
    moved = 0
    wanted = {aid: (iso(cf), iso(tf)) for aid, (cf, tf) in new_marks.items() if aid in seqs}
    for part in chunks(sorted(wanted), MARKS_BATCH):
        with database.atomic():
            rows = [(*wanted[aid], aid, seqs[aid]) for aid in claim_rows("allocation", part)]
            moved += update_rows("allocation", MARK_TYPES, {"id": "bigint", "marks_seq": "bigint"}, rows)
    return moved


def write(new_marks: dict[int, tuple[date | None, date | None]]) -> None:
    """Set marks as given (a rebuild), in bounded transactions."""
    rows = [(iso(cf), iso(tf), aid) for aid, (cf, tf) in new_marks.items()]
    for part in chunks(rows, MARKS_BATCH):
        with database.atomic():
            connection().executemany(
                "UPDATE allocation SET charges_from = ?, true_ups_from = ?, marks_seq = marks_seq + 1 WHERE id = ?", part
            )


def read(ids: Iterable[int]) -> dict[int, tuple[date | None, date | None]]:
    """The marks of these allocations, as dates."""
    out = {}
    for part in chunks(sorted(ids)):
        rows = database.execute_sql(
            f"SELECT id, charges_from, true_ups_from FROM allocation WHERE id IN ({marks(len(part))})", list(part)
        ).fetchall()
        for aid, cf, tf in rows:
            out[aid] = (as_date(cf), as_date(tf))
    return out
