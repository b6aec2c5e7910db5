"""True-ups a run lists but does not post (store.runs.plan_run's
`pending`): held back by the book's usage grace days, or estimates of periods
not ended by today in a preview for a later date (BILLING.md, "Posting")."""

from __future__ import annotations

from datetime import date

import pytest

from billing.schedule import Frequency
from store.errors import RunRefused
from store.runs import commit_run, plan_run
from store.usage import add_usage

from tests.helpers.books import D, allocate, customer, opened, package
from tests.helpers.raw import query

pytestmark = pytest.mark.both_engines


def pending(plan) -> list[tuple]:
    return [(str(c.date), c.amount, c.basis.estimate, str(due)) for _, c, due in plan.pending]


def test_worked_example_usage_grace_two_days(db):
    """monthly [1], retail 50, minimum spend, usage grace 2 days; qty 1 from
    2025-03-01: the true-up dated 04-01 is posted by a run on 04-03 or later,
    counting usage imported on 04-02."""
    with opened(db):
        commit = package("Commit", "50", frequency=Frequency.MONTHLY, match=(1,), minimum_spend=True)
        acme = customer("Acme")
        allocate(acme, commit, date(2025, 3, 1))
        add_usage(acme.id, date(2025, 3, 10), D("10"))
        on_first = plan_run(date(2025, 4, 1), date(2025, 4, 1), 2, grace_days=2)
        assert on_first.lines == [] or all(c.kind != "minimum_spend" for _, c in on_first.lines)
        assert pending(on_first) == [("2025-04-01", D("40.00"), False, "2025-04-03")]
        add_usage(acme.id, date(2025, 3, 31), D("15"))  # imported on the 2nd
        on_second = plan_run(date(2025, 4, 2), date(2025, 4, 2), 2, grace_days=2)
        assert pending(on_second) == [("2025-04-01", D("25.00"), False, "2025-04-03")]
        on_third = plan_run(date(2025, 4, 3), date(2025, 4, 3), 2, grace_days=2)
        assert [(str(c.date), c.amount) for _, c in on_third.lines if c.kind == "minimum_spend"] == [("2025-04-01", D("25.00"))]
        assert on_third.pending == []


def test_a_preview_after_today_lists_estimated_true_ups_and_cant_be_committed(db):
    with opened(db):
        commit = package("Commit", "50", frequency=Frequency.MONTHLY, match=(1,), minimum_spend=True)
        acme = customer("Acme")
        a = allocate(acme, commit, date(2025, 3, 1))
        add_usage(acme.id, date(2025, 3, 5), D("30"))  # 30 in the last 30 days: 1.00 a day
        today = date(2025, 3, 11)
        plan = plan_run(date(2025, 5, 2), today, 2)
        # March: 30 known + 1.00 x 21 days to come = 51: nothing; April: 30 days x 1.00 = 30: 20.00.
        assert pending(plan) == [("2025-05-01", D("20.00"), True, "2025-05-01")]
        with pytest.raises(RunRefused, match="after today"):
            commit_run(plan, today)
        # A run up to today posts no estimate and leaves the true-ups owed.
        commit_run(plan_run(today, today, 2), today)
        assert query(db, "SELECT COUNT(*) FROM ledger WHERE kind = 'minimum_spend'") == [(0,)]
        assert query(db, "SELECT true_ups_from FROM allocation WHERE id = ?", (a.id,)) == [("2025-04-01",)]


def test_a_run_dated_after_the_given_today_never_passes_an_estimated_true_up(db):
    """A run whose today is before its date (a fixed --today while the real
    date is later) doesn't post estimates, and its marks stay before them."""
    with opened(db):
        commit = package("Commit", "50", frequency=Frequency.MONTHLY, match=(1,), minimum_spend=True)
        a = allocate(customer("Acme"), commit, date(2025, 3, 1))
        plan = plan_run(date(2025, 4, 5), date(2025, 3, 20), 2)
        assert [c.basis.estimate for _, c, _ in plan.pending] == [True]
        assert plan.marks.get(a.id, (None, date(2025, 3, 1)))[1] <= date(2025, 4, 1)
