"""A change from a date in the book (store.changes): one transaction, both
allocations planned right by the run marks, refusals that name the reason."""

from __future__ import annotations

from datetime import date

import pytest

from billing.accounts import AllocationDraft
from billing.schedule import Frequency
from store.allocations import get_allocation, remove_allocation, removal_refusal, update_allocation
from store.changes import ChangeRefused, change_allocation, commitments_overlap
from store.errors import FieldError
from store.models import Package
from store.runs import commit_run, plan_run
from store.usage import add_usage

from tests.helpers.books import D, allocate, customer, opened, package
from tests.helpers.raw import query

from .test_run_marks import assert_marks_miss_nothing

pytestmark = pytest.mark.both_engines


def lines(plan) -> list[tuple]:
    return [(a.id, c.kind, str(c.date), c.quantity, c.amount) for a, c in plan.lines]


def test_a_change_ends_the_allocation_and_starts_its_successor(db):
    with opened(db):
        seat = package("Seat", "10", setup_retail="25", frequency=Frequency.MONTHLY, match=(1,))
        a = allocate(customer("Acme"), seat, date(2025, 1, 10), quantity=2)
        old, new = change_allocation(a.id, date(2025, 3, 15), quantity=3)
        assert (old.end, old.version) == (date(2025, 3, 14), a.version + 1)
        assert (new.start, new.end, new.quantity, new.follows_id, new.chain_start) == (
            date(2025, 3, 15), None, 3, a.id, date(2025, 1, 10)
        )
        plan = plan_run(date(2025, 4, 1), date(2025, 4, 1), 2)
        assert lines(plan) == [
            (a.id, "setup", "2025-01-10", 2, D("50.00")),
            (a.id, "recurring", "2025-02-01", 2, D("20.00")),
            (a.id, "recurring", "2025-03-01", 2, D("20.00")),
            (new.id, "recurring", "2025-04-01", 3, D("30.00")),  # no second setup
        ]
        audit = query(db, "SELECT entity_id, field, new FROM audit WHERE field = 'follows_id'")
        assert audit == [(new.id, "follows_id", str(a.id))]


def test_simulate_then_commit_posts_the_same_lines_and_the_marks_miss_nothing(db):
    with opened(db):
        bundle = package("Bundle", "50", frequency=Frequency.MONTHLY, match=(1,), minimum_spend=True)
        did = package("DID", "1", frequency=Frequency.DAILY)
        acme = customer("Acme")
        b = allocate(acme, bundle, date(2025, 1, 1))
        d = allocate(acme, did, date(2025, 1, 1))
        add_usage(acme.id, date(2025, 2, 10), D("20"))
        commit_run(plan_run(date(2025, 2, 15), date(2025, 2, 15), 2), date(2025, 2, 15))
        change_allocation(b.id, date(2025, 3, 1), quantity=2)
        change_allocation(d.id, date(2025, 2, 20), package_id=package("DID plus", "2", frequency=Frequency.DAILY).id)
        simulated = assert_marks_miss_nothing(date(2025, 4, 1))
        plan = plan_run(date(2025, 4, 1), date(2025, 4, 1), 2)
        result = commit_run(plan, date(2025, 4, 1))
        posted = [(a.id, c.kind, c.date, c.amount, c.cost) for a, c in result.posted_lines]
        assert posted == simulated
        true_ups = [(str(c.date), c.amount) for _, c in result.posted_lines if c.kind == "minimum_spend"]
        # February was settled by the first run; March with the usage of the 10th.
        assert true_ups == [("2025-03-01", D("30.00")), ("2025-04-01", D("100.00"))]
        assert plan_run(date(2025, 4, 1), date(2025, 4, 1), 2).lines == []


def test_minimum_days_count_from_the_first_start(db):
    with opened(db):
        seat = package("Seat", "10", frequency=Frequency.MONTHLY, match=(1,))
        Package.update(minimum_days=90).where(Package.id == seat.id).execute()
        a = allocate(customer("Acme"), seat, date(2025, 1, 1))
        _, new = change_allocation(a.id, date(2025, 2, 1), quantity=2)
        draft = AllocationDraft(2, new.start, date(2025, 3, 15), False, False, "")
        with pytest.raises(FieldError, match="first allowed end date is 2025-04-01"):
            update_allocation(new.id, new.version, seat.id, draft)
        assert "2025-04-01" in str(removal_refusal(a.id, date(2025, 2, 2)))


@pytest.mark.parametrize(
    ("day", "kw", "says"),
    [
        (date(2025, 1, 1), {"quantity": 2}, "not after the start date"),
        (date(2025, 7, 1), {"quantity": 2}, "after the end date 2025-06-30"),
        (date(2025, 2, 1), {"quantity": 1}, "nothing changes"),
        (date(2025, 2, 1), {"quantity": 2}, "posted up to 2025-03-01: change from 2025-03-02"),
    ],
)
def test_a_change_refused_writes_nothing(db, day, kw, says):
    with opened(db):
        seat = package("Seat", "10", frequency=Frequency.MONTHLY, match=(1,))
        a = allocate(customer("Acme"), seat, date(2025, 1, 1), date(2025, 6, 30))
        commit_run(plan_run(date(2025, 3, 1), date(2025, 3, 1), 2), date(2025, 3, 1))
        before = query(db, "SELECT * FROM allocation")
        with pytest.raises(ChangeRefused, match=says):
            change_allocation(a.id, day, **kw)
        assert query(db, "SELECT * FROM allocation") == before


def test_a_successor_can_be_removed_and_the_change_is_undone(db):
    with opened(db):
        seat = package("Seat", "10", frequency=Frequency.MONTHLY, match=(1,))
        a = allocate(customer("Acme"), seat, date(2025, 1, 1), date(2025, 12, 31))
        _, new = change_allocation(a.id, date(2025, 5, 1), quantity=4)
        assert "follows this one" in str(removal_refusal(a.id, date(2025, 6, 1)))
        with pytest.raises(FieldError, match="follows this one from 2025-05-01"):
            update_allocation(a.id, get_allocation(a.id).version, seat.id, AllocationDraft(1, a.start, None, False, False, ""))
        remove_allocation(new.id, date(2025, 6, 1))
        assert get_allocation(a.id).end == date(2025, 12, 31)


def test_two_commitments_over_the_same_days(db):
    with opened(db):
        bundle = package("Bundle", "50", frequency=Frequency.MONTHLY, match=(1,), minimum_spend=True)
        acme = customer("Acme")
        first = allocate(acme, bundle, date(2025, 1, 1), date(2025, 3, 31))
        warning = commitments_overlap(acme.id, date(2025, 3, 1), None)
        assert warning and f"Bundle #{first.id} (2025-03-01 to 2025-03-31)" in warning
        assert commitments_overlap(acme.id, date(2025, 4, 1), None) is None
        assert commitments_overlap(acme.id, date(2025, 3, 1), None, exclude_id=first.id) is None
