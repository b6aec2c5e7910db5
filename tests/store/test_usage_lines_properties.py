"""Properties of usage lines through the book, for any calls: importing the
same calls file again changes nothing (no call, no line, no balance, no
mark), a second run posts nothing, and the seconds free minutes cover in a
period are exactly what the bundle holds or the calls it covers, whichever
is less: never more than its minutes.

Each example is a customer of its own in one book (a book per example would
make a PostgreSQL database each time)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store import settings as book_settings
from store.calls import import_calls
from store.customers import get_customer
from store.runs import commit_run, plan_run

from tests.helpers.books import customer
from tests.helpers.calls import bundle_package, calls_file, give
from tests.helpers.raw import count, query

pytestmark = pytest.mark.both_engines

D = Decimal
JAN_1 = date(2026, 1, 1)
RUN = date(2026, 3, 20)
PERIODS = [(date(2026, 1, 1), date(2026, 2, 1)), (date(2026, 2, 1), date(2026, 3, 1)), (date(2026, 3, 1), date(2026, 4, 1))]
_NUMBERS = itertools.count(1)

CALLS = st.lists(
    st.tuples(
        st.integers(0, 68),  # day from 1 January
        st.integers(0, 86_399),  # second of the day
        st.sampled_from(["4420790001", "447700900", "91987654", "12125550100"]),
        st.integers(0, 3600),
        st.integers(0, 200_000),  # cost in micro-units
    ),
    min_size=1,
    max_size=25,
)


@pytest.fixture
def billed(book):
    book_settings.update(usage_billing=True, test_clock=True)
    return book


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(calls=CALLS, minutes=st.integers(0, 40), quantity=st.integers(1, 2))
def test_importing_again_changes_nothing_and_free_seconds_stay_within_the_minutes(billed, tmp_path, calls, minutes, quantity):
    n = next(_NUMBERS)
    who = customer(f"Customer {n}")
    give(who, bundle_package(f"UK {n}", minutes), quantity=quantity)
    rows = []
    for i, (day, second, destination, seconds, micros) in enumerate(calls):
        start = f"{JAN_1 + timedelta(days=day)} {second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}"
        rows.append(f"c{n}-{i},Customer {n},{start},{destination},{seconds}s,{format(D(micros).scaleb(-6), 'f')}")
    path = calls_file(tmp_path, [tuple(r.split(",")) for r in rows], f"calls-{n}.csv")
    first = import_calls(path)
    assert first.added == len(calls)
    commit_run(plan_run(RUN, RUN, 2, who.id), RUN, who.id)

    def state():
        return (
            query(billed, "SELECT date, amount, calls, seconds, free_seconds FROM usage_line WHERE customer_id = ? ORDER BY date", (who.id,)),
            count(billed, "call"), get_customer(who.id).balance,
            query(billed, "SELECT usage_from, usage_seq FROM customer WHERE id = ?", (who.id,)),
        )

    before = state()
    again = import_calls(path)
    assert (again.added, again.already, again.on_posted) == (0, len(calls), 0)
    assert state() == before
    second = commit_run(plan_run(RUN, RUN, 2, who.id), RUN, who.id)
    assert second.posted == 0 and state() == before

    lines = before[0]
    assert sum(line[2] for line in lines) == len(calls)  # every call on its day's line
    free = minutes * 60 * quantity
    for a, b in PERIODS:
        inside = [line for line in lines if a <= date.fromisoformat(str(line[0])) < b]
        covered = sum(line[4] for line in inside)
        uk_seconds = sum(
            seconds for day, _s, destination, seconds, _c in calls
            if a <= JAN_1 + timedelta(days=day) < b and destination.startswith("44")
        )
        assert covered == min(free, uk_seconds)
        assert all(0 <= line[4] <= line[3] for line in inside)
