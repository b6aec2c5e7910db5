"""Run marks: a run reads only the allocations that may owe a line, and still
misses nothing that is due.

Each case compares the plan from the marks with the plan read from every
allocation's start (`from_start`, what `packdesk check` compares), and checks
what was posted, so a mark that moved too far shows as a missing line.
"""

from __future__ import annotations

import shutil
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.accounts import AllocationDraft
from billing.schedule import Frequency
from store import marks
from store.allocations import get_allocation, update_allocation
from store.packages import get_package, update_package
from store.runs import commit_run, plan_run, rebuild_marks, set_post_from
from store.usage import add_usage, delete_usage

from tests.helpers.books import D, allocate, customer, opened, package
from tests.helpers.raw import ledger_keys, query
import pytest

pytestmark = pytest.mark.both_engines

JAN1 = date(2025, 1, 1)


def day(n: int) -> date:
    return JAN1 + timedelta(days=n)


def lines_of(plan) -> list[tuple]:
    return [(a.id, c.kind, c.date, c.amount, c.cost) for a, c in plan.lines]


def run(on: date, **kw):
    """Commit a run for `on` (with the test clock: today is `on`)."""
    plan = plan_run(on, on, 2, **kw)
    commit_run(plan, on)
    return plan


def assert_marks_miss_nothing(on: date, today: date | None = None, **kw) -> list[tuple]:
    today = today or on
    from_marks = lines_of(plan_run(on, today, 2, **kw))
    assert from_marks == lines_of(plan_run(on, today, 2, from_start=True, **kw))
    return from_marks


def marks_of(allocation_id: int) -> tuple:
    return marks.read([allocation_id])[allocation_id]


def test_a_run_reads_only_what_is_due(db):
    with opened(db):
        monthly = package("Seat", "10", frequency=Frequency.MONTHLY, match=(1,))
        daily = package("DID", "0.50", frequency=Frequency.DAILY)
        acme = customer("Acme")
        seats = [allocate(acme, monthly, JAN1) for _ in range(20)]
        dids = [allocate(acme, daily, JAN1) for _ in range(3)]
        run(date(2025, 3, 31))
        assert marks_of(seats[0].id) == (date(2025, 4, 1), None)
        assert marks_of(dids[0].id) == (date(2025, 4, 1), None)
        run(date(2025, 4, 1))
        assert marks_of(seats[0].id) == (date(2025, 5, 1), None)
        # Mid-month only the daily allocations can owe a line.
        assert marks.due_ids(date(2025, 4, 10), date(2025, 4, 10)) == sorted(a.id for a in dids)
        plan = run(date(2025, 4, 10))
        assert len(plan.lines) == 3 * 9
        # On the 1st of next month the seats are due again, and only that day's lines.
        assert len(marks.due_ids(date(2025, 5, 1), date(2025, 5, 1))) == 23
        assert_marks_miss_nothing(date(2025, 5, 1))


def test_missed_days_are_caught_up(db):
    with opened(db):
        did = allocate(customer("Acme"), package("DID", "1", frequency=Frequency.DAILY), JAN1)
        run(day(0))
        plan = run(day(9))
        assert [c.date for _, c in plan.lines] == [day(n) for n in range(1, 10)]
        assert marks_of(did.id) == (day(10), None)


def test_lines_skipped_by_since_stay_owed(db):
    with opened(db):
        did = allocate(customer("Acme"), package("DID", "1", frequency=Frequency.DAILY), JAN1)
        plan = plan_run(day(9), day(9), 2, since=day(5))
        commit_run(plan, day(9))
        assert plan.skipped_count == 5
        assert marks_of(did.id)[0] == day(0)  # the mark waits before the skipped lines
        owed = assert_marks_miss_nothing(day(9))
        assert [d for _, _, d, _, _ in owed] == [day(n) for n in range(5)]


def test_lines_before_post_from_are_passed_for_good_and_owed_again_when_it_moves_back(db):
    with opened(db):
        did = allocate(customer("Acme"), package("DID", "1", frequency=Frequency.DAILY), JAN1)
        set_post_from(day(5))
        run(day(9))
        assert marks_of(did.id)[0] == day(10)
        set_post_from(None)
        assert marks_of(did.id)[0] == JAN1
        assert [c.date for _, c in run(day(9)).lines] == [day(n) for n in range(5)]


def test_a_start_moved_earlier_after_posting(db):
    with opened(db):
        did = allocate(customer("Acme"), package("DID", "1", frequency=Frequency.DAILY), day(10))
        run(day(20))
        current = get_allocation(did.id)
        update_allocation(did.id, current.version, current.package_id, AllocationDraft(1, day(3), None, False, False, ""))
        assert marks_of(did.id)[0] == day(3)
        assert [c.date for _, c in run(day(20)).lines] == [day(n) for n in range(3, 10)]


def test_an_end_removed_after_posting(db):
    with opened(db):
        did = allocate(customer("Acme"), package("DID", "1", frequency=Frequency.DAILY), JAN1, end=day(4))
        run(day(20))
        assert marks_of(did.id)[0] is None  # ended: nothing more owed
        assert marks.due_ids(day(30), day(30)) == []
        current = get_allocation(did.id)
        update_allocation(did.id, current.version, current.package_id, AllocationDraft(1, JAN1, None, False, False, ""))
        assert [c.date for _, c in run(day(20)).lines] == [day(n) for n in range(5, 21)]


def test_a_package_change_sends_its_allocations_back_to_their_start(db):
    with opened(db):
        seat = package("Seat", "10", frequency=Frequency.MONTHLY, match=(1,))
        acme = customer("Acme")
        a = allocate(acme, seat, JAN1)
        run(date(2025, 3, 5))
        row = get_package(seat.id)
        update_package(seat.id, row.version, row.draft().with_(frequency=Frequency.MONTHLY, match=(1, 15)))
        assert marks_of(a.id)[0] == JAN1
        posted = [d for _, _, d, _, _ in assert_marks_miss_nothing(date(2025, 3, 20))]
        assert posted == [date(2025, 1, 15), date(2025, 2, 15), date(2025, 3, 15)]


def test_true_ups_wait_for_grace_days_and_count_late_usage(db):
    with opened(db):
        commit = package("Commit", "50", frequency=Frequency.MONTHLY, match=(1,), minimum_spend=True)
        acme = customer("Acme")
        a = allocate(acme, commit, date(2025, 3, 1))
        add_usage(acme.id, date(2025, 3, 10), D("10"))
        run(date(2025, 4, 1), grace_days=2)
        assert query(db, "SELECT COUNT(*) FROM ledger WHERE kind = 'minimum_spend'") == [(0,)]
        assert marks_of(a.id)[1] == date(2025, 4, 1)
        add_usage(acme.id, date(2025, 3, 31), D("15"))  # the switch's last day arrives on the 2nd
        run(date(2025, 4, 2), grace_days=2)
        assert query(db, "SELECT COUNT(*) FROM ledger WHERE kind = 'minimum_spend'") == [(0,)]
        plan = run(date(2025, 4, 3), grace_days=2)
        (true_up,) = [c for _, c in plan.lines if c.kind == "minimum_spend"]
        assert (true_up.date, true_up.amount) == (date(2025, 4, 1), D("25.00"))
        assert marks_of(a.id)[1] == date(2025, 5, 1)


def test_a_true_up_of_nothing_is_owed_again_when_usage_is_corrected(db):
    with opened(db):
        commit = package("Commit", "50", frequency=Frequency.MONTHLY, match=(1,), minimum_spend=True)
        acme = customer("Acme")
        a = allocate(acme, commit, date(2025, 3, 1))
        big = add_usage(acme.id, date(2025, 3, 10), D("80"))
        run(date(2025, 4, 5))
        assert marks_of(a.id)[1] == date(2025, 5, 1)  # March covered: passed
        delete_usage(big.id)
        assert marks_of(a.id)[1] == date(2025, 3, 10)
        lines = assert_marks_miss_nothing(date(2025, 4, 5))
        assert [(k, d, amount) for _, k, d, amount, _ in lines] == [("minimum_spend", date(2025, 4, 1), D("50.00"))]


def test_marks_rebuilt_from_the_ledger_give_the_same_plan(db):
    with opened(db):
        daily = package("DID", "0.125", frequency=Frequency.DAILY)
        weekly = package("Trunk", "5", frequency=Frequency.WEEKLY, match=(0, 3))
        commit = package("Commit", "40", cost="3", frequency=Frequency.MONTHLY, match=(15,), minimum_spend=True)
        acme, beta = customer("Acme"), customer("Beta")
        allocate(acme, daily, JAN1, end=day(40))
        allocate(beta, weekly, day(3))
        allocate(acme, commit, day(2))
        allocate(beta, commit, day(20), end=day(70))
        add_usage(acme.id, day(30), D("12"))
        plan = plan_run(day(35), day(35), 2, since=day(10))  # leaves day(0)..day(9) owed
        commit_run(plan, day(35))
        run(day(50))
        before = {r[0]: r[1:] for r in query(db, "SELECT id, charges_from, true_ups_from FROM allocation")}
        expected = lines_of(plan_run(day(75), day(75), 2))
        query(db, "UPDATE allocation SET charges_from = NULL, true_ups_from = NULL")  # marks lost
        rebuild_marks(day(50), day(50), 2)
        after = {r[0]: r[1:] for r in query(db, "SELECT id, charges_from, true_ups_from FROM allocation")}
        assert after == before
        assert lines_of(plan_run(day(75), day(75), 2)) == expected == lines_of(plan_run(day(75), day(75), 2, from_start=True))


# --- random edits and daily runs ------------------------------------------------------

OPS = st.lists(
    st.one_of(
        st.tuples(st.just("run"), st.integers(1, 12)),
        st.tuples(st.just("since"), st.integers(1, 12), st.integers(1, 10)),
        st.tuples(st.just("allocate"), st.integers(0, 2), st.integers(-20, 30), st.one_of(st.none(), st.integers(0, 60))),
        st.tuples(st.just("move"), st.integers(0, 9), st.integers(-30, 30), st.one_of(st.none(), st.integers(0, 60))),
        st.tuples(st.just("usage"), st.integers(-40, 0), st.integers(1, 90)),
        st.tuples(st.just("price"), st.integers(0, 2), st.integers(1, 40)),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_random_edits_and_runs_never_leave_a_due_line_behind(tmp_path_factory, ops):
    path = tmp_path_factory.mktemp("marks") / "book.db"
    shutil.copy(_template(tmp_path_factory), path)
    today = day(0)
    with opened(path):
        acme = customer("Acme")
        packages = [get_package(i) for i in (1, 2, 3)]
        allocations = [allocate(acme, packages[0], day(-10))]
        for op in ops:
            if op[0] == "run":
                today += timedelta(days=op[1])
                run(today)
            elif op[0] == "since":
                today += timedelta(days=op[1])
                commit_run(plan_run(today, today, 2, since=today - timedelta(days=op[2])), today)
            elif op[0] == "allocate":
                end = None if op[3] is None else today + timedelta(days=op[2] + op[3])
                allocations.append(allocate(acme, packages[op[1]], today + timedelta(days=op[2]), end=end))
            elif op[0] == "move":
                row = get_allocation(allocations[op[1] % len(allocations)].id)
                start = row.start + timedelta(days=op[2])
                end = None if op[3] is None else start + timedelta(days=op[3])
                update_allocation(row.id, row.version, row.package_id, AllocationDraft(row.quantity, start, end, False, False, ""))
            elif op[0] == "usage":
                add_usage(acme.id, today + timedelta(days=op[1]), D(op[2]))
            else:
                row = get_package(packages[op[1]].id)
                update_package(row.id, row.version, row.draft().with_(retail=D(op[2])))
            assert_marks_miss_nothing(today + timedelta(days=3), today)
        # Whatever the marks said, one big catch-up on a copy with every mark
        # back at the start finds nothing more to post.
        run(today)
    copy = path.with_name("copy.db")
    shutil.copy(path, copy)
    with opened(copy):
        marks.reset_all()
        assert plan_run(today, today, 2).lines == []
    assert len(ledger_keys(path)) == len(set(ledger_keys(path)))


_TEMPLATES: dict = {}


def _template(factory):
    """A book with three packages (daily, weekly, a minimum-spend monthly),
    made once and copied for each example."""
    if "path" not in _TEMPLATES:
        path = factory.mktemp("template") / "book.db"
        with opened(path):
            package("DID", "0.50", "0.10", "2", frequency=Frequency.DAILY)
            package("Trunk", "7", "3", frequency=Frequency.WEEKLY, match=(1, 4))
            package("Commit", "30", "5", frequency=Frequency.MONTHLY, match=(1, 31), minimum_spend=True)
        _TEMPLATES["path"] = path
    return _TEMPLATES["path"]
