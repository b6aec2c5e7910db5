"""Readable on every terminal: error text at 4.5:1 or more (WCAG) in every
theme packdesk offers, on 16 colours and under NO_COLOR; the focused field
and the cursor row marked without colour; the theme taken on each terminal."""

from __future__ import annotations

import pytest
from rich.color import Color as RichColor
from rich.color import ColorType
from rich.terminal_theme import TerminalTheme
from textual.color import Color
from textual.filter import NoColor
from textual.widgets import Button, Input, OptionList, Select
from textual.widgets._toast import Toast

from tests.helpers.pilot import SIZE, focus_and_type, opens, press, running
from tui.legible import MIN_CONTRAST, contrast, readable_on, wants_ansi_theme
from tui.screens.package_form import PackageFormScreen
from tui.widgets.paged_table import PagedTable
from tui.widgets.tick import Tick

pytestmark = pytest.mark.both_engines

# Palettes the ANSI themes are read against: what the terminal itself shows.
VGA = [(0, 0, 0), (170, 0, 0), (0, 170, 0), (170, 85, 0), (0, 0, 170), (170, 0, 170), (0, 170, 170), (170, 170, 170),
       (85, 85, 85), (255, 85, 85), (85, 255, 85), (255, 255, 85), (85, 85, 255), (255, 85, 255), (85, 255, 255), (255, 255, 255)]
XTERM = [(0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
         (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255)]
DARK_PALETTES = {
    "linux console": TerminalTheme((0, 0, 0), (170, 170, 170), VGA[:8], VGA[8:]),
    "xterm on black": TerminalTheme((0, 0, 0), (229, 229, 229), XTERM[:8], XTERM[8:]),
}
LIGHT_PALETTES = {"xterm on white": TerminalTheme((255, 255, 255), (0, 0, 0), XTERM[:8], XTERM[8:])}

SIXTEEN = {"TERM": "linux"}
NO_COLOUR = {"TERM": "vt100", "NO_COLOR": "1"}


def _terminal(monkeypatch, env: dict[str, str]) -> None:
    """The app will start on a terminal that says `env` (and not truecolour)."""
    monkeypatch.delenv("COLORTERM", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)


def _rgb(color: RichColor | None, palette: TerminalTheme, ground: bool) -> Color:
    """A segment's colour as the terminal shows it with `palette`."""
    if color is None or color.type is ColorType.DEFAULT:
        triplet = palette.background_color if ground else palette.foreground_color
    elif color.type is ColorType.TRUECOLOR:
        triplet = color.triplet
    else:
        assert color.type is ColorType.STANDARD, color
        triplet = palette.ansi_colors[color.number]
    return Color(*triplet)


def _segments(app, widget):
    """The segments of text (not borders or bars) drawn in `widget`'s content."""
    region = widget.content_region
    for strip in app.screen._compositor.render_strips()[region.y:region.bottom]:
        for segment in strip.crop(region.x, region.right):
            if any(char.isalnum() for char in segment.text):
                yield segment


def _worst(app, widgets, palettes) -> float:
    """The lowest contrast of any text drawn over `widgets`, on any of `palettes`."""
    ratios = [
        contrast(_rgb(s.style.color, p, False), _rgb(s.style.bgcolor, p, True))
        for w in widgets for s in _segments(app, w) for p in palettes
    ]
    assert ratios, "no text drawn"
    return min(ratios)


async def _form_with_an_error(pilot):
    """The package form: 'x' in retail (its error line shown), the cursor in cost."""
    form = await opens(pilot, PackageFormScreen, "n")
    await focus_and_type(pilot, "#retail", "x")
    await press(pilot, "tab")
    assert pilot.app.focused.id == "cost"
    return form


async def _error_widgets(pilot, form):
    """What says something is wrong: the error line under retail, the field
    itself, the live panel and an error notification."""
    app = pilot.app
    app.clear_notifications()
    app.notify("Not saved: the book is read-only.", severity="error")
    for _ in range(3):
        await pilot.pause()
    return {
        "error line": [form.query_one("#retail-error")],
        "invalid field": [form.query_one("#retail")],
        "panel": [form.query_one("#panel")],
        "notification": list(app.screen.query(Toast)),
    }


async def test_error_text_stands_at_4_5_to_1_in_every_theme(demo_app):
    app = demo_app
    report = {}
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        form = await _form_with_an_error(pilot)
        for name, theme in sorted(app.available_themes.items()):
            app.theme = name
            await pilot.pause()
            parts = await _error_widgets(pilot, form)
            palettes = [app.ansi_theme] + list((DARK_PALETTES if theme.dark else LIGHT_PALETTES).values())
            for part, widgets in parts.items():
                report[name, part] = _worst(app, widgets, palettes if theme.ansi else [app.ansi_theme])
    low = {key: round(ratio, 2) for key, ratio in report.items() if ratio < MIN_CONTRAST}
    assert not low, low
    assert len({name for name, _ in report}) >= 20  # every built-in theme was read


@pytest.mark.parametrize("env", [SIXTEEN, NO_COLOUR], ids=["16 colours", "NO_COLOR"])
async def test_error_text_stands_at_4_5_to_1_on_plain_terminals(demo_book, make_app, monkeypatch, env):
    _terminal(monkeypatch, env)
    app = make_app(demo_book)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        form = await _form_with_an_error(pilot)
        parts = await _error_widgets(pilot, form)
        palettes = [app.ansi_theme, *DARK_PALETTES.values()]
        for part, widgets in parts.items():
            assert _worst(app, widgets, palettes) >= MIN_CONTRAST, part
        # Bold marks the error line even where red can't be shown.
        assert all(s.style.bold for s in _segments(app, parts["error line"][0]))


def _plain(app, widget) -> list[tuple[str, bool, bool, bool]]:
    """`widget` as drawn with its colours stripped: each cell's character,
    reverse, bold and underline."""
    region = widget.region
    cells = []
    for strip in app.screen._compositor.render_strips()[region.y:region.bottom]:
        for segment in strip.crop(region.x - 1, region.right):
            style = segment.style
            for char in segment.text:
                cells.append((char, bool(style and style.reverse), bool(style and style.bold), bool(style and style.underline)))
    return cells


@pytest.mark.parametrize("env", [SIXTEEN, NO_COLOUR], ids=["16 colours", "NO_COLOR"])
async def test_the_focused_field_is_marked_without_colour(demo_book, make_app, monkeypatch, env):
    """Each kind of field, focused and not, drawn with colour stripped: they
    differ (the bar at the field's left; reverse video for a button)."""
    _terminal(monkeypatch, env)
    app = make_app(demo_book)
    async with running(app) as pilot:
        form = await opens(pilot, PackageFormScreen, "n")
        for box in form.query(Input):
            box.cursor_blink = False
        for selector, kind in (("#retail", Input), ("#frequency", Select), ("#minimum_spend", Tick)):
            field = form.query_one(selector, kind)
            field.focus()
            await pilot.pause()
            focused = _plain(app, field)
            form.query_one("#description", Input).focus()
            await pilot.pause()
            blurred = _plain(app, field)
            # The bar stands in the column at the field's left, whatever the cursor does.
            assert focused[1][0] == "▌" and blurred[1][0] == " ", (selector, focused[:3], blurred[:3])

        await press(pilot, "escape", "d")  # leave the (unchanged) form, ask to archive a package
        buttons = list(app.screen.query(Button))
        assert app.focused in buttons
        for button in buttons:
            shown = _plain(app, button)[1:]
            reversed_ = all(cell[1] for cell in shown if cell[0].strip())
            assert reversed_ is (button is app.focused), button


@pytest.mark.parametrize("env", [SIXTEEN, NO_COLOUR], ids=["16 colours", "NO_COLOR"])
async def test_the_cursor_row_is_marked_without_colour(demo_book, make_app, monkeypatch, env):
    _terminal(monkeypatch, env)
    app = make_app(demo_book)
    async with running(app) as pilot:
        await press(pilot, "down", "down")
        table = app.screen.query_one(PagedTable)
        region = table.region
        strips = app.screen._compositor.render_strips()
        cursor_y = region.y + 1 + table.cursor_row  # below the header
        rows = {y: strips[y].crop(region.x, region.right) for y in range(region.y + 1, region.y + 6)}
        assert all(s.style.reverse for s in rows[cursor_y])
        assert not any(s.style.reverse for y, strip in rows.items() if y != cursor_y for s in strip)

        await press(pilot, "slash")  # the filter takes the focus: the row stays, underlined
        strips = app.screen._compositor.render_strips()
        table_region = table.region
        row = strips[table_region.y + 1 + table.cursor_row].crop(table_region.x, table_region.right)
        assert all(s.style.underline for s in row if s.text.strip())


async def test_the_highlighted_match_is_marked_without_colour(demo_customers_book, make_app, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(demo_customers_book)
    async with running(app) as pilot:
        await press(pilot, "f3", "enter", "n", "S", "I", "down")
        matches = app.screen.query_one("#matches", OptionList)
        assert app.focused is matches
        assert all(s.style.underline and s.style.bold for s in _segments(app, matches))


# --- the theme each terminal gets --------------------------------------------------------


@pytest.mark.parametrize("env, ansi", [
    (SIXTEEN, True),
    ({"TERM": "vt100"}, True),
    ({"TERM": "xterm"}, True),
    (NO_COLOUR, True),
    ({"TERM": "xterm-256color"}, False),
    ({"TERM": "xterm", "COLORTERM": "truecolor"}, False),
    ({"TERM": "linux", "TEXTUAL_THEME": "nord"}, False),
])
def test_the_theme_follows_the_terminal(demo_book, make_app, monkeypatch, env, ansi):
    _terminal(monkeypatch, env)
    app = make_app(demo_book)
    assert app.current_theme.ansi is ansi
    assert wants_ansi_theme(app.console.color_system, env) is ansi


def test_no_color_strips_colours_instead_of_turning_them_grey(demo_book, make_app, monkeypatch):
    """Textual would make NO_COLOR grey (red text became 1.6:1 grey on near-black);
    packdesk leaves the terminal's own foreground on its own background."""
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(demo_book)
    assert app.no_color and app.native_ansi_color
    assert any(isinstance(f, NoColor) for f in app.get_line_filters())


def test_readable_on_moves_a_colour_only_as_far_as_it_must():
    ground = Color.parse("#121212")
    dull = Color.parse("#ba3c5b")  # textual-dark's error: 3.4:1 on its background
    assert contrast(dull, ground) < MIN_CONTRAST
    fixed = readable_on(dull, [ground, Color.parse("#1e1e1e")])
    assert MIN_CONTRAST <= contrast(fixed, ground) < MIN_CONTRAST + 1.5
    assert fixed.r > fixed.g  # still a red
    light = Color.parse("#fafafa")
    assert contrast(readable_on(Color.parse("#f23f3f"), [light]), light) >= MIN_CONTRAST
    already = Color.parse("#ffffff")
    assert readable_on(already, [ground]) == already
