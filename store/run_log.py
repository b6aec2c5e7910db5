"""The billing runs a book has seen: when, by whom, how many lines, and how
each ended (finished, interrupted, or still running)."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import date

from .dialect import connection
from .models import database
from .sql import as_date


@dataclass(frozen=True, slots=True)
class RunRow:
    id: int
    run_date: date
    since: date | None
    customer_id: int | None
    started_at: str
    finished_at: str | None
    posted_by: str
    lines: int
    host: str
    status: str  # finished, interrupted, running


_RUN_SELECT = (
    "SELECT id, run_date, since, customer_id, started_at, finished_at, posted_by, lines, host, pid, ended FROM billing_run "
)


def _alive(host: str, pid: int | None) -> bool | None:
    """Is the process of a run still there? None: it ran on another host."""
    if host != socket.gethostname():
        return None
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # there, under another user
        return True
    return True


def _run_row(r) -> RunRow:
    rid, run_date, since, customer, started, finished, by, lines, host, pid, ended = r
    if ended:
        status = ended
    else:
        status = "running" if _alive(host, pid) is not False else "interrupted"
    return RunRow(rid, as_date(run_date), as_date(since), customer, started, finished, by, lines, host, status)


def list_runs(limit: int = 50) -> list[RunRow]:
    """The latest runs, newest first, each finished, interrupted or running."""
    rows = database.execute_sql(_RUN_SELECT + "ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
    return [_run_row(r) for r in rows]


def close_interrupted() -> list[RunRow]:
    """Mark the unfinished runs whose process is gone as interrupted; return them."""
    rows = [_run_row(r) for r in database.execute_sql(_RUN_SELECT + "WHERE ended IS NULL ORDER BY id").fetchall()]
    gone = [r for r in rows if r.status == "interrupted"]
    if gone:
        with database.atomic():
            connection().executemany(
                "UPDATE billing_run SET ended = 'interrupted' WHERE id = ? AND ended IS NULL", [(r.id,) for r in gone]
            )
    return gone
