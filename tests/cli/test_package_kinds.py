"""Package files carry a package's kind: `type` (recurring or free_minutes),
`destinations` and `free_minutes`, optional on import (a package without
them is recurring; an update without them keeps them), written by export
(destinations as `^44|^91|^1`), round-tripping; a kind whose fields don't
fit refuses the file, naming line and column, and writes nothing."""

from __future__ import annotations

import csv
import io
import json

import pytest

from billing.catalogue import PACKAGE_COLUMNS
from store.book import Book
from tests.helpers.cli import cli, write
from tests.helpers.raw import query
from tests.helpers.raw import rows as table

pytestmark = pytest.mark.both_engines

KINDS = (
    "name,retail,frequency,type,destinations,free_minutes\n"
    "UK 1000,10,monthly,free_minutes,44 +91 ^1|44,1000\n"
    "India 300,5,monthly,free-minutes,^91,300\n"
    "Seat,12,monthly,recurring,,0\n"
    "Trunk,40,monthly,,,\n"
)


def import_packages(capsys, db, file, *extra):
    return cli(capsys, "import", "packages", str(file), "--db", str(db), *extra)


def export(capsys, db, fmt: str = "csv") -> str:
    code, out, err = cli(capsys, "export", "packages", "--format", fmt, "--db", str(db))
    assert code == 0, err
    return out


def kinds(db) -> dict[str, tuple]:
    return {name: (kind, prefixes, minutes) for name, kind, prefixes, minutes in query(db, "SELECT name, type, destinations, free_minutes FROM package")}


def problem_lines(err: str) -> list[str]:
    return [line.strip() for line in err.splitlines() if line.startswith("  ")]


def test_kinds_are_imported_and_kept_canonical(capsys, db, tmp_path):
    code, out, err = import_packages(capsys, db, write(tmp_path / "p.csv", KINDS))
    assert code == 0, err
    assert "4 package(s) added" in out
    assert kinds(db) == {
        "UK 1000": ("free_minutes", "^44|^91|^1", 1000),
        "India 300": ("free_minutes", "^91", 300),
        "Seat": ("recurring", "", 0),
        "Trunk": ("recurring", "", 0),
    }


def test_a_file_without_the_kind_columns_makes_recurring_packages(capsys, db, tmp_path):
    assert import_packages(capsys, db, write(tmp_path / "p.csv", "name,retail\nSeat,12\n"))[0] == 0
    assert kinds(db) == {"Seat": ("recurring", "", 0)}


def test_export_writes_the_kind_and_import_reads_it_back_unchanged(capsys, db, tmp_path):
    assert import_packages(capsys, db, write(tmp_path / "p.csv", KINDS))[0] == 0
    out = export(capsys, db)
    assert out.splitlines()[0] == ",".join(PACKAGE_COLUMNS)
    rows = {r["name"]: r for r in csv.DictReader(io.StringIO(out))}
    assert (rows["UK 1000"]["type"], rows["UK 1000"]["destinations"], rows["UK 1000"]["free_minutes"]) == ("free_minutes", "^44|^91|^1", "1000")
    assert (rows["Seat"]["type"], rows["Seat"]["destinations"], rows["Seat"]["free_minutes"]) == ("recurring", "", "0")
    items = {i["name"]: i for i in json.loads(export(capsys, db, "json"))}
    assert items["India 300"]["free_minutes"] == 300 and items["India 300"]["destinations"] == "^91"
    before = kinds(db)
    # The export imported again changes no kind, and exports the same; into a new book too.
    exported = write(tmp_path / "exported.csv", out)
    code, printed, err = import_packages(capsys, db, exported)
    assert code == 0, err
    assert kinds(db) == before
    assert export(capsys, db) == out
    fresh = tmp_path / "fresh.db"
    Book.open(fresh).close()
    assert import_packages(capsys, fresh, exported)[0] == 0
    assert kinds(fresh) == before
    assert export(capsys, fresh) == out


def test_an_update_without_the_kind_columns_keeps_the_kind(capsys, db, tmp_path):
    assert import_packages(capsys, db, write(tmp_path / "p.csv", KINDS))[0] == 0
    code, out, err = import_packages(capsys, db, write(tmp_path / "price.csv", "name,description\nUK 1000,UK and more\n"))
    assert code == 0, err
    assert "1 updated" in out
    assert kinds(db)["UK 1000"] == ("free_minutes", "^44|^91|^1", 1000)
    code, out, err = import_packages(capsys, db, write(tmp_path / "more.csv", "name,free_minutes\nUK 1000,1200\n"))
    assert code == 0, err
    assert kinds(db)["UK 1000"] == ("free_minutes", "^44|^91|^1", 1200)


def test_a_package_can_turn_recurring_only_without_destinations_and_minutes(capsys, db, tmp_path):
    assert import_packages(capsys, db, write(tmp_path / "p.csv", KINDS))[0] == 0
    code, out, err = import_packages(capsys, db, write(tmp_path / "r.csv", "name,type\nUK 1000,recurring\n"))
    assert code == 1
    assert {p.split(":")[0] for p in problem_lines(err)} == {"line 2, column destinations", "line 2, column free_minutes"}
    code, out, err = import_packages(capsys, db, write(tmp_path / "r2.csv", "name,type,destinations,free_minutes\nUK 1000,recurring,,0\n"))
    assert code == 0, err
    assert kinds(db)["UK 1000"] == ("recurring", "", 0)


@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        pytest.param("Bundle,1,monthly,free_minutes,,100", "destinations", "needs the destinations", id="no destinations"),
        pytest.param("Bundle,1,monthly,recurring,^44,0", "destinations", "only a free_minutes package", id="recurring with destinations"),
        pytest.param("Bundle,1,monthly,,44,0", "destinations", "only a free_minutes package", id="no type with destinations"),
        pytest.param("Bundle,1,monthly,free_minutes,^44|^9x,100", "destinations", "'^9x' is not a destination prefix", id="bad prefix"),
        pytest.param("Bundle,1,monthly,free_minutes,^44,-5", "free_minutes", "negative", id="negative minutes"),
        pytest.param("Bundle,1,monthly,free_minutes,^44,2.5", "free_minutes", "whole number", id="fraction"),
        pytest.param("Bundle,1,monthly,bundle,^44,5", "type", "not one of recurring, free_minutes", id="bad type"),
    ],
)
def test_a_kind_that_does_not_fit_refuses_the_file(capsys, db, tmp_path, row, column, words):
    file = write(tmp_path / "bad.csv", "name,retail,frequency,type,destinations,free_minutes\nFine,1,monthly,,,\n" + row + "\n")
    code, out, err = import_packages(capsys, db, file)
    assert code == 1 and "Traceback" not in err
    (problem,) = problem_lines(err)
    assert problem.startswith(f"line 3, column {column}:"), problem
    assert words in problem
    assert table(db, "package") == []
