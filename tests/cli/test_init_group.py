"""`packdesk init`: private books by default, shared by a group with
--group (new or repaired), and `run --date today` for cron lines."""

from __future__ import annotations

import grp
import os
import stat
from pathlib import Path

from tests.helpers.cli import cli

OWN_GROUP = grp.getgrgid(os.getgid()).gr_name  # a group this user may give files to


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_book_is_private_whatever_the_umask(tmp_path, capsys):
    book = tmp_path / "books" / "book.db"
    old = os.umask(0o002)
    try:
        code, out, err = cli(capsys, "init", "--db", str(book))
    finally:
        os.umask(old)
    assert code == 0, err
    assert "is ready" in out
    assert (_mode(book), _mode(book.parent)) == (0o600, 0o700)


def test_init_group_shares_a_new_book_and_its_new_folder(tmp_path, capsys):
    book = tmp_path / "srv" / "packdesk" / "book.db"
    old = os.umask(0o077)
    try:
        code, out, err = cli(capsys, "init", "--db", str(book), "--group", OWN_GROUP)
    finally:
        os.umask(old)
    assert code == 0, err
    assert f"shared by group {OWN_GROUP}" in out
    assert (_mode(book), _mode(book.parent)) == (0o660, 0o2770)
    assert book.stat().st_gid == book.parent.stat().st_gid == os.getgid()


def test_init_group_repairs_an_existing_book_and_says_what_changed(tmp_path, capsys):
    book = tmp_path / "shared" / "book.db"
    assert cli(capsys, "init", "--db", str(book))[0] == 0
    Path(f"{book}-shm").write_bytes(b"")
    Path(f"{book}-shm").chmod(0o640)
    code, out, err = cli(capsys, "init", "--db", str(book), "--group", OWN_GROUP)
    assert code == 0, err
    assert f"{book}: mode 0600 -> 0660" in out
    assert f"{book}-shm: mode 0640 -> 0660" in out
    assert f"{book.parent}: mode 0700 -> 2770" in out
    code, out, err = cli(capsys, "init", "--db", str(book), "--group", OWN_GROUP)
    assert code == 0 and "Nothing needed changing" in out and "->" not in out


def test_init_with_a_group_that_does_not_exist_says_so_and_makes_nothing(tmp_path, capsys):
    book = tmp_path / "nope" / "book.db"
    code, out, err = cli(capsys, "init", "--db", str(book), "--group", "no-such-group-here")
    assert code == 1
    assert "there is no group 'no-such-group-here'" in err and "groupadd" in err
    assert not book.parent.exists()


def test_run_date_today_is_the_book_today(demo_db, capsys):
    base = ("--db", str(demo_db), "--today", "2025-04-10")
    code, named, err = cli(capsys, "run", *base, "--date", "2025-04-10", "--format", "json")
    assert code == 0, err
    code, today, err = cli(capsys, "run", *base, "--date", "today", "--format", "json")
    assert code == 0, err
    assert today == named
    code, _out, err = cli(capsys, "run", *base, "--date", "tomorrow")
    assert code == 2 and "not a date" in err


def test_a_shared_book_lets_its_side_files_be_born_with_the_group(tmp_path):
    from store.files import born_shared

    shared, private = tmp_path / "shared.db", tmp_path / "private.db"
    shared.write_bytes(b"")
    shared.chmod(0o660)
    private.write_bytes(b"")
    private.chmod(0o600)
    old = os.umask(0o077)
    try:
        born_shared(private)
        assert os.umask(0o077) == 0o077  # a private book leaves the umask alone
        born_shared(shared)
        assert os.umask(0o077) == 0o017  # the group may read and write what SQLite makes beside it
    finally:
        os.umask(old)
