"""Typing into the allocation form of a daily minimum-spend allocation:
each key's echo and the projection's settle, read off the frames, against a
bare app with one Input."""

from __future__ import annotations

import time

from bench.common import SIZE, TODAY, percentile


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
