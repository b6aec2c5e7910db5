"""Calls on the ledger from the command line: `run` previews and posts usage
lines (kind usage, no package or allocation: the calls instead), exactly
once even when two runs go at once; `export ledger` and `check` include
them; `charges` shows the days before today as a run posts them and the
days to come estimated at the run rate; `import calls` says which calls fall
on days already posted; `settings --usage-billing on` says from when calls
will be billed; on PostgreSQL a clerk imports calls and only the billing
group posts their usage lines, which no group may change."""

from __future__ import annotations

import json
import re
import secrets
import subprocess
from datetime import date
from decimal import Decimal

import pytest

from store import settings
from store.customers import create_customer
from billing.accounts import CustomerDraft

from tests.helpers.books import customer, opened
from tests.helpers.calls import add_calls, bundle_package, calls_file, give, usage_lines, worked_calls
from tests.cli.test_roles import _as, drop_roles
from tests.helpers.cli import ROOT, cli, cli_command, cli_env, cli_process, write
from tests.helpers.raw import count, query, raw
from tests.store.test_concurrency import wait_until_idle

pytestmark = pytest.mark.both_engines

D = Decimal
TODAY = "2026-02-10"


def worked_book(db, tmp_path, billing: bool = True) -> None:
    """Acme with a 100-minute UK bundle and the worked example's calls."""
    with opened(db):
        settings.update(usage_billing=billing, test_clock=True)
        acme = customer("Acme")
        give(acme, bundle_package())
        add_calls(tmp_path, worked_calls("Acme"))


def run(capsys, db, *extra: str, day: str = TODAY):
    return cli(capsys, "run", "--db", str(db), "--today", TODAY, "--date", day, *extra)


USAGE_5_JAN = {
    "date": "2026-01-05", "customer": "Acme", "package": "calls: 4 calls, 126 min, 100 min free", "allocation": "",
    "kind": "usage", "quantity": 4, "period_start": "2026-01-05", "period_end": "2026-01-05", "amount": "0.52", "cost": "0.00",
}


def test_the_preview_lists_usage_lines_and_the_commit_posts_them_once(db, capsys, tmp_path):
    worked_book(db, tmp_path)
    code, out, err = run(capsys, db, "--format", "json")
    assert code == 0, err
    lines = json.loads(out)
    assert lines[0] == USAGE_5_JAN and [l["amount"] for l in lines] == ["0.52", "0.00"]
    assert count(db, "usage_line") == 0  # a preview writes nothing
    code, out, err = run(capsys, db)
    assert "These 2 charge(s) would be posted, 2 of them usage line(s):" in out
    assert "calls: 4 calls, 126" in out  # the table's package column, cut to its width
    code, out, err = run(capsys, db, "--commit", "--format", "json")
    assert code == 0, err
    assert json.loads(out) == lines
    assert [(l[1], l[2]) for l in usage_lines(db)] == [("2026-01-05", D("0.52")), ("2026-02-02", D("0"))]
    code, out, _ = run(capsys, db, "--commit")
    assert "Nothing to post for 2026-02-10" in out and count(db, "usage_line") == 2


def test_usage_billing_off_previews_and_posts_no_usage_line(db, capsys, tmp_path):
    worked_book(db, tmp_path, billing=False)
    code, out, err = run(capsys, db, "--commit", "--format", "json")
    assert code == 0, err
    assert json.loads(out) == [] and count(db, "usage_line") == 0


def test_export_ledger_and_check_include_the_usage_lines(db, capsys, tmp_path):
    worked_book(db, tmp_path)
    run(capsys, db, "--commit")
    code, out, err = cli(capsys, "export", "ledger", "--db", str(db), "--format", "json")
    assert code == 0, err
    (first, second) = json.loads(out)
    assert {k: first[k] for k in ("date", "customer", "package", "allocation", "kind", "quantity", "amount", "auto_decrement")} == {
        "date": "2026-01-05", "customer": "Acme", "package": "calls: 4 calls, 126 min, 100 min free", "allocation": "",
        "kind": "usage", "quantity": "4", "amount": "0.52", "auto_decrement": "yes",
    }
    assert second["date"] == "2026-02-02" and second["retail_price"] == ""
    code, out, err = cli(capsys, "check", "--db", str(db))
    assert code == 0, err
    assert "Usage lines: 2 line(s), each chained to the one before" in out
    assert "prepaid usage lines" in out


def test_check_names_a_tampered_usage_line(db, capsys, tmp_path, engine):
    worked_book(db, tmp_path)
    run(capsys, db, "--commit")
    con = raw(db)
    if engine == "sqlite":
        con.executescript("DROP TRIGGER usage_line_append_only_update; UPDATE usage_line SET amount = 10000 WHERE id = 1;")
    else:  # the database's owner turns the trigger off first
        with con:
            con.execute("ALTER TABLE usage_line DISABLE TRIGGER usage_line_append_only_update")
            con.execute("UPDATE usage_line SET amount = 10000 WHERE id = 1")
    con.close()
    code, _out, err = cli(capsys, "check", "--db", str(db))
    assert code == 1
    assert "the usage lines chain breaks at line 1" in err


def test_charges_show_days_gone_as_posted_and_days_to_come_as_estimates(db, capsys, tmp_path):
    worked_book(db, tmp_path)
    code, out, err = cli(capsys, "charges", "--db", str(db), "--today", "2026-01-10", "--from", "2026-01-01",
                         "--to", "2026-02-28", "--format", "json")
    assert code == 0, err
    found = [(l["date"], l["package"], l["amount"]) for l in json.loads(out) if l["kind"] == "usage"]
    # 0.52 in the last 30 days: 0.52 / 30 a day, from today on.
    assert found == [
        ("2026-01-05", "calls: 4 calls, 126 min, 100 min free", "0.52"),
        ("2026-01-31", "calls: estimate, 22 days at the last 30 days' rate", "0.38"),
        ("2026-02-28", "calls: estimate, 28 days at the last 30 days' rate", "0.49"),
    ]
    code, out, _ = cli(capsys, "charges", "--db", str(db), "--today", "2026-01-10", "--from", "2026-01-01", "--to", "2026-02-28")
    assert "0.38~" in out and "usage of days to come" in out
    with opened(db):
        settings.update(usage_billing=False)
    code, out, _ = cli(capsys, "charges", "--db", str(db), "--today", "2026-01-10", "--from", "2026-01-01",
                       "--to", "2026-02-28", "--format", "json")
    assert [l for l in json.loads(out) if l["kind"] == "usage"] == []


def test_importing_calls_for_a_posted_day_says_they_are_not_billed(db, capsys, tmp_path):
    worked_book(db, tmp_path)
    run(capsys, db, "--commit")
    late = calls_file(tmp_path, [("x1", "Acme", "2026-01-05 22:00:00", "12125550100", 5, "0.10")], "late.csv")
    code, out, err = cli(capsys, "import", "calls", str(late), "--db", str(db))
    assert code == 0, err
    assert "1 call(s) fall on days whose usage line is already posted: not billed" in out
    code, out, _ = run(capsys, db, "--format", "json")
    assert json.loads(out) == []


def test_turning_usage_billing_on_says_from_when_calls_are_billed(db, capsys, tmp_path):
    worked_book(db, tmp_path, billing=False)
    code, out, err = cli(capsys, "settings", "--db", str(db), "--usage-billing", "on")
    assert code == 0, err
    assert "usage billing: on" in out and "the next run bills calls from 2026-01-05 on" in out


def test_two_runs_at_once_post_each_usage_line_once(db, tmp_path):
    with opened(db):
        settings.update(usage_billing=True, test_clock=True)
        uk = bundle_package()
        rows = []
        for n in range(40):
            who = create_customer(CustomerDraft(f"Customer {n:02d}"), usage_prepaid=n % 2 == 0)
            give(who, uk)
            rows += [(f"c{n}-{d}", f"Customer {n:02d}", f"2026-01-{d:02d} 10:00:00", "447700900" if d % 2 else "1212", 30, "0.50")
                     for d in range(1, 29)]
        add_calls(tmp_path, rows)
    expected = 40 * 28
    lock = raw(db)
    lock.execute("BEGIN IMMEDIATE")  # both processes plan, then wait for the book
    argv = ("--db", str(db), "--today", TODAY, "run", "--date", TODAY, "--commit", "--format", "json")
    procs = [
        subprocess.Popen(cli_command(*argv), cwd=ROOT, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    wait_until_idle([p.pid for p in procs])
    lock.rollback()
    lock.close()
    results = [p.communicate(timeout=180) for p in procs]
    for p, (_out, err) in zip(procs, results):
        assert p.returncode == 0, err
    posted = [json.loads(out) for out, _ in results]
    assert len(posted[0]) + len(posted[1]) == expected
    for lines, (_, err) in zip(posted, results):  # both planned every line: what one did not post, the other had
        found = re.search(r"(\d+) charge\(s\) were posted by another run meanwhile", err)
        assert len(lines) + (int(found.group(1)) if found else 0) == expected, err
    keys = query(db, "SELECT customer_id, date FROM usage_line")
    assert len(keys) == len(set(keys)) == expected
    check = cli_process("check", "--db", str(db))
    assert check.returncode == 0, check.stdout + check.stderr
    assert "Usage lines: 1120 line(s)" in check.stdout


def test_a_clerk_imports_calls_and_only_billing_posts_their_usage_lines(capsys, empty_pg, tmp_path):
    names = {short: f"pdt_{short}_{secrets.token_hex(3)}" for short in ("clerk", "billing")}
    try:
        url = empty_pg
        assert cli(capsys, "init", "--db", url)[0] == 0
        assert cli(capsys, "roles", "--db", url)[0] == 0
        for short, name in names.items():
            assert cli(capsys, "roles", "--db", url, "--grant", name, short)[0] == 0
        assert cli(capsys, "settings", "--db", url, "--usage-billing", "on", "--test-clock", "on")[0] == 0
        clerk, billing = _as(url, names["clerk"]), _as(url, names["billing"])
        assert cli(capsys, "import", "customers", str(write(tmp_path / "c.csv", "name\nAcme\n")), "--db", clerk)[0] == 0
        code, _out, err = cli(capsys, "import", "calls", str(calls_file(tmp_path, worked_calls("Acme"))), "--db", clerk)
        assert code == 0, err
        code, _out, err = run(capsys, clerk, "--commit")
        assert code == 1 and "may preview runs but not post them" in err
        code, _out, err = run(capsys, billing, "--commit")
        assert code == 0, err
        assert query(url, "SELECT posted_by, amount FROM usage_line ORDER BY date") == [
            (names["billing"], 2_520_000), (names["billing"], 200_000),  # no bundle: every call costs its cost
        ]
        con = raw(billing)
        with pytest.raises(Exception, match="permission denied"):
            con.execute("UPDATE usage_line SET amount = 0")
        con.close()
    finally:
        drop_roles(empty_pg, names.values())
