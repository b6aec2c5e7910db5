"""The line at the top of every screen."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Static

#: The keys that work from every screen, as the title bar lists them: each
#: {binding id} is its key, as remapped by the keymap (else DEFAULT_KEYS).
GO_HINT = "{go_packages} pkgs {go_customers} custs {go_projection} proj {go_run} run {go_audit} audit {help} help"
#: What a form's title bar lists instead.
FORM_HINT = "{palette} commands  {help_f1} help"
DEFAULT_KEYS = {
    "go_packages": "f2", "go_customers": "f3", "go_projection": "f4", "go_run": "f5", "go_audit": "f6",
    "help": "?", "palette": "^p", "help_f1": "f1",
}


def hint_keys(app, hint: str) -> str:
    """`hint` with each {binding id} replaced by its key, as the footer would show it."""
    keymap = getattr(app, "_keymap", None) or {}
    keys = dict(DEFAULT_KEYS)
    for binding_id in keys:
        if keymap.get(binding_id):
            keys[binding_id] = app.get_key_display(Binding(keymap[binding_id].split(",")[0], ""))
    return hint.format(**keys)


def book_marks(app) -> str:
    """What the title bar says of the book itself: read-only, the test clock."""
    book = getattr(app, "book", None)
    if book is None:
        return ""
    marks = []
    if getattr(book, "read_only", False):
        marks.append("read-only")
    settings = getattr(book, "settings", None)
    if getattr(settings, "test_clock", False):
        marks.append("TEST CLOCK")
    return " ".join(f" {m} " for m in marks)


class TitleBar(Widget):
    """The screen's title on the left; what is true of the whole book (read-only,
    the test clock) and the keys that always work on the right. A note (a save
    waiting for the book) takes the keys' place while it stands."""

    DEFAULT_CSS = """
    TitleBar { height: 1; layout: horizontal; }
    TitleBar > .title-left { width: 1fr; }
    TitleBar > .title-marks { width: auto; text-style: reverse bold; margin-right: 1; }
    TitleBar > .title-right { width: auto; }
    TitleBar > .title-note { width: auto; text-style: bold; display: none; }
    """

    def __init__(self, title: str, hint: str = GO_HINT):
        super().__init__(classes="title")
        self._title = title
        self._hint = hint

    def compose(self) -> ComposeResult:
        yield Static(self._title, id="title", classes="title-left", markup=False)
        marks = book_marks(self.app)
        if marks:
            yield Static(marks, id="book-marks", classes="title-marks", markup=False)
        yield Static(hint_keys(self.app, self._hint), id="title-hint", classes="title-right", markup=False)
        yield Static("", id="title-note", classes="title-note", markup=False)

    def note(self, text: str | None) -> None:
        """Show `text` where the keys are (None: the keys again)."""
        note = self.query_one("#title-note", Static)
        note.update(text or "")
        note.display = bool(text)
        self.query_one("#title-hint", Static).display = not text
