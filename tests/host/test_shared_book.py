"""Two operators and one book on a billing host, as the README's "Running
packdesk on a shared host" recipe sets it up: `packdesk init --group`, the
host's configuration file naming the book, operators with a private umask
working one after the other and at once, one of them killed with SIGKILL,
and an account that may only read opening the book while the others work."""

from __future__ import annotations

import csv
import io
import os
import signal
import stat
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

from .conftest import GROUP, OUTSIDER, ROOT, Host

ALICE, BOB = "pdalice", "pdbob"
START = (date.today() - timedelta(days=40)).isoformat()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _group(path: Path) -> str:
    import grp

    return grp.getgrgid(path.stat().st_gid).gr_name


def _side_files(book: Path) -> list[Path]:
    return [p for p in (Path(f"{book}-wal"), Path(f"{book}-shm")) if p.exists()]


def _ledger(host: Host, user: str = ALICE) -> list[dict]:
    done = host.run(user, "export", "ledger", "--format", "csv", check=True)
    return list(csv.DictReader(io.StringIO(done.stdout)))


def _write(host: Host, name: str, text: str) -> Path:
    path = host.base / name
    path.write_text(text)
    path.chmod(0o644)
    return path


def _wait_for(condition, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_1_the_readme_gives_each_step_this_test_takes():
    readme = (ROOT / "README.md").read_text()
    for step in (
        "sudo /usr/bin/python3 -m venv /opt/packdesk",
        "sudo /opt/packdesk/bin/pip install",
        "sudo groupadd billing",
        "sudo usermod -aG billing alice",
        "sudo /opt/packdesk/bin/packdesk init --db /srv/packdesk/book.db --group billing",
        "/etc/packdesk/packdesk.toml",
        'db = "/srv/packdesk/book.db"',
        "/opt/packdesk/bin/packdesk run --date today --commit",
        "ClientAliveInterval",
    ):
        assert step in readme, step


def test_2_init_with_a_group_makes_a_book_every_member_can_open(host: Host):
    # root, as the recipe has it, with root's own private umask
    done = host.run("root", "init", "--group", GROUP, umask="077", check=True)
    assert f"shared by group {GROUP}" in done.stdout
    folder = host.book.parent
    assert (_group(folder), _mode(folder)) == (GROUP, 0o2770)
    assert (_group(host.book), _mode(host.book)) == (GROUP, 0o660)
    assert _side_files(host.book) == []
    # Each operator finds the book through the host's configuration file.
    for user in (ALICE, BOB):
        done = host.run(user, "config", check=True)
        assert str(host.book) in done.stdout and str(host.host_config) in done.stdout
    # The account outside the group is told why, and what fixes it.
    done = host.run(OUTSIDER, "settings")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert f"{OUTSIDER} is not in group {GROUP}" in done.stderr and f"usermod -aG {GROUP} {OUTSIDER}" in done.stderr


def test_3_operators_one_after_the_other(host: Host):
    host.run(ALICE, "demo", check=True)
    customers = _write(host, "customers.csv", "name,tax_percent\nAcme Telecom,20\nBlue Fish Ltd,0\n")
    host.run(ALICE, "import", "customers", str(customers), check=True)
    allocations = _write(
        host, "allocations.csv",
        "customer,package,quantity,start_date,auto_decrement\n"
        f"Acme Telecom,UK DID rental,3,{START},yes\n"
        f"Blue Fish Ltd,Daily test number,2,{START},yes\n",
    )
    host.run(BOB, "import", "allocations", str(allocations), check=True)
    host.run(BOB, "pay", "--customer", "Blue Fish Ltd", "--amount", "25", check=True)
    done = host.run(ALICE, "run", "--date", "today", "--commit", check=True)
    assert "posted" in done.stdout.lower()
    posted = _ledger(host, BOB)
    assert posted and {r["customer"] for r in posted} == {"Acme Telecom", "Blue Fish Ltd"}
    host.run(BOB, "check", check=True)
    # Nothing left behind that another member can't use.
    assert (_group(host.book), _mode(host.book)) == (GROUP, 0o660)
    for side in _side_files(host.book):
        assert _group(side) == GROUP and _mode(side) & 0o660 == 0o660


def test_4_operators_at_once_post_each_charge_once(host: Host):
    before = len(_ledger(host))

    def work(user: str) -> list[int]:
        codes = []
        for n in range(3):
            for argv in (("run", "--date", "today", "--commit"), ("pay", "--customer", "Acme Telecom", "--amount", f"1.0{n}")):
                done = host.run(user, *argv)
                codes.append(done.returncode)
                failures.extend([f"{user} {' '.join(argv)}: {done.stderr.strip()}"] if done.returncode else [])
        return codes

    failures: list[str] = []
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(work, (ALICE, BOB)))
    assert results == [[0] * 6, [0] * 6], failures
    lines = _ledger(host)
    keys = [(r["allocation"], r["kind"], r["date"]) for r in lines if r.get("allocation")]
    assert len(keys) == len(set(keys))  # exactly once, whoever ran
    assert len(lines) >= before
    host.run(ALICE, "check", check=True)


def test_5_a_member_killed_with_sigkill_locks_nobody_out(host: Host):
    assert _side_files(host.book) == []  # nobody has it open: the next opener makes the side files
    app = host.start_app(BOB)
    try:
        assert _wait_for(lambda: len(_side_files(host.book)) == 2), "the app never opened the book"
        time.sleep(1.0)
    finally:
        os.killpg(app.pid, signal.SIGKILL)
        app.wait(10)
    left = _side_files(host.book)
    assert len(left) == 2  # killed: SQLite's side files stay behind, bob's
    for side in left:
        assert side.stat().st_uid == _uid(BOB)
        assert _group(side) == GROUP  # the folder's group (setgid), not bob's own
        assert _mode(side) & 0o660 == 0o660
    host.run(ALICE, "pay", "--customer", "Blue Fish Ltd", "--amount", "3", check=True)
    host.run(ALICE, "run", "--date", "today", "--commit", check=True)
    host.run(ALICE, "check", check=True)


def test_6_a_reader_opens_the_book_while_the_others_work_and_changes_nothing(host: Host):
    # The admin lets an account outside the group read: others may enter the
    # folder and read the book (and so the side files, which take its mode).
    host.book.parent.chmod(0o2771)
    host.book.chmod(0o664)
    for side in _side_files(host.book):
        side.chmod(0o664)
    app = host.start_app(ALICE)
    try:
        assert _wait_for(lambda: len(_side_files(host.book)) == 2), "the app never opened the book"
        ledger = _ledger(host, ALICE)
        done = host.run(OUTSIDER, "export", "ledger", "--format", "csv", check=True)
        assert list(csv.DictReader(io.StringIO(done.stdout))) == ledger
        host.run(OUTSIDER, "charges", "--from", START, "--to", date.today().isoformat(), check=True)
        refused = host.run(OUTSIDER, "pay", "--customer", "Acme Telecom", "--amount", "9")
        assert refused.returncode == 1 and "Traceback" not in refused.stderr
        assert "read-only" in refused.stderr and str(host.book) in refused.stderr
        # The others go on working: nothing the reader did is in their way.
        host.run(BOB, "pay", "--customer", "Acme Telecom", "--amount", "2", check=True)
        assert len(_ledger(host, BOB)) == len(ledger)
        assert all(side.stat().st_uid != _uid(OUTSIDER) for side in _side_files(host.book))
    finally:
        os.killpg(app.pid, signal.SIGTERM)
        app.wait(10)
    host.run(BOB, "check", check=True)


def test_7_a_reader_opens_a_book_nobody_has_open_without_making_files(host: Host):
    host.run(BOB, "check", check=True)
    for side in _side_files(host.book):
        side.unlink()  # what a clean close of the last connection does
    expected = _ledger(host, BOB)
    listing = sorted(p.name for p in host.book.parent.iterdir())
    assert not _side_files(host.book)
    done = host.run(OUTSIDER, "export", "ledger", "--format", "csv", check=True)
    assert list(csv.DictReader(io.StringIO(done.stdout))) == expected
    assert sorted(p.name for p in host.book.parent.iterdir()) == listing
    # A member who may create files in the folder but only read the book: the
    # side files SQLite would make for them would take the book's mode and
    # lock the writers out, so a reader makes none.
    host.book.chmod(0o640)
    done = host.run(BOB, "export", "ledger", "--format", "csv", check=True)
    assert list(csv.DictReader(io.StringIO(done.stdout))) == expected
    assert sorted(p.name for p in host.book.parent.iterdir()) == listing
    refused = host.run(BOB, "pay", "--customer", "Acme Telecom", "--amount", "9")
    assert refused.returncode == 1 and "read-only for you" in refused.stderr
    assert sorted(p.name for p in host.book.parent.iterdir()) == listing
    host.book.chmod(0o660)


def test_8_init_group_repairs_a_book_a_member_broke(host: Host):
    host.book.chmod(0o600)
    host.book.parent.chmod(0o700)
    done = host.run("root", "init", "--group", GROUP, check=True)
    assert "mode 0600 -> 0660" in done.stdout and "mode 0700 -> 2770" in done.stdout
    assert (_mode(host.book), _mode(host.book.parent)) == (0o660, 0o2770)
    again = host.run("root", "init", "--group", GROUP, check=True)
    assert "Nothing needed changing" in again.stdout
    host.run(ALICE, "check", check=True)
    # A member may not take a book that isn't theirs: told whose it is and how.
    refused = host.run(ALICE, "init", "--group", ALICE)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "only its owner or root may" in refused.stderr


def _uid(user: str) -> int:
    import pwd

    return pwd.getpwnam(user).pw_uid
