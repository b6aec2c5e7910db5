"""Which files packdesk takes for a book, and which it makes.

Only the app and `packdesk init` create a book; every other command refuses
a path with no book and leaves nothing behind. An empty file, a file that is
not SQLite, another program's SQLite database and a book from a newer
packdesk are each refused with a sentence, and left exactly as they were.
Several processes creating one new book at once all end with the same book.
"""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor

import pytest

from store.book import Book
from store.errors import BookError
from tests.helpers.cli import cli, cli_process


@pytest.mark.parametrize(
    "argv",
    [
        ("import", "packages", "FILE"),
        ("demo",),
        ("settings", "--currency", "GBP"),
        ("run", "--date", "2026-01-01", "--commit"),
        ("pay", "--customer", "Acme", "--amount", "5"),
        ("export", "ledger"),
        ("check",),
    ],
    ids=lambda argv: argv[0],
)
def test_a_mistyped_db_is_refused_and_leaves_nothing(capsys, tmp_path, argv):
    csv_file = tmp_path / "p.csv"
    csv_file.write_text("name,retail\nSeat,1\n")
    missing = tmp_path / "typo" / "bok.db"
    argv = [str(csv_file) if a == "FILE" else a for a in argv]
    code, out, err = cli(capsys, *argv, "--db", str(missing))
    assert code == 1
    assert f"there is no book at {missing}" in err and "packdesk init" in err
    assert not missing.parent.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.csv"]


def test_init_creates_a_private_book_and_says_so_when_it_exists(capsys, tmp_path):
    path = tmp_path / "new" / "book.db"
    code, out, _ = cli(capsys, "init", "--db", str(path))
    assert code == 0 and str(path) in out
    assert path.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in path.parent.iterdir() if not p.name.startswith("book.db")) == []
    code, out, _ = cli(capsys, "init", "--db", str(path))
    assert code == 0 and "ready" in out


def test_an_empty_file_is_refused(capsys, tmp_path):
    path = tmp_path / "book.db"
    path.touch()
    code, _out, err = cli(capsys, "settings", "--db", str(path))
    assert code == 1 and "empty file (0 bytes)" in err
    code, _out, err = cli(capsys, "init", "--db", str(path))
    assert code == 1 and "empty file" in err
    assert path.stat().st_size == 0


def test_another_programs_database_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "crm.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE contacts (name TEXT)")
    con.commit()
    con.close()
    before = path.read_bytes()
    with pytest.raises(BookError, match="not a packdesk book"):
        Book.open(path)
    assert path.read_bytes() == before


def test_a_book_from_a_newer_packdesk_is_refused_naming_the_version(tmp_path):
    path = tmp_path / "book.db"
    Book.open(path).close()
    con = sqlite3.connect(path)
    con.execute("INSERT INTO schema_migration (name, applied) VALUES ('0099_from_the_future', '2030-01-01')")
    con.commit()
    tables = con.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
    con.close()
    with pytest.raises(BookError) as refused:
        Book.open(path)
    assert "newer packdesk" in str(refused.value) and "0099_from_the_future" in str(refused.value)
    con = sqlite3.connect(path)
    assert con.execute("SELECT COUNT(*) FROM sqlite_master").fetchone() == tables
    con.close()


def test_several_processes_creating_one_book_at_once_all_get_it(tmp_path):
    path = tmp_path / "shared" / "book.db"

    def create(_):
        return cli_process("init", "--db", str(path))

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(create, range(8)))
    assert [r.returncode for r in results] == [0] * 8, [r.stderr for r in results]
    assert not any("Traceback" in r.stderr for r in results)
    book = Book.open(path, create=False)
    try:
        assert book.settings.currency == "USD"
    finally:
        book.close()
    assert sorted(p.name for p in path.parent.iterdir() if not p.name.startswith("book.db")) == []
