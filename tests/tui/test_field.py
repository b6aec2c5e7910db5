"""The forms' text field: a key repaints the field alone (no layout of the
whole screen), and a value wider than the field still scrolls to its cursor."""

from __future__ import annotations

import pytest

from textual.app import App
from textual.containers import Horizontal
from textual.widgets import Input, Label, Static

from tui.widgets.field import Field

pytestmark = pytest.mark.both_engines


class _Form(App[None]):
    def __init__(self, kind: type[Input]):
        super().__init__()
        self.kind = kind

    def compose(self):
        for i in range(12):
            with Horizontal(classes="row"):
                yield Label(f"Field {i}")
                yield self.kind("", id=f"f{i}", compact=True)
        yield Static("below")

    CSS = "Horizontal { height: 1; } Label { width: 10; } Input { width: 8; }"


async def _layouts_per_key(kind: type[Input]) -> tuple[int, str, str]:
    app = _Form(kind)
    async with app.run_test(size=(80, 24)) as pilot:
        box = app.query_one("#f3", Input)
        box.focus()
        await pilot.pause()
        screen = app.screen
        count = 0
        layout = screen._refresh_layout

        def counted(*args, **kwargs):
            nonlocal count
            count += 1
            return layout(*args, **kwargs)

        screen._refresh_layout = counted
        await pilot.press(*"123456789012")
        await pilot.pause()
        line = "".join(segment.text for segment in box.render_line(0))
        return count, box.value, line


async def test_a_key_lays_out_nothing_but_a_plain_input_lays_out_the_screen():
    plain, _, _ = await _layouts_per_key(Input)
    field, value, _ = await _layouts_per_key(Field)
    assert plain >= 6  # the reason Field exists: a plain Input reflows the screen on keys
    assert field == 0
    assert value == "123456789012"


async def test_a_long_value_scrolls_to_the_cursor():
    _, value, line = await _layouts_per_key(Field)
    assert value == "123456789012"
    # Eight columns wide: the end of the value is what shows, with the cursor after it.
    assert "9012" in line
    assert not line.startswith("1234")
