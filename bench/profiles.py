"""`--profile`: where startup, the customer screens, charges, the usage view,
true-ups and commit_run spend their time. cProfile inflates every call: read
the figures as proportions."""

from __future__ import annotations

import time

from bench.books import ACCOUNTS_PATH, USAGE_PATH
from bench.common import ROOT, SIZE, TODAY

#: The packdesk code and the heavy Textual steps of opening a screen.
HEAVY = r"/(tui|store|billing)/|_footer.py.*(compose|_watch_compact)|widget.py.*recompose|stylesheet.py.*(apply|update_nodes)|_refresh_layout|_compositor.py.*render_update|sqlite3"


def _print_stats(lines: list[str], count: int, width: int, missing: str) -> None:
    """The header and `count` rows of a pstats listing, without the long paths."""
    import sysconfig

    start = next((i for i, line in enumerate(lines) if "ncalls" in line), None)
    if start is None:
        print(missing)
        return
    paths = [str(ROOT) + "/", sysconfig.get_paths()["purelib"] + "/", sysconfig.get_paths()["stdlib"] + "/"]
    for line in lines[start : start + count + 1]:
        if line.strip():
            for path in paths:
                line = line.replace(path, "")
            print("  " + line[:width])


def _print_profile(profile, sort: str, pattern: str, count: int) -> None:
    import io
    import pstats

    buffer = io.StringIO()
    pstats.Stats(profile, stream=buffer).sort_stats(sort).print_stats(pattern, count)
    _print_stats(buffer.getvalue().splitlines(), count, 150, "  (nothing profiled)")


# --- startup -------------------------------------------------------------------------


def _import_times(kind: str) -> dict[str, int]:
    """Module -> self microseconds, from one child run with -X importtime."""
    from bench.first_frame import spawn_child

    marks = spawn_child(kind, ["-X", "importtime"])
    times = {}
    for line in marks["stderr"].splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        parts = line[len("import time:"):].split("|")
        try:
            times[parts[2].strip()] = int(parts[0])
        except ValueError:
            continue
    return times


def profile_startup() -> None:
    """Where the app's first frame goes: the imports the bare app doesn't need,
    then the busiest calls after the imports."""
    import subprocess
    import sys

    from bench.first_frame import child_command

    print("\nProfile 1: imports packdesk needs beyond the bare app (-X importtime, self time)")
    bare, app = _import_times("bare"), _import_times("app")
    extra = {name: us for name, us in app.items() if name not in bare}
    by_root: dict[str, int] = {}
    for name, us in extra.items():
        root = name.split(".")[0]
        by_root[root] = by_root.get(root, 0) + us
    print(f"  {len(extra)} more modules, {sum(extra.values()) / 1000:.0f} ms self time in all:")
    print("  by package: " + ", ".join(f"{k} {v / 1000:.1f} ms" for k, v in sorted(by_root.items(), key=lambda kv: -kv[1])[:10]))
    print("  slowest: " + ", ".join(f"{k} {v / 1000:.1f}" for k, v in sorted(extra.items(), key=lambda kv: -kv[1])[:12]))

    print("\nProfile 2: packdesk child under cProfile after its imports (cumulative seconds; packdesk code and the heavy Textual steps)")
    argv = child_command("app", 0.0)
    code = (
        "import cProfile, pstats, sys, runpy, time\n"
        "import textual.app, textual.widgets, tui.app, tui.screens.package_list, store.book\n"
        f"sys.argv = {argv!r}\n"
        "sys.argv[3] = repr(time.monotonic())\n"
        "p = cProfile.Profile(); p.enable()\n"
        "try:\n"
        f"    runpy.run_path({argv[0]!r}, run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        "p.disable()\n"
        "st = pstats.Stats(p, stream=sys.stderr).sort_stats('cumulative')\n"
        f"st.print_stats({str(ROOT)!r} + r'/(tui|store|billing)/|_data_table.py.*(add_row|_update_dimensions|render_line)|stylesheet.py.*apply|_compositor.py.*render_update|_refresh_layout|sqlite3|compose', 25)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    lines = proc.stderr.splitlines()
    _print_stats(lines, 25, 140, "  (profile failed)\n  " + "\n  ".join(lines[-10:]))


# --- the accounts book: the customer screens, charges -----------------------------------


async def _profile_screens(book, profiles: dict) -> None:
    import cProfile

    from bench.screens import settle, timed_press, until, until_package_list
    from tui.app import PackdeskApp
    from tui.screens.customer import CustomerScreen
    from tui.screens.customer_list import CustomerListScreen
    from tui.screens.package_list import PackageListScreen

    app = PackdeskApp(book, today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await until_package_list(app)
        for _ in range(3):
            await settle(pilot)
            for key, screen_type, name in (("f3", CustomerListScreen, "list"), ("enter", CustomerScreen, "customer")):
                profile = profiles.setdefault(name, cProfile.Profile())
                profile.enable()
                await timed_press(pilot, key, screen_type)
                profile.disable()
                await settle(pilot)
            await pilot.press("f2")
            await until(lambda: isinstance(app.screen, PackageListScreen))


def profile_accounts() -> None:
    """Where opening the customer screens and computing charges go."""
    import asyncio
    import cProfile
    from itertools import islice

    from bench.charges import charges_window, count_charges
    from store.scan import iter_allocations
    from store.book import Book

    book = Book.open(ACCOUNTS_PATH)
    try:
        profiles: dict = {}
        asyncio.run(_profile_screens(book, profiles))
        for name, label in (("list", "f3 until the customer list is refreshed with rows"), ("customer", "enter until the customer screen is refreshed with rows")):
            print(f"\nProfile: {label}, 3 rounds (cumulative seconds; packdesk code and the heavy Textual steps)")
            _print_profile(profiles[name], "cumulative", HEAVY, 24)

        since, until = charges_window()
        sample = 50_000
        profile = cProfile.Profile()
        profile.enable()
        allocations = list(islice(iter_allocations(), sample))
        profile.disable()
        print(f"\nProfile: reading the first {sample:,} allocations (iter_allocations; self seconds)")
        _print_profile(profile, "tottime", "", 14)
        profile = cProfile.Profile()
        profile.enable()
        lines = count_charges(allocations, since, until, book.settings.precision)
        profile.disable()
        print(f"\nProfile: computing their {lines:,} charge lines (allocation_charges; self seconds)")
        _print_profile(profile, "tottime", "", 14)
    finally:
        book.close()


# --- the usage book: the usage view, true-ups ----------------------------------------------


async def _profile_usage_view(book, profile) -> None:
    from bench.screens import open_big_customer, settle, timed_press, until, until_package_list
    from tui.app import PackdeskApp
    from tui.screens.customer import CustomerScreen
    from tui.screens.usage import UsageScreen

    app = PackdeskApp(book, today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await until_package_list(app)
        await open_big_customer(pilot)
        for _ in range(3):
            await settle(pilot)
            profile.enable()
            await timed_press(pilot, "u", UsageScreen)
            profile.disable()
            await pilot.pause(0.05)
            await pilot.press("escape")
            await until(lambda: isinstance(app.screen, CustomerScreen))


def profile_usage() -> None:
    """Where opening the usage view and the book's true-ups go."""
    import asyncio
    import cProfile

    from store.charges import book_true_ups
    from store.book import Book

    book = Book.open(USAGE_PATH)
    try:
        profile = cProfile.Profile()
        asyncio.run(_profile_usage_view(book, profile))
        print("\nProfile: `u` until the usage view is refreshed with rows, 3 rounds (cumulative seconds; packdesk code and the heavy Textual steps)")
        _print_profile(profile, "cumulative", HEAVY + r"|rich/table.py.*__rich_console__", 24)
        settle = TODAY.replace(day=1)
        profile = cProfile.Profile()
        profile.enable()
        book_true_ups(settle, settle, book.settings.precision, TODAY)
        profile.disable()
        print(f"\nProfile: book_true_ups for {settle} (cumulative seconds; packdesk code and sqlite3)")
        _print_profile(profile, "cumulative", r"/(store|billing)/|sqlite3", 16)
    finally:
        book.close()


# --- the run book: commit_run ------------------------------------------------------------


class _StatementClock:
    """A stand-in for the sqlite3 connection commit_run asks peewee for: times
    each statement it runs on it, by its first words."""

    def __init__(self, conn, times: dict) -> None:
        self._conn, self._times = conn, times

    def _timed(self, method: str, sql: str, *args):
        key = " ".join(sql.split()[:5])
        t0 = time.perf_counter()
        try:
            return getattr(self._conn, method)(sql, *args)
        finally:
            calls, seconds = self._times.get(key, (0, 0.0))
            self._times[key] = (calls + 1, seconds + time.perf_counter() - t0)

    def execute(self, sql, *args):
        return self._timed("execute", sql, *args)

    def executemany(self, sql, *args):
        return self._timed("executemany", sql, *args)

    def __getattr__(self, name):
        return getattr(self._conn, name)


def profile_billing(plan) -> None:
    """Where commit_run's time goes: each statement it runs itself, timed, and a
    cProfile by self time, on another fresh copy of the run book."""
    import cProfile

    from bench.run import work_copy
    from store.book import Book
    from store.runs import commit_run

    with work_copy() as path:
        book = Book.open(path)
        try:
            times: dict = {}
            connection = book.db.connection
            book.db.connection = lambda: _StatementClock(connection(), times)  # this object only, this process only
            profile = cProfile.Profile()
            t0 = time.perf_counter()
            profile.enable()
            commit_run(plan, TODAY)
            profile.disable()
            total = time.perf_counter() - t0
        finally:
            book.close()
    print(f"\nProfile: commit_run of {len(plan.lines):,} lines, {total:.1f} s under cProfile; the statements it runs on the connection (calls, seconds):")
    for key, (calls, seconds) in sorted(times.items(), key=lambda kv: -kv[1][1]):
        print(f"  {seconds:7.2f} s {calls:5,}x  {key} ...")
    print("  (peewee's BEGIN IMMEDIATE and COMMIT go through a cursor: {method 'execute' of 'sqlite3.Cursor' objects} below)")
    _print_profile(profile, "tottime", "", 14)
