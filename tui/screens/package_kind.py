"""The package form's kind (billing.package_kind): its type, and for a
free-minutes package the destinations it covers and the minutes each unit
gives a period, with the live panel's line saying what the bundle gives."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Select

from billing.catalogue import FieldError, PackageDraft, parse_money
from billing.destinations import format_destinations, parse_destinations
from billing.labels import field_label, form_label
from billing.money import format_money
from billing.package_kind import FREE_MINUTES, RECURRING, parse_free_minutes
from billing.schedule import Frequency
from store.package_kind import KIND

from ..bundles import named_prefixes, per_period
from ..legible import error_style

TYPE_OPTIONS = [("recurring", RECURRING), ("free minutes", FREE_MINUTES)]
TYPE_LABELS = {value: label for label, value in TYPE_OPTIONS}


def kind_texts(draft: PackageDraft | None) -> dict[str, str]:
    """The text the destinations and free minutes fields start with."""
    if draft is None or draft.type != FREE_MINUTES:
        return {"destinations": "", "free_minutes": ""}
    return {"destinations": format_destinations(draft.destinations or ()), "free_minutes": str(draft.free_minutes)}


class PackageKindFields:
    """Part of the package form: the Type drop-down, and the destinations and
    free minutes rows shown only for a free-minutes package."""

    def kind_rows(self, draft: PackageDraft | None) -> ComposeResult:
        texts = kind_texts(draft)
        with Horizontal(classes="row"):
            yield Label(form_label("type"), classes="label")
            kind = (draft.type if draft else None) or RECURRING
            yield Select(TYPE_OPTIONS, value=kind, allow_blank=False, id="type", compact=True)
        with Vertical(id="bundle-rows"):
            yield from self.input_row("destinations", texts["destinations"], parse_destinations, max_length=2000)
            yield from self.input_row("free_minutes", texts["free_minutes"], parse_free_minutes, classes="money", max_length=12)

    def kind(self) -> str:
        return FREE_MINUTES if self.query_one("#type", Select).value == FREE_MINUTES else RECURRING

    def kind_raw(self) -> dict[str, str]:
        """The kind's fields as typed; a recurring package has no destinations
        or minutes (what the hidden fields hold stays for a switch back)."""
        kind = self.kind()
        bundle = kind == FREE_MINUTES
        return {
            "type": kind,
            "destinations": self.query_one("#destinations", Input).value if bundle else "",
            "free_minutes": self.query_one("#free_minutes", Input).value if bundle else "",
        }

    def sync_bundle_rows(self) -> None:
        self.query_one("#bundle-rows").display = self.kind() == FREE_MINUTES

    def bundle_text(self, raw: dict[str, str], errors: list[FieldError], precision: int) -> Text:
        """The panel's first line for a free-minutes package (nothing for a
        recurring one): its minutes a period per unit, to which destinations,
        and its retail."""
        text = Text()
        if raw["type"] != FREE_MINUTES:
            return text
        text.append("Bundle: ", style="bold")
        wrong = [e for e in errors if e.field in KIND]
        period = per_period(Frequency(raw["frequency"]))
        if not raw["destinations"].strip():
            text.append("type the destinations it covers (^44|^91|^1 or 44 91 1) and its minutes")
        elif wrong:
            text.append(f"fix the {field_label(wrong[0].field)} (in red) to see what it gives", style=error_style(self.app))
        elif period is None:
            text.append("no minutes: a package that never recurs has no periods to give them in (pick a frequency)",
                        style=error_style(self.app))
        else:
            minutes = parse_free_minutes(raw["free_minutes"])
            text.append(f"{minutes:,} min {period} per unit to {named_prefixes(parse_destinations(raw['destinations']))} x quantity")
            try:
                text.append(f"; retail {format_money(parse_money('retail', raw['retail']), precision)} {period}")
            except FieldError:
                pass
        text.append("\n\n")
        return text

    def show_kind(self, field: str, value: Any) -> str | None:
        """A kind field's value as the conflict dialog shows it (None: not a kind field)."""
        if field == "type":
            return TYPE_LABELS.get(value, str(value))
        if field == "destinations":
            return format_destinations(value or ()) or "(none)"
        return None

    def put_kind(self, field: str, value: Any) -> None:
        """Put someone else's value of a kind field into the form."""
        if field == "type":
            self.query_one("#type", Select).value = value or RECURRING
        elif field == "destinations":
            self.query_one("#destinations", Input).value = format_destinations(value or ())
        elif field == "free_minutes":
            self.query_one("#free_minutes", Input).value = str(value) if value else ""
