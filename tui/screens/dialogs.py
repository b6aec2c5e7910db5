"""Modal dialogs: a question with answers on keys, and the save conflict."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from billing.labels import field_label


class ChoiceScreen(ModalScreen[str | None]):
    """A question with a few answers, each on a key; escape answers None."""

    BINDINGS = [Binding("escape", "choose(None)", "Cancel", id="cancel")]

    def __init__(
        self, title: str, message: str, choices: list[tuple[str, str, str]], *, danger: str | None = None,
        cancel: str = "Cancel",
    ):
        """`choices` are (key, label, value); the value is what the dialog
        returns; `cancel` is escape's label."""
        super().__init__()
        self.title_text = title
        self.message = message
        self.choices = choices
        self.danger = danger
        self.cancel = cancel

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            yield Static(self.message, classes="dialog-body", markup=False)
            with Horizontal(classes="dialog-buttons"):
                for key, label, value in self.choices:
                    variant = "error" if value == self.danger else "primary"
                    yield Button(Text(f"{label} [{key}]"), id=f"choice-{value}", variant=variant, compact=True)
                yield Button(Text(f"{self.cancel} [esc]"), id="choice-cancel", compact=True)

    def on_key(self, event: events.Key) -> None:
        for key, _label, value in self.choices:
            if event.key == key:
                event.stop()
                self.dismiss(value)
                return

    def action_choose(self, value: str | None) -> None:
        self.dismiss(value)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        value = (event.button.id or "").removeprefix("choice-")
        self.dismiss(None if value == "cancel" else value)


def confirm(title: str, message: str, yes: str = "Yes", *, danger: bool = False) -> ChoiceScreen:
    return ChoiceScreen(title, message, [("y", yes, "yes")], danger="yes" if danger else None)


def unsaved_changes(quitting: bool = False) -> ChoiceScreen:
    """Escape (or ctrl+q: `quitting`) on a form with changes not saved: save
    (`save`), discard (`discard`) or keep editing (None)?"""
    then = " and quit" if quitting else ""
    return ChoiceScreen(
        "Unsaved changes",
        "You have changes that are not saved." + (" Save them before packdesk quits?" if quitting else ""),
        [("s", f"Save{then}", "save"), ("d", f"Discard{then}", "discard")],
        danger="discard",
        cancel="Keep editing",
    )


class ConflictScreen(ModalScreen[str | None]):
    """Someone else saved first and we both changed some fields: show those,
    lose nothing. Answers 'mine' (save mine for them), 'theirs' (take theirs)
    or None (keep editing)."""

    BINDINGS = [
        Binding("o", "choose('mine')", "Save mine over", id="conflict_mine"),
        Binding("t", "choose('theirs')", "Take theirs", id="conflict_theirs"),
        Binding("escape", "choose(None)", "Keep editing", id="cancel"),
    ]

    def __init__(
        self, name: str, differences: list[tuple[str, str, str]], what: str = "package",
        taken: list[tuple[str, str]] | None = None,
    ):
        """`differences` are (field, yours, theirs) as shown; `what` names the
        kind of record; `taken` are (field, theirs) of the fields only they
        changed, already in the form."""
        super().__init__()
        self.name_shown = name
        self.differences = differences
        self.what = what
        self.taken = taken

    @property
    def package_name(self) -> str:
        """The name of the record saved by someone else (a package's, mostly)."""
        return self.name_shown

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=True, header_style="bold", expand=False)
        table.add_column("field")
        table.add_column("yours")
        table.add_column("saved by them")
        for field, yours, theirs in self.differences:
            table.add_row(Text(field_label(field)), Text(yours or "(empty)"), Text(theirs or "(empty)"))
        with Vertical(classes="dialog"):
            yield Label(f"Someone else saved this {self.what}", classes="dialog-title")
            both = "You both changed" if self.taken is not None else "Fields that differ"
            yield Static(
                f"'{self.name_shown}' was saved by someone else after you opened it. "
                f"Nothing of yours was written yet. {both}:",
                classes="dialog-body",
                markup=False,
            )
            yield Static(table if self.differences else Text("(none: only the version moved on)"))
            if self.taken:
                kept = "; ".join(f"{field_label(f)} {value or '(empty)'}" for f, value in self.taken)
                yield Static(f"Only they changed (kept, now in your form): {kept}.", classes="dialog-body", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(Text("Save mine over [o]"), id="mine", variant="warning", compact=True)
                yield Button(Text("Take theirs [t]"), id="theirs", compact=True)
                yield Button(Text("Keep editing [esc]"), id="cancel", compact=True)

    def action_choose(self, value: str | None) -> None:
        self.dismiss(value)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None if event.button.id == "cancel" else event.button.id)
