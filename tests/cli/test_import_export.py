"""The command line: import and export packages, settings, demo, --today.

Most tests drive `tui.cli.main([...])` in-process; a few run
`python -m tui.cli` in a subprocess to prove the real entry point works.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest

from billing.catalogue import PACKAGE_COLUMNS, PACKAGE_FIELDS
from store.book import Book
from tests.helpers.cli import cli, cli_process, write
from tests.helpers.raw import query
from tests.helpers.raw import rows as table_rows

pytestmark = pytest.mark.both_engines

HEADER = ",".join(PACKAGE_FIELDS)
#: What export writes: every field, then archived.
EXPORT_HEADER = ",".join(PACKAGE_COLUMNS)


# --- helpers ------------------------------------------------------------------


def rows(db: Path, table: str = "package") -> list[tuple]:
    """Every row of a table, read with plain sqlite3 (not through packdesk)."""
    return table_rows(db, table)


def package_count(db: Path) -> int:
    return len(rows(db))


def export(capsys, db: Path, fmt: str = "csv") -> str:
    code, out, err = cli(capsys, "export", "packages", "--format", fmt, "--db", str(db))
    assert code == 0, err
    return out


def export_json(capsys, db: Path) -> dict[str, dict]:
    return {item["name"]: item for item in json.loads(export(capsys, db, "json"))}


def export_csv(capsys, db: Path) -> dict[str, dict]:
    return {r["name"]: r for r in csv.DictReader(io.StringIO(export(capsys, db, "csv")))}


def do_import(capsys, db: Path, file: Path, *extra: str) -> tuple[int, str, str]:
    return cli(capsys, "import", "packages", str(file), "--db", str(db), *extra)


# --- good imports ---------------------------------------------------------------

GOOD = "\n".join(
    [
        HEADER,
        "UK DID rental,1.50,0.45,5,1,monthly,1,UK geographic number,,no,30",
        "Fax to email,2.50,0.90,0,0,weekly,tue fri,Fax gateway,,no,0",
        "Micro minute,0.000125,0.000001,0,0,daily,,Per-minute test,,no,0",
        "Call bundle,500,0,0,0,monthly,15 31,-5% off the first year,,yes,0",
        "Porting,0,0,15.00,6.00,none,,=one-off fee,,no,0",
        "Support,240,60,0,0,yearly,,@priority,,no,365",
        "+44 numbers,1,0.5,0,0,monthly,,+ plus start,,no,0",
    ]
) + "\n"

#: What each package of GOOD reads back as: (name, *EXPECTED_COLUMNS).
EXPECTED_COLUMNS = (
    "retail", "cost", "setup_retail", "setup_cost", "frequency", "frequency_match", "description", "upstream_service",
    "minimum_spend", "minimum_days",
)
EXPECTED = {
    name: dict(zip(EXPECTED_COLUMNS, values))
    for name, *values in [
        ("UK DID rental", "1.50", "0.45", "5", "1", "monthly", "1", "UK geographic number", "", False, 30),
        ("Fax to email", "2.50", "0.90", "0", "0", "weekly", "tue fri", "Fax gateway", "", False, 0),
        ("Micro minute", "0.000125", "0.000001", "0", "0", "daily", "", "Per-minute test", "", False, 0),
        ("Call bundle", "500", "0", "0", "0", "monthly", "15 31", "-5% off the first year", "", True, 0),
        ("Porting", "0", "0", "15", "6", "none", "", "=one-off fee", "", False, 0),
        ("Support", "240", "60", "0", "0", "yearly", "", "@priority", "", False, 365),
        ("+44 numbers", "1", "0.5", "0", "0", "monthly", "", "+ plus start", "", False, 0),
    ]
}

MONEY = ("retail", "cost", "setup_retail", "setup_cost")


def assert_matches_expected(items: dict[str, dict], *, from_csv: bool) -> None:
    assert set(items) == set(EXPECTED)
    for name, want in EXPECTED.items():
        got = items[name]
        for key, value in want.items():
            if key in MONEY:
                assert Decimal(got[key]) == Decimal(value), (name, key, got[key])
            elif key == "minimum_spend" and from_csv:
                assert got[key] == ("yes" if value else "no"), (name, key)
            elif key == "minimum_days" and from_csv:
                assert got[key] == str(value), (name, key)
            else:
                assert got[key] == value, (name, key, got[key])


def test_good_import_reports_added_count(capsys, tmp_path, db):
    file = write(tmp_path / "p.csv", GOOD)
    code, out, err = do_import(capsys, db, file)
    assert code == 0, err
    assert "7 package(s) added, 0 updated" in out
    assert package_count(db) == 7


def test_import_then_export_json_gives_the_same_values(capsys, tmp_path, db):
    file = write(tmp_path / "p.csv", GOOD)
    assert do_import(capsys, db, file)[0] == 0
    assert_matches_expected(export_json(capsys, db), from_csv=False)


def test_import_then_export_csv_gives_the_same_values_with_formula_cells_escaped(capsys, tmp_path, db):
    file = write(tmp_path / "p.csv", GOOD)
    assert do_import(capsys, db, file)[0] == 0
    text = export(capsys, db, "csv")
    raw = {r["name"]: r for r in csv.DictReader(io.StringIO(text))}
    # what a spreadsheet would run as a formula starts with a '
    assert raw["Call bundle"]["description"] == "'-5% off the first year"
    assert raw["Porting"]["description"] == "'=one-off fee"
    assert raw["Support"]["description"] == "'@priority"
    assert "'+44 numbers" in raw
    assert raw["UK DID rental"]["description"] == "UK geographic number"
    assert raw["Micro minute"]["retail"] == "0.000125"
    assert raw["Micro minute"]["cost"] == "0.000001"
    assert raw["Fax to email"]["frequency_match"] == "tue fri"
    assert raw["Call bundle"]["frequency_match"] == "15 31"
    assert raw["Call bundle"]["minimum_spend"] == "yes"
    assert text.splitlines()[0] == EXPORT_HEADER
    # read back through import's un-escaping, the values are what went in
    unescaped = {}
    for name, record in raw.items():
        clean = {k: (v[1:] if len(v) > 1 and v[0] == "'" and v[1] in "=+-@" else v) for k, v in record.items()}
        unescaped[clean["name"]] = clean
    assert_matches_expected(unescaped, from_csv=True)


def test_exported_csv_imports_back_unchanged(capsys, tmp_path, db):
    file = write(tmp_path / "p.csv", GOOD)
    assert do_import(capsys, db, file)[0] == 0
    first_csv = export(capsys, db, "csv")
    first_json = export(capsys, db, "json")
    exported = write(tmp_path / "exported.csv", first_csv)

    other = tmp_path / "other.db"
    Book.open(other, create=True).close()
    code, out, err = do_import(capsys, other, exported)
    assert code == 0, err
    assert "7 package(s) added" in out
    assert export(capsys, other, "csv") == first_csv
    assert export(capsys, other, "json") == first_json
    assert_matches_expected(export_json(capsys, other), from_csv=False)

    # into the same book: every row updates, nothing changes
    code, out, err = do_import(capsys, db, exported)
    assert code == 0, err
    assert "0 package(s) added, 7 updated" in out
    assert export(capsys, db, "csv") == first_csv


def test_roundtrip_keeps_a_leading_apostrophe(capsys, tmp_path, db):
    """A description saved (from the app) as "'=not a formula" must survive export + import."""
    from billing.catalogue import PackageDraft
    from store.book import Book
    from store.packages import create_package

    book = Book.open(db)
    try:
        create_package(PackageDraft("Quote", retail=Decimal("1"), description="'=not a formula"))
    finally:
        book.close()
    assert export_json(capsys, db)["Quote"]["description"] == "'=not a formula"
    write(tmp_path / "again.csv", export(capsys, db, "csv"))
    other = tmp_path / "other.db"
    Book.open(other, create=True).close()
    assert do_import(capsys, other, tmp_path / "again.csv")[0] == 0
    assert export_json(capsys, other)["Quote"]["description"] == "'=not a formula"


def test_reimport_of_existing_name_updates_it(capsys, tmp_path, db):
    write(tmp_path / "a.csv", HEADER + "\nHosted PBX seat,12.00,4.20,25,8,monthly,1,Seat,,no,90\n")
    assert do_import(capsys, db, tmp_path / "a.csv")[0] == 0
    write(tmp_path / "b.csv", HEADER + "\nhosted pbx seat,13.50,4.20,25,8,weekly,mon,Seat v2,,no,90\nNew one,1,0,0,0,daily,,,,no,0\n")
    code, out, err = do_import(capsys, db, tmp_path / "b.csv")
    assert code == 0, err
    assert "1 package(s) added, 1 updated" in out
    assert package_count(db) == 2
    items = {k.casefold(): v for k, v in export_json(capsys, db).items()}
    seat = items["hosted pbx seat"]
    assert Decimal(seat["retail"]) == Decimal("13.50")
    assert seat["frequency"] == "weekly"
    assert seat["frequency_match"] == "mon"
    assert seat["description"] == "Seat v2"


def test_import_with_only_some_columns_takes_defaults(capsys, tmp_path, db):
    write(tmp_path / "p.csv", "retail,name\n4.5,Short\n")
    code, out, err = do_import(capsys, db, tmp_path / "p.csv")
    assert code == 0, err
    item = export_json(capsys, db)["Short"]
    assert item["retail"] == "4.50"
    assert item["frequency"] == "monthly"
    assert item["minimum_spend"] is False


def test_import_with_bom_and_crlf(capsys, tmp_path, db):
    (tmp_path / "p.csv").write_bytes(("\ufeff" + HEADER + "\r\nExcel,1.25,0,0,0,monthly,1,,,no,0\r\n").encode("utf-8"))
    code, out, err = do_import(capsys, db, tmp_path / "p.csv")
    assert code == 0, err
    assert Decimal(export_json(capsys, db)["Excel"]["retail"]) == Decimal("1.25")


def test_add_services_adds_unknown_service(capsys, tmp_path, db):
    write(tmp_path / "p.csv", HEADER + "\nSeat,12,4,0,0,monthly,1,,Hosted PBX,no,0\nTrunk,45,28,0,0,monthly,1,,SIP Trunk,no,0\n")
    code, out, err = do_import(capsys, db, tmp_path / "p.csv", "--add-services")
    assert code == 0, err
    assert "2 package(s) added" in out
    assert "Hosted PBX" in out and "SIP Trunk" in out
    assert sorted(r[1] for r in rows(db, "upstream_service")) == ["Hosted PBX", "SIP Trunk"]
    items = export_json(capsys, db)
    assert items["Seat"]["upstream_service"] == "Hosted PBX"
    assert items["Trunk"]["upstream_service"] == "SIP Trunk"


# --- bad imports: exit 1, line and column named, nothing written ------------------

SEED = HEADER + "\nExisting,10,1,0,0,monthly,1,original,,no,0\n"
# line 2 would update Existing, line 3 would add Fresh; line 4 is the bad one
PREFIX = HEADER + "\nExisting,99,1,0,0,monthly,1,changed,,no,0\nFresh,1,0,0,0,monthly,1,,,no,0\n"

BAD_ROWS = {
    "money letters": ("Bad,abc,0,0,0,monthly,1,,,no,0", "line 4, column retail", "not a number"),
    "money negative": ("Bad,-1,0,0,0,monthly,1,,,no,0", "line 4, column retail", "negative"),
    "money 7 places": ("Bad,1,0.1234567,0,0,monthly,1,,,no,0", "line 4, column cost", "7 decimal places"),
    "money comma": ("Bad,1,0,\"1,000\",0,monthly,1,,,no,0", "line 4, column setup_retail", ""),
    "money exponent": ("Bad,1,0,0,1e3,monthly,1,,,no,0", "line 4, column setup_cost", ""),
    "unknown frequency": ("Bad,1,0,0,0,fortnightly,,,,no,0", "line 4, column frequency", "fortnightly"),
    "weekday typo": ("Bad,1,0,0,0,weekly,mon frii,,,no,0", "line 4, column frequency_match", "frii"),
    "day 32": ("Bad,1,0,0,0,monthly,1 32,,,no,0", "line 4, column frequency_match", "32"),
    "day 0": ("Bad,1,0,0,0,monthly,0,,,no,0", "line 4, column frequency_match", ""),
    "match on daily": ("Bad,1,0,0,0,daily,5,,,no,0", "line 4, column frequency_match", "daily"),
    "match on yearly": ("Bad,1,0,0,0,yearly,5,,,no,0", "line 4, column frequency_match", "yearly"),
    "bad minimum_spend": ("Bad,1,0,0,0,monthly,1,,,maybe,0", "line 4, column minimum_spend", "maybe"),
    "minimum_spend without frequency": ("Bad,1,0,0,0,none,,,,yes,0", "line 4, column minimum_spend", ""),
    "minimum_days words": ("Bad,1,0,0,0,monthly,1,,,no,ten", "line 4, column minimum_days", "ten"),
    "minimum_days negative": ("Bad,1,0,0,0,monthly,1,,,no,-3", "line 4, column minimum_days", ""),
    "minimum_days fraction": ("Bad,1,0,0,0,monthly,1,,,no,1.5", "line 4, column minimum_days", ""),
    "empty name": (",1,0,0,0,monthly,1,,,no,0", "line 4, column name", "required"),
    "blank name": ("   ,1,0,0,0,monthly,1,,,no,0", "line 4, column name", "required"),
    "name too long": ("N" * 81 + ",1,0,0,0,monthly,1,,,no,0", "line 4, column name", ""),
    "duplicate name in file": ("FRESH,2,0,0,0,monthly,1,,,no,0", "line 4, column name", "line 3"),
    "unknown service": ("Bad,1,0,0,0,monthly,1,,Nowhere Telecom,no,0", "line 4, column upstream_service", "Nowhere Telecom"),
    "too few cells": ("Bad,1,0", "line 4", "3 cells"),
    "too many cells": ("Bad,1,0,0,0,monthly,1,,,no,0,extra", "line 4", "12 cells"),
}


@pytest.fixture
def seeded(capsys, tmp_path, db):
    write(tmp_path / "seed.csv", SEED)
    code, _out, err = do_import(capsys, db, tmp_path / "seed.csv")
    assert code == 0, err
    return db


def assert_nothing_written(db: Path, before_packages, before_services):
    assert rows(db) == before_packages
    assert rows(db, "upstream_service") == before_services


@pytest.mark.parametrize("case", sorted(BAD_ROWS))
def test_bad_row_fails_names_line_and_column_and_writes_nothing(capsys, tmp_path, seeded, case):
    bad_row, where, detail = BAD_ROWS[case]
    before, services = rows(seeded), rows(seeded, "upstream_service")
    file = write(tmp_path / "bad.csv", PREFIX + bad_row + "\n")
    code, out, err = do_import(capsys, seeded, file)
    assert code == 1
    assert where in err
    assert detail in err
    assert "nothing imported" in err
    assert "Traceback" not in err
    assert "added" not in out
    assert_nothing_written(seeded, before, services)
    assert package_count(seeded) == 1
    assert export_json(capsys, seeded)["Existing"]["description"] == "original"


def test_every_bad_row_is_reported_at_once(capsys, tmp_path, seeded):
    before = rows(seeded)
    text = PREFIX + "A,abc,0,0,0,monthly,1,,,no,0\nB,1,0,0,0,weekly,xyz,,,no,0\n,1,0,0,0,monthly,1,,,perhaps,0\n"
    code, _out, err = do_import(capsys, seeded, write(tmp_path / "bad.csv", text))
    assert code == 1
    assert "line 4, column retail" in err
    assert "line 5, column frequency_match" in err
    assert "line 6, column name" in err
    assert "line 6, column minimum_spend" in err
    assert rows(seeded) == before


def test_unknown_service_is_accepted_with_add_services(capsys, tmp_path, seeded):
    file = write(tmp_path / "svc.csv", PREFIX + "Bad,1,0,0,0,monthly,1,,Nowhere Telecom,no,0\n")
    assert do_import(capsys, seeded, file)[0] == 1
    code, out, err = do_import(capsys, seeded, file, "--add-services")
    assert code == 0, err
    assert "2 package(s) added, 1 updated" in out
    assert "Nowhere Telecom" in out
    assert [r[1] for r in rows(seeded, "upstream_service")] == ["Nowhere Telecom"]
    assert export_json(capsys, seeded)["Bad"]["upstream_service"] == "Nowhere Telecom"


def test_bad_row_with_add_services_adds_no_service(capsys, tmp_path, seeded):
    file = write(tmp_path / "svc.csv", PREFIX + "Svc,1,0,0,0,monthly,1,,Nowhere Telecom,no,0\nBad,x,0,0,0,monthly,1,,,no,0\n")
    code, _out, err = do_import(capsys, seeded, file, "--add-services")
    assert code == 1
    assert "line 5, column retail" in err
    assert rows(seeded, "upstream_service") == []
    assert package_count(seeded) == 1


NON_UTF8 = (HEADER + "\nGood,1,0,0,0,monthly,1,,,no,0\n").encode() + "Caf\u00e9,1,0,0,0,monthly,1,,,no,0\n".encode("latin-1")
#: Instead of a file: its path names a directory.
A_DIRECTORY = object()


@pytest.mark.parametrize(
    "holds, words",
    [
        # A bad header: line 1 and the column are named.
        pytest.param("name,retail,colour\nA,1,red\n", ["line 1, column colour"], id="header: unknown column"),
        pytest.param("retail,cost\n1,0\n", ["line 1, column name"], id="header: missing name column"),
        pytest.param("name,retail,retail\nA,1,2\n", ["line 1, column retail"], id="header: column twice"),
        pytest.param("", ["line 1", "empty"], id="empty file"),
        pytest.param("\n\n  \n", ["empty"], id="blank lines only"),
        pytest.param(HEADER + "\n", ["no rows"], id="header only"),
        pytest.param(None, ["no such file", "{file}"], id="missing file"),
        pytest.param(A_DIRECTORY, ["directory"], id="a directory instead of a file"),
        pytest.param(NON_UTF8, ["UTF-8"], id="non-UTF-8 bytes"),
        # The operator must be able to find the bad byte: name its line (3), not only a byte offset.
        pytest.param(NON_UTF8, ["line 3"], id="non-UTF-8 bytes: the line is named"),
        pytest.param(PREFIX + 'Bad,1,0,0,0,monthly,1,"never closed,,no,0\n', [], id="unterminated quote"),
    ],
)
def test_a_file_that_cannot_be_read_fails_saying_why_and_writes_nothing(capsys, tmp_path, seeded, holds, words):
    """`holds`: the file's text or bytes, None for no file at all, or A_DIRECTORY;
    `words`: what the refusal says ({file} is the file's path)."""
    before = rows(seeded)
    file = tmp_path if holds is A_DIRECTORY else tmp_path / "p.csv"
    if isinstance(holds, bytes):
        file.write_bytes(holds)
    elif isinstance(holds, str):
        write(file, holds)
    code, _out, err = do_import(capsys, seeded, file)
    assert code == 1
    for word in words:
        assert word.format(file=file) in err
    assert "Traceback" not in err
    assert rows(seeded) == before


# --- export -------------------------------------------------------------------------


def test_export_json_parses_with_documented_keys(capsys, tmp_path, db):
    assert do_import(capsys, db, write(tmp_path / "p.csv", GOOD))[0] == 0
    items = json.loads(export(capsys, db, "json"))
    assert isinstance(items, list) and len(items) == 7
    for item in items:
        assert list(item) == list(PACKAGE_COLUMNS)
        assert isinstance(item["minimum_spend"], bool)
        assert isinstance(item["minimum_days"], int) and not isinstance(item["minimum_days"], bool)
        for key in MONEY:
            assert isinstance(item[key], str)
            Decimal(item[key])
    assert [i["name"] for i in items] == sorted((i["name"] for i in items), key=str.lower)


def test_export_of_empty_book(capsys, db):
    from store.book import Book

    Book.open(db).close()  # an empty book; a missing one is refused (below)
    assert json.loads(export(capsys, db, "json")) == []
    assert export(capsys, db, "csv").strip() == EXPORT_HEADER


@pytest.mark.parametrize(
    "command",
    [
        ["export", "packages"],
        ["charges", "--from", "2026-01-01", "--to", "2026-01-31"],
        ["run", "--date", "2026-01-01", "--commit"],
        ["check"],
    ],
)
def test_commands_refuse_a_book_that_does_not_exist(capsys, tmp_path, command):
    # A mistyped --db in a cron job must fail loudly, not bill a new empty book.
    missing = tmp_path / "no-such-dir" / "typo.db"
    code, _out, err = cli(capsys, *command, "--db", str(missing))
    assert code == 1
    assert "there is no book at" in err and str(missing) in err
    assert not missing.exists() and not missing.parent.exists()


def test_export_rejects_unknown_format(capsys, db):
    code, _out, err = cli(capsys, "export", "packages", "--format", "xml", "--db", str(db))
    assert code == 2
    assert "xml" in err


# --- settings -------------------------------------------------------------------------


def test_settings_show_defaults(capsys, db):
    code, out, err = cli(capsys, "settings", "--db", str(db))
    assert code == 0, err
    assert "currency:  USD" in out
    assert "precision: 2" in out
    assert "timezone:  UTC" in out
    assert str(db) in out


def test_settings_change_persists(capsys, db):
    code, out, err = cli(capsys, "settings", "--db", str(db), "--currency", "gbp", "--precision", "3", "--timezone", "Europe/London")
    assert code == 0, err
    assert "currency:  GBP" in out
    code, out, _err = cli(capsys, "settings", "--db", str(db))
    assert code == 0
    assert "currency:  GBP" in out
    assert "precision: 3" in out
    assert "timezone:  Europe/London" in out


@pytest.mark.parametrize(
    "args, word",
    [
        (("--currency", "US"), "currency"),
        (("--currency", "EURO"), "currency"),
        (("--precision", "7"), "precision"),
        (("--precision", "-1"), "precision"),
        (("--timezone", "Mars/Olympus"), "timezone"),
    ],
)
def test_settings_bad_value_exits_1_with_message_and_changes_nothing(capsys, db, args, word):
    assert cli(capsys, "settings", "--db", str(db), "--currency", "EUR")[0] == 0
    before = _settings(db)
    code, out, err = cli(capsys, "settings", "--db", str(db), *args)
    assert code == 1
    assert word in err
    assert args[1] in err
    assert "Traceback" not in err
    assert _settings(db) == before
    code, out, _err = cli(capsys, "settings", "--db", str(db))
    assert "currency:  EUR" in out and "precision: 2" in out and "timezone:  UTC" in out


def _settings(db: Path) -> list[tuple]:
    return query(db, "SELECT key, value FROM setting ORDER BY key")


def test_settings_precision_not_a_number_is_usage_error(capsys, db):
    code, _out, err = cli(capsys, "settings", "--db", str(db), "--precision", "two")
    assert code == 2
    assert "precision" in err


def test_db_from_environment(capsys, monkeypatch, tmp_path):
    env_db = tmp_path / "env" / "book.db"
    monkeypatch.setenv("PACKDESK_DB", str(env_db))
    code, out, err = cli(capsys, "settings", "--currency", "CHF")
    assert code == 1 and "there is no book at" in err and not env_db.exists()  # settings never creates one
    code, out, err = cli(capsys, "init")
    assert code == 0, err
    assert env_db.exists() and str(env_db) in out
    code, out, err = cli(capsys, "settings", "--currency", "CHF")
    assert code == 0, err
    assert str(env_db) in out
    cli_db = tmp_path / "cli.db"
    assert cli(capsys, "init", "--db", str(cli_db))[0] == 0
    code, out, _err = cli(capsys, "settings", "--db", str(cli_db))
    assert str(cli_db) in out and "currency:  USD" in out


def test_not_a_book_exits_1_with_message(capsys, tmp_path):
    path = tmp_path / "junk.db"
    path.write_bytes(b"\x00\xffnot sqlite at all" * 100)
    code, _out, err = cli(capsys, "settings", "--db", str(path))
    assert code == 1
    assert "not a packdesk book" in err
    assert str(path) in err


# --- demo --------------------------------------------------------------------------------


def test_demo_adds_packages_then_nothing(capsys, db):
    code, out, err = cli(capsys, "demo", "--db", str(db))
    assert code == 0, err
    assert "9 demo package(s) added" in out
    assert package_count(db) == 9
    assert len(rows(db, "upstream_service")) == 5
    first = rows(db)
    code, out, err = cli(capsys, "demo", "--db", str(db))
    assert code == 0, err
    assert "0 demo package(s) added" in out
    assert rows(db) == first
    items = export_json(capsys, db)
    assert items["SIP trunk 10 channels"]["frequency_match"] == "15 31"
    assert items["Fax to email"]["frequency_match"] == "mon"
    assert Decimal(items["Daily test number"]["retail"]) == Decimal("0.125")


# --- --today -------------------------------------------------------------------------------


def test_bad_today_exits_2_naming_februarys_days(capsys, db):
    code, _out, err = cli(capsys, "settings", "--db", str(db), "--today", "2027-02-30")
    assert code == 2
    assert "February 2027 has 28 days" in err
    assert "--today" in err


def test_bad_today_before_the_command_exits_2(capsys, db):
    code, _out, err = cli(capsys, "--today", "2027-02-30", "settings", "--db", str(db))
    assert code == 2
    assert "28 days" in err


def test_good_today_is_accepted(capsys, db):
    code, out, err = cli(capsys, "settings", "--db", str(db), "--today", "2028-02-29")
    assert code == 0, err
    assert "currency:  USD" in out


def test_bad_packdesk_today_env_exits_2(capsys, monkeypatch, db):
    monkeypatch.setenv("PACKDESK_TODAY", "2027-02-30")
    code, _out, err = cli(capsys, "settings", "--db", str(db))
    assert code == 2
    assert "PACKDESK_TODAY" in err
    assert "28 days" in err


# --- the real entry point, in a subprocess ---------------------------------------------------


def test_subprocess_import_and_export(tmp_path):
    db = tmp_path / "book.db"
    file = write(tmp_path / "p.csv", GOOD)
    done = cli_process("import", "packages", str(file), "--db", str(db))
    assert done.returncode == 1 and "there is no book" in done.stderr and not db.exists()
    assert cli_process("init", "--db", str(db)).returncode == 0
    done = cli_process("import", "packages", str(file), "--db", str(db))
    assert done.returncode == 0, done.stderr
    assert "7 package(s) added, 0 updated" in done.stdout
    done = cli_process("export", "packages", "--format", "json", "--db", str(db))
    assert done.returncode == 0, done.stderr
    items = {i["name"]: i for i in json.loads(done.stdout)}
    assert_matches_expected(items, from_csv=False)
    done = cli_process("export", "packages", "--db", str(db))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == EXPORT_HEADER
    assert "'-5% off the first year" in done.stdout


def test_subprocess_bad_row_exits_1_and_writes_nothing(tmp_path):
    db = tmp_path / "book.db"
    assert cli_process("init", "--db", str(db)).returncode == 0
    assert cli_process("import", "packages", str(write(tmp_path / "seed.csv", SEED)), "--db", str(db)).returncode == 0
    before = rows(db)
    file = write(tmp_path / "bad.csv", PREFIX + "Bad,1,0,0,0,monthly,1,,,no,0.5\n")
    done = cli_process("import", "packages", str(file), "--db", str(db))
    assert done.returncode == 1
    assert "line 4, column minimum_days" in done.stderr
    assert "Traceback" not in done.stderr
    assert rows(db) == before


def test_subprocess_bad_today_exits_2(tmp_path):
    done = cli_process("settings", "--db", str(tmp_path / "book.db"), "--today", "2027-02-30")
    assert done.returncode == 2
    assert "February 2027 has 28 days" in done.stderr
    assert "Traceback" not in done.stderr
