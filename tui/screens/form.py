"""The base of every form: fields checked as they are typed, save in a thread
with the version check (someone else saved first: merged field by field,
only fields both changed are asked about), and the unsaved-changes question
on escape (and ctrl+q). FormScreen is a full-screen form, FormDialog a small
one in a dialog."""

from __future__ import annotations

import asyncio
from time import monotonic
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
from store.errors import DATABASE_ERRORS, Conflict, NotFound, StoreError, explain

from ..validators import VALIDATE_ON, FieldValidator, error_text
from ..widgets.field import Field
from ..widgets.title_bar import TitleBar
from .base import PackdeskScreen, key_help_f1, refuse_if_read_only
from .dialogs import unsaved_changes
from .form_merge import MergeOnConflict
from .values import show_value

__all__ = ["FormBase", "FormDialog", "FormScreen", "show_value"]


#: After this long a save says it waits for the book; the book's busy timeout.
WAIT_NOTE_S = 0.5
BUSY_TIMEOUT_S = 15


class FormBase(MergeOnConflict, Screen):
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
    saving: bool = False

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
            yield Field(
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

    async def action_save(self) -> bool:
        """ctrl+s: check the fields, then save; True when saved (the form has closed)."""
        if self.saving:
            self.notify("Still saving: wait a moment.", severity="warning")
            return False
        if refuse_if_read_only(self, "save"):  # enter or a Save button, not only the key
            return False
        draft, errors = self.read()
        if errors:
            self.refused(errors)
            return False
        return await self.save_draft(draft, self.version)

    async def save_draft(self, draft: Any, version: int | None, kept: str = "") -> bool:
        """Write `draft` in a thread (the screen stays live; a wait for the book
        is shown), then close the form; on any refusal the form stays as typed
        and says why. True when saved."""
        try:
            saved = await self._write(draft, version)
        except Conflict as exc:
            return await self._conflict(draft, exc)
        except NotFound as exc:
            self.removed(exc)
            return False
        except FieldError as exc:
            self.refused([exc])
            return False
        except StoreError as exc:
            self.notify(str(exc), severity="error", timeout=10)
            return False
        except DATABASE_ERRORS as exc:
            self.notify(f"Not saved: {explain(exc)}. What you typed is still here.", severity="error", timeout=15)
            return False
        self.mark_clean()
        self.notify(self.saved_message(saved) + kept, timeout=8 if kept else 3)
        self.dismiss(saved.id)
        return True

    async def _write(self, draft: Any, version: int | None) -> Any:
        self.saving = True
        started = monotonic()
        timer = self.set_interval(WAIT_NOTE_S, lambda: self.show_wait(monotonic() - started))
        try:
            return await asyncio.to_thread(self.write, draft, version)
        finally:
            timer.stop()
            self.saving = False
            self.show_wait(None)

    def show_wait(self, waited: float | None) -> None:
        """Say that the save waits for the book (None: it no longer does)."""
        text = None
        if waited is not None:
            text = f"saving… the book is busy ({waited:.0f} s of up to {BUSY_TIMEOUT_S} s)"
        for bar in self.query(TitleBar):
            bar.note(text)
            return
        for button in self.query("#save").results(Button):
            button.label = Text(f"Saving… {waited:.0f} s" if text else "Save [ctrl+s]")

    # --- leaving ------------------------------------------------------------------------

    def action_leave(self) -> None:
        """Escape: leave at once, or ask first when there are unsaved changes."""
        if not (self.CONFIRM_LEAVE and self.dirty):
            self.dismiss(None)
            return
        self.ask_unsaved()

    def ask_unsaved(self, quitting: bool = False) -> None:
        """Save, discard or keep editing? Quitting: after save or discard, packdesk ends."""

        async def decided(choice: str | None) -> None:
            if choice == "discard":
                if quitting:
                    self.app.exit()
                else:
                    self.dismiss(None)
            elif choice == "save":
                if await self.action_save() and quitting:
                    self.app.exit()

        self.app.push_screen(unsaved_changes(quitting), decided)


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

    async def on_input_submitted(self) -> None:
        await self.action_save()

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            await self.action_save()
        elif not self.saving:
            self.dismiss(None)
