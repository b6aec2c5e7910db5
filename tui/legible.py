"""Readable on every terminal operators use: the theme for a terminal of 16
colours (TERM=vt100, linux, xterm, screen) or none (NO_COLOR), and error text
kept at a contrast of 4.5:1 or more (WCAG AA) in every theme.

On 16 colours Rich would squeeze a truecolour theme into the nearest of the
terminal's colours, so packdesk takes an ANSI theme instead: its colours are
the terminal's own. Under NO_COLOR every colour is stripped (the terminal's
own foreground on its own background); focus and errors are then marked by
reverse video and bold (packdesk.tcss, the `:ansi` rules)."""

from __future__ import annotations

from collections.abc import Mapping

from rich.style import Style
from textual.color import BLACK, WHITE, Color

#: WCAG 2 level AA for text of normal size.
MIN_CONTRAST = 4.5
#: The theme taken on a terminal of 16 colours or none, unless TEXTUAL_THEME names one.
ANSI_THEME = "ansi-dark"
#: What error text stands on: the screen, fields, dialogs and notifications.
ERROR_GROUNDS = ("background", "surface", "panel")
#: Rich's colour systems that give the terminal's palette only (or nothing at all).
FEW_COLOURS = (None, "standard", "windows")
#: Error text on an ANSI theme: bright red is 4.7:1 or more on the black of
#: common dark palettes (red alone is 2.7:1 on the Linux console), red is
#: 5:1 or more on white.
ANSI_ERROR = {True: "ansi_bright_red", False: "ansi_red"}


def no_color_asked(environ: Mapping[str, str]) -> bool:
    """NO_COLOR set, as Textual reads it (set at all, even empty)."""
    return environ.get("NO_COLOR") is not None


def wants_ansi_theme(color_system: str | None, environ: Mapping[str, str]) -> bool:
    """Take the ANSI theme: the terminal has 16 colours or none, or NO_COLOR is
    set, and the operator hasn't named a theme (TEXTUAL_THEME)."""
    if environ.get("TEXTUAL_THEME"):
        return False
    return no_color_asked(environ) or color_system in FEW_COLOURS


def luminance(color: Color) -> float:
    """WCAG 2 relative luminance, 0 (black) to 1 (white)."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.r) + 0.7152 * channel(color.g) + 0.0722 * channel(color.b)


def contrast(a: Color, b: Color) -> float:
    """WCAG 2 contrast ratio of two colours, 1 to 21."""
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def readable_on(color: Color, grounds: list[Color], ratio: float = MIN_CONTRAST) -> Color:
    """`color`, moved towards white on dark grounds (black on light ones) just
    far enough to stand at `ratio` or more on every one of `grounds`."""
    lightest = max(grounds, key=luminance)
    darkest = min(grounds, key=luminance)
    # Whichever end gives the better worst case: white above dark grounds, black below light.
    toward = WHITE if contrast(WHITE, darkest) >= contrast(BLACK, lightest) else BLACK
    for step in range(21):
        candidate = color.blend(toward, step / 20)
        if min(contrast(candidate, ground) for ground in grounds) >= ratio:
            return candidate
    return toward


def legible(variables: dict[str, str], dark: bool) -> dict[str, str]:
    """The theme's CSS variables with `text-error` (what packdesk draws error
    text in) made readable on every ground it stands on. Changes and returns
    `variables`."""
    ground_names = [name for name in ERROR_GROUNDS if name in variables]
    grounds = [Color.parse(variables[name]) for name in ground_names]
    if any(ground.ansi is not None for ground in grounds) or not grounds:
        variables["text-error"] = ANSI_ERROR[dark]
        return variables
    error = Color.parse(variables.get("text-error", variables["error"]))
    variables["text-error"] = readable_on(error, grounds).hex
    return variables


def error_style(app) -> Style:
    """The Rich style of error text in the app's theme now, for text drawn
    outside the stylesheet (the live panel)."""
    return Style(color=Color.parse(app.theme_variables.get("text-error", "red")).rich_color)
