"""The command line for customers and allocations: import (all rows or none,
each bad row named), export (CSV and JSON), and `charges` (writes nothing).

Driven in-process through tui.cli.main([...]); books are files under tmp_path.
"""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from billing.accounts import ALLOCATION_FIELDS, CUSTOMER_FIELDS
from store.book import Book
from store.packages import find_package, set_archived
from tests.helpers.books import make_demo_db, opened
from tests.helpers.cli import charges, charges_json, cli, write
from tests.helpers.raw import rows, tables

pytestmark = pytest.mark.both_engines

D = Decimal
CUSTOMER_HEADER = ",".join(CUSTOMER_FIELDS)
ALLOCATION_HEADER = ",".join(ALLOCATION_FIELDS)
TABLES = ("setting", "upstream_service", "package", "customer", "allocation")


# --- helpers ------------------------------------------------------------------


def snapshot(db: Path) -> dict[str, list[tuple]]:
    return tables(db, TABLES)


def archive(db: Path, name: str) -> None:
    with opened(db):
        package = find_package(name)
        set_archived(package.id, package.version, True)


def import_file(capsys, db: Path, what: str, file: Path):
    return cli(capsys, "import", what, str(file), "--db", str(db))


def import_customers(capsys, db: Path, file: Path):
    return import_file(capsys, db, "customers", file)


def import_allocations(capsys, db: Path, file: Path):
    return import_file(capsys, db, "allocations", file)


def export(capsys, db: Path, what: str, fmt: str = "csv") -> str:
    code, out, err = cli(capsys, "export", what, "--format", fmt, "--db", str(db))
    assert code == 0, err
    return out


def assert_imports_back(capsys, other: Path, what: str, exported_csv: str, exported_json: str, added: str) -> None:
    """What one book exported, imported into the book `other`: it says `added`,
    and `other` then exports the same CSV and JSON."""
    code, out, err = import_file(capsys, other, what, write(other.with_suffix(".csv"), exported_csv))
    assert code == 0, err
    assert added in out
    assert export(capsys, other, what, "csv") == exported_csv
    assert export(capsys, other, what, "json") == exported_json


# --- import customers -------------------------------------------------------------

GOOD_CUSTOMERS = "\n".join(
    [
        CUSTOMER_HEADER,
        "Acme Telecom,active,20,Pays by transfer",
        "Blue Fish Ltd,suspended,17.5,",
        '"Carrier, Inc.",closed,0,"multi\nline ""notes"""',
        "Delta VoIP,,,",
    ]
) + "\n"


def customers_by_name(capsys, db: Path) -> dict[str, dict]:
    return {c["name"]: c for c in json.loads(export(capsys, db, "customers", "json"))}


def test_import_customers_counts_and_values(capsys, tmp_path, db):
    code, out, err = import_customers(capsys, db, write(tmp_path / "c.csv", GOOD_CUSTOMERS))
    assert code == 0, err
    assert "4 customer(s) added, 0 updated" in out
    assert len(rows(db, "customer")) == 4
    got = customers_by_name(capsys, db)
    assert set(got) == {"Acme Telecom", "Blue Fish Ltd", "Carrier, Inc.", "Delta VoIP"}
    assert (got["Acme Telecom"]["status"], D(got["Acme Telecom"]["tax_percent"]), got["Acme Telecom"]["notes"]) == (
        "active", D("20"), "Pays by transfer")
    assert (got["Blue Fish Ltd"]["status"], D(got["Blue Fish Ltd"]["tax_percent"])) == ("suspended", D("17.5"))
    assert got["Carrier, Inc."]["notes"] == 'multi\nline "notes"'
    # blank cells take the defaults
    assert (got["Delta VoIP"]["status"], D(got["Delta VoIP"]["tax_percent"]), got["Delta VoIP"]["notes"]) == ("active", D(0), "")


def test_import_customers_only_name_is_required(capsys, tmp_path, db):
    code, out, err = import_customers(capsys, db, write(tmp_path / "c.csv", "name\nAcme Telecom\nBlue Fish Ltd\n"))
    assert code == 0, err
    assert "2 customer(s) added" in out
    got = customers_by_name(capsys, db)
    assert {n: (c["status"], D(c["tax_percent"])) for n, c in got.items()} == {
        "Acme Telecom": ("active", D(0)), "Blue Fish Ltd": ("active", D(0))}


def test_import_customers_without_a_name_column_is_refused(capsys, tmp_path, db):
    code, out, err = import_customers(capsys, db, write(tmp_path / "c.csv", "status,tax_percent\nactive,20\n"))
    assert code == 1
    assert "line 1, column name" in err
    assert rows(db, "customer") == []


def test_reimport_updates_customers_by_name_case_aside(capsys, tmp_path, db):
    assert import_customers(capsys, db, write(tmp_path / "c.csv", GOOD_CUSTOMERS))[0] == 0
    ids_before = {r[1]: r[0] for r in rows(db, "customer")}
    again = "\n".join([CUSTOMER_HEADER, "ACME TELECOM,closed,5,moved", "Echo Ltd,,,"]) + "\n"
    code, out, err = import_customers(capsys, db, write(tmp_path / "again.csv", again))
    assert code == 0, err
    assert "1 customer(s) added, 1 updated" in out
    got = customers_by_name(capsys, db)
    assert len(got) == 5
    acme = got["ACME TELECOM"]
    assert (acme["status"], D(acme["tax_percent"]), acme["notes"]) == ("closed", D("5"), "moved")
    after = {r[1]: r for r in rows(db, "customer")}
    # the same row was updated (same id), and its version went up
    assert after["ACME TELECOM"][0] == ids_before["Acme Telecom"]
    version_col = 6
    assert after["ACME TELECOM"][version_col] == 2


BAD_CUSTOMER_ROWS = [
    # (bad line, column, words in the reason)
    ("Bad Status Ltd,gone,10,", "status", "'gone'"),
    ("Too Much Tax,active,101,", "tax_percent", "101"),
    ("Neg Tax,active,-1,", "tax_percent", "negative"),
    ("Fine Tax,active,1.234,", "tax_percent", "decimal places"),
    (",active,10,no name", "name", "required"),
    ("  acme   TELECOM ,active,10,", "name", "line 2"),   # same name as line 2 in the file
]


@pytest.mark.parametrize("bad, column, words", BAD_CUSTOMER_ROWS, ids=[b[1] + ":" + b[0][:12] for b in BAD_CUSTOMER_ROWS])
def test_import_customers_bad_row_is_named_and_nothing_written(capsys, tmp_path, db, bad, column, words):
    with opened(db):
        pass
    before = snapshot(db)
    text = "\n".join([CUSTOMER_HEADER, "Acme Telecom,active,20,", bad, "Blue Fish Ltd,,,"]) + "\n"
    code, out, err = import_customers(capsys, db, write(tmp_path / "c.csv", text))
    assert code == 1
    assert "nothing imported" in err
    line = next(l for l in err.splitlines() if l.strip().startswith("line 3"))
    assert f"line 3, column {column}:" in line
    assert words in line
    assert "line 2," not in err and "line 4" not in err
    assert snapshot(db) == before


def test_import_customers_every_bad_row_is_named_at_once(capsys, tmp_path, db):
    text = "\n".join(
        [CUSTOMER_HEADER, "Acme Telecom,active,20,", "X,gone,10,", "Y,active,101,", "acme telecom,,,", ",active,,", "Good,,,"]
    ) + "\n"
    code, out, err = import_customers(capsys, db, write(tmp_path / "c.csv", text))
    assert code == 1
    assert "line 3, column status" in err
    assert "line 4, column tax_percent" in err
    assert "line 5, column name" in err and "line 2" in err.split("line 5, column name", 1)[1].splitlines()[0]
    assert "line 6, column name" in err
    assert rows(db, "customer") == []


def test_export_customers_csv_and_json_round_trip(capsys, tmp_path, db):
    text = GOOD_CUSTOMERS + "=SUM(A1),active,12.25,+44 20 7946 0000\n@home,active,0,-5% discount\n"
    assert import_customers(capsys, db, write(tmp_path / "c.csv", text))[0] == 0
    first_csv, first_json = export(capsys, db, "customers", "csv"), export(capsys, db, "customers", "json")

    lines = first_csv.splitlines()
    assert lines[0] == CUSTOMER_HEADER
    raw = list(csv.DictReader(io.StringIO(first_csv)))
    assert len(raw) == 6
    # formula-looking cells are escaped for spreadsheets
    assert any(r["name"] == "'=SUM(A1)" for r in raw)
    assert any(r["notes"] == "'+44 20 7946 0000" for r in raw)

    items = json.loads(first_json)
    assert len(items) == 6
    assert all(set(item) == set(CUSTOMER_FIELDS) for item in items)
    by_name = {i["name"]: i for i in items}
    assert by_name["=SUM(A1)"]["notes"] == "+44 20 7946 0000"
    assert D(by_name["=SUM(A1)"]["tax_percent"]) == D("12.25")
    assert by_name["@home"]["notes"] == "-5% discount"

    other = tmp_path / "other.db"
    Book.open(other, create=True).close()
    assert_imports_back(capsys, other, "customers", first_csv, first_json, "6 customer(s) added")


def test_export_customers_of_an_empty_book(capsys, db):
    from store.book import Book

    Book.open(db).close()  # an empty book; a missing one is refused
    assert export(capsys, db, "customers", "csv").splitlines() == [CUSTOMER_HEADER]
    assert json.loads(export(capsys, db, "customers", "json")) == []


# --- import allocations -------------------------------------------------------------

GOOD_ALLOCATIONS = "\n".join(
    [
        ALLOCATION_HEADER,
        "Acme Telecom,SIP trunk 10 channels,3,2026-11-15,,no,no,PO-1",
        "acme telecom,us did RENTAL,,2026-12-01,2027-01-31,yes,yes,",
        "Blue Fish Ltd,Hosted PBX seat,2,2026-01-01,2026-04-01,,,PBX",   # exactly 90 minimum days on
    ]
) + "\n"


def allocations_json(capsys, db: Path) -> list[dict]:
    return json.loads(export(capsys, db, "allocations", "json"))


def test_import_allocations_good_rows(capsys, tmp_path, demo_db):
    code, out, err = import_allocations(capsys, demo_db, write(tmp_path / "a.csv", GOOD_ALLOCATIONS))
    assert code == 0, err
    assert "3 allocation(s) added" in out
    assert len(rows(demo_db, "allocation")) == 3
    assert allocations_json(capsys, demo_db) == [
        {"customer": "Acme Telecom", "package": "SIP trunk 10 channels", "quantity": 3, "start_date": "2026-11-15",
         "end_date": None, "auto_decrement": False, "prorate": False, "reference": "PO-1"},
        {"customer": "Acme Telecom", "package": "US DID rental", "quantity": 1, "start_date": "2026-12-01",
         "end_date": "2027-01-31", "auto_decrement": True, "prorate": True, "reference": ""},
        {"customer": "Blue Fish Ltd", "package": "Hosted PBX seat", "quantity": 2, "start_date": "2026-01-01",
         "end_date": "2026-04-01", "auto_decrement": False, "prorate": False, "reference": "PBX"},
    ]


def test_import_allocations_without_required_columns_is_refused(capsys, tmp_path, demo_db):
    before = snapshot(demo_db)
    code, out, err = import_allocations(capsys, demo_db, write(tmp_path / "a.csv", "customer,quantity\nAcme Telecom,1\n"))
    assert code == 1
    assert "line 1, column package" in err and "line 1, column start_date" in err
    assert snapshot(demo_db) == before


BAD_ALLOCATION_ROWS: dict[str, tuple[str, str, str]] = {
    # id: (bad line, column, words in the reason)
    "unknown customer": ("Nobody Ltd,US DID rental,1,2026-01-01,,,,", "customer", "'Nobody Ltd'"),
    "unknown package": ("Acme Telecom,Moon base,1,2026-01-01,,,,", "package", "'Moon base'"),
    "archived package": ("Acme Telecom,Fax to email,1,2026-01-01,,,,", "package", "archived"),
    "quantity 0": ("Acme Telecom,US DID rental,0,2026-01-01,,,,", "quantity", "at least 1"),
    "quantity 1.5": ("Acme Telecom,US DID rental,1.5,2026-01-01,,,,", "quantity", "'1.5'"),
    "bad date": ("Acme Telecom,US DID rental,1,2027-02-30,,,,", "start_date", "February 2027 has 28 days"),
    "no start": ("Acme Telecom,US DID rental,1,,,,,", "start_date", "required"),
    "end before start": ("Acme Telecom,US DID rental,1,2026-03-10,2026-03-09,,,", "end_date", "before the start date"),
    "end before minimum days": ("Acme Telecom,SIP trunk 10 channels,1,2026-11-15,2027-05-13,,,", "end_date", "2027-05-14"),
    "bad flag": ("Acme Telecom,US DID rental,1,2026-01-01,,maybe,,", "auto_decrement", "'maybe'"),
    "bad prorate flag": ("Acme Telecom,US DID rental,1,2026-01-01,,,sometimes,", "prorate", "'sometimes'"),
    "odd digit quantity": ("Acme Telecom,US DID rental,²,2026-01-01,,,,", "quantity", "²"),
}


@pytest.mark.parametrize("bad, column, words", list(BAD_ALLOCATION_ROWS.values()), ids=list(BAD_ALLOCATION_ROWS))
def test_import_allocations_bad_row_is_named_with_its_reason_and_nothing_written(capsys, tmp_path, demo_db, bad, column, words):
    archive(demo_db, "Fax to email")
    before = snapshot(demo_db)
    text = "\n".join(
        [ALLOCATION_HEADER, "Acme Telecom,US DID rental,1,2026-01-01,,,,", bad, "Blue Fish Ltd,US DID rental,2,2026-02-01,,,,"]
    ) + "\n"
    code, out, err = import_allocations(capsys, demo_db, write(tmp_path / "a.csv", text))
    assert code == 1
    assert "nothing imported" in err
    problem_lines = [l.strip() for l in err.splitlines() if l.strip().startswith("line ")]
    assert problem_lines, err
    assert all(l.startswith("line 3, ") for l in problem_lines), err
    named = [l for l in problem_lines if l.startswith(f"line 3, column {column}:")]
    assert named, err
    assert words in named[0]
    assert snapshot(demo_db) == before
    assert out == ""


def test_import_allocations_end_exactly_on_minimum_days_is_accepted(capsys, tmp_path, demo_db):
    text = ALLOCATION_HEADER + "\nAcme Telecom,SIP trunk 10 channels,1,2026-11-15,2027-05-14,,,\n"
    code, out, err = import_allocations(capsys, demo_db, write(tmp_path / "a.csv", text))
    assert code == 0, err
    assert allocations_json(capsys, demo_db)[0]["end_date"] == "2027-05-14"


def test_import_allocations_every_bad_row_named_at_once(capsys, tmp_path, demo_db):
    archive(demo_db, "Fax to email")
    bad_rows = list(BAD_ALLOCATION_ROWS.values())[:-1]
    text = "\n".join([ALLOCATION_HEADER] + [bad for bad, _, _ in bad_rows]) + "\n"
    code, out, err = import_allocations(capsys, demo_db, write(tmp_path / "a.csv", text))
    assert code == 1
    for line, (_, column, words) in enumerate(bad_rows, start=2):
        named = [l for l in err.splitlines() if l.strip().startswith(f"line {line}, column {column}:")]
        assert named and words in named[0], (line, column, err)
    assert rows(demo_db, "allocation") == []


def test_export_allocations_csv_and_json_round_trip(capsys, tmp_path, demo_db):
    text = GOOD_ALLOCATIONS + "Blue Fish Ltd,Daily test number,1,2026-05-01,,,,=HYPERLINK()\n"
    assert import_allocations(capsys, demo_db, write(tmp_path / "a.csv", text))[0] == 0
    first_csv, first_json = export(capsys, demo_db, "allocations", "csv"), export(capsys, demo_db, "allocations", "json")

    assert first_csv.splitlines()[0] == ALLOCATION_HEADER
    raw = list(csv.DictReader(io.StringIO(first_csv)))
    assert [r["package"] for r in raw] == ["SIP trunk 10 channels", "US DID rental", "Hosted PBX seat", "Daily test number"]
    assert raw[0]["quantity"] == "3" and raw[0]["end_date"] == "" and raw[0]["auto_decrement"] == "no"
    assert raw[1]["auto_decrement"] == "yes" and raw[1]["prorate"] == "yes"
    assert raw[3]["reference"] == "'=HYPERLINK()"
    items = json.loads(first_json)
    assert all(list(item) == list(ALLOCATION_FIELDS) for item in items)
    assert items[3]["reference"] == "=HYPERLINK()"

    other = make_demo_db(tmp_path / "other.db")
    assert_imports_back(capsys, other, "allocations", first_csv, first_json, "4 allocation(s) added")


# --- charges -----------------------------------------------------------------------------

CHARGE_KEYS = {"date", "customer", "package", "allocation", "kind", "quantity", "period_start", "period_end", "amount", "cost"}


@pytest.fixture
def charged(capsys, tmp_path, demo_db) -> Path:
    text = "\n".join(
        [
            ALLOCATION_HEADER,
            "Acme Telecom,SIP trunk 10 channels,3,2026-11-15,,,,",
            "Blue Fish Ltd,US DID rental,2,2026-12-01,,,,",
            "Blue Fish Ltd,Number porting,1,2026-11-20,,,,",
        ]
    ) + "\n"
    code, out, err = import_allocations(capsys, demo_db, write(tmp_path / "a.csv", text))
    assert code == 0, err
    return demo_db


def test_charges_json_shape_and_worked_example(capsys, charged):
    items = charges_json(capsys, charged, "--from", "2026-11-01", "--to", "2026-12-31", "--customer", "Acme Telecom")
    assert all(set(item) == CHARGE_KEYS for item in items)
    assert all(isinstance(item["amount"], str) and isinstance(item["cost"], str) for item in items)
    assert [(i["date"], i["kind"], i["quantity"], i["amount"], i["cost"]) for i in items] == [
        ("2026-11-15", "setup", 3, "150.00", "0.00"),
        ("2026-11-15", "recurring", 3, "135.00", "84.00"),
        ("2026-11-30", "recurring", 3, "135.00", "84.00"),
        ("2026-12-15", "recurring", 3, "135.00", "84.00"),
        ("2026-12-31", "recurring", 3, "135.00", "84.00"),
    ]
    assert {(i["customer"], i["package"]) for i in items} == {("Acme Telecom", "SIP trunk 10 channels")}
    allocation_id = rows(charged, "allocation")[0][0]
    assert {i["allocation"] for i in items} == {allocation_id}
    assert (items[1]["period_start"], items[1]["period_end"]) == ("2026-11-15", "2026-11-29")
    assert (items[0]["period_start"], items[0]["period_end"]) == ("2026-11-15", "2026-11-15")


def test_charges_amounts_follow_the_books_precision(capsys, charged):
    code, out, err = cli(capsys, "settings", "--precision", "3", "--db", str(charged))
    assert code == 0, err
    items = charges_json(capsys, charged, "--from", "2026-11-15", "--to", "2026-11-15")
    assert [(i["kind"], i["amount"], i["cost"]) for i in items] == [("setup", "150.000", "0.000"), ("recurring", "135.000", "84.000")]


def test_charges_sorted_by_date_with_setup_before_recurring(capsys, charged):
    items = charges_json(capsys, charged, "--from", "2026-11-01", "--to", "2027-01-31")
    dates = [i["date"] for i in items]
    assert dates == sorted(dates)
    same_day = [i["kind"] for i in items if i["date"] == "2026-11-15"]
    assert same_day == ["setup", "recurring"]
    assert [i["kind"] for i in items if i["package"] == "Number porting"] == ["setup"]
    assert {i["customer"] for i in items} == {"Acme Telecom", "Blue Fish Ltd"}


def test_charges_customer_filter(capsys, charged):
    blue = charges_json(capsys, charged, "--from", "2026-11-01", "--to", "2026-12-31", "--customer", "blue fish ltd")
    assert {i["customer"] for i in blue} == {"Blue Fish Ltd"}
    assert [(i["date"], i["package"], i["kind"], i["amount"]) for i in blue] == [
        ("2026-11-20", "Number porting", "setup", "15.00"),
        ("2026-12-01", "US DID rental", "recurring", "2.00"),
    ]
    everyone = charges_json(capsys, charged, "--from", "2026-11-01", "--to", "2026-12-31")
    acme = charges_json(capsys, charged, "--from", "2026-11-01", "--to", "2026-12-31", "--customer", "Acme Telecom")
    assert len(everyone) == len(blue) + len(acme)


def test_charges_unknown_customer_exits_1_with_a_message(capsys, charged):
    code, out, err = charges(capsys, charged, "--from", "2026-11-01", "--to", "2026-12-31", "--customer", "Nobody Ltd")
    assert code == 1
    assert "Nobody Ltd" in err
    assert out == ""


def test_charges_to_before_from_exits_2(capsys, charged):
    code, out, err = charges(capsys, charged, "--from", "2026-12-31", "--to", "2026-11-01")
    assert code == 2
    assert "2026-11-01" in err and "2026-12-31" in err
    assert out == ""


def test_charges_impossible_date_exits_2(capsys, charged):
    code, out, err = charges(capsys, charged, "--from", "2027-02-30", "--to", "2027-03-31")
    assert code == 2
    assert "February 2027 has 28 days" in err


def test_charges_same_from_and_to_is_one_day(capsys, charged):
    items = charges_json(capsys, charged, "--from", "2026-11-30", "--to", "2026-11-30")
    assert [(i["date"], i["amount"]) for i in items] == [("2026-11-30", "135.00")]


def test_charges_csv(capsys, charged):
    code, out, err = charges(capsys, charged, "--from", "2026-11-01", "--to", "2026-11-30", "--format", "csv")
    assert code == 0, err
    records = list(csv.DictReader(io.StringIO(out)))
    assert out.splitlines()[0] == "date,customer,package,allocation,kind,quantity,period_start,period_end,amount,cost"
    assert [(r["date"], r["kind"], r["amount"]) for r in records] == [
        ("2026-11-15", "setup", "150.00"), ("2026-11-15", "recurring", "135.00"),
        ("2026-11-20", "setup", "15.00"), ("2026-11-30", "recurring", "135.00"),
    ]


def parse_table(out: str):
    lines = out.rstrip("\n").splitlines()
    rules = [i for i, line in enumerate(lines) if line and set(line) == {"-"}]
    assert len(rules) == 2, out
    body = lines[rules[0] + 1: rules[1]]
    amounts = [D(line.split()[-2]) for line in body]
    costs = [D(line.split()[-1]) for line in body]
    return body, amounts, costs, lines[-1]


def test_charges_table_ends_with_a_totals_line(capsys, charged):
    code, out, err = charges(capsys, charged, "--from", "2026-11-01", "--to", "2027-01-31")
    assert code == 0, err
    body, amounts, costs, last = parse_table(out)
    assert len(body) == len(charges_json(capsys, charged, "--from", "2026-11-01", "--to", "2027-01-31"))
    match = re.search(r"(\d+) charge\(s\)\s+total USD (\d+\.\d\d)\s+cost (\d+\.\d\d)\s+margin (\d+\.\d\d)", last)
    assert match, last
    assert int(match[1]) == len(body)
    assert D(match[2]) == sum(amounts, D(0))
    assert D(match[3]) == sum(costs, D(0))
    assert D(match[4]) == D(match[2]) - D(match[3])
    # Acme: 150 + 6 x 135 = 960; Blue: 15 + 2 x 2.00 = 19
    assert D(match[2]) == D("979.00")


def test_charges_table_with_nothing_in_range(capsys, charged):
    code, out, err = charges(capsys, charged, "--from", "2020-01-01", "--to", "2020-12-31")
    assert code == 0, err
    body, amounts, costs, last = parse_table(out)
    assert body == []
    assert re.search(r"0 charge\(s\)\s+total USD 0\.00", last), last


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_charges_writes_nothing(capsys, charged, fmt):
    before = snapshot(charged)
    counts = {t: len(r) for t, r in before.items()}
    code, out, err = charges(capsys, charged, "--from", "2026-01-01", "--to", "2027-12-31", "--format", fmt)
    assert code == 0, err
    after = snapshot(charged)
    assert {t: len(r) for t, r in after.items()} == counts
    assert after == before
