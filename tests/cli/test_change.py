"""`packdesk change`: an allocation changes from a date; bad flags and
refusals name what and why, exit 1 or 2, and write nothing."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from billing.schedule import Frequency
from tests.helpers.books import allocate, customer, opened, package
from tests.helpers.cli import cli
from tests.helpers.raw import tables

pytestmark = pytest.mark.both_engines

TABLES = ("allocation", "audit")


@pytest.fixture
def book(db):
    with opened(db):
        seat = package("Seat", "10", setup_retail="25", frequency=Frequency.MONTHLY, match=(1,))
        package("Trunk", "40", setup_retail="5", frequency=Frequency.MONTHLY, match=(1,))
        acme = customer("Acme")
        customer("Blue")
        allocate(acme, seat, date(2025, 1, 1), date(2025, 12, 31), quantity=2)
    return db


def test_change_quantity_and_package_from_a_date(capsys, book):
    code, out, err = cli(capsys, "change", "--db", str(book), "--customer", "Acme", "--allocation", "1",
                         "--from", "2025-05-01", "--quantity", "3")
    assert code == 0, err
    assert "Allocation 1 (2 x Seat) now ends on 2025-04-30; allocation 2 (3 x Seat) follows it from 2025-05-01 to 2025-12-31" in out
    assert "no second setup" in out
    code, out, err = cli(capsys, "change", "--db", str(book), "--customer", "Acme", "--allocation", "2",
                         "--from", "2025-07-01", "--package", "Trunk")
    assert code == 0, err
    assert "allocation 3 (3 x Trunk) follows it from 2025-07-01" in out and "no second setup" not in out
    code, out, _ = cli(capsys, "charges", "--db", str(book), "--from", "2025-04-01", "--to", "2025-07-31", "--format", "csv")
    lines = [(r["date"], r["allocation"], r["kind"], r["quantity"], r["amount"]) for r in csv.DictReader(io.StringIO(out))]
    assert lines == [
        ("2025-04-01", "1", "recurring", "2", "20.00"), ("2025-05-01", "2", "recurring", "3", "30.00"),
        ("2025-06-01", "2", "recurring", "3", "30.00"),
        ("2025-07-01", "3", "setup", "3", "15.00"), ("2025-07-01", "3", "recurring", "3", "120.00"),
    ]


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["--customer", "Acme", "--allocation", "1", "--from", "2025-05-01"], 2, "give --quantity N, --package NAME or both"),
        (["--customer", "Acme", "--allocation", "1", "--from", "2025-05-01", "--quantity", "two"], 2, "--quantity: 'two' is not a whole number"),
        (["--customer", "Acme", "--allocation", "1", "--from", "2025-05-01", "--quantity", ""], 2, "--quantity: give a whole number"),
        (["--customer", "Acme", "--allocation", "1", "--from", "2025-02-30", "--quantity", "3"], 2, "--from"),
        (["--customer", "Acme", "--allocation", "x", "--from", "2025-05-01", "--quantity", "3"], 2, "--allocation"),
        (["--customer", "Nobody", "--allocation", "1", "--from", "2025-05-01", "--quantity", "3"], 1, "'Nobody' is not a customer"),
        (["--customer", "Blue", "--allocation", "1", "--from", "2025-05-01", "--quantity", "3"], 1, "1 is not an allocation of 'Blue'"),
        (["--customer", "Acme", "--allocation", "1", "--from", "2025-05-01", "--package", "Nope"], 1, "'Nope' is not a package"),
        (["--customer", "Acme", "--allocation", "1", "--from", "2025-01-01", "--quantity", "3"], 1, "not after the start date 2025-01-01"),
        (["--customer", "Acme", "--allocation", "1", "--from", "2026-01-01", "--quantity", "3"], 1, "after the end date 2025-12-31"),
        (["--customer", "Acme", "--allocation", "1", "--from", "2025-05-01", "--quantity", "2"], 1, "nothing changes"),
        (["--customer", "Acme", "--allocation", "1", "--from", "2025-05-01", "--quantity", "9999999"], 2, "--quantity"),
    ],
)
def test_bad_flags_and_refusals_write_nothing(capsys, book, args, code, says):
    before = tables(book, TABLES)
    got, out, err = cli(capsys, "change", "--db", str(book), *args)
    assert got == code and says in err, err
    assert "Traceback" not in err and out == ""
    assert tables(book, TABLES) == before


def test_a_change_within_posted_charges_names_the_first_date(capsys, book):
    code, _, err = cli(capsys, "settings", "--db", str(book), "--test-clock", "on")
    assert code == 0, err
    code, _, err = cli(capsys, "run", "--db", str(book), "--today", "2025-04-10", "--date", "2025-04-10", "--commit")
    assert code == 0, err
    code, _, err = cli(capsys, "change", "--db", str(book), "--customer", "Acme", "--allocation", "1",
                       "--from", "2025-04-01", "--quantity", "3")
    assert code == 1 and "charges of it are posted up to 2025-04-01: change from 2025-04-02 or later" in err


def test_help_describes_change(capsys):
    code, out, _ = cli(capsys, "change", "--help")
    assert code == 0 and "ends the day before" in out and "--allocation ID" in out
