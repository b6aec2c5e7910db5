"""Driving the app with Pilot and reading what it shows.

Every app test runs at SIZE (80x24) with "today" fixed to TODAY (a
Wednesday), so the screens and the live figures don't drift.
"""

from __future__ import annotations

import io
from contextlib import asynccontextmanager
from datetime import date

from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Input, Static

from billing.money import format_money
from tui.screens.customer import CustomerScreen
from tui.screens.customer_list import CustomerListScreen
from tui.widgets.paged_table import PagedTable

#: "Today" of every app test: a Wednesday.
TODAY = date(2026, 11, 25)
#: Every run_test uses this terminal size.
SIZE = (80, 24)


# --- reading the screen ----------------------------------------------------------------


def rows_of(screen, selector: str | None = None) -> list[list[str]]:
    """Every row of one of the screen's tables (its only one if no selector), as plain text cells."""
    table = screen.query_one(selector, PagedTable) if selector else screen.query_one(PagedTable)
    return [[str(cell) for cell in table.get_row_at(index)] for index in range(table.row_count)]


def table_rows(screen) -> list[list[str]]:
    """Every row of the screen's table, as plain text cells."""
    return rows_of(screen)


def names(screen) -> list[str]:
    """The first column (the name) of every row shown."""
    return [row[0] for row in table_rows(screen)]


def row_count(screen) -> int:
    return screen.query_one(PagedTable).row_count


def panel_text(screen) -> str:
    """The live panel's text as the operator reads it."""
    return str(screen.query_one("#panel", Static).content)


def projection_text(screen, width: int | None = None) -> str:
    """All of an allocation form's projection: heading and months, then the
    true-ups and the charge lines (tables drawn a screenful at a time)."""
    parts = [rendered(screen.query_one("#projection-body"), width)]
    for selector in ("#projection-trueups", "#projection-lines"):
        parts.append(rendered(screen.query_one(selector)))
    return "".join(parts)


def static_text(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).content)


def rendered(widget, width: int | None = None) -> str:
    """What a Static shows, as plain text, at the width it has on screen.
    (str(widget.content) only works for plain text; a projection is a rich Group.)
    A LineTable gives every line, whether on screen or not."""
    if hasattr(widget, "text") and callable(widget.text):
        return widget.text() + "\n"
    width = width or widget.content_region.width or 78
    console = Console(file=io.StringIO(), width=width, color_system=None, legacy_windows=False)
    console.print(widget.content)
    return console.file.getvalue()


def money(value) -> str:
    """An amount as the screens show it (the test books keep 2 places)."""
    return format_money(value, 2)


def messages(app) -> list[str]:
    """The notifications shown, oldest first."""
    return [str(n.message) for n in app._notifications]


def focused_id(app) -> str | None:
    return app.focused.id if app.focused is not None else None


# --- acting ---------------------------------------------------------------------------------


async def press(pilot: Pilot, *keys: str) -> None:
    """Press `keys`, then let the app take them in."""
    await pilot.press(*keys)
    await pilot.pause()


async def settle(pilot: Pilot, rounds: int = 3) -> None:
    """Let thread workers finish and their call_from_thread callbacks land;
    a worker's callback may start another (a commit starts a preview when it
    is done), so by default three rounds."""
    for _ in range(rounds):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def replace_text(pilot: Pilot, text: str) -> None:
    """In the focused Input: clear it with keys (end, ctrl+u), then type `text`."""
    assert isinstance(pilot.app.focused, Input), pilot.app.focused
    await press(pilot, "end", "ctrl+u", *text)


async def focus_and_type(pilot: Pilot, selector: str, text: str) -> None:
    """Focus one field of the current screen, clear it and type `text` key by key."""
    pilot.app.screen.query_one(selector, Input).focus()
    await pilot.pause()
    await replace_text(pilot, text)


async def open_row(pilot: Pilot, name: str):
    """On a list: move the cursor down to the row named `name`, open it with
    enter; the screen it opens."""
    for _ in range(names(pilot.app.screen).index(name)):
        await pilot.press("down")
    await press(pilot, "enter")
    return pilot.app.screen


@asynccontextmanager
async def running(app):
    """The app running headless at SIZE, its first screen up: the Pilot."""
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        yield pilot


async def opens(pilot: Pilot, kind: type, *keys: str):
    """Press `keys`: the screen they bring up, which must be a `kind`."""
    await press(pilot, *keys)
    screen = pilot.app.screen
    assert isinstance(screen, kind), screen
    return screen


async def open_customer(pilot: Pilot, name: str) -> CustomerScreen:
    """f3, the cursor down to the customer `name`, enter: their screen."""
    await pilot.pause()
    await opens(pilot, CustomerListScreen, "f3")
    screen = await open_row(pilot, name)
    assert isinstance(screen, CustomerScreen) and screen.customer.name == name, screen
    return screen
