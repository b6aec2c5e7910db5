"""Usage records in the book (store/usage.py): add, correct (a stale version
is refused), delete; sums over [a, b) done by the database, per customer and
per day; money exact to the micro-unit. Also: the store's true-ups
(iter_charges with `today`, allocation_true_ups, book_true_ups) read usage the
way BILLING.md says."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from decimal import Decimal

import pytest

from billing.charges import MINIMUM_SPEND
from billing.money import round_money
from store import usage
from store.allocations import get_allocation
from store.charges import allocation_true_ups, book_true_ups, iter_charges
from store.packages import NotFound, StoreError

from tests.helpers.books import acme, blue, give_bundle

pytestmark = pytest.mark.both_engines

D = Decimal
ZERO = D(0)
DAY = date(2025, 3, 10)


def test_add_returns_the_record_as_stored(demo_customers_book):
    c = acme()
    row = usage.add_usage(c.id, DAY, D("12.345678"), "cdr batch 7")
    assert (row.customer_id, row.date, row.amount, row.source, row.version) == (c.id, DAY, D("12.345678"), "cdr batch 7", 1)
    assert isinstance(row.amount, Decimal)
    assert usage.get_usage(row.id) == row
    assert [r.id for r in usage.list_usage(c.id)] == [row.id]


def test_add_for_a_customer_that_does_not_exist_is_refused(demo_customers_book):
    with pytest.raises(NotFound):
        usage.add_usage(987654, DAY, D("1"), "")
    assert usage.usage_sums(date(2000, 1, 1), date(2100, 1, 1)) == {}


def test_update_with_the_current_version_changes_the_record(demo_customers_book):
    c = acme()
    row = usage.add_usage(c.id, DAY, D("10"), "a")
    saved = usage.update_usage(row.id, row.version, DAY + timedelta(days=1), D("7.25"), "corrected")
    assert (saved.date, saved.amount, saved.source, saved.version) == (DAY + timedelta(days=1), D("7.25"), "corrected", 2)
    assert usage.usage_sum(c.id, DAY, DAY + timedelta(days=1)) == ZERO
    assert usage.usage_sum(c.id, DAY, DAY + timedelta(days=2)) == D("7.25")


def test_update_with_a_stale_version_is_refused_and_writes_nothing(demo_customers_book):
    c = acme()
    row = usage.add_usage(c.id, DAY, D("10"), "a")
    theirs = usage.update_usage(row.id, row.version, DAY, D("11"), "theirs")
    with pytest.raises(StoreError) as refused:
        usage.update_usage(row.id, row.version, DAY, D("99"), "mine")
    assert "nothing was written" in str(refused.value)
    assert usage.get_usage(row.id) == theirs
    assert usage.usage_sum(c.id, DAY, DAY + timedelta(days=1)) == D("11")


def test_update_of_a_deleted_record_says_so(demo_customers_book):
    row = usage.add_usage(acme().id, DAY, D("10"), "")
    usage.delete_usage(row.id)
    with pytest.raises(NotFound):
        usage.update_usage(row.id, row.version, DAY, D("1"), "")


def test_delete_removes_the_record_from_the_sums(demo_customers_book):
    c = acme()
    keep = usage.add_usage(c.id, DAY, D("3"), "")
    gone = usage.add_usage(c.id, DAY, D("4"), "")
    usage.delete_usage(gone.id)
    assert usage.get_usage(gone.id) is None
    assert [r.id for r in usage.list_usage(c.id)] == [keep.id]
    assert usage.usage_sum(c.id, DAY, DAY + timedelta(days=1)) == D("3")
    with pytest.raises(NotFound):
        usage.delete_usage(gone.id)


def test_records_are_listed_newest_first(demo_customers_book):
    c = acme()
    a = usage.add_usage(c.id, date(2025, 3, 2), D("1"), "")
    b = usage.add_usage(c.id, date(2025, 3, 9), D("2"), "")
    c2 = usage.add_usage(c.id, date(2025, 3, 2), D("3"), "")
    d = usage.add_usage(c.id, date(2025, 2, 27), D("4"), "")
    assert [r.id for r in usage.list_usage(c.id)] == [b.id, c2.id, a.id, d.id]
    first = usage.list_usage(c.id, None, 2)
    assert [r.id for r in usage.list_usage(c.id, first[-1], 10)] == [a.id, d.id]


def test_usage_sum_covers_a_to_b_with_b_left_out(demo_customers_book):
    c = acme()
    usage.add_usage(c.id, date(2025, 2, 28), D("1000"), "")
    usage.add_usage(c.id, date(2025, 3, 1), D("1"), "")
    usage.add_usage(c.id, date(2025, 3, 31), D("10"), "")
    usage.add_usage(c.id, date(2025, 4, 1), D("100"), "")
    assert usage.usage_sum(c.id, date(2025, 3, 1), date(2025, 4, 1)) == D("11")
    assert usage.usage_sum(c.id, date(2025, 3, 1), date(2025, 4, 2)) == D("111")
    assert usage.usage_sum(c.id, date(2025, 3, 2), date(2025, 3, 31)) == ZERO
    assert usage.usage_sum(c.id, date(2025, 4, 1), date(2025, 4, 1)) == ZERO  # empty window
    assert usage.usage_sum(c.id, date(2025, 4, 2), date(2025, 4, 1)) == ZERO  # backwards window
    assert isinstance(usage.usage_sum(c.id, date(2025, 1, 1), date(2025, 1, 2)), Decimal)


def test_several_records_on_one_day_add_up(demo_customers_book):
    c = acme()
    for amount in ("0.10", "0.20", "0.30", "1.000001"):
        usage.add_usage(c.id, DAY, D(amount), "")
    assert usage.usage_sum(c.id, DAY, DAY + timedelta(days=1)) == D("1.600001")


def test_usage_sums_groups_by_customer(demo_customers_book):
    a, b = acme(), blue()
    usage.add_usage(a.id, date(2025, 3, 1), D("1.5"), "")
    usage.add_usage(a.id, date(2025, 3, 20), D("2.5"), "")
    usage.add_usage(b.id, date(2025, 3, 5), D("7"), "")
    usage.add_usage(b.id, date(2025, 4, 1), D("70"), "")  # outside [03-01, 04-01)
    assert usage.usage_sums(date(2025, 3, 1), date(2025, 4, 1)) == {a.id: D("4"), b.id: D("7")}
    assert usage.usage_sums(date(2025, 3, 1), date(2025, 4, 1), [b.id]) == {b.id: D("7")}
    assert usage.usage_sums(date(2025, 3, 2), date(2025, 3, 5)) == {}
    assert all(isinstance(v, Decimal) for v in usage.usage_sums(date(2025, 1, 1), date(2026, 1, 1)).values())


def test_daily_usage_gives_total_and_count_per_day(demo_customers_book):
    a, b = acme(), blue()
    usage.add_usage(a.id, date(2025, 3, 3), D("1.25"), "")
    usage.add_usage(a.id, date(2025, 3, 3), D("0.75"), "")
    usage.add_usage(a.id, date(2025, 3, 1), D("4"), "")
    usage.add_usage(a.id, date(2025, 3, 8), D("9"), "")  # the window's end: left out
    usage.add_usage(b.id, date(2025, 3, 3), D("100"), "")  # someone else's
    assert usage.daily_usage(a.id, date(2025, 3, 1), date(2025, 3, 8)) == [
        (date(2025, 3, 1), D("4"), 1),
        (date(2025, 3, 3), D("2"), 2),
    ]


def test_money_is_exact_ten_thousand_times_0_0001_is_1(demo_customers_book, tmp_path):
    c = acme()
    path = tmp_path / "tiny.csv"
    path.write_text("customer,date,amount\n" + "".join(f"Acme Telecom,2025-03-{1 + i % 28:02d},0.0001\n" for i in range(10_000)))
    result = usage.import_usage(path)
    assert result.rows == 10_000
    assert result.total == D("1") and isinstance(result.total, Decimal)
    total = usage.usage_sum(c.id, date(2025, 3, 1), date(2025, 4, 1))
    assert total == D("1") and isinstance(total, Decimal)
    assert usage.usage_sums(date(2025, 3, 1), date(2025, 4, 1)) == {c.id: D("1")}
    assert sum((v for _, v, _ in usage.daily_usage(c.id, date(2025, 3, 1), date(2025, 4, 1))), ZERO) == D("1")
    # One more micro-unit shows: nothing is rounded away.
    usage.add_usage(c.id, date(2025, 3, 15), D("0.000001"), "")
    assert usage.usage_sum(c.id, date(2025, 3, 1), date(2025, 4, 1)) == D("1.000001")


@pytest.mark.sqlite_only("SQLite's typeof() of the stored value")
def test_amounts_are_stored_as_whole_micro_units(demo_customers_book):
    row = usage.add_usage(acme().id, DAY, D("0.1"), "")
    con = sqlite3.connect(demo_customers_book.path)
    try:
        stored = con.execute("SELECT amount, typeof(amount) FROM usage WHERE id = ?", (row.id,)).fetchone()
    finally:
        con.close()
    assert stored == (100000, "integer")


def test_a_negative_amount_never_reaches_the_book(demo_customers_book):
    with pytest.raises(Exception):
        usage.add_usage(acme().id, DAY, D("-1"), "")
    assert usage.list_usage(acme().id) == []


# --- the store's true-ups ------------------------------------------------------------


def test_iter_charges_gives_true_ups_only_with_today(demo_customers_book):
    c = acme()
    give_bundle(c, date(2025, 3, 1))
    usage.add_usage(c.id, date(2025, 3, 15), D("320.50"), "")
    with_today = [ch for _, ch in iter_charges(date(2025, 4, 1), date(2025, 4, 1), 2, c.id, date(2025, 4, 20))]
    assert [(ch.kind, ch.amount) for ch in with_today if ch.kind == MINIMUM_SPEND] == [(MINIMUM_SPEND, D("179.50"))]
    without = [ch for _, ch in iter_charges(date(2025, 4, 1), date(2025, 4, 1), 2, c.id)]
    assert not any(ch.kind == MINIMUM_SPEND for ch in without)
    # The bundle's retail is never charged as such.
    assert sum((ch.amount for ch in without), ZERO) == ZERO


def test_true_ups_count_only_the_customers_own_usage(demo_customers_book):
    a, b = acme(), blue()
    give_bundle(a, date(2025, 3, 1))
    usage.add_usage(b.id, date(2025, 3, 15), D("480"), "")
    usage.add_usage(a.id, date(2025, 3, 15), D("20"), "")
    lines = [ch for _, ch in iter_charges(date(2025, 4, 1), date(2025, 4, 1), 2, None, date(2025, 5, 1)) if ch.kind == MINIMUM_SPEND]
    assert [ch.amount for ch in lines] == [D("480.00")]


def test_a_projected_true_up_reads_known_usage_and_the_30_day_run_rate(demo_customers_book):
    c = acme()
    allocation = give_bundle(c, date(2025, 4, 1))
    today = date(2025, 4, 10)
    usage.add_usage(c.id, date(2025, 3, 5), D("200"), "")  # before the 30 days
    usage.add_usage(c.id, date(2025, 3, 11), D("120.50"), "")  # first day of the 30
    usage.add_usage(c.id, date(2025, 4, 2), D("100"), "")
    usage.add_usage(c.id, date(2025, 4, 9), D("50"), "")
    usage.add_usage(c.id, today, D("1000"), "")  # today's usage is not known yet
    (line,) = list(allocation_true_ups(get_allocation(allocation.id), date(2025, 5, 1), date(2025, 5, 1), 2, today))
    rate = D("270.50") / 30
    assert line.basis.known == D("150")
    assert line.basis.run_rate == rate
    assert line.basis.days_to_come == 21
    assert line.basis.estimate is True
    assert line.amount == round_money(D(500) - (D(150) + rate * 21), 2) == D("160.65")


def test_book_true_ups_agree_with_each_allocation_s_own(demo_customers_book):
    a, b = acme(), blue()
    give_bundle(a, date(2025, 1, 10), prorate=True)
    give_bundle(a, date(2025, 2, 1), date(2025, 4, 15), quantity=2)
    give_bundle(b, date(2025, 3, 1))
    for day, who, amount in [
        (date(2025, 1, 20), a, "33.3"),
        (date(2025, 2, 14), a, "410"),
        (date(2025, 3, 3), b, "12.000001"),
        (date(2025, 3, 30), a, "99"),
        (date(2025, 4, 4), b, "600"),
        (date(2025, 4, 12), a, "45.5"),
    ]:
        usage.add_usage(who.id, day, D(amount), "")
    since, until, today = date(2025, 1, 1), date(2025, 6, 30), date(2025, 4, 13)
    book = sorted((al.id, ch) for al, ch in book_true_ups(since, until, 2, today))
    each = sorted(
        (al.id, ch) for al, ch in iter_charges(since, until, 2, None, today, include_nothing=True) if ch.kind == MINIMUM_SPEND
    )
    assert len(book) == len(each) > 6
    assert book == each
    assert any(ch.basis.estimate for _, ch in book) and any(not ch.basis.estimate for _, ch in book)


def test_the_last_true_up_is_listed_after_the_allocation_has_ended(demo_customers_book):
    c = acme()
    give_bundle(c, date(2025, 3, 1), date(2025, 3, 15))
    usage.add_usage(c.id, date(2025, 3, 15), D("100"), "")
    usage.add_usage(c.id, date(2025, 3, 16), D("400"), "")  # after the end: not this period's
    lines = [ch for _, ch in iter_charges(date(2025, 3, 16), date(2025, 3, 16), 2, c.id, date(2025, 4, 1))]
    assert [(ch.kind, ch.date, ch.period_start, ch.period_end, ch.amount) for ch in lines] == [
        (MINIMUM_SPEND, date(2025, 3, 16), date(2025, 3, 1), date(2025, 3, 15), D("400.00"))
    ]
    # And nothing after it.
    later = [ch for _, ch in iter_charges(date(2025, 3, 17), date(2026, 3, 17), 2, c.id, date(2025, 4, 1))]
    assert later == []


def test_book_true_ups_of_one_settle_date_are_those_of_the_whole_walk(demo_customers_book):
    # For one settle date the database picks out the allocations that may
    # settle on it (charge date on the day after their start, or ended the day
    # before); every other day is walked period by period. They must agree on
    # every day: month ends, day 31, 29 February, default and chosen days.
    import random

    from billing.accounts import AllocationDraft
    from billing.catalogue import PackageDraft
    from billing.schedule import Frequency
    from store.allocations import create_allocation
    from store.packages import create_package

    kinds = [
        (Frequency.MONTHLY, ()),
        (Frequency.MONTHLY, (31,)),
        (Frequency.MONTHLY, (1, 15)),
        (Frequency.WEEKLY, ()),
        (Frequency.WEEKLY, (1, 4)),
        (Frequency.DAILY, ()),
        (Frequency.YEARLY, ()),
    ]
    packages = [
        create_package(PackageDraft(f"commit {n}", retail=D("90"), frequency=f, match=m, minimum_spend=True))
        for n, (f, m) in enumerate(kinds)
    ]
    ordinary = create_package(PackageDraft("not a commitment", retail=D("5"), frequency=Frequency.MONTHLY, match=(31,)))
    rng = random.Random(4)
    customers = [acme(), blue()]
    # The starts that fall on other days in shorter months come first.
    chosen = [(0, date(2024, 1, 31)), (0, date(2024, 2, 29)), (0, date(2024, 4, 30)), (6, date(2024, 2, 29)), (1, date(2024, 3, 15))]
    for n in range(60):
        if n < len(chosen):
            package, start = packages[chosen[n][0]], chosen[n][1]
        else:
            package = packages[n % len(packages)] if n % 9 else ordinary
            start = date(2024, 1, 1) + timedelta(days=rng.randrange(500))
        end = None if n < len(chosen) or rng.random() < 0.5 else start + timedelta(days=rng.randrange(0, 400))
        draft = AllocationDraft(rng.randint(1, 3), start, end, False, rng.random() < 0.5, "")
        create_allocation(customers[n % 2].id, package.id, draft)
    for n in range(200):
        usage.add_usage(customers[n % 2].id, date(2024, 1, 1) + timedelta(days=rng.randrange(700)), D(rng.randrange(1, 9000)) / 100, "")
    lo, hi, today = date(2024, 1, 1), date(2025, 12, 31), date(2025, 6, 10)
    walked: dict[date, list] = {}
    for allocation, charge in book_true_ups(lo, hi, 2, today):
        walked.setdefault(charge.date, []).append((allocation.id, charge))
    assert len(walked) > 300  # daily commitments settle nearly every day
    day = lo
    while day <= hi:
        one = sorted((a.id, c) for a, c in book_true_ups(day, day, 2, today))
        assert one == sorted(walked.get(day, [])), day
        day += timedelta(days=1)
