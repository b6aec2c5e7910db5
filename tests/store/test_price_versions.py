"""Price versions in the book (migration 0011, store.prices): a change takes
effect from a date, runs post each line at the prices of its date, posted
lines never change, and a version in the past moves the run marks back."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.charges import PriceVersion
from billing.prices import BEGINNING
from billing.schedule import Frequency
from store import marks, prices
from store.packages import get_package, list_packages, PackageQuery, update_package
from store.runs import commit_run, marks_differences, plan_run

from tests.helpers.books import D, allocate, customer, opened, package
from tests.helpers.raw import query, raw
import pytest

pytestmark = pytest.mark.both_engines

JAN1 = date(2025, 1, 1)


def day(n: int) -> date:
    return JAN1 + timedelta(days=n)


def run(on: date):
    plan = plan_run(on, on, 2)
    commit_run(plan, on)
    return plan


def reprice(row, retail: str, effective_from: date, today: date = JAN1):
    current = get_package(row.id, today)
    return update_package(row.id, current.version, current.draft().with_(retail=D(retail)), effective_from, today)


def posted(db) -> list[tuple]:
    return query(db, "SELECT date, amount, retail_price FROM ledger ORDER BY date")


def test_every_package_has_a_version_from_the_beginning(db):
    with opened(db):
        seat = package("Seat", "10", "4", frequency=Frequency.MONTHLY, match=(1,))
        assert prices.history(seat.id) == [PriceVersion(BEGINNING, D("10"), D("4"), D("0"), D("0"))]


def test_a_change_without_allocations_replaces_the_prices(db):
    with opened(db):
        seat = package("Seat", "10", frequency=Frequency.MONTHLY, match=(1,))
        saved = reprice(seat, "12", None)
        assert [v.retail for v in prices.history(seat.id)] == [D("12")]
        assert saved.retail == D("12")


def test_worked_example_a_run_posts_each_line_at_its_dates_prices(db):
    with opened(db):
        seat = package("Seat", "10", frequency=Frequency.MONTHLY, match=(1,))
        allocate(customer("Acme"), seat, JAN1)
        reprice(seat, "12", date(2025, 3, 15))
        simulated = plan_run(date(2025, 4, 2), date(2025, 4, 2), 2)
        run(date(2025, 4, 2))
    # 01-01, 02-01, 03-01: 10.00 each; 04-01: 12.00, with the price it was posted at
    expected = [
        ("2025-01-01", 10_000_000, 10_000_000), ("2025-02-01", 10_000_000, 10_000_000),
        ("2025-03-01", 10_000_000, 10_000_000), ("2025-04-01", 12_000_000, 12_000_000),
    ]
    assert posted(db) == expected
    assert [(str(c.date), c.amount) for _, c in simulated.lines] == [(d, D(a) / 10**6) for d, a, _ in expected]


def test_the_list_shows_todays_prices_and_the_row_mirrors_the_newest(db):
    with opened(db):
        seat = package("Seat", "10", frequency=Frequency.MONTHLY, match=(1,))
        allocate(customer("Acme"), seat, JAN1)
        reprice(seat, "12", date(2025, 3, 1))
        assert get_package(seat.id, date(2025, 2, 28)).retail == D("10")
        assert list_packages(PackageQuery(today=date(2025, 3, 1)))[0].retail == D("12")
    assert query(db, "SELECT retail FROM package") == [(12_000_000,)]


def test_a_past_version_moves_the_marks_back_and_leaves_posted_lines(db):
    with opened(db):
        did = package("DID", "0", frequency=Frequency.DAILY)
        seat = package("Seat", "1", frequency=Frequency.DAILY)
        acme = customer("Acme")
        free = allocate(acme, did, JAN1)
        paid = allocate(acme, seat, JAN1)
        run(day(9))  # the free DID posts nothing; the seat posts days 0..9 at 1
        assert marks.read([free.id, paid.id]) == {free.id: (day(10), None), paid.id: (day(10), None)}
        reprice(did, "2", day(3), day(9))
        reprice(seat, "5", day(3), day(9))
        assert marks.read([free.id])[free.id][0] == day(3)
        assert marks.read([paid.id])[paid.id][0] == day(3)
        assert marks_differences(day(11), day(11), 2) == []
        plan = run(day(11))
        lines = sorted((a.id, c.date, c.amount) for a, c in plan.lines)
    # The DID's days 3..11 were never posted: now owed at 2. The seat's
    # posted days keep 1; only days 10 and 11 are new, at 5.
    assert lines == sorted(
        [(free.id, day(n), D("2.00")) for n in range(3, 12)] + [(paid.id, day(n), D("5.00")) for n in (10, 11)]
    )
    seat_lines = query(db, "SELECT date, amount FROM ledger WHERE allocation_id = ? ORDER BY date", (paid.id,))
    assert [a for _, a in seat_lines] == [1_000_000] * 10 + [5_000_000] * 2


def test_prices_written_on_the_package_row_become_a_version(db):
    with opened(db):
        seat = package("Seat", "10", frequency=Frequency.DAILY)
        allocate(customer("Acme"), seat, JAN1)
        run(day(2))
    con = raw(db)
    with con:
        con.execute("UPDATE package SET retail = 20000000 WHERE id = ?", (seat.id,))
    con.close()
    rows = query(db, "SELECT effective_from, retail FROM package_price ORDER BY effective_from")
    assert rows[0] == ("0001-01-01", 10_000_000) and rows[-1][1] == 20_000_000
    assert query(db, "SELECT charges_from FROM allocation") == [("2025-01-04",)]  # after the posted days, as before


def test_a_deleted_package_takes_its_versions_with_it(db):
    from store.packages import delete_package

    with opened(db):
        seat = package("Seat", "10")
        delete_package(seat.id)
    assert query(db, "SELECT COUNT(*) FROM package_price") == [(0,)]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.tuples(st.integers(0, 40), st.integers(0, 30), st.integers(1, 20)), min_size=1, max_size=4),
)
def test_runs_with_versions_added_between_them(tmp_path_factory, steps):
    """Whatever versions are added between runs: a simulated run lists what
    the commit posts, the marks miss nothing, a posted line never changes,
    and every line carries the price of its date's version."""
    from store.book import Book

    path = tmp_path_factory.mktemp("versions") / "book.db"
    Book.open(path).close()
    with opened(path):
        seat = package("Seat", "1", frequency=Frequency.DAILY)
        allocate(customer("Acme"), seat, JAN1)
        ran = 0
        for effective, advance, retail in steps:
            reprice(seat, str(retail), day(effective), day(ran))
            ran += advance
            before = query(path, "SELECT id, date, amount, retail_price FROM ledger ORDER BY id")
            assert marks_differences(day(ran), day(ran), 2) == []
            simulated = plan_run(day(ran), day(ran), 2)
            result = commit_run(simulated, day(ran))
            planned = [(a.id, c.date, c.amount) for a, c in simulated.lines]
            assert planned == [(a.id, c.date, c.amount) for a, c in result.posted_lines]
            after = query(path, "SELECT id, date, amount, retail_price FROM ledger ORDER BY id")
            assert after[: len(before)] == before  # posted lines never change
            versions = prices.history(seat.id)
            for _id, on, amount, price in after[len(before):]:
                in_force = [v for v in versions if v.effective_from <= date.fromisoformat(on)][-1]
                assert price == amount == in_force.retail * 10**6  # quantity 1, the price of its date


def test_versions_are_audited_with_their_date_and_prices(db):
    with opened(db):
        seat = package("Seat", "10", frequency=Frequency.DAILY)
        allocate(customer("Acme"), seat, JAN1)
        reprice(seat, "12.5", day(30))
        reprice(seat, "13", day(30))
    rows = query(db, "SELECT action, field, old, new FROM audit WHERE entity = 'package' AND field LIKE 'prices from%'")
    assert rows == [
        ("insert", "prices from 2025-01-31", None, "retail 12.50, cost 0.00, setup retail 0.00, setup cost 0.00"),
        ("update", "prices from 2025-01-31", "retail 12.50, cost 0.00, setup retail 0.00, setup cost 0.00",
         "retail 13.00, cost 0.00, setup retail 0.00, setup cost 0.00"),
    ]
