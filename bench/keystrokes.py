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
