"""Time to first frame: a fresh process per run, a bare Textual app against
PackdeskApp on the 100k book.

child_main is the child process (`bench.py --child bare|app ...`): its start-up
is what is measured, so this module imports at the top only what the child
needs; the parent's tools (statistics, subprocess) are imported where used.
"""

from __future__ import annotations

import json
import time
from datetime import date

from bench.common import SIZE

RESULT_TAG = "BENCH_RESULT "
FIRST_FRAME_TARGET = 1.3  # packdesk / bare


# --- the child ----------------------------------------------------------------------


def child_main(argv: list[str], started: float) -> int:
    """`bench.py --child bare|app SPAWN_MONOTONIC DB TODAY`: run one app until its first
    frame with data, then print the timings as one JSON line. `started` is when
    bench.py began to run."""
    kind, spawn, db, today_text = argv[0], float(argv[1]), argv[2], argv[3]
    marks = {"interpreter": started - spawn}
    poll_every = 0.005
    give_up = 60.0

    if kind == "bare":
        from textual.app import App
        from textual.widgets import Footer, Static

        marks["imports"] = time.monotonic() - spawn

        class Bare(App[None]):
            frame_at: float | None = None

            def compose(self):
                yield Static("Hello from a bare Textual app")
                yield Footer()

            def on_mount(self) -> None:
                self.call_after_refresh(self._frame)

            def _frame(self) -> None:
                self.frame_at = time.monotonic()
                self.exit()

        app = Bare()
    else:
        import inspect

        from store.book import Book
        from tui.app import PackdeskApp
        from tui.screens.package_list import PackageListScreen
        from tui.widgets.paged_table import PagedTable as DataTable

        marks["imports"] = time.monotonic() - spawn
        book = Book.open(db)
        marks["book_open"] = time.monotonic() - spawn

        class Probe(PackdeskApp):
            # CSS_PATH is relative to the module that defines the class: keep PackdeskApp's.
            _BASE_PATH = inspect.getfile(PackdeskApp)
            frame_at: float | None = None

            # Textual calls on_mount of every class in the MRO: PackdeskApp's runs
            # after this one by itself (calling super() here would push two lists).
            def on_mount(self) -> None:
                self._deadline = time.monotonic() + give_up
                self._poll = self.set_interval(poll_every, self._check)

            def _check(self) -> None:
                screen = self.screen
                if isinstance(screen, PackageListScreen) and screen.is_mounted:
                    tables = screen.query(DataTable)
                    if tables and tables.first().row_count > 0:
                        self._poll.stop()
                        marks["rows_loaded"] = time.monotonic() - spawn
                        self.call_after_refresh(self._frame)
                        return
                if time.monotonic() > self._deadline:
                    self._poll.stop()
                    self.exit()

            def _frame(self) -> None:
                self.frame_at = time.monotonic()
                self.exit()

        app = Probe(book, today=date.fromisoformat(today_text))

    app.run(headless=True, size=SIZE)
    if app.frame_at is None:
        print(f"{RESULT_TAG}{json.dumps({'error': 'no first frame with rows'})}", flush=True)
        return 1
    marks["first_frame"] = app.frame_at - spawn
    print(f"{RESULT_TAG}{json.dumps(marks)}", flush=True)
    return 0


# --- the parent ----------------------------------------------------------------------


def child_command(kind: str, spawn: float) -> list[str]:
    """The arguments after `python [options]` that start a child of `kind`."""
    from bench.books import BOOK_PATH
    from bench.common import BENCH_DIR, TODAY

    return [str(BENCH_DIR / "bench.py"), "--child", kind, repr(spawn), str(BOOK_PATH), TODAY.isoformat()]


def spawn_child(kind: str, extra_python: list[str] | None = None) -> dict:
    import os
    import subprocess
    import sys

    from bench.common import ROOT

    env = dict(os.environ)
    env.pop("TEXTUAL", None)  # no devtools
    spawn = time.monotonic()
    proc = subprocess.run(
        [sys.executable, *(extra_python or []), *child_command(kind, spawn)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    wall = time.monotonic() - spawn
    lines = [line for line in proc.stdout.splitlines() if line.startswith(RESULT_TAG)]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-15:]
        raise RuntimeError(f"{kind} child failed (exit {proc.returncode}):\n    " + "\n    ".join(tail))
    marks = json.loads(lines[-1][len(RESULT_TAG):])
    marks["process_wall"] = wall
    marks["stderr"] = proc.stderr
    return marks


def first_frame(runs: int) -> dict:
    import statistics

    print(f"\n2. First frame, fresh process each run (headless {SIZE[0]}x{SIZE[1]}), {runs} runs each, alternating")
    # One discarded run of each warms the OS file cache and the .pyc files.
    spawn_child("bare")
    spawn_child("app")
    results: dict[str, list[dict]] = {"bare": [], "app": []}
    for i in range(runs):
        for kind in ("bare", "app"):
            marks = spawn_child(kind)
            results[kind].append(marks)
            print(f"  run {i + 1} {kind:<4} first frame {marks['first_frame'] * 1000:7.1f} ms   (process exit {marks['process_wall'] * 1000:7.1f} ms)")

    def med(kind: str, key: str) -> float | None:
        values = [m[key] for m in results[kind] if key in m]
        return statistics.median(values) if values else None

    bare, app = med("bare", "first_frame"), med("app", "first_frame")
    print(f"  median: bare {bare * 1000:.1f} ms, packdesk {app * 1000:.1f} ms, ratio {app / bare:.2f}x (target <= {FIRST_FRAME_TARGET}x)")
    print("  where the median packdesk run spends it (ms from spawn; bare in brackets):")
    previous = 0.0
    for key, label in (
        ("interpreter", "python started, bench.py running"),
        ("imports", "textual + packdesk imported"),
        ("book_open", "Book.open (connect, migrations check, settings)"),
        ("rows_loaded", "list screen mounted, first page in the table"),
        ("first_frame", "first frame with rows rendered"),
    ):
        value = med("app", key)
        if value is None:
            continue
        other = med("bare", key)
        bracket = f"   [{other * 1000:7.1f}]" if other is not None else ""
        print(f"    {label:<48} {value * 1000:7.1f}  (+{(value - previous) * 1000:6.1f}){bracket}")
        previous = value
    return {"bare": bare, "app": app}
