"""The command line for usage: `import usage` (all rows or none, each bad row
named; the same file twice refused; --replace), `export usage` with its
filters, and `charges --today` listing minimum_spend lines.

Driven in-process through tui.cli.main([...]) against a closed book file
under tmp_path, which the tests then open to look inside.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from billing.money import round_money
from store import usage as usage_store
from store.models import UsageImport
from tests.helpers.books import ACME, BLUE, BUNDLE, acme, blue, give_bundle, make_demo_db, opened
from tests.helpers.cli import TODAY, charges, charges_json, cli, write
from tests.helpers.raw import rows as table

pytestmark = pytest.mark.both_engines

D = Decimal
MARCH = (date(2025, 3, 1), date(2025, 4, 1))
EVERYTHING = (date(2000, 1, 1), date(2100, 1, 1))


def sums(db: Path) -> dict[str, Decimal]:
    """Each demo customer's usage, all dates."""
    with opened(db):
        return {
            ACME: usage_store.usage_sum(acme().id, *EVERYTHING),
            BLUE: usage_store.usage_sum(blue().id, *EVERYTHING),
        }


def import_usage(capsys, db: Path, file: Path, *extra: str):
    return cli(capsys, "import", "usage", str(file), "--db", str(db), *extra)


GOOD = "customer,date,amount,source\nAcme Telecom,2025-03-03,12.50,cdr-1\nBlue Fish Ltd,2025-03-04,0.125,\nacme telecom,2025-03-31,7.375,cdr-2\n"


# --- import ------------------------------------------------------------------------


def test_a_good_import_prints_the_count_and_the_total(capsys, demo_db, tmp_path):
    file = write(tmp_path / "march.csv", GOOD)
    code, out, err = import_usage(capsys, demo_db, file)
    assert code == 0, err
    assert "3 usage record(s) imported" in out
    assert "20.000 in all" in out  # 12.50 + 0.125 + 7.375
    assert sums(demo_db) == {ACME: D("19.875"), BLUE: D("0.125")}
    with opened(demo_db):
        assert usage_store.usage_sum(acme().id, *MARCH) == D("19.875")
        sources = sorted(r.source for r in usage_store.list_usage(acme().id))
    assert sources == ["cdr-1", "cdr-2"]


def test_the_total_printed_is_the_exact_sum(capsys, demo_db, tmp_path):
    file = write(tmp_path / "t.csv", "customer,date,amount\nAcme Telecom,2025-03-03,0.000001\nAcme Telecom,2025-03-03,1.1\n")
    code, out, err = import_usage(capsys, demo_db, file)
    assert code == 0, err
    assert "1.100001" in out


def test_the_source_column_is_optional(capsys, demo_db, tmp_path):
    file = write(tmp_path / "nosource.csv", "customer,date,amount\nAcme Telecom,2025-03-03,5\n")
    code, out, err = import_usage(capsys, demo_db, file)
    assert code == 0, err
    assert sums(demo_db)[ACME] == D("5")


def test_the_same_file_again_is_refused_saying_when_it_came_in(capsys, demo_db, tmp_path):
    file = write(tmp_path / "march.csv", GOOD)
    assert import_usage(capsys, demo_db, file)[0] == 0
    before = sums(demo_db)
    records = table(demo_db, "usage")
    (first,) = table(demo_db, "usage_import")

    code, out, err = import_usage(capsys, demo_db, file)
    assert code == 1
    with opened(demo_db):
        imported_at = UsageImport.get().imported_at
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", imported_at)
    assert "already imported" in err
    assert imported_at in err
    assert "--replace" in err
    assert sums(demo_db) == before  # nothing doubled
    assert table(demo_db, "usage") == records
    assert table(demo_db, "usage_import") == [first]


def test_the_same_content_under_another_name_is_refused_too(capsys, demo_db, tmp_path):
    assert import_usage(capsys, demo_db, write(tmp_path / "march.csv", GOOD))[0] == 0
    before = sums(demo_db)
    code, out, err = import_usage(capsys, demo_db, write(tmp_path / "march-copy.csv", GOOD))
    assert code == 1
    assert "already imported" in err
    assert sums(demo_db) == before


def test_replace_with_the_same_content_leaves_the_sums_as_they_were(capsys, demo_db, tmp_path):
    file = write(tmp_path / "march.csv", GOOD)
    assert import_usage(capsys, demo_db, file)[0] == 0
    before = sums(demo_db)
    code, out, err = import_usage(capsys, demo_db, file, "--replace")
    assert code == 0, err
    assert "3 usage record(s) imported" in out
    assert "replacing 3 record(s)" in out
    assert sums(demo_db) == before
    assert len(table(demo_db, "usage")) == 3
    assert len(table(demo_db, "usage_import")) == 1


def test_replace_with_edited_content_under_the_same_name_replaces_what_it_brought(capsys, demo_db, tmp_path):
    file = write(tmp_path / "march.csv", GOOD)
    assert import_usage(capsys, demo_db, file)[0] == 0
    # Usage from elsewhere stays untouched by the replacement.
    other = write(tmp_path / "april.csv", "customer,date,amount\nAcme Telecom,2025-04-02,100\n")
    assert import_usage(capsys, demo_db, other)[0] == 0
    write(file, "customer,date,amount,source\nAcme Telecom,2025-03-03,2.50,cdr-1\nBlue Fish Ltd,2025-03-09,40,\n")
    code, out, err = import_usage(capsys, demo_db, file, "--replace")
    assert code == 0, err
    assert "2 usage record(s) imported" in out
    assert "replacing 3 record(s)" in out
    assert sums(demo_db) == {ACME: D("102.50"), BLUE: D("40")}
    with opened(demo_db):
        assert usage_store.usage_sum(acme().id, *MARCH) == D("2.50")


def test_a_different_file_with_the_same_name_is_refused_without_replace(capsys, demo_db, tmp_path):
    file = write(tmp_path / "march.csv", GOOD)
    assert import_usage(capsys, demo_db, file)[0] == 0
    before = sums(demo_db)
    records = table(demo_db, "usage")
    elsewhere = tmp_path / "other"
    elsewhere.mkdir()
    different = write(elsewhere / "march.csv", "customer,date,amount\nAcme Telecom,2025-03-20,55\n")
    code, out, err = import_usage(capsys, demo_db, different)
    assert code == 1
    assert "march.csv" in err
    assert "different file of this name" in err
    assert "--replace" in err
    assert sums(demo_db) == before
    assert table(demo_db, "usage") == records


def problem_lines(err: str) -> list[str]:
    return [line.strip() for line in err.splitlines() if line.startswith("  ")]


@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        pytest.param("Nobody Ltd,2025-03-03,1.00", "customer", "'Nobody Ltd' is not a customer", id="unknown customer"),
        pytest.param("Acme Telecom,2025-02-30,1.00", "date", "February 2025 has 28 days", id="30 February"),
        pytest.param("Acme Telecom,03/03/2025,1.00", "date", "not a date", id="not ISO"),
        pytest.param("Acme Telecom,2025-03-03,-1.00", "amount", "negative", id="negative"),
        pytest.param("Acme Telecom,2025-03-03,1.2.3", "amount", "not a number", id="two points"),
        pytest.param("Acme Telecom,2025-03-03,1e3", "amount", "not a number", id="exponent"),
        pytest.param("Acme Telecom,2025-03-03,0.1234567", "amount", "7 decimal places", id="7 places"),
        pytest.param("Acme Telecom,2025-03-03,", "amount", "required", id="no amount"),
    ],
)
def test_a_bad_row_is_named_with_line_and_column_and_nothing_is_written(capsys, demo_db, tmp_path, row, column, words):
    file = write(tmp_path / "bad.csv", f"customer,date,amount\nAcme Telecom,2025-03-01,5\n{row}\nBlue Fish Ltd,2025-03-02,6\n")
    code, out, err = import_usage(capsys, demo_db, file)
    assert code == 1
    assert "nothing imported" in err
    (problem,) = problem_lines(err)
    assert problem.startswith(f"line 3, column {column}:"), problem
    assert words in problem
    assert table(demo_db, "usage") == []
    assert table(demo_db, "usage_import") == []


def test_every_bad_row_is_named_at_once_and_a_fixed_file_then_imports(capsys, demo_db, tmp_path):
    bad = (
        "customer,date,amount,source\n"
        "Acme Telecom,2025-03-01,5,ok\n"
        "Nobody Ltd,2025-03-03,1.00,x\n"
        "Acme Telecom,2025-13-01,1.00,x\n"
        "Acme Telecom,2025-03-03,-2,x\n"
        "Acme Telecom,2025-03-03,abc,x\n"
        "Blue Fish Ltd,2025-03-03,0.0000001,x\n"
    )
    file = write(tmp_path / "usage.csv", bad)
    code, out, err = import_usage(capsys, demo_db, file)
    assert code == 1
    problems = problem_lines(err)
    assert [p.split(":")[0] for p in problems] == [
        "line 3, column customer",
        "line 4, column date",
        "line 5, column amount",
        "line 6, column amount",
        "line 7, column amount",
    ]
    assert table(demo_db, "usage") == []
    # The refused file was not recorded as imported: once fixed, it goes in.
    write(file, "customer,date,amount,source\nAcme Telecom,2025-03-01,5,ok\n")
    code, out, err = import_usage(capsys, demo_db, file)
    assert code == 0, err
    assert sums(demo_db)[ACME] == D("5")


def test_a_source_too_long_is_named_too(capsys, demo_db, tmp_path):
    file = write(tmp_path / "long.csv", "customer,date,amount,source\nAcme Telecom,2025-03-03,1," + "x" * 201 + "\n")
    code, out, err = import_usage(capsys, demo_db, file)
    assert code == 1
    (problem,) = problem_lines(err)
    assert problem.startswith("line 2, column source:") and "at most 200" in problem
    assert table(demo_db, "usage") == []


def test_a_missing_file_is_a_message_not_a_crash(capsys, demo_db, tmp_path):
    code, out, err = import_usage(capsys, demo_db, tmp_path / "nope.csv")
    assert code == 1
    assert "no such file" in err


# --- export ------------------------------------------------------------------------

MIXED = (
    "customer,date,amount,source\n"
    "Acme Telecom,2025-02-28,1.50,a\n"
    "Acme Telecom,2025-03-01,2.25,b\n"
    "Blue Fish Ltd,2025-03-05,3,c\n"
    "Acme Telecom,2025-03-31,4.000001,d\n"
    "Acme Telecom,2025-04-01,5,e\n"
)


@pytest.fixture
def mixed_db(capsys, demo_db, tmp_path):
    assert import_usage(capsys, demo_db, write(tmp_path / "mixed.csv", MIXED))[0] == 0
    return demo_db


def export(capsys, db: Path, *extra: str) -> str:
    code, out, err = cli(capsys, "export", "usage", "--db", str(db), *extra)
    assert code == 0, err
    return out


def test_export_csv_filters_by_customer_and_dates_inclusive(capsys, mixed_db):
    out = export(capsys, mixed_db, "--customer", ACME, "--from", "2025-03-01", "--to", "2025-03-31")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0].keys()) == ["customer", "date", "amount", "source"]
    assert [(r["customer"], r["date"], r["amount"], r["source"]) for r in rows] == [
        (ACME, "2025-03-01", "2.25", "b"),
        (ACME, "2025-03-31", "4.000001", "d"),
    ]


def test_export_json_filters_and_keeps_amounts_as_text(capsys, mixed_db):
    out = export(capsys, mixed_db, "--format", "json", "--from", "2025-03-01", "--to", "2025-03-31")
    records = json.loads(out)
    assert [(r["customer"], r["date"], r["amount"]) for r in records] == [
        (ACME, "2025-03-01", "2.25"),
        (BLUE, "2025-03-05", "3.00"),
        (ACME, "2025-03-31", "4.000001"),
    ]
    assert all(isinstance(r["amount"], str) for r in records)


def test_export_everything_round_trips_through_import(capsys, mixed_db, tmp_path):
    out = export(capsys, mixed_db)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 5
    assert sum((D(r["amount"]) for r in rows), D(0)) == D("15.750001")
    before = sums(mixed_db)
    fresh = tmp_path / "cli.db.copy"  # a book file, also when the export came from a PostgreSQL book
    make_demo_db(fresh)
    assert import_usage(capsys, fresh, write(tmp_path / "exported.csv", out))[0] == 0
    assert sums(fresh) == before


def test_export_for_an_unknown_customer_is_refused(capsys, mixed_db):
    code, out, err = cli(capsys, "export", "usage", "--db", str(mixed_db), "--customer", "Nobody Ltd")
    assert code == 1
    assert "Nobody Ltd" in err
    assert out == ""


def test_export_with_to_before_from_is_refused(capsys, mixed_db):
    code, out, err = cli(capsys, "export", "usage", "--db", str(mixed_db), "--from", "2025-03-02", "--to", "2025-03-01")
    assert code == 2
    assert out == ""


# --- charges --today ------------------------------------------------------------------

BILLED_USAGE = (
    "customer,date,amount\n"
    "Acme Telecom,2025-03-05,200\n"  # March, before the 30 days of the run rate
    "Acme Telecom,2025-03-11,120.50\n"  # March, first day of the 30 days [03-11, 04-10)
    "Acme Telecom,2025-04-02,100\n"
    "Acme Telecom,2025-04-09,50\n"
    "Acme Telecom,2025-04-10,1000\n"  # today: neither known nor in the run rate
    "Blue Fish Ltd,2025-03-20,499\n"  # someone else's usage never counts
)


@pytest.fixture
def billed_db(capsys, demo_db, tmp_path):
    with opened(demo_db):
        give_bundle(acme(), date(2025, 3, 1))
    assert import_usage(capsys, demo_db, write(tmp_path / "billed.csv", BILLED_USAGE))[0] == 0
    return demo_db


def minimum_lines(records: list[dict]) -> list[dict]:
    return [r for r in records if r["kind"] == "minimum_spend"]


def test_charges_list_the_true_up_of_a_settled_period(capsys, billed_db):
    records = charges_json(capsys, billed_db, "--from", "2025-04-01", "--to", "2025-04-01", "--today", TODAY.isoformat())
    (line,) = minimum_lines(records)
    march = D("200") + D("120.50")
    assert line == {
        "date": "2025-04-01",
        "customer": ACME,
        "package": BUNDLE,
        "allocation": line["allocation"],
        "kind": "minimum_spend",
        "quantity": 1,
        "period_start": "2025-03-01",
        "period_end": "2025-03-31",
        "amount": str(round_money(D(500) - march, 2)),
        "cost": "0.00",
    }
    assert line["amount"] == "179.50"
    # The bundle's own charge date has no retail and (here) no cost: nothing
    # to charge, so it is not listed.
    assert [r for r in records if r["kind"] == "recurring"] == []


def test_charges_project_a_period_not_ended_from_known_usage_and_the_run_rate(capsys, billed_db):
    records = charges_json(capsys, billed_db, "--from", "2025-05-01", "--to", "2025-05-01", "--today", TODAY.isoformat())
    (line,) = minimum_lines(records)
    known = D("100") + D("50")  # April, dated before today
    rate = (D("120.50") + D("100") + D("50")) / 30  # [03-11, 04-10)
    days = (date(2025, 5, 1) - TODAY).days  # 04-10 .. 04-30
    assert days == 21
    expected = round_money(max(D(0), D(500) - (known + rate * days)), 2)
    assert expected == D("160.65")
    assert (line["date"], line["period_start"], line["period_end"]) == ("2025-05-01", "2025-04-01", "2025-04-30")
    assert line["amount"] == str(expected)
    assert isinstance(line["amount"], str)


def test_charges_with_a_later_today_settle_what_was_projected(capsys, billed_db):
    records = charges_json(capsys, billed_db, "--from", "2025-05-01", "--to", "2025-05-01", "--today", "2025-05-01")
    # April's usage is all known now, today's 1000 included: no shortfall,
    # and a true-up of nothing is no charge at all (BILLING.md: "nothing").
    assert minimum_lines(records) == []


def test_charges_take_today_from_the_environment_too(capsys, billed_db, monkeypatch):
    monkeypatch.setenv("PACKDESK_TODAY", TODAY.isoformat())
    records = charges_json(capsys, billed_db, "--from", "2025-04-01", "--to", "2025-05-01")
    assert [(r["date"], r["amount"]) for r in minimum_lines(records)] == [("2025-04-01", "179.50"), ("2025-05-01", "160.65")]


def test_charges_table_marks_the_estimate(capsys, billed_db):
    code, out, err = charges(capsys, billed_db, "--from", "2025-04-01", "--to", "2025-05-01", "--today", TODAY.isoformat())
    assert code == 0, err
    rows = [line for line in out.splitlines() if "minimum_spend" in line]
    assert len(rows) == 2
    assert rows[0].startswith("2025-04-01") and rows[0].split()[-2] == "179.50"
    assert rows[1].startswith("2025-05-01") and rows[1].split()[-2] == "160.65~"
    assert "estimated" in out


def test_charges_csv_has_the_minimum_spend_kind(capsys, billed_db):
    code, out, err = charges(capsys, billed_db, "--format", "csv", "--from", "2025-04-01", "--to", "2025-04-01", "--today", TODAY.isoformat())
    assert code == 0, err
    rows = [r for r in csv.DictReader(io.StringIO(out)) if r["kind"] == "minimum_spend"]
    assert [(r["date"], r["amount"]) for r in rows] == [("2025-04-01", "179.50")]


def test_charges_of_another_customer_show_no_true_up(capsys, billed_db):
    records = charges_json(capsys, billed_db, "--from", "2025-04-01", "--to", "2025-05-01", "--today", TODAY.isoformat(), "--customer", BLUE)
    assert records == []
