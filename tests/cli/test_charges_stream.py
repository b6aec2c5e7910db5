"""`packdesk charges` files lines by date as allocations come in customer
order: what it prints is the same, in run order, whether everything stays in
memory or most of it went through the spill files."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from billing.run import customer_key
from billing.schedule import Frequency
from tui.cli import charge_lines as charges_cli

from tests.helpers.books import allocate, customer, opened, package
from tests.helpers.cli import TODAY, cli

pytestmark = pytest.mark.both_engines

START = date(2025, 3, 1)


def _book(db) -> None:
    with opened(db):
        daily = package("Daily seat", "0.40", "0.10", frequency=Frequency.DAILY)
        weekly = package("Weekly trunk", "7", "2", setup_retail="5", frequency=Frequency.WEEKLY, match=(2, 5))
        monthly = package("DID, rental", "1.25", "0.3", frequency=Frequency.MONTHLY, match=(15,))
        for name in ("zeta", "Alpha", "beta", "Mid co"):
            who = customer(name)
            allocate(who, daily, START, quantity=2)
            allocate(who, weekly, date(2025, 3, 4))
            allocate(who, monthly, date(2025, 2, 10))


def _charges(capsys, db, fmt: str) -> str:
    code, out, err = cli(capsys, "charges", "--db", str(db), "--today", TODAY.isoformat(),
                         "--from", "2025-03-01", "--to", "2025-05-31", "--format", fmt)
    assert code == 0, err
    return out


@pytest.mark.parametrize("fmt", ["csv", "json", "table"])
def test_spilled_output_is_the_same_as_held_output(db, capsys, monkeypatch, fmt):
    _book(db)
    held = _charges(capsys, db, fmt)
    monkeypatch.setattr(charges_cli, "SPILL_EVERY", 3)  # spill after nearly every allocation
    spilled = _charges(capsys, db, fmt)
    assert spilled == held


def test_csv_lines_come_in_run_order_with_every_field(db, capsys, monkeypatch):
    _book(db)
    monkeypatch.setattr(charges_cli, "SPILL_EVERY", 5)
    rows = list(csv.DictReader(io.StringIO(_charges(capsys, db, "csv"))))
    # 92 daily lines + 27 weekly (with a setup) + 3 monthly, for each of the four customers
    assert len(rows) == 4 * (92 + 26 + 1 + 3)
    keys = [(r["date"], customer_key(r["customer"]), int(r["allocation"])) for r in rows]
    assert keys == sorted(keys)
    first_daily = next(r for r in rows if r["package"] == "Daily seat")
    assert first_daily == {
        "date": "2025-03-01", "customer": "Alpha", "package": "Daily seat", "allocation": first_daily["allocation"],
        "kind": "recurring", "quantity": "2", "period_start": "2025-03-01", "period_end": "2025-03-01",
        "amount": "0.80", "cost": "0.20",
    }
    monthly = [r for r in rows if r["package"] == "DID, rental" and r["customer"] == "beta"]
    assert [(r["date"], r["period_start"], r["period_end"], r["amount"]) for r in monthly] == [
        ("2025-03-15", "2025-03-15", "2025-04-14", "1.25"),
        ("2025-04-15", "2025-04-15", "2025-05-14", "1.25"),
        ("2025-05-15", "2025-05-15", "2025-06-14", "1.25"),
    ]
    setups = [r for r in rows if r["kind"] == "setup"]
    assert {(r["date"], r["amount"]) for r in setups} == {("2025-03-04", "5.00")}


@pytest.mark.parametrize("fmt", ["csv", "json", "table"])
def test_several_processes_print_what_one_prints(db, capsys, monkeypatch, fmt):
    from tui import shares

    _book(db)
    one = _charges(capsys, db, fmt)
    monkeypatch.setattr(shares, "share_count", lambda: 3)
    monkeypatch.setattr(charges_cli, "SPILL_EVERY", 40)  # the spill files are part of it
    shared = _charges(capsys, db, fmt)
    assert shared == one


def test_customer_cuts_cover_every_customer_once_in_run_order(db):
    from store.scan import customer_cuts, iter_by_customer

    _book(db)
    with opened(db):
        everyone = [row.id for batch in iter_by_customer() for row in batch]
        for parts in (1, 2, 3, 4, 9):
            cuts = customer_cuts(parts)
            assert 1 <= len(cuts) <= parts
            assert cuts[0][0] is None and cuts[-1][1] is None
            joined = [row.id for names in cuts for batch in iter_by_customer(names=names) for row in batch]
            assert joined == everyone  # nothing lost, nothing twice, the same order
        halves = customer_cuts(2)
        assert len(halves) == 2 and halves[0][1] == halves[1][0] == "Mid co"
