"""Where a billing run takes each customer's calls up (billing.usage_lines):
`customer.usage_from`, the first day whose usage line may still be owed, and
`usage_seq`, counted up whenever calls move it back.

Calls imported for a day whose usage line is posted are not billed: a
posted line never changes. `calls_added` counts them, for the import to say
so, and moves the mark back to the earliest new day that is not posted, in
the import's transaction. Every mark can be worked out again from the calls
and the usage lines alone (`rebuild_usage_marks`, `check --rebuild-marks`).
"""

from __future__ import annotations

from collections import Counter

from .dialect import connection, lock_ledger
from .models import database
from .sql import as_date, chunks, iso, marks

_BACK = (
    "UPDATE customer SET usage_from = CASE WHEN usage_from IS NULL OR usage_from > date(?) THEN date(?) "
    "ELSE usage_from END, usage_seq = usage_seq + 1 WHERE id = ?"
)


def calls_added(rows: list[tuple]) -> int:
    """Calls just inserted (rows as store.calls keeps them: call_id, customer
    id, start text, ...), inside the import's transaction: each customer's
    usage mark goes back to its earliest new day whose line is not posted.
    Returns how many of the calls fall on days whose usage line is posted
    already: those are not billed."""
    per_day = Counter((row[1], row[2][:10]) for row in rows)
    days: dict[int, list[str]] = {}
    for cid, day in per_day:
        days.setdefault(cid, []).append(day)
    lock_ledger()  # a run posting meanwhile has posted its batch, or waits
    posted: set[tuple[int, str]] = set()
    for part in chunks(sorted(days)):
        low = min(min(days[cid]) for cid in part)
        high = max(max(days[cid]) for cid in part)
        found = database.execute_sql(
            f"SELECT customer_id, date FROM usage_line WHERE customer_id IN ({marks(len(part))}) AND date >= ? AND date <= ?",
            [*part, low, high],
        ).fetchall()
        posted.update((cid, iso(as_date(day))) for cid, day in found)
    back = []
    for cid, listed in days.items():
        open_days = [d for d in listed if (cid, d) not in posted]
        if open_days:
            first = min(open_days)
            back.append((first, first, cid))
    if back:
        connection().executemany(_BACK, back)
    # Minimum-spend marks stay: calls only add spend, and a true-up that more
    # spend leaves at nothing was nothing before (posted ones never change).
    return sum(count for key, count in per_day.items() if key in posted)


def rebuild_usage_marks() -> int:
    """Every customer's usage mark worked out again from the calls and the
    usage lines alone: its first day with calls and no posted line (days
    before the post-from date too: a mark too early only costs reading).
    Reads every call once. Returns how many customers have a mark."""
    with database.atomic():
        database.execute_sql(
            "UPDATE customer SET usage_seq = usage_seq + 1, usage_from = (SELECT date(substr(MIN(c.start), 1, 10)) "
            "FROM call c WHERE c.customer_id = customer.id AND NOT EXISTS (SELECT 1 FROM usage_line u "
            "WHERE u.customer_id = c.customer_id AND u.date = date(substr(c.start, 1, 10))))"
        )
        return database.execute_sql("SELECT COUNT(*) FROM customer WHERE usage_from IS NOT NULL").fetchone()[0]


def first_usage_owed():
    """The earliest day whose usage line any customer may still owe (None: none)."""
    return as_date(database.execute_sql("SELECT MIN(usage_from) FROM customer").fetchone()[0])
