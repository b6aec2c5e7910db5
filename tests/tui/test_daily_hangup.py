"""A hang-up while a billing run posts: the real app in a pseudo-terminal, on a
book big enough that the commit takes seconds. After SIGHUP, or the
terminal's input closing without one, the process is gone within a few
seconds and the ledger holds whole batches only (each batch is one
transaction, store.runs), its balances right."""

from __future__ import annotations

import fcntl
import os
import random
import re
import secrets
import shutil
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from store.book import Book
from store.ledger import check_balances
from store.models import database
from store.runs import BATCH

from tests.helpers import pg

pytestmark = pytest.mark.both_engines

ROOT = Path(__file__).resolve().parents[2]
ALLOCATIONS = 12_000  # daily, 30 days back: about 370,000 lines to post
DAYS = 30
GONE_WITHIN_S = 5.0
CSI = re.compile(rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]")


def _fill(where: Path | str) -> None:
    """A book of daily allocations with a month of charges to post."""
    from bench.rows import add_book

    book = Book.open(where)
    try:
        with database.atomic():
            add_book(50, 1000, ALLOCATIONS, ALLOCATIONS // 1000, date.today() - timedelta(days=DAYS), random.Random(5),
                     package_seed=5, days=3, mix={"daily": 100}, balances=False)
    finally:
        book.close()


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(pg.server_url(), autocommit=True, connect_timeout=10) as con:
        con.execute(sql)


def _name(url: str) -> str:
    """The database a URL names."""
    return urlsplit(url).path.lstrip("/")


@pytest.fixture(scope="module")
def big_books(tmp_path_factory):
    """The big book of each engine, built once when a test first asks for it
    (on PostgreSQL a database the tests' databases are copied from)."""
    built: dict[str, Path | str] = {}

    def of(engine: str) -> Path | str:
        if engine not in built:
            if engine == "sqlite":
                built[engine] = tmp_path_factory.mktemp("hangup") / "big.db"
            else:
                name = f"packdesk_test_hangup_{secrets.token_hex(4)}"
                _admin(f"CREATE DATABASE {name}")
                built[engine] = pg.with_database(pg.server_url(), name)
            _fill(built[engine])
        return built[engine]

    yield of
    if "postgresql" in built:
        _admin(f"DROP DATABASE IF EXISTS {_name(built['postgresql'])} WITH (FORCE)")


@pytest.fixture
def big_book(big_books, engine, book_location, tmp_path):
    """A copy of the big book for one test: a file, or the test's PostgreSQL
    database made again from the big one (dropped after, as every test's is)."""
    source = big_books(engine)
    if engine == "sqlite":
        db = tmp_path / "book.db"
        shutil.copy(source, db)
        return db
    _admin(f"DROP DATABASE {_name(book_location)} WITH (FORCE)")
    _admin(f"CREATE DATABASE {_name(book_location)} TEMPLATE {_name(source)}")
    return book_location


class Terminal:
    """packdesk running in a pseudo-terminal of 80x24."""

    def __init__(self, db: Path | str, cwd: Path):
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PACKDESK", "TEXTUAL"))}
        env.update(TERM="xterm-256color", COLUMNS="80", LINES="24", PYTHONPATH=str(ROOT))
        self.process = subprocess.Popen(
            [sys.executable, "-c", "import sys; from tui.cli import main; sys.exit(main())", "--db", str(db)],
            stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd, start_new_session=True,
        )
        os.close(slave)
        self.output = bytearray()
        self.lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            with self.lock:
                self.output += data

    def wait_for(self, text: str, timeout: float = 60) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self.lock:
                shown = CSI.sub(b"", bytes(self.output))
            if text.encode() in shown:
                return
            assert self.process.poll() is None, f"packdesk ended early ({self.process.returncode})"
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never showed")

    def send(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def close(self) -> None:
        try:
            os.close(self.master)
        except OSError:
            pass
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)


def _commit_and(db: Path | str, cwd: Path, hang_up) -> tuple[float, int | None]:
    """Open the run screen, commit, and once posting has begun call
    `hang_up(terminal)`; how long the process lived after it, and its status."""
    terminal = Terminal(db, cwd)
    try:
        terminal.wait_for("Packages")
        terminal.send(b"\x1b[15~")  # f5
        terminal.wait_for("ctrl+s commits", 90)
        terminal.send(b"\x13")  # ctrl+s
        terminal.wait_for("Post them")
        terminal.send(b"y")
        terminal.wait_for("Posting", 60)
        hung_up = time.monotonic()
        hang_up(terminal)
        try:
            terminal.process.wait(GONE_WITHIN_S + 10)
        except subprocess.TimeoutExpired:
            pass
        lived = time.monotonic() - hung_up
        return lived, terminal.process.poll()
    finally:
        terminal.close()


def _whole_batches(db: Path | str) -> tuple[int, int]:
    book = Book.open(db)
    try:
        lines = database.execute_sql("SELECT COUNT(*) FROM ledger").fetchone()[0]
        (run_lines,) = database.execute_sql("SELECT lines FROM billing_run").fetchone()
        assert check_balances() == []
    finally:
        book.close()
    return lines, run_lines


@pytest.mark.parametrize("how", ["sighup", "terminal closed", "ssh dropped"])
def test_a_hang_up_while_a_run_posts_ends_the_process_within_seconds(big_book, tmp_path, how):
    db = big_book

    def hang_up(terminal: Terminal) -> None:
        if how == "sighup":  # the terminal still there
            os.killpg(terminal.process.pid, signal.SIGHUP)
            return
        # The terminal's input closes; here no SIGHUP comes by itself (the
        # pseudo-terminal is not the process's controlling terminal).
        os.close(terminal.master)
        if how == "ssh dropped":  # sshd's way: the terminal goes, then SIGHUP
            time.sleep(0.5)
            os.killpg(terminal.process.pid, signal.SIGHUP)

    lived, status = _commit_and(db, tmp_path, hang_up)

    assert status is not None, f"packdesk still running {lived:.1f} s after the hang-up"
    assert lived < GONE_WITHIN_S, f"packdesk took {lived:.1f} s to end after the hang-up"
    # Ended by the hang-up: exit status 129 (128 + SIGHUP, as a shell reports
    # it), or the signal itself when it came while Python was already ending.
    assert status in (129, -signal.SIGHUP), status
    lines, run_lines = _whole_batches(db)
    assert 0 < lines < ALLOCATIONS * DAYS, "the run should have been cut short"
    assert lines % BATCH == 0, f"{lines} lines: not whole batches of {BATCH}"
    assert run_lines == lines
