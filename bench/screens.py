"""Opening screens headless (App.run_test): the customer list and a customer on
the accounts book (step 4), and the usage view on the usage book (step 6).

Each is timed from the key press by a task in the app's own event loop, and
each screen's reload() and the store calls behind it are timed alone."""

from __future__ import annotations

import time

from bench.books import ACCOUNTS_PATH, BIG_ALLOCATIONS, USAGE_PATH
from bench.common import SIZE, TODAY, time_call
from bench.rows import BIG_CUSTOMER

SCREEN_TARGET_MS = 100.0


# --- driving the app --------------------------------------------------------------


def table_rows(screen) -> int:
    from tui.widgets.paged_table import PagedTable

    if not screen.is_mounted:
        return 0
    tables = screen.query(PagedTable)
    return tables.first().row_count if tables else 0


async def until(condition, give_up: float = 30.0) -> None:
    import asyncio

    deadline = time.perf_counter() + give_up
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("gave up waiting")
        await asyncio.sleep(0.001)


async def until_package_list(app) -> None:
    """Until the package list is on top with rows in its table."""
    from tui.screens.package_list import PackageListScreen

    await until(lambda: isinstance(app.screen, PackageListScreen) and table_rows(app.screen) > 0)


async def settle(pilot) -> None:
    """The package list loads the rest of its page in a worker thread after its
    first frame: let that (and any worker) finish so it doesn't share the
    measured time."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause(0.05)


async def timed_press(pilot, key: str, screen_type) -> dict:
    """Press `key` and time, from the press: the new screen on top of the stack
    (`shown`), its table holding rows (`rows`), and the refresh after that
    (`painted`). A task polls every 0.5 ms in the app's own event loop."""
    import asyncio

    app = pilot.app
    before = app.screen
    marks: dict[str, float] = {}
    painted = asyncio.Event()

    def paint() -> None:
        marks["painted"] = time.perf_counter()
        painted.set()

    async def watch() -> None:
        while True:
            screen = app.screen
            if screen is not before and isinstance(screen, screen_type):
                marks.setdefault("shown", time.perf_counter())
                if table_rows(screen) > 0:
                    marks["rows"] = time.perf_counter()
                    app.call_after_refresh(paint)
                    return
            await asyncio.sleep(0.0005)

    watcher = asyncio.create_task(watch())
    t0 = time.perf_counter()
    await pilot.press(key)
    await asyncio.wait_for(watcher, 30)
    await asyncio.wait_for(painted.wait(), 30)
    return {k: v - t0 for k, v in marks.items()}


def point_at_big_customer(listing) -> int:
    """Put the customer list's cursor on BIG_CUSTOMER; its row's index."""
    from tui.widgets.paged_table import PagedTable

    index = next((i for i, row in enumerate(listing.rows) if row.name == BIG_CUSTOMER), None)
    if index is None:
        raise RuntimeError(f"'{BIG_CUSTOMER}' is not on the customer list's first page")
    listing.query_one(PagedTable).move_cursor(row=index)
    return index


async def open_big_customer(pilot) -> None:
    """From the package list with rows: f3, the cursor on BIG_CUSTOMER, enter."""
    from tui.screens.customer import CustomerScreen
    from tui.screens.customer_list import CustomerListScreen

    await settle(pilot)
    await timed_press(pilot, "f3", CustomerListScreen)
    point_at_big_customer(pilot.app.screen)
    await settle(pilot)
    await timed_press(pilot, "enter", CustomerScreen)


# --- 4. the customer list and a customer ------------------------------------------


async def _open_screens(book, rounds: int) -> dict[str, list]:
    from tui.app import PackdeskApp
    from tui.screens.customer import CustomerScreen
    from tui.screens.customer_list import CustomerListScreen
    from tui.screens.package_list import PackageListScreen

    out: dict[str, list] = {"list": [], "customer": [], "list_reload": [], "customer_reload": []}
    app = PackdeskApp(book, today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await until_package_list(app)
        await settle(pilot)
        for _ in range(rounds):
            out["list"].append(await timed_press(pilot, "f3", CustomerListScreen))
            listing = app.screen
            index = point_at_big_customer(listing)
            await settle(pilot)
            out["list_reload"].append(time_call(lambda: listing.reload(keep_id=listing.rows[index].id), 3))
            out["customer"].append(await timed_press(pilot, "enter", CustomerScreen))
            customer = app.screen
            out["customer_reload"].append(time_call(customer.reload, 3))
            await pilot.press("f2")  # back to the package list for the next round
            await until(lambda: isinstance(app.screen, PackageListScreen))
            await settle(pilot)
    return out


def _store_parts(repeat: int = 5) -> list[tuple[str, float]]:
    """The store and billing calls the two screens' reload() make, timed alone."""
    from store import allocations as allocation_store
    from store import customers as customer_store
    from tui.screens.customer import next_charge

    big = customer_store.find_customer(BIG_CUSTOMER)
    page = allocation_store.list_allocations(big.id, "", None, 200)
    return [
        ("list_customers (first 200 by name)", time_call(lambda: customer_store.list_customers(customer_store.CustomerQuery(), None, 200), repeat)),
        ("count_customers", time_call(customer_store.count_customers, repeat)),
        ("get_customer + active_services (big customer)", time_call(lambda: (customer_store.get_customer(big.id), allocation_store.active_services(big.id, TODAY)), repeat)),
        ("list_allocations (big customer, first 200)", time_call(lambda: allocation_store.list_allocations(big.id, "", None, 200), repeat)),
        ("count_allocations (big customer)", time_call(lambda: allocation_store.count_allocations(big.id), repeat)),
        ("next_charge for those 200 rows", time_call(lambda: [next_charge(r, TODAY, 2) for r in page], repeat)),
    ]


def _print_parts(parts: list[tuple[str, float]]) -> None:
    print("  the store calls behind reload(), alone (median ms): " + ", ".join(f"{label} {sec * 1000:.1f}" for label, sec in parts))


def open_screens(rounds: int, bare_first_frame: float | None) -> dict:
    import asyncio
    import statistics

    from store.book import Book

    print(f"\n4. Opening customers on {ACCOUNTS_PATH.name} (run_test {SIZE[0]}x{SIZE[1]}), {rounds} rounds: f3 from the package list, then enter on '{BIG_CUSTOMER}' ({BIG_ALLOCATIONS:,} allocations)")
    print("  ms from the key press: screen on top / table has rows / refreshed after that")
    book = Book.open(ACCOUNTS_PATH)
    try:
        results = asyncio.run(_open_screens(book, rounds))
        parts = _store_parts()
    finally:
        book.close()
    for i in range(rounds):
        for key, label in (("list", "f3 customers "), ("customer", "enter customer")):
            m = results[key][i]
            print(f"  round {i + 1} {label} {m['shown'] * 1000:7.1f} / {m['rows'] * 1000:7.1f} / {m['painted'] * 1000:7.1f}")
    summary = {}
    for key in ("list", "customer"):
        summary[key] = statistics.median(m["rows"] for m in results[key])
        summary[key + "_shown"] = statistics.median(m["shown"] for m in results[key])
        summary[key + "_painted"] = statistics.median(m["painted"] for m in results[key])
        summary[key + "_reload"] = statistics.median(results[key + "_reload"])
    for key, label in (("list", "customer list"), ("customer", "customer screen")):
        ratio = f", {summary[key] / bare_first_frame:.2f}x the bare app's first frame" if bare_first_frame else ""
        print(
            f"  median {label}: rows {summary[key] * 1000:.1f} ms after the key (screen on top at {summary[key + '_shown'] * 1000:.1f}, "
            f"refreshed at {summary[key + '_painted'] * 1000:.1f}){ratio}; its reload() alone {summary[key + '_reload'] * 1000:.1f} ms "
            f"(target rows <= {SCREEN_TARGET_MS:g} ms)"
        )
    _print_parts(parts)
    return summary


# --- 6. the usage view --------------------------------------------------------------


async def _open_usage(book, rounds: int) -> dict[str, list]:
    from tui.app import PackdeskApp
    from tui.screens.customer import CustomerScreen
    from tui.screens.usage import UsageScreen

    out: dict[str, list] = {"usage": [], "usage_reload": [], "rows": []}
    app = PackdeskApp(book, today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await until_package_list(app)
        await open_big_customer(pilot)
        await settle(pilot)
        for _ in range(rounds):
            out["usage"].append(await timed_press(pilot, "u", UsageScreen))
            screen = app.screen
            await settle(pilot)
            out["rows"].append(table_rows(screen))
            out["usage_reload"].append(time_call(screen.reload, 3))
            await pilot.press("escape")
            await until(lambda: isinstance(app.screen, CustomerScreen))
            await settle(pilot)
    return out


def _usage_parts(customer_id: int, repeat: int = 5) -> list[tuple[str, float]]:
    """The store calls UsageScreen.reload makes, timed alone."""
    from datetime import timedelta

    from billing.minimum import run_rate_window
    from billing.projection import add_months
    from store import usage as usage_store

    first = add_months(TODAY.replace(day=1), -5)
    months = [(add_months(first, i), add_months(first, i + 1)) for i in range(6)]
    return [
        ("list_usage (500 newest)", time_call(lambda: usage_store.list_usage(customer_id, None, 500), repeat)),
        ("usage_sum (run rate, 30 days)", time_call(lambda: usage_store.usage_sum(customer_id, *run_rate_window(TODAY)), repeat)),
        ("usage_sum x 6 months", time_call(lambda: [usage_store.usage_sum(customer_id, a, b) for a, b in months], repeat)),
        ("daily_usage (31 days)", time_call(lambda: usage_store.daily_usage(customer_id, TODAY - timedelta(days=30), TODAY + timedelta(days=1)), repeat)),
    ]


def usage_view(rounds: int, bare_first_frame: float | None) -> dict:
    import asyncio
    import statistics

    from store import customers as customer_store
    from store.book import Book
    from store.models import database

    book = Book.open(USAGE_PATH)
    try:
        big = customer_store.find_customer(BIG_CUSTOMER)
        records = database.execute_sql("SELECT COUNT(*) FROM usage WHERE customer_id = ?", (big.id,)).fetchone()[0]
        print(f"  the usage view (run_test {SIZE[0]}x{SIZE[1]}): f3, enter on '{BIG_CUSTOMER}' ({records:,} usage records), then `u`, {rounds} rounds (escape between)")
        results = asyncio.run(_open_usage(book, rounds))
        parts = _usage_parts(big.id)
    finally:
        book.close()
    for i, m in enumerate(results["usage"]):
        print(f"    round {i + 1} u usage  {m['shown'] * 1000:7.1f} / {m['rows'] * 1000:7.1f} / {m['painted'] * 1000:7.1f}   (screen on top / table has rows / refreshed)")
    value = statistics.median(m["rows"] for m in results["usage"])
    painted = statistics.median(m["painted"] for m in results["usage"])
    reload = statistics.median(results["usage_reload"])
    ratio = f", {value / bare_first_frame:.2f}x the bare app's first frame" if bare_first_frame else ""
    print(
        f"  median usage view: rows {value * 1000:.1f} ms after `u` (refreshed at {painted * 1000:.1f}){ratio}; "
        f"{results['rows'][-1]} rows in the table; its reload() alone {reload * 1000:.1f} ms (target rows <= {SCREEN_TARGET_MS:g} ms)"
    )
    _print_parts(parts)
    return {"value": value, "painted": painted, "reload": reload, "records": records}


# --- 4b. the book projection (f4) on the 500k book --------------------------------------

PROJECTION_FIRST_TARGET = 4.0  # first figures: x the bare app's first frame


async def _book_projection() -> tuple[float, float, int]:
    """Seconds from f4 to the first running totals on screen, and to the
    whole 12 months; allocations read."""
    from store.book import Book
    from tui.app import PackdeskApp
    from tui.screens.projections import BookProjectionScreen

    book = Book.open(ACCOUNTS_PATH)
    try:
        app = PackdeskApp(book, today=TODAY)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            import asyncio

            t0 = time.perf_counter()
            # The key is pressed as a person would: its effects are timed as
            # they show, not after Pilot's wait for the app to go idle.
            pressing = asyncio.ensure_future(pilot.press("f4"))
            first = whole = None
            while whole is None and time.perf_counter() - t0 < 600:
                await asyncio.sleep(0.005)
                shown = getattr(app.screen, "shown", None) if isinstance(app.screen, BookProjectionScreen) else None
                if shown is not None and first is None:
                    first = time.perf_counter() - t0
                if shown is not None and shown[1]:
                    whole = time.perf_counter() - t0
            await pressing
            return first or 0.0, whole or 0.0, app.screen.shown[0] if whole else 0
    finally:
        book.close()


def book_projection(bare_first_frame: float | None, charges_cli_wall: float | None) -> dict:
    import asyncio

    print(f"\n4b. The book projection (f4) on {ACCOUNTS_PATH.name}: first running totals, then the whole 12 months")
    first, whole, lines = asyncio.run(_book_projection())
    target_first = f"{PROJECTION_FIRST_TARGET:g}x the bare first frame" + (f" ({bare_first_frame * PROJECTION_FIRST_TARGET * 1000:.0f} ms)" if bare_first_frame else "")
    whole_note = f", charges CLI {charges_cli_wall:.1f} s" if charges_cli_wall else ""
    print(f"  first figures {first * 1000:.0f} ms (target <= {target_first}); whole 12 months, {lines:,} allocations read, {whole:.1f} s (target <= the charges CLI{whole_note})")
    return {"first": first, "whole": whole, "lines": lines}
