"""The line at the top of every screen."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Static

#: The keys that work from every screen, as the title bar lists them.
GO_HINT = "f2 pkgs f3 custs f4 proj f5 run f6 audit ? help"
#: What a form's title bar lists instead.
FORM_HINT = "^p commands  f1 help"


class TitleBar(Widget):
    """The screen's title on the left, the keys that always work on the right."""

    DEFAULT_CSS = """
    TitleBar { height: 1; layout: horizontal; }
    TitleBar > .title-left { width: 1fr; }
    TitleBar > .title-right { width: auto; }
    """

    def __init__(self, title: str, hint: str = GO_HINT):
        super().__init__(classes="title")
        self._title = title
        self._hint = hint

    def compose(self) -> ComposeResult:
        yield Static(self._title, id="title", classes="title-left", markup=False)
        yield Static(self._hint, classes="title-right", markup=False)
