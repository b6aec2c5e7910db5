"""`packdesk check`, `packdesk runs` and `packdesk settings` as operators and
cron use them: a forged ledger line is named, a head kept from a run proves
the ledger was not rewritten, a killed run shows as interrupted and the next
run says so, and a settings command that fails changes nothing."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from datetime import date

from billing.schedule import Frequency
from store.runs import list_runs
from tests.helpers.books import allocate, customer, opened, package
from tests.helpers.cli import ROOT, TODAY, cli, cli_command, cli_env
from tests.helpers.raw import count, query, raw
import pytest

pytestmark = pytest.mark.both_engines


def small_book(db):
    with opened(db):
        acme = customer("Acme Telecom")
        allocate(acme, package("DID", "1.25", "0.30", frequency=Frequency.DAILY), date(2025, 4, 1), auto=True)


def commit(capsys, db, day: date):
    return cli(capsys, "run", "--db", str(db), "--today", TODAY.isoformat(), "--date", day.isoformat(), "--commit")


@pytest.mark.sqlite_only("expects SQLite's integrity check line")
def test_a_committed_run_prints_the_head_and_check_proves_it_later(db, capsys):
    small_book(db)
    code, _out, err = commit(capsys, db, date(2025, 4, 5))
    assert code == 0
    head = re.search(r"Ledger head: ([0-9a-f]{64})", err).group(1)
    commit(capsys, db, date(2025, 4, 8))
    code, out, err = cli(capsys, "check", "--db", str(db), "--head", head)
    assert code == 0, err
    assert "SQLite integrity check: ok." in out and "Ledger: 8 line(s)" in out and f"extends head {head}" in out
    code, out, err = cli(capsys, "check", "--db", str(db), "--head", "0" * 64)
    assert code == 1 and "does not extend head" in err


@pytest.mark.sqlite_only("forges a line through sqlite3")
def test_check_names_a_forged_line(db, capsys):
    small_book(db)
    commit(capsys, db, date(2025, 4, 5))
    con = raw(db)
    con.executescript("DROP TRIGGER ledger_append_only_update; UPDATE ledger SET amount = 1 WHERE id = 3;")
    con.close()
    code, out, err = cli(capsys, "check", "--db", str(db))
    assert code == 1
    assert "the ledger chain breaks at line 3" in err


@pytest.mark.sqlite_only("tampers through the sqlite3 shell")
def test_tampering_with_sqlite_is_refused(db, capsys):
    small_book(db)
    commit(capsys, db, date(2025, 4, 5))
    con = raw(db)
    for sql in ("UPDATE ledger SET amount = 0", "DELETE FROM ledger"):
        try:
            con.execute(sql)
        except Exception as exc:  # sqlite3.IntegrityError
            assert "append-only" in str(exc)
        else:
            raise AssertionError(f"{sql} was allowed")
    con.close()
    assert count(db, "ledger") == 5


@pytest.mark.sqlite_only("corrupts the book's file")
def test_a_corrupt_book_is_not_called_well(db, capsys, tmp_path):
    small_book(db)
    commit(capsys, db, date(2025, 4, 5))
    data = bytearray(db.read_bytes())
    page = 4096
    for offset in range(2 * page + 100, min(len(data), 6 * page), 7):  # scribble over index and table pages
        data[offset] = 0x5A
    broken = tmp_path / "broken.db"
    broken.write_bytes(bytes(data))
    code, out, err = cli(capsys, "check", "--db", str(broken))
    assert code != 0
    assert "all is well" not in out and "Every balance equals" not in out
    assert "Traceback" not in err


def test_a_killed_run_shows_as_interrupted_and_the_next_run_says_so(db, capsys):
    with opened(db):
        acme = customer("Acme Telecom")
        did = package("DID", "1", frequency=Frequency.DAILY)
        for _ in range(60):
            allocate(acme, did, date(2024, 1, 1))
    env = cli_env()
    proc = subprocess.Popen(
        cli_command("run", "--db", str(db), "--today", TODAY.isoformat(), "--date", TODAY.isoformat(), "--commit", "--format", "csv"),
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and query(db, "SELECT COALESCE(SUM(lines), 0) FROM billing_run")[0][0] < 2000:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done = query(db, "SELECT lines FROM billing_run")[0][0]
    assert 0 < done < 60 * 466
    with opened(db):
        (row,) = list_runs()
        assert row.status == "interrupted"
    code, out, _ = cli(capsys, "runs", "--db", str(db))
    assert code == 0 and "interrupted" in out
    code, _out, err = commit(capsys, db, TODAY)
    assert code == 0
    assert f"was interrupted after posting {done:,} line(s)" in err
    code, out, _ = cli(capsys, "runs", "--db", str(db), "--format", "json")
    assert [r["status"] for r in json.loads(out)] == ["finished", "interrupted"]
    assert query(db, "SELECT COUNT(*) FROM ledger")[0][0] == 60 * 466  # 2024-01-01 .. 2025-04-10, each once


def test_a_settings_command_that_fails_changes_nothing(db, capsys):
    small_book(db)
    code, _out, err = cli(capsys, "settings", "--db", str(db), "--currency", "GBP", "--post-from", "garbage")
    assert code == 2 and "--post-from" in err
    code, _out, err = cli(capsys, "settings", "--db", str(db), "--currency", "GBP", "--usage-grace-days", "40")
    assert code == 1 and "nothing was changed" in err
    code, out, _ = cli(capsys, "settings", "--db", str(db))
    assert "currency:  USD" in out and "usage grace days: 0" in out
    code, out, _ = cli(capsys, "settings", "--db", str(db), "--currency", "GBP", "--usage-grace-days", "2")
    assert code == 0 and "currency:  GBP" in out and "usage grace days: 2" in out


def test_marks_can_be_checked_and_rebuilt(db, capsys):
    small_book(db)
    commit(capsys, db, date(2025, 4, 5))
    code, out, err = cli(capsys, "check", "--db", str(db), "--today", "2025-04-09", "--marks")
    assert code == 0, err
    assert "Run marks: a run for 2025-04-09" in out
    con = raw(db)
    con.execute("UPDATE allocation SET charges_from = '2025-05-01'")  # marks too far: lines would be missed
    con.commit()
    con.close()
    code, out, err = cli(capsys, "check", "--db", str(db), "--today", "2025-04-09", "--marks")
    assert code == 1 and "allocation 1: its run marks pass recurring 2025-04-06 1.25" in err
    code, out, err = cli(capsys, "check", "--db", str(db), "--today", "2025-04-05", "--rebuild-marks")
    assert code == 0 and "Run marks of 1 allocation(s)" in out
    assert query(db, "SELECT charges_from FROM allocation") == [("2025-04-06",)]


def test_an_import_with_many_bad_rows_lists_the_first_50_and_counts_the_rest(db, capsys, tmp_path):
    small_book(db)
    bad = tmp_path / "usage.csv"
    bad.write_text("customer,date,amount\n" + "".join(f"Acme Telecom,2025-04-01,-{n}\n" for n in range(300)))
    code, _out, err = cli(capsys, "import", "usage", str(bad), "--db", str(db))
    assert code == 1
    listed = [line for line in err.splitlines() if line.startswith("  line ")]
    assert len(listed) == 50 and listed[0].startswith("  line 2, column amount:")
    assert "and 250 more problem(s) (300 in all)" in err
    assert count(db, "usage") == 0


def test_check_on_a_new_book_says_the_chains_have_no_lines_yet(db, capsys):
    from tests.helpers.cli import cli

    code, out, err = cli(capsys, "check", "--db", str(db))
    assert code == 0, err
    assert "Ledger: no line(s) yet." in out and "Payments: no line(s) yet." in out
    assert "head packdesk" not in out
