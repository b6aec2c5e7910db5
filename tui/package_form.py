"""Add and edit a package, with the live panel recomputed on every keystroke."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.validation import ValidationResult, Validator
from textual.widgets import Checkbox, Footer, Input, Label, Select, Static

from billing.catalogue import (
    FieldError,
    PackageDraft,
    format_match,
    parse_description,
    parse_minimum_days,
    parse_money,
    parse_name,
    parse_package,
)
from billing.money import format_price
from billing.schedule import Frequency
from store import packages as store
from store.services import service_names

from .dialogs import ConflictScreen, HelpScreen, confirm, leave_form
from .panel import render_panel
from .widgets import DayPicker, Tick, TitleBar

NO_SERVICE = "__none__"

FREQUENCY_OPTIONS = [
    ("none (setup only)", Frequency.NONE.value),
    ("daily", Frequency.DAILY.value),
    ("weekly", Frequency.WEEKLY.value),
    ("monthly", Frequency.MONTHLY.value),
    ("yearly", Frequency.YEARLY.value),
]


class FieldValidator(Validator):
    """Runs one billing/catalogue parser; its message is the reason shown."""

    def __init__(self, parse):
        super().__init__()
        self.parse = parse

    def validate(self, value: str) -> ValidationResult:
        try:
            self.parse(value)
        except FieldError as exc:
            return self.failure(exc.message)
        return self.success()


MIN_SPEND_LABELS = {False: "no", True: "yes (retail is a commitment)"}
VALIDATE_ON = ["changed", "blur", "submitted"]
MONEY_FIELDS = ("retail", "cost", "setup_cost", "setup_retail")
LABELS = {
    "name": "Name",
    "retail": "Retail",
    "cost": "Cost",
    "frequency": "Frequency",
    "frequency_match": "Days",
    "description": "Description",
    "setup_cost": "Setup cost",
    "setup_retail": "Setup retail",
    "upstream_service": "Upstream",
    "minimum_spend": "Min spend",
    "minimum_days": "Min days",
}


def _draft_fields(draft: PackageDraft | None) -> dict[str, str]:
    """The text each field starts with."""
    if draft is None:
        return {"name": "", "retail": "", "cost": "", "setup_cost": "", "setup_retail": "", "description": "", "minimum_days": "0"}
    return {
        "name": draft.name,
        "retail": format_price(draft.retail),
        "cost": format_price(draft.cost),
        "setup_cost": format_price(draft.setup_cost),
        "setup_retail": format_price(draft.setup_retail),
        "description": draft.description,
        "minimum_days": str(draft.minimum_days),
    }


class PackageFormScreen(Screen[int | None]):
    """One form for new and existing packages. Dismisses with the saved id."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="save"),
        Binding("escape", "leave", "Back", id="back"),
        Binding("f1", "help", "Help", id="help"),
    ]

    def __init__(self, package: store.PackageRow | None = None):
        super().__init__()
        self.package = package
        self.version = package.version if package else None
        self._services = service_names()
        self._initial: dict | None = None

    # --- layout -------------------------------------------------------

    def compose(self) -> ComposeResult:
        draft = self.package.draft() if self.package else None
        texts = _draft_fields(draft)
        title = f"Edit package: {self.package.name}" if self.package else "New package"
        yield TitleBar(title, "^p commands  f1 help")
        with Horizontal(id="form-body"):
            with VerticalScroll(id="form"):
                yield from self._input_row("name", texts, parse_name, max_length=80)
                yield from self._input_row("retail", texts, lambda v: parse_money("retail", v), width="money")
                yield from self._input_row("cost", texts, lambda v: parse_money("cost", v), width="money")
                with Horizontal(classes="row"):
                    yield Label(LABELS["frequency"], classes="label")
                    yield Select(
                        FREQUENCY_OPTIONS,
                        value=(draft.frequency.value if draft else Frequency.MONTHLY.value),
                        allow_blank=False,
                        id="frequency",
                        compact=True,
                    )
                frequency = draft.frequency if draft else Frequency.MONTHLY
                with Horizontal(classes="row", id="days-row"):
                    yield Label(LABELS["frequency_match"], classes="label")
                    with Vertical(classes="days"):
                        yield DayPicker(frequency, draft.match if draft else (), id="frequency_match")
                        yield Static("", id="days-hint", classes="hint")
                yield from self._input_row("description", texts, parse_description, max_length=500)
                yield from self._input_row("setup_cost", texts, lambda v: parse_money("setup_cost", v), width="money")
                yield from self._input_row("setup_retail", texts, lambda v: parse_money("setup_retail", v), width="money")
                with Horizontal(classes="row"):
                    yield Label(LABELS["upstream_service"], classes="label")
                    options = [("(none)", NO_SERVICE)] + [(name, name) for name in self._services]
                    current = draft.upstream_service if draft and draft.upstream_service in self._services else NO_SERVICE
                    yield Select(options, value=current, allow_blank=False, id="upstream_service", compact=True)
                with Horizontal(classes="row"):
                    yield Label(LABELS["minimum_spend"], classes="label")
                    yield Tick(
                        MIN_SPEND_LABELS[bool(draft and draft.minimum_spend)],
                        value=bool(draft and draft.minimum_spend),
                        id="minimum_spend",
                        compact=True,
                    )
                yield from self._input_row("minimum_days", texts, parse_minimum_days, width="money")
            yield Static(id="panel")
        yield Footer(compact=True, show_command_palette=False)

    def _input_row(self, key: str, texts: dict, parse, *, width: str = "wide", max_length: int = 20):
        with Horizontal(classes="row"):
            yield Label(LABELS[key], classes="label")
            yield Input(
                texts.get(key, ""),
                id=key,
                classes=width,
                compact=True,
                max_length=max_length,
                validators=[FieldValidator(parse)],
                validate_on=VALIDATE_ON,
            )
        yield Static("", id=f"{key}-error", classes="error", markup=False)

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()
        self._sync_days_row()
        self.refresh_panel()
        self._initial = self._raw()

    # --- reading the form ---------------------------------------------

    def _raw(self) -> dict[str, str]:
        raw = {key: self.query_one(f"#{key}", Input).value for key in ("name", "retail", "cost", "setup_cost", "setup_retail", "description", "minimum_days")}
        frequency = Frequency(self.query_one("#frequency", Select).value)
        raw["frequency"] = frequency.value
        raw["frequency_match"] = format_match(self.query_one(DayPicker).days, frequency)
        service = self.query_one("#upstream_service", Select).value
        raw["upstream_service"] = "" if service in (NO_SERVICE, Select.NULL) else str(service)
        raw["minimum_spend"] = "yes" if self.query_one("#minimum_spend", Checkbox).value else "no"
        return raw

    def read(self) -> tuple[PackageDraft | None, list[FieldError]]:
        return parse_package(self._raw())

    @property
    def dirty(self) -> bool:
        return self._initial is not None and self._raw() != self._initial

    # --- live updates -------------------------------------------------

    def refresh_panel(self) -> None:
        draft, errors = self.read()
        billing_errors = [e for e in errors if e.field not in ("name", "description", "upstream_service")]
        terms = None
        if draft is not None:
            terms = draft.terms()
        elif not billing_errors:
            # Only non-billing fields are wrong: the charges are still known.
            raw = self._raw()
            raw["name"] = "x"
            raw["description"] = ""
            raw["upstream_service"] = ""
            partial, _ = parse_package(raw)
            terms = partial.terms() if partial else None
        app = self.app
        # The panel's size is fixed by the stylesheet: no layout pass needed.
        self.query_one("#panel", Static).update(
            render_panel(terms, billing_errors, app.today, app.book.settings.precision, app.book.settings.currency),
            layout=False,
        )

    def _show_error(self, key: str, message: str | None) -> None:
        try:
            error = self.query_one(f"#{key}-error", Static)
        except Exception:
            return
        text = message or ""
        if getattr(error, "_shown_text", None) == text:
            return  # unchanged: spare the layout pass
        error._shown_text = text
        error.update(text)
        error.set_class(bool(text), "shown")

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        result = event.validation_result
        if result is not None and event.input.id:
            self._show_error(event.input.id, None if result.is_valid else "; ".join(result.failure_descriptions))
        self.refresh_panel()

    @on(Select.Changed, "#frequency")
    def _frequency_changed(self, event: Select.Changed) -> None:
        picker = self.query_one(DayPicker)
        if event.value != Select.NULL:
            picker.frequency = Frequency(event.value)
        self._sync_days_row()
        self.refresh_panel()

    @on(Select.Changed, "#upstream_service")
    def _other_changed(self) -> None:
        self.refresh_panel()

    @on(Checkbox.Changed)
    def _minimum_spend_changed(self, event: Checkbox.Changed) -> None:
        event.checkbox.label = MIN_SPEND_LABELS[event.value]
        self.refresh_panel()

    @on(DayPicker.Changed)
    def _days_changed(self) -> None:
        self._sync_days_row()
        self.refresh_panel()

    def _sync_days_row(self) -> None:
        picker = self.query_one(DayPicker)
        frequency = picker.frequency
        row = self.query_one("#days-row")
        row.display = frequency in (Frequency.WEEKLY, Frequency.MONTHLY)
        hint = self.query_one("#days-hint", Static)
        if not picker.days:
            what = "weekday" if frequency is Frequency.WEEKLY else "day of the month"
            hint.update(f"none = the start's {what}")
        else:
            hint.update("type a day, space picks")

    # --- actions ------------------------------------------------------

    def action_save(self) -> None:
        draft, errors = self.read()
        if errors:
            for error in errors:
                key = "frequency_match" if error.field == "match" else error.field
                self._show_error(key, error.message)
            fields = ", ".join(LABELS.get(e.field, e.field).lower() for e in errors)
            self.notify(f"Not saved: fix {fields}.", severity="error")
            first = errors[0].field
            try:
                self.query_one(f"#{first}").focus()
            except Exception:
                pass
            return
        self._write(draft, self.version)

    def _write(self, draft: PackageDraft, version: int | None) -> None:
        try:
            if self.package is None:
                saved = store.create_package(draft)
            else:
                saved = store.update_package(self.package.id, version, draft)
        except store.NameTaken as exc:
            self._show_error("name", exc.message)
            self.notify(f"Not saved: {exc.message}.", severity="error")
            self.query_one("#name", Input).focus()
            return
        except FieldError as exc:
            self._show_error(exc.field, exc.message)
            self.notify(f"Not saved: {exc}.", severity="error")
            return
        except store.Conflict as exc:
            self._conflict(draft, exc)
            return
        except store.NotFound as exc:
            self.package = None
            self.version = None
            self.query_one("#title", Static).update("New package (the one you edited was deleted)")
            self.notify(str(exc), severity="warning", timeout=8)
            return
        self._initial = self._raw()
        self.notify(f"Saved '{saved.name}'.")
        self.dismiss(saved.id)

    def _conflict(self, draft: PackageDraft, exc: store.Conflict) -> None:
        current = exc.current

        def show(value) -> str:
            if isinstance(value, tuple):
                return format_match(value, current.frequency) or "(start's)"
            if isinstance(value, bool):
                return "yes" if value else "no"
            if hasattr(value, "value"):
                return value.value
            if value is None:
                return ""
            try:
                return format_price(value) if not isinstance(value, (str, int)) else str(value)
            except Exception:
                return str(value)

        rows = [(f, show(mine), show(theirs)) for f, mine, theirs in exc.differences]

        def decided(choice: str | None) -> None:
            if choice == "mine":
                self._write(draft, current.version)
            elif choice == "theirs":
                self._reload(current)
            else:
                self.version = current.version
                self.notify("Your changes are still here. ctrl+s saves them over the other save.", timeout=6)

        self.app.push_screen(ConflictScreen(current.name, rows), decided)

    def _reload(self, current: store.PackageRow) -> None:
        self.package = current
        self.version = current.version
        draft = current.draft()
        texts = _draft_fields(draft)
        for key, value in texts.items():
            self.query_one(f"#{key}", Input).value = value
        self.query_one("#frequency", Select).value = draft.frequency.value
        picker = self.query_one(DayPicker)
        picker.frequency = draft.frequency
        picker.set_days(draft.match)
        service = draft.upstream_service if draft.upstream_service in self._services else NO_SERVICE
        self.query_one("#upstream_service", Select).value = service
        checkbox = self.query_one("#minimum_spend", Checkbox)
        checkbox.value = draft.minimum_spend
        checkbox.label = MIN_SPEND_LABELS[draft.minimum_spend]
        self._sync_days_row()
        self.refresh_panel()
        self.call_after_refresh(self._mark_clean)
        self.notify("Loaded what they saved.")

    def _mark_clean(self) -> None:
        self._initial = self._raw()

    def action_leave(self) -> None:
        leave_form(self)

    def action_help(self) -> None:
        self.app.push_screen(
            HelpScreen(
                "Package form",
                "Fields validate as you type; the reason stands under a field in red. "
                "The panel on the right shows what one unit allocated today would be charged, "
                "recomputed on every keystroke. Tab moves between fields.",
                [
                    ("tab / shift+tab", "next / previous field"),
                    ("ctrl+s", "save the package"),
                    ("escape", "back to the list (asks first if there are unsaved changes)"),
                    ("enter", "open a drop-down (frequency, upstream service)"),
                    ("space", "pick a day (in Days), tick minimum spend"),
                    ("arrows", "move between days in Days"),
                    ("c", "clear the picked days"),
                    ("ctrl+p", "command palette"),
                    ("ctrl+q", "quit packdesk"),
                ],
            )
        )


__all__ = ["PackageFormScreen", "confirm"]
