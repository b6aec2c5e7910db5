"""`packdesk import packages` with an effective_from column, and
`packdesk export prices`: price versions in and out of files."""

from __future__ import annotations

import json

from tests.helpers.cli import cli, write
from tests.helpers.raw import query
import pytest

pytestmark = pytest.mark.both_engines

PACKAGES = "name,retail,cost,frequency,frequency_match\nSeat,10,4,monthly,1\nDID,1.5,0.5,daily,\n"
ALLOCATIONS = "customer,package,quantity,start_date\nAcme,Seat,1,2025-01-01\n"


def setup_book(capsys, tmp_path, db) -> None:
    assert cli(capsys, "import", "packages", str(write(tmp_path / "p.csv", PACKAGES)), "--db", str(db))[0] == 0
    assert cli(capsys, "import", "customers", str(write(tmp_path / "c.csv", "name\nAcme\n")), "--db", str(db))[0] == 0
    assert cli(capsys, "import", "allocations", str(write(tmp_path / "a.csv", ALLOCATIONS)), "--db", str(db))[0] == 0


def versions(db) -> list[tuple]:
    return query(
        db,
        "SELECT p.name, v.effective_from, v.retail FROM package_price v JOIN package p ON p.id = v.package_id "
        "ORDER BY p.name, v.effective_from",
    )


def test_a_row_with_effective_from_adds_a_version_and_a_run_uses_it(capsys, tmp_path, db):
    setup_book(capsys, tmp_path, db)
    file = write(tmp_path / "r.csv", "name,retail,effective_from\nSeat,12,2025-03-15\n")
    code, out, err = cli(capsys, "import", "packages", str(file), "--db", str(db))
    assert code == 0, err
    assert versions(db) == [("DID", "0001-01-01", 1_500_000), ("Seat", "0001-01-01", 10_000_000), ("Seat", "2025-03-15", 12_000_000)]
    code, out, err = cli(capsys, "charges", "--db", str(db), "--from", "2025-01-01", "--to", "2025-04-01", "--format", "json")
    assert code == 0, err
    seat = [(line["date"], line["amount"]) for line in json.loads(out) if line["package"] == "Seat"]
    assert seat == [("2025-01-01", "10.00"), ("2025-02-01", "10.00"), ("2025-03-01", "10.00"), ("2025-04-01", "12.00")]


def test_a_row_whose_prices_are_unchanged_adds_no_version(capsys, tmp_path, db):
    setup_book(capsys, tmp_path, db)
    file = write(tmp_path / "r.csv", "name,retail,description,effective_from\nSeat,10,a seat,2025-03-15\n")
    assert cli(capsys, "import", "packages", str(file), "--db", str(db))[0] == 0
    assert len(versions(db)) == 2


def test_bad_effective_dates_are_refused_naming_row_and_column(capsys, tmp_path, db):
    setup_book(capsys, tmp_path, db)
    before = versions(db)
    file = write(tmp_path / "r.csv", "name,retail,effective_from\nSeat,12,2025-02-30\nDID,2,t\n")
    code, out, err = cli(capsys, "import", "packages", str(file), "--db", str(db))
    assert code == 1
    assert "line 2" in err and "effective_from" in err and "February 2025 has 28 days" in err
    assert "line 3" in err and "'t' (today) is not accepted here" in err
    assert "Traceback" not in err
    assert versions(db) == before
    assert query(db, "SELECT retail FROM package ORDER BY name") == [(1_500_000,), (10_000_000,)]


def test_export_prices_lists_every_version_and_imports_back(capsys, tmp_path, db):
    setup_book(capsys, tmp_path, db)
    file = write(tmp_path / "r.csv", "name,retail,cost,effective_from\nSeat,12,5,2025-03-15\n")
    assert cli(capsys, "import", "packages", str(file), "--db", str(db))[0] == 0
    code, exported, err = cli(capsys, "export", "prices", "--db", str(db))
    assert code == 0, err
    assert exported.splitlines() == [
        "name,effective_from,retail,cost,setup_retail,setup_cost",
        "DID,beginning,1.50,0.50,0.00,0.00",
        "Seat,beginning,10.00,4.00,0.00,0.00",
        "Seat,2025-03-15,12.00,5.00,0.00,0.00",
    ]
    code, as_json, err = cli(capsys, "export", "prices", "--db", str(db), "--format", "json")
    assert json.loads(as_json)[2] == {
        "name": "Seat", "effective_from": "2025-03-15", "retail": "12.00", "cost": "5.00",
        "setup_retail": "0.00", "setup_cost": "0.00",
    }
    # Round trip: another book with the same packages and allocations takes
    # the exported versions back and exports the same file.
    other = tmp_path / "other.db"
    assert cli(capsys, "init", "--db", str(other))[0] == 0
    setup_book(capsys, tmp_path, other)
    prices_file = write(tmp_path / "prices.csv", exported)
    code, out, err = cli(capsys, "import", "packages", str(prices_file), "--db", str(other))
    assert code == 0, err
    assert cli(capsys, "export", "prices", "--db", str(other))[1] == exported


def test_check_marks_agrees_after_a_past_version_and_the_next_run_posts_it(capsys, tmp_path, db):
    from datetime import date

    from tests.helpers.cli import run_json

    setup_book(capsys, tmp_path, db)
    first = run_json(capsys, db, date(2025, 3, 2), today=date(2025, 3, 2), commit=True)
    assert [(line["package"], line["date"], line["amount"]) for line in first if line["package"] == "Seat"] == [
        ("Seat", "2025-01-01", "10.00"), ("Seat", "2025-02-01", "10.00"), ("Seat", "2025-03-01", "10.00"),
    ]
    file = write(tmp_path / "r.csv", "name,retail,effective_from\nSeat,12,2025-02-15\n")
    assert cli(capsys, "import", "packages", str(file), "--db", str(db))[0] == 0
    code, out, err = cli(capsys, "check", "--db", str(db), "--today", "2025-04-02", "--marks")
    assert code == 0, out + err
    second = run_json(capsys, db, date(2025, 4, 2), today=date(2025, 4, 2), commit=True)
    assert [(line["date"], line["amount"]) for line in second if line["package"] == "Seat"] == [("2025-04-01", "12.00")]
    posted = query(db, "SELECT date, amount FROM ledger l JOIN package p ON p.id = l.package_id WHERE p.name = 'Seat' ORDER BY date")
    assert [a for _, a in posted] == [10_000_000] * 3 + [12_000_000]  # 03-01 stays as posted
