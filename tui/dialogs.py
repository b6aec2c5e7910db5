"""Modal dialogs: choices with keys, the save-conflict dialog, help, prompts."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from billing.catalogue import FIELD_LABELS


class ChoiceScreen(ModalScreen[str | None]):
    """A question with a few answers, each on a key; escape answers None."""

    BINDINGS = [Binding("escape", "choose(None)", "Cancel", id="cancel")]

    def __init__(self, title: str, message: str, choices: list[tuple[str, str, str]], *, danger: str | None = None):
        """`choices` are (key, label, value); the value is what the dialog returns."""
        super().__init__()
        self.title_text = title
        self.message = message
        self.choices = choices
        self.danger = danger

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            yield Static(self.message, classes="dialog-body", markup=False)
            with Horizontal(classes="dialog-buttons"):
                for key, label, value in self.choices:
                    variant = "error" if value == self.danger else "primary"
                    yield Button(Text(f"{label} [{key}]"), id=f"choice-{value}", variant=variant, compact=True)
                yield Button(Text("Cancel [esc]"), id="choice-cancel", compact=True)

    def on_key(self, event) -> None:
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


class ConflictScreen(ModalScreen[str | None]):
    """Someone else saved first: show each differing field, lose nothing."""

    BINDINGS = [
        Binding("o", "choose('mine')", "Save mine over", id="conflict_mine"),
        Binding("t", "choose('theirs')", "Take theirs", id="conflict_theirs"),
        Binding("escape", "choose(None)", "Keep editing", id="cancel"),
    ]

    def __init__(self, name: str, differences: list[tuple[str, str, str]]):
        super().__init__()
        self.package_name = name
        self.differences = differences

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=True, header_style="bold", expand=False)
        table.add_column("field")
        table.add_column("yours")
        table.add_column("saved by them")
        for field, yours, theirs in self.differences:
            table.add_row(Text(FIELD_LABELS.get(field, field)), Text(yours or "(empty)"), Text(theirs or "(empty)"))
        with Vertical(classes="dialog"):
            yield Label("Someone else saved this package", classes="dialog-title")
            yield Static(
                f"'{self.package_name}' was saved by someone else after you opened it. "
                "Nothing of yours was written. Fields that differ:",
                classes="dialog-body",
                markup=False,
            )
            yield Static(table if self.differences else Text("(none: only the version moved on)"))
            with Horizontal(classes="dialog-buttons"):
                yield Button(Text("Save mine over [o]"), id="mine", variant="warning", compact=True)
                yield Button(Text("Take theirs [t]"), id="theirs", compact=True)
                yield Button(Text("Keep editing [esc]"), id="cancel", compact=True)

    def action_choose(self, value: str | None) -> None:
        self.dismiss(value)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None if event.button.id == "cancel" else event.button.id)


class FormDialog(ModalScreen):
    """A small form in a dialog: ctrl+s or enter saves (`action_save`), escape
    or Cancel leaves with None; `save_buttons` ends its compose."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="save"),
        Binding("escape", "cancel", "Cancel", id="cancel"),
    ]

    def save_buttons(self) -> ComposeResult:
        with Horizontal(classes="dialog-buttons"):
            yield Button(Text("Save [ctrl+s]"), id="save", variant="primary", compact=True)
            yield Button(Text("Cancel [esc]"), id="cancel", compact=True)

    def show_error(self, widget_id: str, message: str) -> None:
        """Show (or, with "", hide) the error line `widget_id` of the form."""
        error = self.query_one(f"#{widget_id}", Static)
        error.update(message)
        error.set_class(bool(message), "shown")

    def action_save(self) -> None:  # pragma: no cover - every form has its own
        raise NotImplementedError

    def on_input_submitted(self) -> None:
        self.action_save()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.dismiss(None)


class PromptScreen(FormDialog):
    """Ask for a name and a description (upstream services)."""

    def __init__(self, title: str, name: str = "", description: str = "", error_for=None):
        super().__init__()
        self.title_text = title
        self.initial = (name, description)
        self.error_for = error_for

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            with Horizontal(classes="row"):
                yield Label("Name", classes="label")
                yield Input(self.initial[0], id="prompt-name", compact=True, max_length=40)
            yield Static("", id="prompt-error", classes="error", markup=False)
            with Horizontal(classes="row"):
                yield Label("Description", classes="label")
                yield Input(self.initial[1], id="prompt-description", compact=True, max_length=200)
            yield from self.save_buttons()

    def action_save(self) -> None:
        name = self.query_one("#prompt-name", Input).value
        description = self.query_one("#prompt-description", Input).value
        problem = self.error_for(name, description) if self.error_for else None
        if problem:
            self.show_error("prompt-error", problem)
            return
        self.dismiss((name, description))


class HelpScreen(ModalScreen[None]):
    """Keys of the screen it was opened from, and what the screen is for."""

    BINDINGS = [
        Binding("escape", "close", "Close", id="close"),
        Binding("question_mark", "close", "Close", show=False, id="close_q"),
        Binding("f1", "close", "Close", show=False, id="close_f1"),
    ]

    def __init__(self, title: str, about: str, keys: list[tuple[str, str]]):
        super().__init__()
        self.title_text = title
        self.about = about
        self.keys = keys

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=False, expand=False, padding=(0, 2, 0, 0))
        table.add_column(style="bold")
        table.add_column()
        for key, description in self.keys:
            table.add_row(Text(key), Text(description))
        with VerticalScroll(classes="dialog help"):
            yield Label(f"Help: {self.title_text}", classes="dialog-title", markup=False)
            yield Static(self.about, classes="dialog-body", markup=False)
            yield Static(table)

    def action_close(self) -> None:
        self.dismiss(None)


def leave_form(screen) -> None:
    """Escape on a form: leave at once, or ask first when there are unsaved changes."""
    if not screen.dirty:
        screen.dismiss(None)
        return

    def decided(choice: str | None) -> None:
        if choice == "discard":
            screen.dismiss(None)
        elif choice == "save":
            screen.action_save()

    screen.app.push_screen(
        ChoiceScreen(
            "Unsaved changes",
            "You have changes that are not saved.",
            [("s", "Save", "save"), ("d", "Discard", "discard")],
            danger="discard",
        ),
        decided,
    )
