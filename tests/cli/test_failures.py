"""Bad input and a bad environment get a sentence and an exit code, never a
traceback: an empty --customer, a record number past what the book holds,
control characters in names, output to a full device, a full book, a read-only
book file."""

from __future__ import annotations

from pathlib import Path

import pytest

import store.book
from store.book import Book
from tests.helpers.cli import cli, cli_process, write

pytestmark = pytest.mark.both_engines


@pytest.fixture
def db(db: Path, tmp_path) -> Path:
    """An empty book with one customer, 'Acme'."""
    assert cli_process("import", "customers", str(write(tmp_path / "c.csv", "name\nAcme\n")), "--db", str(db)).returncode == 0
    return db


def test_an_empty_customer_for_pay_is_refused(db):
    done = cli_process("pay", "--db", str(db), "--customer", "", "--amount", "5")
    assert done.returncode == 1 and "--customer: give the customer's name" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_record_number_past_the_book_is_a_usage_error(db):
    done = cli_process("reverse", "9" * 30, "--db", str(db))
    assert done.returncode == 2 and "is not a record number" in done.stderr
    done = cli_process("reverse", "12345", "--db", str(db))
    assert done.returncode == 1 and "there is no payment 12345" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "what, text, column",
    [
        ("packages", "name,retail\nBad\x00Name,1\n", "name"),
        ("packages", "name,retail,description\nFine,1,\x1b[31mred\n", "description"),
        ("customers", "name\nNul\x00Customer\n", "name"),
        ("allocations", "customer,package,start_date,reference\nAcme,Seat,2026-01-01,DID\x07\n", "reference"),
    ],
)
def test_control_characters_in_text_are_refused_naming_the_cell(db, tmp_path, what, text, column):
    assert cli_process("import", "packages", str(write(tmp_path / "p.csv", "name,retail\nSeat,1\n")), "--db", str(db)).returncode == 0
    done = cli_process("import", what, str(write(tmp_path / "bad.csv", text)), "--db", str(db))
    assert done.returncode == 1
    assert f"line 2, column {column}: holds a control character" in done.stderr
    assert "Traceback" not in done.stderr


def test_output_to_a_full_device_is_a_sentence(db):
    with open("/dev/full", "w") as full:
        done = cli_process("export", "customers", "--db", str(db), stdout=full)
    assert done.returncode == 1 and "can't write the output: No space left on device" in done.stderr
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr


def test_a_full_book_is_a_sentence_and_writes_nothing(db, tmp_path, capsys, monkeypatch):
    pages = int(Book.open(db).db.execute_sql("PRAGMA page_count").fetchone()[0])
    monkeypatch.setitem(store.book.PRAGMAS, "max_page_count", pages + 2)  # as if the disk filled up now
    rows = "".join(f"Package {n} with a long enough name to fill pages,{n}\n" for n in range(3000))
    code, _out, err = cli(capsys, "import", "packages", str(write(tmp_path / "p.csv", "name,retail\n" + rows)), "--db", str(db))
    assert code == 1 and "full" in err and "nothing was written" in err
    monkeypatch.delitem(store.book.PRAGMAS, "max_page_count")
    book = Book.open(db)
    try:
        assert book.db.execute_sql("SELECT COUNT(*) FROM package").fetchone()[0] == 0
    finally:
        book.close()
