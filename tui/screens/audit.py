"""The audit log (f6): every change, newest first, filtered as you type."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer

from store.audit import AuditRow, list_audit

from ..widgets.title_bar import TitleBar
from .base import key_back, key_find
from .paged_list import PagedListScreen


def _change(row: AuditRow) -> str:
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
        "operating-system user), what, and the old and new value. `packdesk export audit` writes it all."
    )

    KEY_HELP = {"open": ""}

    TABLE_ID = "audit"
    COLUMNS = (
        ("at", "When", 16, False), ("by", "Who", 6, False), ("what", "What", 13, False),
        ("field", "Field", 10, False), ("change", "Old -> new", 21, False),
    )
    PAGE = 500
    FILTER = "/ filter: entity, field, who or value"

    def compose(self) -> ComposeResult:
        yield TitleBar("packdesk · Audit log")
        yield from self.list_widgets()
        yield Footer(compact=True, show_command_palette=False)

    def fetch(self, after: AuditRow | None, limit: int) -> list[AuditRow]:
        return list_audit(self.text, after.id if after else None, limit)

    def cells(self, row: AuditRow) -> list:
        what = f"{row.entity} {row.entity_id} {row.action[:3]}"
        return [row.at.replace("T", " ")[:16], row.by, what, row.field or "", _change(row)]

    def status_parts(self) -> list[str]:
        return [f"{len(self.rows)} most recent change(s){' matching ' + repr(self.text) if self.text else ''}"]
