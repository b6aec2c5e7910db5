"""The package list: the demo offer, filter as you type, sort, archived rows, paging."""

from __future__ import annotations

import pytest

from decimal import Decimal

from billing.catalogue import PackageDraft
from store import packages as package_store
from store.demo import PACKAGES
from tui.screens.dialogs import ChoiceScreen
from tui.screens.package_list import FIRST, PAGE, PREFETCH, PackageListScreen

from tests.helpers.pilot import names, opens, press, row_count, running, static_text, table_rows

pytestmark = pytest.mark.both_engines

DEMO_NAMES_BY_NAME = [
    "Annual support plan",
    "Call bundle 500",
    "Daily test number",
    "Fax to email",
    "Hosted PBX seat",
    "Number porting",
    "SIP trunk 10 channels",
    "UK DID rental",
    "US DID rental",
]
DEMO_NAMES_BY_RETAIL = [
    "Number porting",  # 0
    "Daily test number",  # 0.125
    "US DID rental",  # 1.00
    "UK DID rental",  # 1.50
    "Fax to email",  # 2.50
    "Hosted PBX seat",  # 12.00
    "SIP trunk 10 channels",  # 45.00
    "Annual support plan",  # 240.00
    "Call bundle 500",  # 500.00
]


async def test_opens_on_the_package_list_with_rows_sorted_by_name(demo_app):
    async with running(demo_app):
        assert isinstance(demo_app.screen, PackageListScreen)
        assert names(demo_app.screen) == DEMO_NAMES_BY_NAME
        fax = next(row for row in table_rows(demo_app.screen) if row[0] == "Fax to email")
        assert fax[1:5] == ["2.50", "0.90", "1.60", "week mon"]
        status = static_text(demo_app.screen, "#status")
        assert "9 of 9 shown" in status
        assert "today 2026-11-25" in status


async def test_empty_book_offers_demo_data_and_y_loads_it(app, engine, book_location):
    where = "book.db" if engine == "sqlite" else book_location  # the path as opened, or the URL (no password in it)
    async with running(app) as pilot:
        assert isinstance(app.screen, ChoiceScreen)
        assert f"This book is empty ({where})" in app.screen.message
        assert row_count(app.screen_stack[-2]) == 0

        await opens(pilot, PackageListScreen, "y")
        assert package_store.package_total() == len(PACKAGES)
        assert names(app.screen) == DEMO_NAMES_BY_NAME


async def test_escape_on_the_demo_offer_leaves_the_book_empty(app):
    async with running(app) as pilot:
        assert isinstance(app.screen, ChoiceScreen)

        await opens(pilot, PackageListScreen, "escape")
        assert row_count(app.screen) == 0
        assert package_store.package_total() == 0


async def test_slash_filters_rows_as_you_type(demo_app):
    async with running(demo_app) as pilot:
        screen = demo_app.screen
        assert row_count(screen) == 9

        await press(pilot, "slash")
        assert demo_app.focused is screen.query_one("#filter")

        seen = []
        for key in "did":
            await press(pilot, key)
            seen.append(names(screen))
        # Each keystroke filters at once, case-insensitively, by part of the name.
        assert seen[0] == [n for n in DEMO_NAMES_BY_NAME if "d" in n.lower()]
        assert len(seen[0]) == 5
        assert seen[1] == ["UK DID rental", "US DID rental"]
        assert seen[2] == ["UK DID rental", "US DID rental"]
        assert "filter 'did'" in static_text(screen, "#status")


async def test_escape_clears_the_filter(demo_app):
    async with running(demo_app) as pilot:
        screen = demo_app.screen
        await press(pilot, "slash", "f", "a", "x")
        assert names(screen) == ["Fax to email"]

        await press(pilot, "escape")

        box = screen.query_one("#filter")
        assert box.value == ""
        assert not box.display
        assert names(screen) == DEMO_NAMES_BY_NAME
        assert "filter" not in static_text(screen, "#status")


async def test_s_sorts_by_the_next_column_and_r_reverses(demo_app):
    async with running(demo_app) as pilot:
        screen = demo_app.screen
        assert names(screen)[0] == "Annual support plan"

        await press(pilot, "s")
        assert names(screen) == DEMO_NAMES_BY_RETAIL
        retail = [Decimal(row[1]) for row in table_rows(screen)]
        assert retail == sorted(retail)
        assert "sorted by retail" in static_text(screen, "#status")

        await press(pilot, "r")
        assert names(screen) == list(reversed(DEMO_NAMES_BY_RETAIL))
        assert "(reversed)" in static_text(screen, "#status")


async def test_a_hides_and_shows_archived_packages(demo_book, make_app):
    fax = package_store.find_package("Fax to email")
    package_store.set_archived(fax.id, fax.version, True)
    app = make_app(demo_book)
    async with running(app) as pilot:
        screen = app.screen
        assert "Fax to email (archived)" in names(screen)
        assert row_count(screen) == 9

        await press(pilot, "a")
        assert row_count(screen) == 8
        assert not any(n.startswith("Fax to email") for n in names(screen))
        assert "archived hidden" in static_text(screen, "#status")

        await press(pilot, "a")
        assert "Fax to email (archived)" in names(screen)


def _thousand_packages(book) -> None:
    with book.db.atomic():
        for i in range(1000):
            package_store.create_package(PackageDraft(f"Package {i:04d}", Decimal(i) / 100, Decimal("0.10")))


async def test_a_large_book_pages_in_as_the_cursor_moves_down(book, make_app):
    _thousand_packages(book)
    app = make_app(book)
    async with running(app) as pilot:
        screen = app.screen
        assert isinstance(screen, PackageListScreen)
        # A screenful is shown at once; the rest of the first page follows.
        await pilot.pause(0.3)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert row_count(screen) == PAGE
        assert f"{PAGE} of 1,000 shown" in static_text(screen, "#status")

        # pagedown moves the cursor a screenful at a time; near the end of a page the next one loads.
        table = screen.query_one("#packages")
        for _ in range(20):
            if table.cursor_row >= PAGE - PREFETCH:
                break
            await pilot.press("pagedown")
        assert table.cursor_row >= PAGE - PREFETCH
        await app.workers.wait_for_complete()
        await pilot.pause()

        assert row_count(screen) == 2 * PAGE
        assert names(screen)[: 2 * PAGE] == [f"Package {i:04d}" for i in range(2 * PAGE)]
        assert f"{2 * PAGE} of 1,000 shown" in static_text(screen, "#status")


async def test_ctrl_end_keeps_loading_until_every_row_is_in(book, make_app):
    _thousand_packages(book)
    app = make_app(book)
    async with running(app) as pilot:
        screen = app.screen
        assert FIRST <= row_count(screen) <= PAGE  # a screenful at once, the rest follows
        for _ in range(1000 // PAGE + 2):
            await pilot.press("ctrl+end")
            await app.workers.wait_for_complete()
            await pilot.pause()
        # Keyset paging: every package once, in order, nothing lost between pages.
        assert names(screen) == [f"Package {i:04d}" for i in range(1000)]
        assert "1,000 of 1,000 shown" in static_text(screen, "#status")


async def test_end_loads_more_rows_in_a_large_book(book, make_app):
    """`end` on the list goes to the last row loaded, which pages in more rows."""
    _thousand_packages(book)
    app = make_app(book)
    async with running(app) as pilot:
        screen = app.screen
        initial = row_count(screen)
        assert FIRST <= initial <= PAGE

        await pilot.press("end")
        assert screen.query_one("#packages").cursor_row == initial - 1
        await pilot.pause(0.3)
        await app.workers.wait_for_complete()
        await pilot.pause()

        assert row_count(screen) > initial
