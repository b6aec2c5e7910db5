"""A checkbox that reads the same without colour."""

from __future__ import annotations

from textual.widgets import Checkbox


class Tick(Checkbox):
    """A checkbox that shows its X only when ticked, so it reads the same
    without colour (NO_COLOR, a monochrome terminal) as with it."""

    @property
    def BUTTON_INNER(self) -> str:  # noqa: N802 - Textual reads this name
        return "X" if self.value else " "
