"""How the screens look at 80x24 (pytest-textual-snapshot).

Nothing may vary between runs: today is fixed (conftest), the book is the
relative `book.db`, the Input cursor does not blink, and no notification
is left on screen.
"""

from __future__ import annotations

from textual.widgets import Input

from .conftest import SIZE


def steady(*keys: str):
    """A run_before: press `keys`, then stop the cursor blinking and clear toasts."""

    async def run_before(pilot) -> None:
        await pilot.pause()
        if keys:
            await pilot.press(*keys)
            await pilot.pause()
        for box in pilot.app.screen.query(Input):
            box.cursor_blink = False
        pilot.app.clear_notifications()
        await pilot.pause()

    return run_before


def test_package_list_with_demo_data(snap_compare, demo_app):
    assert snap_compare(demo_app, terminal_size=SIZE, run_before=steady())


def test_form_for_a_new_package(snap_compare, demo_app):
    assert snap_compare(demo_app, terminal_size=SIZE, run_before=steady("n"))


def test_form_editing_a_weekly_demo_package(snap_compare, demo_app):
    # Annual support plan, Call bundle 500, Daily test number, Fax to email (weekly, Monday).
    assert snap_compare(demo_app, terminal_size=SIZE, run_before=steady("down", "down", "down", "enter"))


def test_help_screen(snap_compare, demo_app):
    assert snap_compare(demo_app, terminal_size=SIZE, run_before=steady("question_mark"))
