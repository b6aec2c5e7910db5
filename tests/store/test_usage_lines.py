"""Calls on the ledger, in the book: with usage billing on, a run posts each
customer's net cost of calls as one usage line a day, exactly once, after the
usage grace days, from the post-from date; prepaid usage comes off the
balance; a late call for a posted day is not billed; the usage lines are a
third hash chain, counted in the balances; each customer's mark keeps a run
to what is due. With usage billing off nothing is posted, but minimum spend
counts the net cost of calls either way."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from billing.schedule import Frequency
from store import chain, settings
from store.customers import create_customer, get_customer
from store.ledger import check_balances, ledger_balance, statement, unbilled_total
from store.errors import RunRefused
from store.runs import commit_run, plan_run
from store.usage import add_usage
from store.usage_marks import rebuild_usage_marks
from billing.accounts import CustomerDraft

from tests.helpers.books import allocate, customer, package
from tests.helpers.calls import add_calls, bundle_package, give, usage_lines, usage_mark, worked_calls
from tests.helpers.raw import ledger_rows, raw

pytestmark = pytest.mark.both_engines

D = Decimal


@pytest.fixture
def billed(book):
    """The book with usage billing on (and the test clock: runs post up to the day given)."""
    settings.update(usage_billing=True, test_clock=True)
    return book


@pytest.fixture
def acme(billed):
    who = customer("Acme")
    give(who, bundle_package())
    return who


def run(day: date, *, grace: int = 0, **kw):
    plan = plan_run(day, day, 2, grace_days=grace, **kw)
    return plan, commit_run(plan, day, kw.get("customer_id"))


def usage_of(plan) -> list[tuple]:
    return [(line.customer, c.date.isoformat(), c.amount) for line, c in plan.usage]


# --- the worked example ---------------------------------------------------------------


def test_the_worked_example_posts_one_line_a_day_of_the_net_cost(acme, billed, tmp_path):
    add_calls(tmp_path, worked_calls("Acme"))
    plan, result = run(date(2026, 2, 10))
    assert usage_of(plan) == [("Acme", "2026-01-05", D("0.52")), ("Acme", "2026-02-02", D("0.00"))]
    assert result.posted == 2 and result.retail == D("0.52")
    # 4 calls of 126 minutes, 100 of them free; next month's call free again.
    assert usage_lines(billed) == [
        (acme.id, "2026-01-05", D("0.52"), 4, 126 * 60, 100 * 60, 1),
        (acme.id, "2026-02-02", D("0"), 1, 600, 600, 1),
    ]
    assert get_customer(acme.id).balance == D("-0.52")  # prepaid: off the balance
    assert check_balances() == []
    _opening, lines = statement(acme.id)
    assert [(str(l.date), l.what, l.detail, l.debit) for l in lines] == [
        ("2026-01-05", "usage", "calls: 4 calls, 126 min, 100 min free", D("0.52")),
        ("2026-02-02", "usage", "calls: 1 call, 10 min, 10 min free", D("0")),
    ]
    verdict = chain.verify("usage_line")
    assert verdict.ok and verdict.lines == 2
    assert ledger_rows(billed) == []  # nothing of the calls in the ledger of charges


# --- exactly once -----------------------------------------------------------------------


def test_a_second_run_and_a_rerun_post_nothing_again(acme, billed, tmp_path):
    add_calls(tmp_path, worked_calls("Acme"))
    stale = plan_run(date(2026, 2, 10), date(2026, 2, 10), 2)  # planned before the first run posts
    run(date(2026, 2, 10))
    again, result = run(date(2026, 2, 10))
    assert again.usage == [] and result.posted == 0
    late = commit_run(stale, date(2026, 2, 10))
    assert (late.posted, late.already) == (0, 2)
    assert len(usage_lines(billed)) == 2 and get_customer(acme.id).balance == D("-0.52")
    assert chain.verify("usage_line").ok and check_balances() == []


def test_the_usage_lines_are_append_only(acme, billed, tmp_path):
    add_calls(tmp_path, worked_calls("Acme"))
    run(date(2026, 2, 10))
    for sql in ("UPDATE usage_line SET amount = 1", "DELETE FROM usage_line"):
        con = raw(billed)
        with pytest.raises(Exception) as refused:
            con.execute(sql)
        assert "append-only" in str(refused.value)
        con.close()
    assert len(usage_lines(billed)) == 2


@pytest.mark.sqlite_only("forges a line by dropping SQLite's trigger with sqlite3")
def test_a_tampered_usage_line_breaks_the_chain(acme, billed, tmp_path):
    add_calls(tmp_path, worked_calls("Acme"))
    run(date(2026, 2, 10))
    con = raw(billed, user="mallory")
    con.executescript("DROP TRIGGER usage_line_append_only_update; UPDATE usage_line SET amount = 20000 WHERE id = 2;")
    con.close()
    verdict = chain.verify("usage_line")
    assert verdict.broken_at == 2 and verdict.lines == 1


# --- when a day is due --------------------------------------------------------------------


def test_a_day_waits_for_the_usage_grace_days(acme, billed, tmp_path):
    add_calls(tmp_path, worked_calls("Acme")[:4])
    plan, _ = run(date(2026, 1, 6), grace=2)
    assert plan.usage == [] and usage_lines(billed) == []
    assert usage_mark(billed, acme.id)[0] == "2026-01-05"  # still owed
    plan, _ = run(date(2026, 1, 7), grace=2)
    assert usage_of(plan) == [("Acme", "2026-01-05", D("0.52"))]


def test_days_before_post_from_are_never_posted_but_still_use_the_minutes(acme, billed, tmp_path):
    settings.update(post_from=date(2026, 1, 10))
    add_calls(tmp_path, worked_calls("Acme")[:2] + [("late", "Acme", "2026-01-12 09:00:00", "447700900009", 10, "0.20")])
    plan, _ = run(date(2026, 1, 20))
    # 5 January is before post-from: skipped; its 100 free minutes are gone all the same.
    assert usage_of(plan) == [("Acme", "2026-01-12", D("0.20"))]
    assert plan.skipped_count == 1
    assert plan_run(date(2026, 1, 21), date(2026, 1, 21), 2).skipped_count == 0  # skipped for good


def test_a_run_since_a_date_leaves_the_days_before_owed(acme, billed, tmp_path):
    add_calls(tmp_path, worked_calls("Acme")[:4] + [("late", "Acme", "2026-01-12 09:00:00", "12125550100", 10, "0.20")])
    plan, _ = run(date(2026, 1, 20), since=date(2026, 1, 10))
    assert usage_of(plan) == [("Acme", "2026-01-12", D("0.20"))]
    assert usage_mark(billed, acme.id)[0] == "2026-01-05"
    plan, _ = run(date(2026, 1, 20))
    assert usage_of(plan) == [("Acme", "2026-01-05", D("0.52"))]


# --- whose balance --------------------------------------------------------------------------


def test_prepaid_usage_comes_off_the_balance_and_postpaid_usage_is_unbilled(acme, billed, tmp_path):
    later = create_customer(CustomerDraft("Blue"), usage_prepaid=False)
    add_calls(tmp_path, worked_calls("Acme")[:4] + [("b1", "Blue", "2026-01-05 09:00:00", "447700900001", 5, "0.40")])
    run(date(2026, 1, 10))
    assert get_customer(acme.id).balance == D("-0.52") and unbilled_total(acme.id) == 0
    assert get_customer(later.id).balance == 0 and unbilled_total(later.id) == D("0.40")
    assert ledger_balance(later.id) == 0 and check_balances() == []
    (line,) = statement(later.id)[1]
    assert (line.what, line.debit, line.unbilled, line.balance) == ("usage", 0, D("0.40"), None)


# --- off, and minimum spend -----------------------------------------------------------------


def test_usage_billing_off_posts_nothing_but_minimum_spend_counts_the_net_cost_of_calls(book, tmp_path):
    settings.update(test_clock=True)
    acme = customer("Acme")
    give(acme, bundle_package())
    allocate(acme, package("Commitment", "10", frequency=Frequency.MONTHLY, match=(1,), minimum_spend=True), date(2026, 1, 1))
    add_calls(tmp_path, worked_calls("Acme")[:4])
    add_usage(acme.id, date(2026, 1, 20), D("1.00"))
    plan, _ = run(date(2026, 2, 1))
    assert plan.usage == [] and usage_lines(book) == []
    # Spend in January: usage records 1.00 and calls net of free minutes 0.52 (not their 2.52).
    (true_up,) = [r for r in ledger_rows(book) if r["kind"] == "minimum_spend"]
    assert true_up["amount"] == D("8.48")


# --- late calls, marks ------------------------------------------------------------------------


def test_a_call_imported_for_a_posted_day_is_not_billed_and_the_import_says_so(acme, billed, tmp_path):
    add_calls(tmp_path, worked_calls("Acme")[:4])
    run(date(2026, 1, 10))
    late = add_calls(tmp_path, [("x1", "Acme", "2026-01-05 20:00:00", "12125550100", 5, "0.10"),
                                ("x2", "Acme", "2026-01-04 20:00:00", "12125550100", 5, "0.30")], "late.csv")
    assert (late.added, late.on_posted) == (2, 1)
    assert usage_mark(billed, acme.id)[0] == "2026-01-04"
    plan, _ = run(date(2026, 1, 10))
    assert usage_of(plan) == [("Acme", "2026-01-04", D("0.30"))]  # 5 January stays as posted
    assert [(l[1], l[2]) for l in usage_lines(billed)] == [("2026-01-05", D("0.52")), ("2026-01-04", D("0.30"))]
    assert chain.verify("usage_line").ok and check_balances() == []


def test_calls_imported_between_a_plan_and_its_commit_are_not_passed_by_the_mark(acme, billed, tmp_path):
    add_calls(tmp_path, worked_calls("Acme")[:4])
    plan = plan_run(date(2026, 1, 10), date(2026, 1, 10), 2)
    add_calls(tmp_path, [("m1", "Acme", "2026-01-08 09:00:00", "12125550100", 5, "0.30")], "meanwhile.csv")
    commit_run(plan, date(2026, 1, 10))
    again, _ = run(date(2026, 1, 10))
    assert usage_of(again) == [("Acme", "2026-01-08", D("0.30"))]


def test_a_run_reads_only_customers_whose_calls_are_due(acme, billed, tmp_path):
    quiet = customer("Quiet")
    add_calls(tmp_path, worked_calls("Acme")[:4] + [("q1", "Quiet", "2026-01-02 09:00:00", "12125550100", 1, "0.01"),
                                                    ("a9", "Acme", "2026-01-20 09:00:00", "12125550100", 1, "0.01")])
    run(date(2026, 1, 10))
    # Acme's mark moves to its next day of calls; Quiet's past its last: nothing left to read.
    assert usage_mark(billed, acme.id)[0] == "2026-01-20" and usage_mark(billed, quiet.id)[0] is None
    assert plan_run(date(2026, 1, 19), date(2026, 1, 19), 2).usage_marks == {}
    assert list(plan_run(date(2026, 1, 20), date(2026, 1, 20), 2).usage_marks) == [acme.id]
    # Worked out again from the calls and the usage lines alone: the same plan.
    before = usage_of(plan_run(date(2026, 1, 25), date(2026, 1, 25), 2))
    assert rebuild_usage_marks() == 1
    assert usage_of(plan_run(date(2026, 1, 25), date(2026, 1, 25), 2)) == before == [("Acme", "2026-01-20", D("0.01"))]


def test_a_run_for_one_customer_posts_only_its_usage(acme, billed, tmp_path):
    blue = customer("Blue")
    add_calls(tmp_path, worked_calls("Acme")[:4] + [("b1", "Blue", "2026-01-05 09:00:00", "12125550100", 5, "0.40")])
    plan, _ = run(date(2026, 1, 10), customer_id=blue.id)
    assert usage_of(plan) == [("Blue", "2026-01-05", D("0.40"))]
    assert usage_mark(billed, acme.id)[0] == "2026-01-05"
    plan, _ = run(date(2026, 1, 10))
    assert usage_of(plan) == [("Acme", "2026-01-05", D("0.52"))]


def test_the_precision_is_fixed_once_a_usage_line_is_posted(acme, billed, tmp_path):
    add_calls(tmp_path, worked_calls("Acme")[:4])
    run(date(2026, 1, 10))
    with pytest.raises(Exception) as refused:
        settings.update(precision=3)
    assert "precision is fixed" in str(refused.value)
    assert settings.load().precision == 2


def test_a_day_of_calls_past_the_largest_line_refuses_the_run_and_posts_nothing(acme, billed, tmp_path):
    many = [(f"big{n}", "Acme", "2026-01-05 09:00:00", "12125550100", 1, "1000000000") for n in range(1001)]
    add_calls(tmp_path, many)
    with pytest.raises(RunRefused) as refused:
        plan_run(date(2026, 1, 10), date(2026, 1, 10), 2)
    assert "Acme's calls of 2026-01-05 come to 1001000000000.00" in str(refused.value)
    assert "nothing was posted" in str(refused.value)
    assert usage_lines(billed) == [] and usage_mark(billed, acme.id)[0] == "2026-01-05"
