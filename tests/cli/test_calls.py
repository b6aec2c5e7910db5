"""The command line for calls: `import calls` (counts printed; every bad row
named, nothing written; a call already in the book skipped and counted when
it is the same, refused when it is not; the same file again changes
nothing), `export calls` with its filters (export, then import, round-trips),
and `settings --usage-billing`.

Driven in-process through tui.cli.main([...]) against a closed book with the
demo catalogue and customers, which the tests then read with plain SQL."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.helpers.books import make_demo_db
from tests.helpers.cli import cli, write
from tests.helpers.raw import rows as table

pytestmark = pytest.mark.both_engines

HEADER = "call_id,customer,start,destination,seconds,cost\n"
GOOD = HEADER + (
    "sw-1,Acme Telecom,2025-03-03 09:00:00,+441234567,60,0.10\n"
    "sw-2,Blue Fish Ltd,2025-03-03 09:30:00,0091987654,125,1.5\n"
    "sw-3,acme telecom,2025-03-04T23:59:59.900,4420799,0,0\n"
    "sw-4,Acme Telecom,2025-03-05 00:00:00,1212555,600,0.000125\n"
)
BOOK_TABLES = ("call", "call_import", "audit")


def import_calls(capsys, db, file, *extra):
    return cli(capsys, "import", "calls", str(file), "--db", str(db), *extra)


def export_calls(capsys, db, *extra):
    code, out, err = cli(capsys, "export", "calls", "--db", str(db), *extra)
    assert code == 0, err
    return out


def snapshot(db) -> dict:
    return {name: table(db, name) for name in BOOK_TABLES}


def problem_lines(err: str) -> list[str]:
    return [line.strip() for line in err.splitlines() if line.startswith("  ")]


def stored(db) -> list[tuple]:
    """(call_id, customer name, start, destination, seconds, cost micro-units) of every call."""
    from tests.helpers.raw import query

    return query(
        db,
        "SELECT c.call_id, k.name, c.start, c.destination, c.seconds, c.cost FROM call c "
        "JOIN customer k ON k.id = c.customer_id ORDER BY c.call_id",
    )


EXPECTED = [
    ("sw-1", "Acme Telecom", "2025-03-03T09:00:00", "441234567", 60, 100_000),
    ("sw-2", "Blue Fish Ltd", "2025-03-03T09:30:00", "91987654", 125, 1_500_000),
    ("sw-3", "Acme Telecom", "2025-03-04T23:59:59", "4420799", 0, 0),
    ("sw-4", "Acme Telecom", "2025-03-05T00:00:00", "1212555", 600, 125),
]


# --- import ---------------------------------------------------------------------------


def test_a_good_file_is_imported_and_counted(capsys, demo_db, tmp_path):
    code, out, err = import_calls(capsys, demo_db, write(tmp_path / "day.csv", GOOD))
    assert code == 0, err
    assert "4 call(s) imported (785 seconds, 1.600125 in all); 0 already in the book skipped." in out
    assert stored(demo_db) == EXPECTED


def test_the_same_file_again_is_skipped_counted_and_changes_nothing(capsys, demo_db, tmp_path):
    file = write(tmp_path / "day.csv", GOOD)
    assert import_calls(capsys, demo_db, file)[0] == 0
    before = snapshot(demo_db)
    code, out, err = import_calls(capsys, demo_db, file)
    assert code == 0, err
    assert "0 call(s) imported (0 seconds, 0.00 in all); 4 already in the book skipped." in out
    assert snapshot(demo_db) == before


def test_known_calls_are_skipped_and_new_ones_imported(capsys, demo_db, tmp_path):
    assert import_calls(capsys, demo_db, write(tmp_path / "day.csv", GOOD))[0] == 0
    more = GOOD + "sw-5,Blue Fish Ltd,2025-03-05 10:00:00,44,30,0.02\nsw-5,Blue Fish Ltd,2025-03-05 10:00:00,44,30,0.02\n"
    code, out, err = import_calls(capsys, demo_db, write(tmp_path / "more.csv", more))
    assert code == 0, err
    assert "1 call(s) imported (30 seconds, 0.02 in all); 4 already in the book skipped, 1 repeated in the file skipped." in out
    assert [r[0] for r in stored(demo_db)] == ["sw-1", "sw-2", "sw-3", "sw-4", "sw-5"]


def test_a_known_call_with_other_values_is_refused_and_nothing_is_written(capsys, demo_db, tmp_path):
    assert import_calls(capsys, demo_db, write(tmp_path / "day.csv", GOOD))[0] == 0
    before = snapshot(demo_db)
    changed = HEADER + "sw-9,Acme Telecom,2025-03-06 09:00:00,44,1,0\nsw-2,Blue Fish Ltd,2025-03-03 09:31:00,0091987654,125,1.75\n"
    code, out, err = import_calls(capsys, demo_db, write(tmp_path / "changed.csv", changed))
    assert code == 1
    assert "nothing imported" in err
    (problem,) = problem_lines(err)
    assert problem.startswith("line 3, column call_id: call 'sw-2' is already in the book with other values:")
    assert "start 2025-03-03T09:30:00 in the book, 2025-03-03T09:31:00 in the file" in problem
    assert "cost 1.50 in the book, 1.75 in the file" in problem
    assert snapshot(demo_db) == before


@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        pytest.param("sw-9,Nobody Ltd,2025-03-03 09:00:00,44,1,0", "customer", "'Nobody Ltd' is not a customer", id="customer"),
        pytest.param(",Acme Telecom,2025-03-03 09:00:00,44,1,0", "call_id", "required", id="no id"),
        pytest.param("sw-9,Acme Telecom,2025-02-29 09:00:00,44,1,0", "start", "February 2025 has 28 days", id="29 February"),
        pytest.param("sw-9,Acme Telecom,03/03/2025 09:00,44,1,0", "start", "not a date and time", id="not ISO"),
        pytest.param("sw-9,Acme Telecom,2025-03-03T09:00:00+02:00,44,1,0", "start", "time zone is UTC", id="offset"),
        pytest.param("sw-9,Acme Telecom,2025-03-03 09:00:00,44 20 7946,1,0", "destination", "not a number", id="spaces"),
        pytest.param("sw-9,Acme Telecom,2025-03-03 09:00:00,44,-1,0", "seconds", "negative", id="negative seconds"),
        pytest.param("sw-9,Acme Telecom,2025-03-03 09:00:00,44,1.5,0", "seconds", "whole number", id="fraction of a second"),
        pytest.param("sw-9,Acme Telecom,2025-03-03 09:00:00,44,1,-0.5", "cost", "negative", id="negative cost"),
        pytest.param("sw-9,Acme Telecom,2025-03-03 09:00:00,44,1,0.1234567", "cost", "7 decimal places", id="7 places"),
    ],
)
def test_a_bad_row_is_named_with_line_and_column_and_nothing_is_written(capsys, demo_db, tmp_path, row, column, words):
    before = snapshot(demo_db)
    file = write(tmp_path / "bad.csv", HEADER + "sw-8,Acme Telecom,2025-03-03 08:00:00,44,1,0\n" + row + "\n")
    code, out, err = import_calls(capsys, demo_db, file)
    assert code == 1 and out == ""
    assert "Traceback" not in err
    (problem,) = problem_lines(err)
    assert problem.startswith(f"line 3, column {column}:"), problem
    assert words in problem
    assert snapshot(demo_db) == before


def test_every_bad_row_is_named_at_once(capsys, demo_db, tmp_path):
    bad = HEADER + (
        "sw-1,Nobody,2025-03-03 09:00:00,44,1,0\n"
        "sw-2,Acme Telecom,2025-03-03 09:00:00,44,1\n"
        "sw-3,Acme Telecom,2025-03-03 09:00:00,44,x,y\n"
    )
    code, out, err = import_calls(capsys, demo_db, write(tmp_path / "bad.csv", bad))
    assert code == 1
    assert [p.split(":")[0] for p in problem_lines(err)] == [
        "line 2, column customer", "line 3", "line 4, column seconds", "line 4, column cost",
    ]
    assert table(demo_db, "call") == []


def test_a_missing_file_and_a_wrong_header_are_sentences(capsys, demo_db, tmp_path):
    code, out, err = import_calls(capsys, demo_db, tmp_path / "nope.csv")
    assert code == 1 and "no such file" in err
    code, out, err = import_calls(capsys, demo_db, write(tmp_path / "usage.csv", "customer,date,amount\nAcme Telecom,2025-03-03,1\n"))
    assert code == 1
    assert "column call_id: required column is missing" in err and "column date: unknown column" in err


# --- export -----------------------------------------------------------------------------


@pytest.fixture
def called_db(capsys, demo_db, tmp_path):
    assert import_calls(capsys, demo_db, write(tmp_path / "day.csv", GOOD))[0] == 0
    return demo_db


def test_export_writes_the_import_s_columns_in_start_order(capsys, called_db):
    out = export_calls(capsys, called_db)
    assert out.splitlines()[0] == HEADER.strip()
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["call_id"], r["customer"], r["start"], r["destination"], r["seconds"], r["cost"]) for r in rows] == [
        ("sw-1", "Acme Telecom", "2025-03-03T09:00:00", "441234567", "60", "0.10"),
        ("sw-2", "Blue Fish Ltd", "2025-03-03T09:30:00", "91987654", "125", "1.50"),
        ("sw-3", "Acme Telecom", "2025-03-04T23:59:59", "4420799", "0", "0.00"),
        ("sw-4", "Acme Telecom", "2025-03-05T00:00:00", "1212555", "600", "0.000125"),
    ]


def test_export_then_import_round_trips_and_changes_nothing(capsys, called_db, tmp_path):
    out = export_calls(capsys, called_db)
    exported = write(tmp_path / "exported.csv", out)
    before = snapshot(called_db)
    code, printed, err = import_calls(capsys, called_db, exported)
    assert code == 0, err
    assert "0 call(s) imported" in printed and "4 already in the book skipped" in printed
    assert snapshot(called_db) == before
    fresh = make_demo_db(tmp_path / "fresh.db")  # a book file, also when the export came from a PostgreSQL book
    assert import_calls(capsys, fresh, exported)[0] == 0
    assert stored(fresh) == EXPECTED
    assert export_calls(capsys, fresh) == out


def test_export_filters_by_customer_and_start_date(capsys, called_db):
    def ids(*extra):
        return [r["call_id"] for r in csv.DictReader(io.StringIO(export_calls(capsys, called_db, *extra)))]

    assert ids("--customer", "acme telecom") == ["sw-1", "sw-3", "sw-4"]
    assert ids("--from", "2025-03-04") == ["sw-3", "sw-4"]
    assert ids("--to", "2025-03-04") == ["sw-1", "sw-2", "sw-3"]  # the whole of the 4th, up to 23:59:59
    assert ids("--customer", "Acme Telecom", "--from", "2025-03-04", "--to", "2025-03-04") == ["sw-3"]
    assert ids("--from", "2025-03-06") == []


def test_export_json_keeps_seconds_a_number_and_cost_text(capsys, called_db):
    records = json.loads(export_calls(capsys, called_db, "--format", "json", "--customer", "Blue Fish Ltd"))
    assert records == [
        {"call_id": "sw-2", "customer": "Blue Fish Ltd", "start": "2025-03-03T09:30:00", "destination": "91987654",
         "seconds": 125, "cost": "1.50"},
    ]


def test_export_refuses_an_unknown_customer_and_a_reversed_range(capsys, called_db):
    code, out, err = cli(capsys, "export", "calls", "--db", str(called_db), "--customer", "Nobody Ltd")
    assert code == 1 and out == "" and "Nobody Ltd" in err
    code, out, err = cli(capsys, "export", "calls", "--db", str(called_db), "--from", "2025-03-05", "--to", "2025-03-04")
    assert code == 2 and out == ""


# --- settings --usage-billing --------------------------------------------------------------


def test_usage_billing_is_shown_off_and_switched_on_and_off(capsys, db):
    code, out, err = cli(capsys, "settings", "--db", str(db))
    assert code == 0, err
    assert "usage billing: off" in out
    code, out, err = cli(capsys, "settings", "--db", str(db), "--usage-billing", "on")
    assert code == 0, err
    assert "usage billing: on" in out
    code, out, err = cli(capsys, "settings", "--db", str(db))
    assert "usage billing: on" in out  # kept in the book
    assert cli(capsys, "settings", "--db", str(db), "--usage-billing", "off")[0] == 0
    assert "usage billing: off" in cli(capsys, "settings", "--db", str(db))[1]


def test_usage_billing_takes_only_on_or_off(capsys, db):
    code, out, err = cli(capsys, "settings", "--db", str(db), "--usage-billing", "yes")
    assert code == 2
    assert "--usage-billing" in err and "'on'" in err
    assert "usage billing: off" in cli(capsys, "settings", "--db", str(db))[1]
