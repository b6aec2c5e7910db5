"""The live panel on each keystroke: in-process (what PackageFormScreen.refresh_panel
computes), and typing into the real form headless, against a bare app with one
Input."""

from __future__ import annotations

import time
from datetime import date

from bench.books import BOOK_PATH
from bench.common import SIZE, TODAY, percentile

KEYSTROKE_TARGET_MS = 2.0


# --- 3a. live panel per keystroke, in-process --------------------------------


def panel_for(raw: dict, today: date, precision: int = 2, currency: str = "USD"):
    """What PackageFormScreen.refresh_panel computes on each keystroke, without
    a terminal: parse every field, then render the panel's text."""
    from billing.catalogue import parse_package
    from tui.widgets.panel import render_panel

    draft, errors = parse_package(raw)
    billing_errors = [e for e in errors if e.field not in ("name", "description", "upstream_service")]
    terms = None
    if draft is not None:
        terms = draft.terms()
    elif not billing_errors:
        partial, _ = parse_package(dict(raw, name="x", description="", upstream_service=""))
        terms = partial.terms() if partial else None
    return render_panel(terms, billing_errors, today, precision, currency)


def _form(**changes) -> dict:
    raw = {
        "name": "DID UK 000123",
        "retail": "",
        "cost": "0.35",
        "setup_cost": "",
        "setup_retail": "",
        "description": "Number rental",
        "minimum_days": "0",
        "frequency": "monthly",
        "frequency_match": "",
        "upstream_service": "",
        "minimum_spend": "no",
    }
    raw.update(changes)
    return raw


#: The forms being typed into: every frequency, picked days, a commitment, an error.
SCENARIOS = [
    _form(frequency="weekly", frequency_match="tue fri"),
    _form(frequency="monthly", frequency_match="15 31"),
    _form(frequency="daily", cost="0.02"),
    _form(frequency="yearly", cost="45", setup_retail="25", setup_cost="10"),
    _form(frequency="monthly", frequency_match="1", minimum_spend="yes", minimum_days="90", cost="80"),
    _form(frequency="none", setup_retail="149.99", setup_cost="60"),
    _form(frequency="weekly", frequency_match=""),
    _form(frequency="monthly", frequency_match="29 30 31", upstream_service="Telnyx DID"),
    _form(frequency="monthly", cost="0.4x"),  # a field in red: the error branch
    _form(frequency="monthly", name=""),  # name missing: the partial-parse branch
]
#: What the operator types into retail, one character at a time.
TYPED = ["129.95", "0.004125", "12.5.", "1000000.5", "7"]


def keystroke_inputs(n: int) -> list[dict]:
    prefixes = [text[: i + 1] for text in TYPED for i in range(len(text))]
    out = []
    i = 0
    while len(out) < n:
        scenario = SCENARIOS[i % len(SCENARIOS)]
        out.append(dict(scenario, retail=prefixes[i % len(prefixes)]))
        i += 1
    return out


def panel_in_process(iterations: int) -> dict:
    import statistics

    print(f"\n3a. Live panel recompute per keystroke, in-process, {iterations:,} varied inputs")
    inputs = keystroke_inputs(iterations)
    for raw in inputs[:100]:  # warm caches as a form that has been open a moment would be
        panel_for(raw, TODAY)
    times = []
    clock = time.perf_counter_ns
    for raw in inputs:
        t0 = clock()
        panel_for(raw, TODAY)
        times.append((clock() - t0) / 1e6)
    median, p95, worst = statistics.median(times), percentile(times, 0.95), max(times)
    print(f"  median {median:.3f} ms, p95 {p95:.3f} ms, max {worst:.3f} ms (target <= {KEYSTROKE_TARGET_MS} ms)")
    by_frequency: dict[str, list[float]] = {}
    for raw, ms in zip(inputs, times):
        label = raw["frequency"] + (" min-spend" if raw["minimum_spend"] == "yes" else "")
        by_frequency.setdefault(label, []).append(ms)
    print("  median by form: " + ", ".join(f"{k} {statistics.median(v):.3f}" for k, v in sorted(by_frequency.items())))
    return {"median": median, "p95": p95}


# --- 3b. typing into the real form, headless -----------------------------------

#: 40 keys into retail (max 20 characters), each one changing the value.
KEYS = list("129.95") + ["backspace"] * 3 + list(".5.0") + ["backspace"] * 4 + list("0.004125") + ["backspace"] * 8 + list("4.5") + list("0000")


def _expected_value(keys: list[str]) -> str:
    value = ""
    for key in keys:
        value = value[:-1] if key == "backspace" else value + key
    return value


async def _idle(pilot, n: int) -> float:
    """CPU seconds per round of what Pilot does around a key, without the key:
    its idle waits and its walk over every widget of the screen (which costs
    more on a screen of 60 widgets than on one with a single Input)."""
    from textual._wait import wait_for_idle

    c0 = time.process_time()
    for _ in range(n):
        await wait_for_idle(0)
        await wait_for_idle(0)
        await pilot._wait_for_screen()
        await pilot.pause()
    return (time.process_time() - c0) / n


async def _type(pilot, box, keys: list[str]) -> tuple[list[float], list[float], float, int]:
    """Press each key and wait for the screen update.

    Returns the CPU seconds and the wall seconds of each key, Pilot's own CPU
    per key (see _idle), and how many keys changed the value. Pilot waits for
    "idle" by sleeping in 20 ms steps, so wall time comes in steps of 20 ms;
    CPU time is the work the key caused: handlers, validation, the panel,
    layout and rendering.
    """
    box.cursor_blink = False  # no blink timer repainting between keys
    await pilot.pause()
    harness = await _idle(pilot, len(keys))
    cpu, wall = [], []
    changed = 0
    for key in keys:
        before = box.value
        c0, w0 = time.process_time(), time.perf_counter()
        await pilot.press(key)
        await pilot.pause()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
        changed += box.value != before
    return cpu, wall, harness, changed


async def _type_packdesk(book) -> tuple[list[float], list[float], float, int, str]:
    from textual.widgets import Input
    from tui.app import PackdeskApp
    from tui.screens.package_form import PackageFormScreen
    from tui.widgets.paged_table import PagedTable as DataTable

    app = PackdeskApp(book, today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(400):
            await pilot.pause()
            tables = app.screen.query(DataTable)
            if tables and tables.first().row_count:
                break
        await pilot.press("n")
        for _ in range(400):
            if isinstance(app.screen, PackageFormScreen):
                break
            await pilot.pause()
        await pilot.pause()
        box = app.screen.query_one("#retail", Input)
        box.focus()
        await pilot.pause()
        cpu, wall, harness, changed = await _type(pilot, box, KEYS)
        return cpu, wall, harness, changed, box.value


async def _type_bare(keys=None, field: str = "retail", value: str = "") -> tuple[list[float], list[float], float, int, str]:
    """The same keys typed into a bare app with one Input (the baseline)."""
    from textual.app import App
    from textual.widgets import Input

    class OneInput(App[None]):
        def compose(self):
            yield Input(value, id=field, max_length=20)

    app = OneInput()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        box = app.query_one(f"#{field}", Input)
        box.focus()
        await pilot.pause()
        cpu, wall, harness, changed = await _type(pilot, box, keys or KEYS)
        return cpu, wall, harness, changed, box.value


def typing_headless(rounds: int) -> dict:
    import asyncio
    import statistics

    from store.book import Book

    print(f"\n3b. Typing {len(KEYS)} keys into the form's retail field on the 100k book (run_test {SIZE[0]}x{SIZE[1]}), {rounds} rounds alternating with a bare app with one Input")
    print("  CPU ms per key (press + pause: handlers, validation, panel, layout, render), less Pilot's own CPU; wall ms in brackets (Pilot waits in 20 ms steps)")
    expected = _expected_value(KEYS)
    book = Book.open(BOOK_PATH)
    net: dict[str, list[float]] = {"bare": [], "app": []}
    wall: dict[str, list[float]] = {"bare": [], "app": []}
    try:
        for i in range(rounds):
            for kind in ("bare", "app"):
                c, w, harness, changed, value = asyncio.run(_type_bare() if kind == "bare" else _type_packdesk(book))
                net[kind].extend(x - harness for x in c)
                wall[kind].extend(w)
                note = "" if (changed == len(KEYS) and value == expected) else f"  (!) {changed}/{len(KEYS)} keys changed the value, ended '{value}', expected '{expected}'"
                print(
                    f"  round {i + 1} {kind:<4} {statistics.fmean(c) * 1000:6.2f} ms/key - Pilot {harness * 1000:5.2f} = "
                    f"{(statistics.fmean(c) - harness) * 1000:6.2f}   [wall {statistics.fmean(w) * 1000:6.1f}]{note}"
                )
    finally:
        book.close()
    bare, app = statistics.fmean(net["bare"]), statistics.fmean(net["app"])
    app_p95 = percentile(net["app"], 0.95)
    wall_bare, wall_app = statistics.fmean(wall["bare"]), statistics.fmean(wall["app"])
    print(f"  CPU per key: bare {bare * 1000:.2f} ms, packdesk form {app * 1000:.2f} ms (p95 {app_p95 * 1000:.2f}), ratio {app / bare:.2f}x, extra {(app - bare) * 1000:.2f} ms/key")
    print(f"  wall per key: bare {wall_bare * 1000:.1f} ms, packdesk form {wall_app * 1000:.1f} ms, ratio {wall_app / wall_bare:.2f}x")
    return {"bare": bare, "app": app, "p95": app_p95, "wall_bare": wall_bare, "wall_app": wall_app}



# --- 3c. the allocation form of a daily minimum-spend allocation --------------------------

ALLOCATION_KEYS = ["2", "5", "backspace", "0", "backspace", "backspace", "3", "1", "backspace", "backspace", "7"]
ECHO_TARGET = 1.5  # CPU per key: the form / a bare Input
SETTLE_TARGET_MS = 100.0


def _daily_commitment(book):
    """A daily minimum-spend package and an allocation of it for the big
    customer (100,000 usage records), on a work copy: (customer, allocation)."""
    from datetime import timedelta
    from decimal import Decimal

    from billing.accounts import AllocationDraft
    from billing.catalogue import PackageDraft
    from billing.schedule import Frequency
    from bench.rows import BIG_CUSTOMER
    from store.allocations import create_allocation
    from store.customers import find_customer
    from store.packages import create_package, find_package

    package = find_package("Bench daily commitment") or create_package(
        PackageDraft("Bench daily commitment", Decimal("12.50"), Decimal("3.10"), frequency=Frequency.DAILY, minimum_spend=True)
    )
    customer = find_customer(BIG_CUSTOMER)
    allocation = create_allocation(customer.id, package.id, AllocationDraft(2, TODAY - timedelta(days=200)))
    return customer, allocation


class _Frames:
    """When each frame reached the terminal (App._display), and when the
    projection was last finished, so each key's echo and settle are read off
    the frames themselves, not off Pilot's idle waits (20 ms steps)."""

    def __init__(self, app):
        self.shown: list[tuple[float, str]] = []
        self.projected = 0.0
        self.box = None
        display = app._display

        def timed(screen, renderable):
            display(screen, renderable)
            if renderable is not None:
                self.shown.append((time.perf_counter(), self.box.value if self.box is not None else ""))

        app._display = timed

    def first_after(self, t0: float, value: str | None = None) -> float | None:
        for at, shown in self.shown:
            if at >= t0 and (value is None or shown == value):
                return at
        return None


async def _frames_per_key(pilot, frames: _Frames, box, keys: list[str], projects: bool) -> tuple[list[float], list[float], int]:
    """Echo (key sent to the first frame showing the new value) and settle
    (key sent to the first frame after the projection finished) of each key,
    in wall seconds; waits for both before the next key."""
    import asyncio

    box.cursor_blink = False
    frames.box = box
    await pilot.press("end")  # focus selected the value: type after it instead
    await pilot.pause()
    echo, settle = [], []
    changed = 0
    for key in keys:
        before = box.value
        expected = before[:-1] if key == "backspace" else before + key
        frames.projected = 0.0
        t0 = time.perf_counter()
        await pilot.press(key)
        deadline = t0 + 5.0
        while time.perf_counter() < deadline:
            seen = frames.first_after(t0, expected)
            done = (not projects) or (frames.projected and frames.first_after(frames.projected) is not None)
            if seen is not None and done:
                break
            await asyncio.sleep(0.001)
        seen = frames.first_after(t0, expected)
        echo.append((seen or time.perf_counter()) - t0)
        if projects:
            last = frames.first_after(frames.projected) if frames.projected else None
            settle.append((last or time.perf_counter()) - t0)
        changed += box.value != before
        frames.shown.clear()
    return echo, settle, changed


async def _echo_bare(keys: list[str], field: str, value: str) -> tuple[list[float], str]:
    from textual.app import App
    from textual.widgets import Input

    class OneInput(App[None]):
        def compose(self):
            yield Input(value, id=field, max_length=20)

    app = OneInput()
    async with app.run_test(size=SIZE) as pilot:
        frames = _Frames(app)
        await pilot.pause()
        box = app.query_one(f"#{field}", Input)
        box.focus()
        await pilot.pause()
        echo, _settle, _changed = await _frames_per_key(pilot, frames, box, keys, projects=False)
        return echo, box.value


async def _type_allocation(book) -> tuple:
    from textual.widgets import Input
    from tui.app import PackdeskApp
    from tui.screens.allocation_form import AllocationFormScreen
    from tui.widgets.line_table import LineTable

    customer, allocation = _daily_commitment(book)
    app = PackdeskApp(book, today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        frames = _Frames(app)
        await pilot.pause()
        app.push_screen(AllocationFormScreen(customer, allocation))
        for _ in range(400):
            if isinstance(app.screen, AllocationFormScreen):
                break
            await pilot.pause()
        await pilot.pause()
        box = app.screen.query_one("#quantity", Input)
        box.focus()
        await pilot.pause()
        lines = len(app.screen.query_one("#projection-lines", LineTable)._rows)
        screen = app.screen
        spent = [0.0]
        compute = screen.refresh_projection

        def timed() -> None:
            c0 = time.process_time()
            compute()
            spent[0] += time.process_time() - c0
            frames.projected = time.perf_counter()

        screen.refresh_projection = timed
        echo, settle, changed = await _frames_per_key(pilot, frames, box, ALLOCATION_KEYS, projects=True)
        return echo, settle, changed, box.value, lines, spent[0] / len(ALLOCATION_KEYS)


def allocation_typing(rounds: int) -> dict:
    """Keys typed into the quantity of a daily minimum-spend allocation (729
    projection lines, true-ups over 100,000 usage records), read off the
    frames: echo, from the key to the first frame showing it, against a bare
    Input's; settle, from the key to the frame after the projection."""
    import asyncio
    import statistics

    from bench.books import USAGE_PATH, copy_book, remove_book
    from bench.common import BENCH_DIR
    from store.book import Book

    work = BENCH_DIR / "usage-typing-work.db"
    print(f"\n3c. Typing {len(ALLOCATION_KEYS)} keys into the quantity of a daily minimum-spend allocation on a copy of {USAGE_PATH.name}, {rounds} rounds against a bare Input (wall, read off the frames)")
    copy_book(USAGE_PATH, work)
    book = Book.open(work)
    echo: dict[str, list[float]] = {"bare": [], "app": []}
    settled: list[float] = []
    try:
        for i in range(rounds):
            e, _value = asyncio.run(_echo_bare(ALLOCATION_KEYS, "quantity", "2"))
            echo["bare"].extend(e)
            e, s, changed, value, lines, projection = asyncio.run(_type_allocation(book))
            echo["app"].extend(e)
            settled.extend(s)
            note = "" if changed == len(ALLOCATION_KEYS) else f"  (!) {changed}/{len(ALLOCATION_KEYS)} keys changed the value"
            print(
                f"  round {i + 1}: echo {statistics.median(e) * 1000:.1f} ms (bare {statistics.median(echo['bare'][-len(e):]) * 1000:.1f}), "
                f"settle {statistics.median(s) * 1000:.1f} ms, projection {projection * 1000:.1f} ms CPU/key, {lines} projection lines, quantity ended '{value}'{note}"
            )
    finally:
        book.close()
        remove_book(work)
    bare, app = statistics.median(echo["bare"]), statistics.median(echo["app"])
    settle = percentile(settled, 0.95)
    print(
        f"  echo: median bare {bare * 1000:.1f} ms, form {app * 1000:.1f} ms, {app / bare:.2f}x (target <= {ECHO_TARGET}x); "
        f"settle: p95 {settle * 1000:.0f} ms (target <= {SETTLE_TARGET_MS:.0f} ms)"
    )
    return {"bare": bare, "app": app, "settle": settle}
