"""The command line, in-process (`cli`: tui.cli.main with its output captured
and its exit code, argparse's too) or as a real process (`cli_process`:
`python -m tui.cli ...` from the project root, with PACKDESK_DB and
PACKDESK_TODAY left out of its environment)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from tui.cli import main

#: The project root: where `python -m tui.cli` runs from.
ROOT = Path(__file__).resolve().parents[2]
#: "Today" for the command-line tests unless a test says otherwise.
TODAY = date(2025, 4, 10)


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    """tui.cli.main(argv) in-process -> (exit code, stdout, stderr)."""
    capsys.readouterr()
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def cli_json(capsys, *argv: str):
    """cli(...) that must exit 0; its output read as JSON."""
    code, out, err = cli(capsys, *argv)
    assert code == 0, err
    return json.loads(out)


def cli_env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PACKDESK_DB", "PACKDESK_TODAY")}
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


def cli_command(*argv: str) -> list[str]:
    return [sys.executable, "-m", "tui.cli", *argv]


def cli_process(
    *argv: str, env: dict | None = None, timeout: float = 120, stdout=subprocess.PIPE
) -> subprocess.CompletedProcess:
    """`python -m tui.cli ...` as a real process, from the project root."""
    return subprocess.run(
        cli_command(*argv), cwd=ROOT, env=env or cli_env(), stdout=stdout, stderr=subprocess.PIPE, text=True,
        timeout=timeout,
    )


def write(path: Path, text: str) -> Path:
    """`text` written to `path` as UTF-8, line ends as given."""
    path.write_text(text, encoding="utf-8", newline="")
    return path


def run_json(capsys, db: Path, run_date: date, *extra: str, today: date = TODAY, commit: bool = False) -> list[dict]:
    """`run --date D [--commit] --format json` in-process; asserts exit 0."""
    argv = ["run", "--db", str(db), "--today", today.isoformat(), "--date", run_date.isoformat(), "--format", "json"]
    if commit:
        argv.append("--commit")
    return cli_json(capsys, *argv, *extra)


def charges(capsys, db: Path, *extra: str) -> tuple[int, str, str]:
    """`charges --db DB ...` in-process."""
    return cli(capsys, "charges", "--db", str(db), *extra)


def charges_json(capsys, db: Path, *extra: str) -> list[dict]:
    """`charges --db DB --format json ...` in-process; asserts exit 0."""
    return cli_json(capsys, "charges", "--db", str(db), "--format", "json", *extra)


def key_of(line: dict) -> tuple[int, str, str]:
    """(allocation, kind, date) of a charge line as the CLI prints it in JSON."""
    return (int(line["allocation"]), line["kind"], line["date"])
