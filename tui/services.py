"""Upstream services: the provider services packages switch on."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Static

from billing.catalogue import FieldError, parse_service_name
from store import services as store
from store.packages import StoreError

from .dialogs import HelpScreen, PromptScreen, confirm
from .widgets import PagedTable, TitleBar


def _check_name(name: str, _description: str) -> str | None:
    try:
        if parse_service_name(name, "name") is None:
            return "name is required"
    except FieldError as exc:
        return str(exc)
    return None


class ServicesScreen(Screen):
    BINDINGS = [
        Binding("n", "new", "New", id="new"),
        Binding("d", "remove", "Remove", id="remove"),
        Binding("escape", "back", "Back", id="back"),
        Binding("question_mark", "help", "Help", show=False, id="help"),
        Binding("f1", "help", "Help", show=False, id="help_f1"),
    ]

    def compose(self) -> ComposeResult:
        yield TitleBar("packdesk · Upstream services")
        yield PagedTable(id="services")
        yield Static("Provider services your packages re-brand and switch on.", classes="status")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        table = self.query_one(PagedTable)
        table.add_column("Name", key="name", width=22)
        table.add_column("Packages", key="packages", width=8)
        table.add_column("Description", key="description", width=40)
        self.reload()
        table.focus()

    def reload(self, keep: int | None = None) -> None:
        table = self.query_one(PagedTable)
        table.clear()
        self.rows = store.list_services()
        for row in self.rows:
            table.add_row(row.name, str(row.packages), row.description, key=str(row.id))
        if keep is not None:
            for index, row in enumerate(self.rows):
                if row.id == keep:
                    table.move_cursor(row=index)

    def current(self):
        table = self.query_one(PagedTable)
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def action_new(self) -> None:
        def done(result):
            if result is None:
                return
            try:
                row = store.add_service(*result)
            except FieldError as exc:
                self.notify(str(exc), severity="error")
                return
            self.notify(f"Added '{row.name}'.")
            self.reload(keep=row.id)

        self.app.push_screen(PromptScreen("New upstream service", error_for=_check_name), done)

    @on(PagedTable.RowSelected)
    def _edit(self) -> None:
        row = self.current()
        if row is None:
            return

        def done(result):
            if result is None:
                return
            try:
                store.rename_service(row.id, *result)
            except FieldError as exc:
                self.notify(str(exc), severity="error")
                return
            self.notify("Saved.")
            self.reload(keep=row.id)

        self.app.push_screen(PromptScreen("Edit upstream service", row.name, row.description, _check_name), done)

    def action_remove(self) -> None:
        row = self.current()
        if row is None:
            return

        def done(choice):
            if choice != "yes":
                return
            try:
                store.remove_service(row.id)
            except StoreError as exc:
                self.notify(str(exc), severity="error", timeout=8)
                return
            self.notify(f"Removed '{row.name}'.")
            self.reload()

        self.app.push_screen(confirm("Remove upstream service", f"Remove '{row.name}'?", "Remove", danger=True), done)

    def action_back(self) -> None:
        self.dismiss(None)

    def action_help(self) -> None:
        self.app.push_screen(
            HelpScreen(
                "Upstream services",
                "The list of provider services a package can switch on. A service that packages use can't be removed.",
                [("n", "add a service"), ("enter", "rename or describe it"), ("d", "remove it"), ("escape", "back")],
            )
        )
