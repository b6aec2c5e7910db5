"""The audit log (f6): every change and every billing run, newest first,
each naming what it is about, filtered as you type."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer

from store.audit_log import LogRow, list_log

from ..widgets.title_bar import TitleBar
from .base import key_back, key_find
from .paged_list import PagedListScreen


def _change(row: LogRow) -> str:
    if row.kind == "run":
        return row.new or ""
    if row.action == "update":
        return f"{row.old if row.old is not None else ''} -> {row.new if row.new is not None else ''}"
    if row.action == "insert":
        return f"= {row.new}"
    return "(removed)"


class AuditScreen(PagedListScreen):
    BINDINGS = [
        key_find("filter: entity, field, who or value"),
        key_back("back (or clear the filter)"),
    ]

    HELP_TITLE = "Audit log"
    HELP_ABOUT = (
        "Every change to packages, customers, allocations, usage and payments: when, who (the "
        "operating-system user), what (with the name of the package or customer), and the old and new "
        "value; and every billing run: its date, the lines it posted, who ran it and whether it finished. "
        "The filter takes what you type literally and finds amounts as shown (178.51). "
        "`packdesk export audit` writes the changes."
    )

    KEY_HELP = {"open": ""}

    TABLE_ID = "audit"
    COLUMNS = (
        ("at", "When", 16, False), ("by", "Who", 6, False), ("what", "What", 17, False, 2),
        ("field", "Field", 10, False), ("change", "Old -> new", 17, False, 2),
    )
    PAGE = 500
    FILTER = "/ filter: entity, field, who or value"

    def compose(self) -> ComposeResult:
        yield TitleBar("packdesk · Audit log")
        yield from self.list_widgets()
        yield Footer(compact=True, show_command_palette=False)

    def fetch(self, after: LogRow | None, limit: int) -> list[LogRow]:
        return list_log(self.text, after, limit)

    def cells(self, row: LogRow) -> list:
        what = f"{row.entity} {row.entity_id} {row.name}".strip()
        field = row.field or ("(import)" if row.action == "insert" else "")
        return [row.at.replace("T", " ")[:16], row.by, what, field, _change(row)]

    def status_parts(self) -> list[str]:
        matching = f" matching {self.text!r}" if self.text else ""
        return [f"{len(self.rows)} most recent change(s) and run(s){matching}"]
