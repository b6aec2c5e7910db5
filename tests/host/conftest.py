"""A billing host with real operating-system accounts: packdesk installed
system-wide (a venv of the system's python3, as the README's recipe does),
a group and two operators in it, and an account outside it.

It needs root (useradd, runuser). Where the tests don't run as root they are
skipped, and say why, unless PACKDESK_REQUIRE_HOST_TESTS is set (CI sets it):
then that is a failure."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GROUP = "pdbilling"
OPERATORS = ("pdalice", "pdbob")
OUTSIDER = "pdcarol"
SYSTEM_PYTHON = "/usr/bin/python3"
RUNUSER = shutil.which("runuser") or "/usr/sbin/runuser"


def _needs() -> str | None:
    if os.geteuid() != 0:
        return "needs root: it creates operating-system accounts (useradd) and runs packdesk as them (runuser)"
    for tool in ("useradd", "groupadd", "userdel", "groupdel", "runuser", "script"):
        if shutil.which(tool) is None:
            return f"needs {tool}"
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        return f"needs {SYSTEM_PYTHON}, a python every account may run"
    return None


def pytest_collection_modifyitems(config, items):
    reason = _needs()
    if reason is None:
        return
    required = bool(os.environ.get("PACKDESK_REQUIRE_HOST_TESTS"))
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            if required:
                item.add_marker(pytest.mark.usefixtures("_host_tests_required"))
            else:
                item.add_marker(pytest.mark.skip(reason=f"shared-host tests did not run: {reason}"))


@pytest.fixture
def _host_tests_required():
    pytest.fail(f"PACKDESK_REQUIRE_HOST_TESTS is set but the shared-host tests can't run: {_needs()}")


@dataclass
class Host:
    base: Path  # everything of this host lives under it: install, homes, the book's folder
    packdesk: Path
    host_config: Path
    book: Path

    def env(self, user: str, **extra: str) -> dict:
        home = self.base / "home" / user
        env = {
            "HOME": str(home), "USER": user, "LOGNAME": user, "PATH": f"{self.packdesk.parent}:/usr/bin:/bin",
            "TERM": "xterm-256color", "LANG": "C.UTF-8", "PACKDESK_HOST_CONFIG": str(self.host_config),
        }
        env.update(extra)
        return env

    def run(self, user: str, *argv: str, umask: str = "077", timeout: float = 120, check: bool = False, **extra: str):
        """`packdesk ARGV` as `user` (runuser), with that user's umask; the
        completed process (text)."""
        command = [RUNUSER, "-u", user, "--", "sh", "-c", f'umask {umask}; exec "$@"', "sh", str(self.packdesk), *argv]
        done = subprocess.run(command, env=self.env(user, **extra), cwd="/", capture_output=True, text=True, timeout=timeout)
        if check:
            assert done.returncode == 0, f"{user}: packdesk {' '.join(argv)} -> {done.returncode}\n{done.stdout}\n{done.stderr}"
        return done

    def start_app(self, user: str, umask: str = "077") -> subprocess.Popen:
        """The app as `user` in a terminal of its own (script's pty), running
        until it is killed."""
        inner = f"umask {umask}; exec {self.packdesk}"
        command = [RUNUSER, "-u", user, "--", "script", "-qfec", inner, "/dev/null"]
        return subprocess.Popen(
            command, env=self.env(user, COLUMNS="80", LINES="24"), cwd="/", stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )


def _sh(*argv: str) -> None:
    subprocess.run(argv, check=True, capture_output=True, timeout=300)


def _account(user: str, base: Path, groups: tuple[str, ...]) -> None:
    try:
        pwd.getpwnam(user)
        _sh("userdel", user)  # left by an earlier run that was stopped
    except KeyError:
        pass
    home = base / "home" / user
    extra = ["-G", ",".join(groups)] if groups else []
    _sh("useradd", "-m", "-d", str(home), "-s", "/bin/sh", *extra, user)


@pytest.fixture(scope="package")
def host() -> Host:
    """The README's shared-host recipe up to the book: packdesk installed in
    a venv of the system python, the group and its operators, the host's
    configuration naming the book. Accounts and files are removed after."""
    base = Path(tempfile.mkdtemp(prefix="packdesk-host-", dir="/tmp"))
    base.chmod(0o755)
    (base / "home").mkdir(mode=0o755)
    (base / "srv").mkdir(mode=0o755)
    venv = base / "opt" / "packdesk"
    try:
        _sh(SYSTEM_PYTHON, "-m", "venv", str(venv))
        _sh(str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check", str(ROOT))
        subprocess.run(["groupdel", GROUP], capture_output=True)
        _sh("groupadd", GROUP)
        for user in OPERATORS:
            _account(user, base, (GROUP,))
        _account(OUTSIDER, base, ())
        etc = base / "etc" / "packdesk"
        etc.mkdir(parents=True)
        book = base / "srv" / "packdesk" / "book.db"
        config = etc / "packdesk.toml"
        config.write_text(f'db = "{book}"\n')
        config.chmod(0o644)
        yield Host(base, venv / "bin" / "packdesk", config, book)
    finally:
        for user in (*OPERATORS, OUTSIDER):
            subprocess.run(["pkill", "-KILL", "-u", user], capture_output=True)
            subprocess.run(["userdel", user], capture_output=True)
        subprocess.run(["groupdel", GROUP], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)
