"""The book's minimum-spend true-ups on the usage book: book_true_ups for one
settle date, against one raw GROUP BY over a month of usage, and where its
time goes."""

from __future__ import annotations

import time
from datetime import date

from bench.books import USAGE_DAYS, USAGE_PATH, USAGE_RECORDS, minimum_spend_share
from bench.common import TODAY, time_call

TRUE_UPS_TARGET_S = 1.0  # "well under one second": the figure says how far under
TRUE_UPS_REPEAT = 3


class _Clock:
    """Times what book_true_ups spends reading allocations and in each usage_sums
    call, by wrapping the two names it looks up in store.charges when it runs
    (nothing is changed outside this process)."""

    def __init__(self) -> None:
        self.read = 0.0
        self.sums: list[tuple[float, date, date, int | None]] = []

    def __enter__(self):
        import store.charges as charges

        self._saved = (charges.iter_allocations, charges.usage_sums)
        read_all, sums = self._saved

        def iter_allocations(*args, **kwargs):
            rows = read_all(*args, **kwargs)
            while True:
                t0 = time.perf_counter()
                try:
                    row = next(rows)
                except StopIteration:
                    self.read += time.perf_counter() - t0
                    return
                self.read += time.perf_counter() - t0
                yield row

        def usage_sums(start, end, customer_ids=None):
            t0 = time.perf_counter()
            try:
                return sums(start, end, customer_ids)
            finally:
                self.sums.append((time.perf_counter() - t0, start, end, None if customer_ids is None else len(customer_ids)))

        charges.iter_allocations, charges.usage_sums = iter_allocations, usage_sums
        return self

    def __exit__(self, *exc) -> None:
        import store.charges as charges

        charges.iter_allocations, charges.usage_sums = self._saved


def true_ups_bench() -> dict:
    """book_true_ups for the periods settled on the first of TODAY's month, with
    TODAY fixed, on the usage book; the first run also says where the time goes."""
    import statistics

    from billing.minimum import run_rate_window
    from billing.projection import add_months
    from store.charges import book_true_ups
    from store.book import Book
    from store.models import database

    settle = TODAY.replace(day=1)
    month = (add_months(settle, -1), settle)
    print(f"\n6. Usage: {USAGE_PATH.name}, {USAGE_RECORDS:,} usage records over the {USAGE_DAYS} days before {TODAY}")
    book = Book.open(USAGE_PATH)
    try:
        precision = book.settings.precision
        share, share_customers, allocations = minimum_spend_share()
        print(f"  {share:,} of {allocations:,} allocations ({share / allocations:.0%}) are of minimum-spend packages, held by {share_customers:,} customers")
        times, result = [], []
        with _Clock() as clock:  # the first run, timed in parts
            t0 = time.perf_counter()
            result = book_true_ups(settle, settle, precision, TODAY)
            times.append(time.perf_counter() - t0)
        while len(times) < TRUE_UPS_REPEAT and sum(times) < 10:
            t0 = time.perf_counter()
            book_true_ups(settle, settle, precision, TODAY)
            times.append(time.perf_counter() - t0)
        value = statistics.median(times)
        owed = sum(1 for _, c in result if c.amount)
        print(
            f"  book_true_ups(since={settle}, until={settle}, today={TODAY}): {len(result):,} true-ups ({owed:,} owing); "
            f"median {value * 1000:,.0f} ms of {len(times)} run(s) ({', '.join(f'{t * 1000:,.0f}' for t in times)}) (target < {TRUE_UPS_TARGET_S:g} s)"
        )
        sql = "SELECT customer_id, SUM(amount) FROM usage WHERE date >= ? AND date < ? GROUP BY customer_id"
        args = (month[0].isoformat(), month[1].isoformat())
        baseline = time_call(lambda: database.execute_sql(sql, args).fetchall(), 3)
        in_month = database.execute_sql("SELECT COUNT(*) FROM usage WHERE date >= ? AND date < ?", args).fetchone()[0]
        print(
            f"  baseline: one raw `{sql}` for {month[0]} to {month[1]} ({in_month:,} records): "
            f"{baseline * 1000:.0f} ms (median of 3); true-ups take {value / baseline:.1f}x it"
        )
        sums = sum(s for s, *_ in clock.sums)
        rate_window = run_rate_window(TODAY)
        print(
            f"  where the first run's {times[0] * 1000:,.0f} ms go: reading the allocations that may settle on the day (iter_allocations) {clock.read * 1000:,.0f}; "
            f"{len(clock.sums)} usage_sums calls (a GROUP BY customer per distinct usage window, and the run rate if a period has not ended) {sums * 1000:,.0f}; "
            f"the rest in Python (spend_periods, true_up) {(times[0] - clock.read - sums) * 1000:,.0f}"
        )
        for seconds, a, b, customers in sorted(clock.sums, key=lambda s: -s[0])[:6]:
            who = "all customers" if customers is None else f"{customers} customers"
            label = ", the run rate" if (a, b) == rate_window else ""
            print(f"    usage_sums {a} to {b} ({(b - a).days} days{label}, {who}): {seconds * 1000:,.0f} ms")
    finally:
        book.close()
    return {"value": value, "baseline": baseline, "lines": len(result), "sums": sums, "calls": len(clock.sums), "read": clock.read, "first": times[0]}
