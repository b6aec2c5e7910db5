"""Upstream services: the provider services packages switch on."""

from __future__ import annotations

from typing import Callable

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Footer, Input, Label, Static

from billing.catalogue import FieldError, parse_service_name
from store.services import ServiceRow, add_service, list_services, removal_refusal, remove_service, rename_service

from ..widgets.title_bar import TitleBar
from .base import key_back, key_help_f1, key_new, key_remove
from .form import FormDialog
from .paged_list import PagedListScreen


class PromptScreen(FormDialog):
    """A name and a description (an upstream service); `save(name, description)`
    writes them and gives the saved row."""

    ID_PREFIX = "prompt-"
    ERROR_LINE = "prompt-error"

    def __init__(self, title: str, save: Callable[[str, str], ServiceRow], name: str = "", description: str = ""):
        super().__init__()
        self.title_text = title
        self.save = save
        self.initial = (name, description)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            yield from self.input_row("name", self.initial[0], classes=None, max_length=40)
            yield Static("", id="prompt-error", classes="error", markup=False)
            yield from self.input_row("description", self.initial[1], classes=None, max_length=200)
            yield from self.save_buttons()

    def read(self) -> tuple[tuple[str, str] | None, list[FieldError]]:
        name = self.query_one("#prompt-name", Input).value
        description = self.query_one("#prompt-description", Input).value
        try:
            if parse_service_name(name, "name") is None:
                raise FieldError("name", "is required")
        except FieldError as exc:
            return None, [exc]
        return (name, description), []

    def write(self, values: tuple[str, str], version: int | None) -> ServiceRow:
        return self.save(*values)

    def saved_message(self, saved: ServiceRow) -> str:
        return f"Saved '{parse_service_name(self.query_one('#prompt-name', Input).value, 'name')}'."


class ServicesScreen(PagedListScreen):
    BINDINGS = [
        key_new("add a service"),
        key_remove("remove the service (not one a package uses)"),
        key_back(),
        key_help_f1(show=False),
    ]

    HELP_TITLE = "Upstream services"
    HELP_ABOUT = "The list of provider services a package can switch on. A service that packages use can't be removed."
    KEY_HELP = {"open": "rename or describe the service"}

    TABLE_ID = "services"
    COLUMNS = (
        ("name", "Name", 22, False, 1), ("packages", "Packages", 8, False),
        ("description", "Description", 40, False, 2),
    )
    PAGE = None  # a short list, read whole
    EMPTY = "No upstream service here. Press {new} to add one."

    def compose(self) -> ComposeResult:
        yield TitleBar("packdesk · Upstream services")
        yield from self.list_widgets()
        yield Footer(compact=True, show_command_palette=False)

    def fetch(self, after: ServiceRow | None, limit: int | None) -> list[ServiceRow]:
        return list_services()

    def cells(self, row: ServiceRow) -> list:
        return [row.name, str(row.packages), row.description]

    def status_parts(self) -> list[str]:
        return ["Provider services your packages re-brand and switch on."]

    def _saved(self, saved: int | None) -> None:
        if saved is not None:
            self.reload(keep_id=saved)

    def action_new(self) -> None:
        self.app.push_screen(PromptScreen("New upstream service", add_service), self._saved)

    def open_row(self, row: ServiceRow) -> None:
        def save(name: str, description: str) -> ServiceRow:
            rename_service(row.id, name, description)
            return row

        self.app.push_screen(PromptScreen("Edit upstream service", save, row.name, row.description), self._saved)

    def action_remove(self) -> None:
        row = self.current()
        if row is None:
            return
        self.ask_then(
            "Remove upstream service", f"Remove '{row.name}'?", "Remove",
            lambda: remove_service(row.id), lambda _: f"Removed '{row.name}'.",
            refusal=lambda: removal_refusal(row.id),
        )
