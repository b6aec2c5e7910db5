"""The base of every form: fields checked as they are typed, save with the
version check (someone else saved first: the conflict dialog), and the
unsaved-changes question on escape. FormScreen is a full-screen form,
FormDialog a small one in a dialog."""

from __future__ import annotations

from decimal import Decimal
from enum import Enum
from typing import Any, Callable, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Input, Label, Static

from billing.catalogue import FieldError
from billing.labels import field_label, form_label
from billing.money import format_price
from store.errors import Conflict, NotFound, StoreError

from ..validators import VALIDATE_ON, FieldValidator, error_text
from .base import PackdeskScreen, key_help_f1
from .dialogs import ConflictScreen, unsaved_changes
from .help import key_for


def show_value(value: Any) -> str:
    """A field's value as the conflict dialog shows it."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Enum):
        return str(value.value)
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format_price(value)
    return str(value)


class FormBase(Screen):
    """A subclass reads its fields (`read`, `raw`), writes them (`write`) and
    takes what someone else saved (`load`); this class does the rest."""

    #: Ask before leaving with changes not saved.
    CONFIRM_LEAVE: ClassVar[bool] = True
    #: What the input ids start with before the field's name ('pay-' + 'amount').
    ID_PREFIX: ClassVar[str] = ""
    #: The id of one error line for every field (each message then names its
    #: field); None: a line '<input id>-error' under each field.
    ERROR_LINE: ClassVar[str | None] = None
    #: What the conflict dialog calls the record.
    WHAT: ClassVar[str] = "record"
    #: A field whose error belongs to another input (by field name).
    INPUT_OF: ClassVar[dict[str, str]] = {}

    version: int | None = None
    _initial: dict | None = None

    # --- what a subclass says -------------------------------------------------

    def raw(self) -> dict[str, str]:
        """The text of every field, to tell whether anything changed."""
        return {}

    def read(self) -> tuple[Any, list[FieldError]]:
        """The fields parsed: (a draft, []) or (None, the errors)."""
        raise NotImplementedError

    def write(self, draft: Any, version: int | None) -> Any:
        """Save the draft; the saved row (with an `id`)."""
        raise NotImplementedError

    def saved_message(self, saved: Any) -> str:
        return f"Saved '{getattr(saved, 'name', '')}'."

    def load(self, current: Any) -> None:
        """Put what someone else saved into the fields ('take theirs')."""

    def conflict_rows(self, draft: Any, exc: Conflict) -> list[tuple[str, str, str]]:
        """(field, yours, theirs) of each field that differs, as shown."""
        return [(field, show_value(mine), show_value(theirs)) for field, mine, theirs in exc.differences]

    def record_name(self, current: Any) -> str:
        """How the conflict dialog names the record someone else saved."""
        return current.name

    def removed(self, exc: NotFound) -> None:
        """The record was removed by someone else while it was open."""
        self.notify(str(exc), severity="error")

    # --- changes --------------------------------------------------------------------

    def mark_clean(self) -> None:
        self._initial = self.raw()

    @property
    def dirty(self) -> bool:
        return self._initial is not None and self.raw() != self._initial

    # --- fields -----------------------------------------------------------------------

    def input_row(
        self, field: str, value: str, parse: Callable[[str], Any] | None = None, *,
        classes: str | None = "wide", max_length: int = 0,
    ) -> ComposeResult:
        """The field's label and input (checked by `parse` as it is typed), and
        the line under it for the reason (unless the form has one ERROR_LINE)."""
        input_id = self.input_id(field)
        with Horizontal(classes="row"):
            yield Label(form_label(field), classes="label")
            yield Input(
                value, id=input_id, classes=classes, compact=True, max_length=max_length,
                validators=[FieldValidator(parse)] if parse else None, validate_on=VALIDATE_ON,
            )
        if not self.ERROR_LINE:
            yield Static("", id=f"{input_id}-error", classes="error", markup=False)

    # --- errors -----------------------------------------------------------------------

    def input_id(self, field: str) -> str:
        return self.ID_PREFIX + self.INPUT_OF.get(field, field)

    def show_error(self, field: str, message: str | None) -> None:
        """Show `message` on the field's error line (None or "" hides it)."""
        line_id = self.ERROR_LINE or f"{self.input_id(field)}-error"
        found = self.query(f"#{line_id}").results(Static)
        line = next(iter(found), None)
        if line is None:
            return
        text = (f"{field_label(field)}: {message}" if self.ERROR_LINE else message) if message else ""
        if getattr(line, "_shown_text", None) == text:
            return  # unchanged: spare the layout pass
        line._shown_text = text
        line.update(text)
        line.set_class(bool(text), "shown")

    def show_errors(self, errors: list[FieldError]) -> None:
        for error in errors:
            self.show_error(error.field, error.message)

    def refused(self, errors: list[FieldError]) -> None:
        """Not saved: say why, under the fields and in a notification, and go to the first."""
        self.show_errors(errors)
        self.notify("Not saved: " + "; ".join(error_text(e) for e in errors[:3]), severity="error", timeout=8)
        for box in self.query(f"#{self.input_id(errors[0].field)}"):
            box.focus()

    @on(Input.Changed)
    def _checked(self, event: Input.Changed) -> None:
        """Each field's reason shows as it is typed (its validators ran)."""
        box = event.input
        result = event.validation_result
        if result is None or not (box.id or "").startswith(self.ID_PREFIX):
            return
        if self.ERROR_LINE and result.is_valid:
            # One line for all: another field still wrong keeps saying why.
            for other in self.query(Input).filter(".-invalid"):
                reason = other.validate(other.value)
                if other is not box and reason is not None and not reason.is_valid:
                    box, result = other, reason
                    break
        self.show_error(box.id.removeprefix(self.ID_PREFIX), None if result.is_valid else "; ".join(result.failure_descriptions))

    # --- saving ------------------------------------------------------------------------

    def action_save(self) -> None:
        draft, errors = self.read()
        if errors:
            self.refused(errors)
            return
        self.save_draft(draft, self.version)

    def save_draft(self, draft: Any, version: int | None) -> None:
        try:
            saved = self.write(draft, version)
        except Conflict as exc:
            self._conflict(draft, exc)
            return
        except NotFound as exc:
            self.removed(exc)
            return
        except FieldError as exc:
            self.refused([exc])
            return
        except StoreError as exc:
            self.notify(str(exc), severity="error", timeout=10)
            return
        self.mark_clean()
        self.notify(self.saved_message(saved))
        self.dismiss(saved.id)

    def _conflict(self, draft: Any, exc: Conflict) -> None:
        current = exc.current

        def decided(choice: str | None) -> None:
            self.version = current.version
            if choice == "mine":
                self.save_draft(draft, current.version)
            elif choice == "theirs":
                self.load(current)
                self.call_after_refresh(self.mark_clean)
                self.notify("Loaded what they saved.")
            else:
                save = key_for(self, "save") or "ctrl+s"
                self.notify(f"Your changes are still here. {save} saves them over the other save.", timeout=6)

        rows = self.conflict_rows(draft, exc)
        self.app.push_screen(ConflictScreen(self.record_name(current), rows, self.WHAT), decided)

    def action_leave(self) -> None:
        """Escape: leave at once, or ask first when there are unsaved changes."""
        if not (self.CONFIRM_LEAVE and self.dirty):
            self.dismiss(None)
            return

        def decided(choice: str | None) -> None:
            if choice == "discard":
                self.dismiss(None)
            elif choice == "save":
                self.action_save()

        self.app.push_screen(unsaved_changes(), decided)


class FormScreen(FormBase, PackdeskScreen):
    """A form that fills the screen; dismisses with the saved id (None: left)."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="save", tooltip="save"),
        Binding("escape", "leave", "Back", id="back", tooltip="back (asks first if there are unsaved changes)"),
        key_help_f1(),
        Binding("tab", "app.focus_next", "Next field", show=False, id="next_field", tooltip="next field"),
        Binding("shift+tab", "app.focus_previous", "Previous field", show=False, id="previous_field", tooltip="previous field"),
    ]

    def on_mount(self) -> None:
        self.mounted()
        self.mark_clean()

    def mounted(self) -> None:
        """Focus and first figures, before the fields count as unchanged."""


class FormDialog(FormBase, ModalScreen):
    """A small form in a dialog: ctrl+s or enter saves, escape or Cancel
    leaves with None (without asking); `save_buttons` ends its compose."""

    CONFIRM_LEAVE = False

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="save"),
        Binding("escape", "leave", "Cancel", id="cancel"),
    ]

    def save_buttons(self) -> ComposeResult:
        with Horizontal(classes="dialog-buttons"):
            yield Button(Text("Save [ctrl+s]"), id="save", variant="primary", compact=True)
            yield Button(Text("Cancel [esc]"), id="cancel", compact=True)

    def on_input_submitted(self) -> None:
        self.action_save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.dismiss(None)
