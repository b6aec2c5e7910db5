"""Small readers shared by the app tests."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Input, Static

from tui.widgets.paged_table import PagedTable


def table_rows(screen) -> list[list[str]]:
    """Every row of the screen's table, as plain text cells."""
    table = screen.query_one(PagedTable)
    return [[str(cell) for cell in table.get_row_at(index)] for index in range(table.row_count)]


def names(screen) -> list[str]:
    """The first column (the name) of every row shown."""
    return [row[0] for row in table_rows(screen)]


def row_count(screen) -> int:
    return screen.query_one(PagedTable).row_count


def panel_text(screen) -> str:
    """The live panel's text as the operator reads it."""
    return str(screen.query_one("#panel", Static).content)


def static_text(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).content)


async def replace_text(pilot: Pilot, text: str) -> None:
    """In the focused Input: clear it with keys (end, ctrl+u), then type `text`."""
    assert isinstance(pilot.app.focused, Input), pilot.app.focused
    await pilot.press("end", "ctrl+u", *text)
    await pilot.pause()


async def focus_and_type(pilot: Pilot, selector: str, text: str) -> None:
    """Focus one field of the current screen, clear it and type `text` key by key."""
    pilot.app.screen.query_one(selector, Input).focus()
    await pilot.pause()
    await replace_text(pilot, text)
