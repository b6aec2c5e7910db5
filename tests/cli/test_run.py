"""The billing run (BILLING.md, "Posting"): simulate lists exactly what commit
posts, each charge is posted once, a missed day is caught up, the future is
refused, --since and the book's post-from date skip history, minimum-spend
true-ups are posted once their period has ended, balances move with
auto-decrement lines only, `check` proves them, payments reverse cleanly, and
posted lines keep the prices they were posted with.

The command line runs in-process (tui.cli.main) against a closed book file
under tmp_path; the tests read the file back with sqlite3.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest

from billing.money import format_money
from billing.schedule import Frequency
from store.errors import RunRefused
from store.ledger import check_balances, ledger_balance, statement, unbilled_total
from store.runs import commit_run, plan_run, post_from
from store.packages import find_package, update_package
from store.usage import add_usage

from tests.helpers.books import allocate, balance_of, customer, days, opened, package
from tests.helpers.cli import TODAY, cli, key_of, run_json
from tests.helpers.raw import count, ledger_keys, ledger_rows, query, raw

pytestmark = pytest.mark.both_engines

D = Decimal
MAR = lambda day: date(2025, 3, day)  # noqa: E731
APR = lambda day: date(2025, 4, day)  # noqa: E731


def mixed_book(db) -> None:
    """Two customers, every kind of line: setup, daily, weekly, monthly with
    quantity, a minimum-spend true-up, auto-decrement and not."""
    with opened(db):
        acme, blue = customer("Acme Telecom"), customer("Blue Fish Ltd")
        daily = package("Daily number", "1.25", "0.50", "5", "2")
        weekly = package("Fax", "2.50", "0.90", frequency=Frequency.WEEKLY, match=(0, 3))
        monthly = package("PBX seat", "12.00", "4.20", "25", "8", frequency=Frequency.MONTHLY, match=(1, 15))
        bundle = package("Call bundle", "50", frequency=Frequency.MONTHLY, match=(1,), minimum_spend=True)
        allocate(acme, daily, MAR(20), auto=True)
        allocate(acme, monthly, MAR(3), quantity=3, auto=True)
        allocate(blue, weekly, MAR(1))
        allocate(blue, bundle, MAR(1))
        allocate(blue, daily, APR(2), end=APR(5))
        add_usage(blue.id, MAR(10), D("20"))


# --- simulate and commit ----------------------------------------------------------------


def test_simulate_lists_exactly_what_commit_posts_and_writes_nothing(db, capsys):
    mixed_book(db)
    simulated = run_json(capsys, db, APR(8))
    kinds = {line["kind"] for line in simulated}
    assert kinds == {"setup", "recurring", "minimum_spend"}
    assert count(db, "ledger") == 0 and count(db, "billing_run") == 0
    with opened(db):
        assert balance_of("Acme Telecom") == 0

    code, out, err = cli(capsys, "run", "--db", str(db), "--today", TODAY.isoformat(), "--date", APR(8).isoformat())
    assert code == 0 and "nothing is written" in out
    assert count(db, "ledger") == 0

    posted = run_json(capsys, db, APR(8), commit=True)
    assert posted == simulated
    # The ledger holds exactly those lines, with those amounts.
    rows = {(r["allocation_id"], r["kind"], r["date"]): r for r in ledger_rows(db)}
    assert sorted(rows) == sorted(key_of(line) for line in posted)
    for line in posted:
        row = rows[key_of(line)]
        assert format_money(row["amount"], 2) == line["amount"]
        assert format_money(row["cost"], 2) == line["cost"]
        assert (row["period_start"], row["period_end"]) == (line["period_start"], line["period_end"])
        assert row["quantity"] == line["quantity"]


def test_simulate_equals_commit_in_csv_too(db, capsys):
    mixed_book(db)
    base = ["run", "--db", str(db), "--today", TODAY.isoformat(), "--date", APR(8).isoformat(), "--format", "csv"]
    code, simulated, _ = cli(capsys, *base)
    assert code == 0 and simulated.count("\n") > 10
    code, posted, _ = cli(capsys, *base, "--commit")
    assert code == 0
    assert posted == simulated


def test_committing_twice_posts_once(db, capsys):
    mixed_book(db)
    first = run_json(capsys, db, APR(8), commit=True)
    rows = ledger_rows(db)
    assert len(rows) == len(first) > 0
    with opened(db):
        acme_after_first = balance_of("Acme Telecom")

    second = run_json(capsys, db, APR(8), commit=True)
    assert second == []
    code, out, _ = cli(
        capsys, "run", "--db", str(db), "--today", TODAY.isoformat(), "--date", APR(8).isoformat(), "--commit"
    )
    assert code == 0
    assert "Nothing to post for 2025-04-08" in out
    assert ledger_rows(db) == rows
    with opened(db):
        assert balance_of("Acme Telecom") == acme_after_first
        assert check_balances() == []
    # And a simulation now has nothing left to show.
    assert run_json(capsys, db, APR(8)) == []


def test_a_missed_day_is_caught_up(db, capsys):
    with opened(db):
        who = customer("Acme Telecom")
        daily = package("Daily number", "1.25", "0.50")
        allocated = allocate(who, daily, MAR(1), auto=True)
    first = run_json(capsys, db, MAR(1), today=MAR(1), commit=True)
    assert [line["date"] for line in first] == ["2025-03-01"]
    # Nobody ran on 03-02; the run on 03-03 posts both days.
    caught_up = run_json(capsys, db, MAR(3), today=MAR(3), commit=True)
    assert [(line["date"], line["amount"]) for line in caught_up] == [("2025-03-02", "1.25"), ("2025-03-03", "1.25")]
    assert sorted(ledger_keys(db)) == [(allocated.id, "recurring", f"2025-03-0{d}") for d in (1, 2, 3)]
    with opened(db):
        assert balance_of("Acme Telecom") == D("-3.75")


def test_committing_a_date_after_today_is_refused(db, capsys):
    mixed_book(db)
    with opened(db) as book:
        book.update_settings(test_clock=True)  # TODAY is the book's today
    tomorrow = TODAY + timedelta(days=1)
    code, out, err = cli(
        capsys, "run", "--db", str(db), "--today", TODAY.isoformat(), "--date", tomorrow.isoformat(), "--commit"
    )
    assert code == 2
    assert "after today" in err and tomorrow.isoformat() in err and TODAY.isoformat() in err
    assert out == ""
    assert count(db, "ledger") == 0 and count(db, "billing_run") == 0
    # Simulating the future is allowed and shows the lines a run would post then.
    future = run_json(capsys, db, tomorrow)
    assert any(line["date"] == tomorrow.isoformat() for line in future)
    # The store refuses too, before writing anything.
    with opened(db) as book:
        plan = plan_run(tomorrow, TODAY, book.settings.precision)
        assert plan.lines
        try:
            commit_run(plan, TODAY)
        except RunRefused as exc:
            assert "after today" in str(exc)
        else:
            raise AssertionError("commit_run posted a run dated after today")
    assert count(db, "ledger") == 0 and count(db, "billing_run") == 0


def test_a_today_in_the_future_moves_previews_only_unless_the_test_clock_is_on(db, capsys, monkeypatch):
    mixed_book(db)
    future = date(2030, 12, 31)
    argv = ["run", "--db", str(db), "--today", future.isoformat(), "--date", future.isoformat(), "--commit"]
    code, out, err = cli(capsys, *argv)
    assert code == 2 and "after today" in err and "test clock" in err
    assert count(db, "ledger") == 0 and count(db, "billing_run") == 0
    monkeypatch.setenv("PACKDESK_TODAY", future.isoformat())
    code, out, err = cli(capsys, "run", "--db", str(db), "--date", future.isoformat(), "--commit")
    assert code == 2 and "after today" in err
    assert count(db, "ledger") == 0
    # The store refuses on its own too, whatever "today" its caller gives it.
    with opened(db) as book:
        plan = plan_run(future, future, book.settings.precision)
        with pytest.raises(RunRefused):
            commit_run(plan, future)
    assert count(db, "ledger") == 0
    # A sandbox turns the test clock on; then the given today is the book's today.
    code, out, _ = cli(capsys, "settings", "--db", str(db), "--test-clock", "on")
    assert code == 0 and "test clock: on" in out
    monkeypatch.delenv("PACKDESK_TODAY")
    code, out, err = cli(capsys, *argv)
    assert code == 0, err
    assert count(db, "ledger") > 0
    code, out, _ = cli(capsys, "settings", "--db", str(db), "--test-clock", "off")
    assert code == 0 and "test clock: off" in out


# --- --since and post-from ------------------------------------------------------------------


def since_book(db):
    with opened(db):
        who = customer("Acme Telecom")
        daily = package("Daily number", "1.00", "0.40", "5", "1")
        return allocate(who, daily, MAR(1), auto=True).id


def test_since_skips_earlier_charges_and_says_so(db, capsys):
    allocation = since_book(db)
    base = ["run", "--db", str(db), "--today", TODAY.isoformat(), "--date", MAR(10).isoformat(), "--format", "json"]
    code, out, err = cli(capsys, *base, "--since", MAR(5).isoformat())
    assert code == 0
    # setup on 03-01 and the daily lines of 03-01..03-04: 5 skipped.
    assert "5 charge(s) dated before 2025-03-05 skipped" in err and "--since" in err
    assert [line["date"] for line in json.loads(out)] == [d.isoformat() for d in days(MAR(5), MAR(10))]

    code, out, err = cli(capsys, *base, "--since", MAR(5).isoformat(), "--commit")
    assert code == 0 and "5 charge(s) dated before 2025-03-05 skipped" in err
    assert sorted(ledger_keys(db)) == [(allocation, "recurring", d.isoformat()) for d in days(MAR(5), MAR(10))]
    with opened(db):
        assert balance_of("Acme Telecom") == D("-6.00")
        assert check_balances() == []


def test_post_from_setting_keeps_earlier_charges_out_for_good(db, capsys):
    allocation = since_book(db)
    code, out, _ = cli(capsys, "settings", "--db", str(db), "--post-from", MAR(5).isoformat())
    assert code == 0 and "post from: 2025-03-05" in out
    with opened(db):
        assert post_from() == MAR(5)

    base = ["run", "--db", str(db), "--today", TODAY.isoformat(), "--format", "json", "--commit"]
    code, out, err = cli(capsys, *base, "--date", MAR(10).isoformat())
    assert code == 0
    assert "5 charge(s) dated before 2025-03-05 skipped" in err and "post-from" in err
    assert min(line["date"] for line in json.loads(out)) == "2025-03-05"

    # Later runs, without --since, still never post them; skipped for good,
    # they are behind the allocation's run marks and not listed again ...
    code, out, err = cli(capsys, *base, "--date", MAR(20).isoformat())
    assert code == 0 and "skipped" not in err
    assert [line["date"] for line in json.loads(out)] == [d.isoformat() for d in days(MAR(11), MAR(20))]
    # ... nor does a --since earlier than the book's date (the later one wins).
    code, out, err = cli(capsys, *base, "--date", MAR(25).isoformat(), "--since", MAR(2).isoformat())
    assert code == 0 and "skipped" not in err
    assert all(line["date"] >= "2025-03-05" for line in json.loads(out))

    assert sorted(ledger_keys(db)) == [(allocation, "recurring", d.isoformat()) for d in days(MAR(5), MAR(25))]
    assert query(db, "SELECT COUNT(*) FROM ledger WHERE date < '2025-03-05' OR kind = 'setup'") == [(0,)]
    with opened(db):
        assert balance_of("Acme Telecom") == D("-21.00")

    # The setting is what keeps them out: cleared, the next run catches them up.
    code, out, _ = cli(capsys, "settings", "--db", str(db), "--post-from", "")
    assert code == 0 and "post from: each allocation start" in out
    code, out, err = cli(capsys, *base, "--date", MAR(25).isoformat())
    assert code == 0 and "skipped" not in err
    assert [(line["date"], line["kind"]) for line in json.loads(out)] == [("2025-03-01", "setup")] + [
        (d.isoformat(), "recurring") for d in days(MAR(1), MAR(4))
    ]


def test_a_run_for_one_customer_posts_only_theirs(db, capsys):
    mixed_book(db)
    base = ["run", "--db", str(db), "--today", TODAY.isoformat(), "--date", APR(8).isoformat(), "--format", "json"]
    code, out, err = cli(capsys, *base, "--customer", "Blue Fish Ltd", "--commit")
    assert code == 0, err
    blue = json.loads(out)
    assert blue and {line["customer"] for line in blue} == {"Blue Fish Ltd"}
    assert query(db, "SELECT DISTINCT c.name FROM ledger l JOIN customer c ON c.id = l.customer_id") == [("Blue Fish Ltd",)]
    # The book-wide run then posts the rest, and only the rest.
    rest = run_json(capsys, db, APR(8), commit=True)
    assert rest and {line["customer"] for line in rest} == {"Acme Telecom"}
    assert len(ledger_keys(db)) == len(set(ledger_keys(db))) == len(blue) + len(rest)
    code, _, err = cli(capsys, *base, "--customer", "Nobody Ltd", "--commit")
    assert code == 1 and "'Nobody Ltd' is not a customer" in err


# --- minimum spend -----------------------------------------------------------------------------


def test_minimum_spend_true_ups_are_posted_once_their_period_has_ended(db, capsys):
    with opened(db):
        short, over = customer("Acme Telecom"), customer("Blue Fish Ltd")
        bundle = package("Call bundle", "50", "3", frequency=Frequency.MONTHLY, match=(1,), minimum_spend=True)
        a_short = allocate(short, bundle, MAR(1), auto=True).id
        a_over = allocate(over, bundle, MAR(1), auto=True).id
        add_usage(short.id, MAR(10), D("20"))
        add_usage(over.id, MAR(10), D("80"))

    def true_ups(lines):
        return [line for line in lines if line["kind"] == "minimum_spend"]

    # March has not ended on 03-31: no true-up yet, only the cost lines.
    march = run_json(capsys, db, MAR(31), today=MAR(31), commit=True)
    assert march and true_ups(march) == []
    # On 04-01 March is settled: 50 - 20 = 30 for one, nothing for the other.
    april = run_json(capsys, db, APR(1), today=APR(1), commit=True)
    settled = {int(line["allocation"]): line for line in true_ups(april)}
    assert settled[a_short]["amount"] == "30.00"
    assert (settled[a_short]["date"], settled[a_short]["period_start"], settled[a_short]["period_end"]) == (
        "2025-04-01",
        "2025-03-01",
        "2025-03-31",
    )
    assert D(settled.get(a_over, {"amount": "0"})["amount"]) == 0
    # Later runs don't post it again.
    later = run_json(capsys, db, APR(9), today=APR(9), commit=True)
    assert true_ups(later) == []
    posted = query(db, "SELECT allocation_id, date, amount FROM ledger WHERE kind = 'minimum_spend' AND amount > 0")
    assert posted == [(a_short, "2025-04-01", 30_000_000)]
    with opened(db):
        assert balance_of("Acme Telecom") == D("-30.00")
        assert balance_of("Blue Fish Ltd") == D("0")
        assert check_balances() == []


# --- balances and check ---------------------------------------------------------------------------


def test_auto_decrement_comes_off_the_balance_and_the_rest_stays_unbilled(db, capsys):
    with opened(db):
        auto, manual = customer("Acme Telecom"), customer("Blue Fish Ltd")
        daily = package("Daily number", "1.25", "0.50")
        allocate(auto, daily, MAR(1), auto=True)
        allocate(manual, daily, MAR(1), auto=False)
        auto_id, manual_id = auto.id, manual.id
    run_json(capsys, db, MAR(4), commit=True)
    with opened(db):
        assert balance_of("Acme Telecom") == D("-5.00")
        assert ledger_balance(auto_id) == D("-5.00")
        assert balance_of("Blue Fish Ltd") == D("0")
        assert ledger_balance(manual_id) == D("0")
        assert unbilled_total(manual_id) == D("5.00")
        assert unbilled_total(auto_id) == D("0")

        opening, lines = statement(manual_id)
        assert opening == 0
        assert [(l.what, l.debit, l.balance, l.unbilled) for l in lines] == [("unbilled", D(0), None, D("1.25"))] * 4

        opening, lines = statement(auto_id)
        assert [(l.what, l.debit, l.balance) for l in lines] == [
            ("charge", D("1.25"), D("-1.25")),
            ("charge", D("1.25"), D("-2.50")),
            ("charge", D("1.25"), D("-3.75")),
            ("charge", D("1.25"), D("-5.00")),
        ]
    rows = ledger_rows(db)
    assert {(r["customer_id"], r["auto_decrement"]) for r in rows} == {(auto_id, 1), (manual_id, 0)}


def test_check_agrees_after_runs_and_payments_and_finds_tampering(db, capsys):
    mixed_book(db)
    run_json(capsys, db, MAR(31), commit=True)
    code, _, err = cli(capsys, "pay", "--db", str(db), "--customer", "Acme Telecom", "--amount", "100", "--date", "2025-03-31")
    assert code == 0, err
    code, _, err = cli(capsys, "pay", "--db", str(db), "--customer", "Blue Fish Ltd", "--amount", "7.5", "--kind", "credit")
    assert code == 0, err
    run_json(capsys, db, APR(8), commit=True)

    code, out, err = cli(capsys, "check", "--db", str(db))
    assert code == 0, out + err
    assert "Every balance equals" in out

    con = raw(db)
    with con:
        con.execute("UPDATE customer SET balance = balance + 1230000 WHERE name = 'Acme Telecom'")
    con.close()
    code, out, err = cli(capsys, "check", "--db", str(db))
    assert code == 1
    with opened(db):
        kept = balance_of("Acme Telecom")
    derived = kept - D("1.23")
    assert "Acme Telecom" in out and format_money(kept, 2) in out and format_money(derived, 2) in out
    assert "Blue Fish Ltd" not in out
    assert "1 balance(s) differ" in err


def test_reversal_restores_the_balance_and_keeps_the_original(db, capsys):
    with opened(db):
        customer("Acme Telecom")
    base = ["--db", str(db), "--today", TODAY.isoformat()]
    code, out, err = cli(capsys, "pay", *base, "--customer", "Acme Telecom", "--amount", "100.50", "--reference", "INV-1")
    assert code == 0, err
    assert "Balance 100.50" in out
    payment_id = query(db, "SELECT id FROM payment")[0][0]
    original = query(db, "SELECT * FROM payment WHERE id = ?", (payment_id,))

    code, out, err = cli(capsys, "reverse", *base, str(payment_id))
    assert code == 0, err
    with opened(db):
        assert balance_of("Acme Telecom") == D("0")
        assert check_balances() == []
    assert query(db, "SELECT * FROM payment WHERE id = ?", (payment_id,)) == original
    reversal = query(db, "SELECT id, kind, amount, reverses_id, reference FROM payment WHERE id != ?", (payment_id,))
    assert [(k, a, r, ref) for _, k, a, r, ref in reversal] == [("reversal", 100_500_000, payment_id, "INV-1")]

    # Twice is refused, and so is reversing the reversal; nothing moves.
    code, _, err = cli(capsys, "reverse", *base, str(payment_id))
    assert code == 1 and "already reversed" in err
    code, _, err = cli(capsys, "reverse", *base, str(reversal[0][0]))
    assert code == 1 and "itself a reversal" in err
    code, _, err = cli(capsys, "reverse", *base, "999")
    assert code == 1 and "no payment 999" in err
    assert count(db, "payment") == 2
    with opened(db):
        assert balance_of("Acme Telecom") == D("0")


# --- prices --------------------------------------------------------------------------------------------


def test_posted_lines_keep_their_prices_when_the_package_changes(db, capsys):
    with opened(db):
        who = customer("Acme Telecom")
        daily = package("Daily number", "10", "4", "5", "2")
        allocate(who, daily, MAR(1), auto=True)
    first = run_json(capsys, db, MAR(3), commit=True)
    assert [line["amount"] for line in first] == ["5.00", "10.00", "10.00", "10.00"]
    before = ledger_rows(db)

    with opened(db):
        current = find_package("Daily number")
        new_prices = current.draft().with_(retail=D("12.5"), cost=D("6"), setup_retail=D("7"))
        update_package(current.id, current.version, new_prices, MAR(4))  # from 4 March

    assert ledger_rows(db) == before
    assert {(r["retail_price"], r["cost_price"], r["setup_retail_price"]) for r in before} == {(D("10"), D("4"), D("5"))}
    second = run_json(capsys, db, MAR(5), commit=True)
    assert [(line["date"], line["amount"], line["cost"]) for line in second] == [
        ("2025-03-04", "12.50", "6.00"),
        ("2025-03-05", "12.50", "6.00"),
    ]
    after = ledger_rows(db)
    assert after[: len(before)] == before
    assert {(r["retail_price"], r["amount"]) for r in after[len(before) :]} == {(D("12.5"), D("12.5"))}
    with opened(db):
        assert balance_of("Acme Telecom") == D("-60.00")
        assert check_balances() == []
