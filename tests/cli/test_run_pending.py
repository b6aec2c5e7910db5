"""`packdesk run` without --commit lists the true-ups a run doesn't post:
held back by the book's usage grace days ("due from"), or, for a date after
today, estimated and marked (`~`, `"estimate": true`)."""

from __future__ import annotations

from datetime import date

from billing.schedule import Frequency
from store.usage import add_usage

from tests.helpers.books import D, allocate, customer, opened, package
from tests.helpers.cli import cli, run_json
import pytest

pytestmark = pytest.mark.both_engines


def bundle_book(db) -> None:
    with opened(db):
        acme = customer("Acme")
        allocate(acme, package("Bundle", "50", frequency=Frequency.MONTHLY, match=(1,), minimum_spend=True), date(2025, 3, 1))
        add_usage(acme.id, date(2025, 3, 5), D("30"))


def test_grace_days_hold_a_true_up_back_and_the_preview_says_when_it_is_due(db, capsys):
    bundle_book(db)
    assert cli(capsys, "settings", "--db", str(db), "--usage-grace-days", "2")[0] == 0
    lines = run_json(capsys, db, date(2025, 4, 1), today=date(2025, 4, 1))
    (true_up,) = [line for line in lines if line["kind"] == "minimum_spend"]
    assert (true_up["amount"], true_up["estimate"], true_up["due_from"]) == ("20.00", False, "2025-04-03")
    code, out, err = cli(capsys, "run", "--db", str(db), "--today", "2025-04-01", "--date", "2025-04-01")
    assert code == 0 and "due from 2025-04-03" in out and "usage grace days" in err
    lines = run_json(capsys, db, date(2025, 4, 3), today=date(2025, 4, 3))
    assert [(line["kind"], line["amount"], "due_from" in line) for line in lines] == [("minimum_spend", "20.00", False)]


def test_a_preview_after_today_lists_estimates_and_can_t_be_committed(db, capsys):
    bundle_book(db)
    lines = run_json(capsys, db, date(2025, 5, 2), today=date(2025, 3, 11))
    assert [(line["date"], line["amount"], line["estimate"], line["due_from"]) for line in lines] == [
        ("2025-05-01", "20.00", True, "2025-05-01")
    ]
    code, out, err = cli(capsys, "run", "--db", str(db), "--today", "2025-03-11", "--date", "2025-05-02")
    assert code == 0 and "20.00~" in out and "can't be committed" in err
    code, _, err = cli(capsys, "run", "--db", str(db), "--today", "2099-01-01", "--date", "2099-01-02", "--commit")
    assert code == 2 and "after today" in err
