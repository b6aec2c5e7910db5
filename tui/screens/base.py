"""What every packdesk screen has: help made from its bindings, and the
commands it offers in the command palette."""

from __future__ import annotations

from typing import ClassVar

from textual.screen import Screen

from .help import HelpScreen, key_rows


class PackdeskScreen(Screen):
    """A screen with help (`action_help`) and palette commands (PALETTE)."""

    #: The help's title, and what the screen is for (the keys come from the bindings).
    HELP_TITLE: ClassVar[str] = ""
    HELP_ABOUT: ClassVar[str] = ""
    #: The words for a widget's key (by binding id) where this screen gives it
    #: its meaning: what enter opens on a list, say.
    KEY_HELP: ClassVar[dict[str, str]] = {}
    #: (title, what it does, action) of the commands the palette offers here.
    PALETTE: ClassVar[tuple[tuple[str, str, str], ...]] = ()

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self.HELP_TITLE, self.HELP_ABOUT, key_rows(self, self.KEY_HELP)))
