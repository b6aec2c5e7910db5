"""Add and edit a package, with the live panel recomputed on every keystroke."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
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
from billing.labels import form_label
from billing.charges import with_prices
from billing.money import format_price
from billing.package_kind import read_package
from billing.prices import price_effect, prices_differ, terms_with_change, version_of
from billing.schedule import Frequency
from store.errors import NotFound
from store import prices
from store.package_kind import KIND
from store.packages import DRAFT_FIELDS, PackageRow, create_package, update_package
from store.services import service_names

from ..legible import error_style
from ..validators import date_parser
from ..widgets.day_picker import DayPicker
from ..widgets.panel import render_panel
from ..widgets.tick import Tick
from ..widgets.title_bar import FORM_HINT, TitleBar
from .form import FormScreen, show_value
from .package_kind import PackageKindFields

NO_SERVICE = "__none__"
FREQUENCY_OPTIONS = [
    ("none (setup only)", Frequency.NONE.value),
    ("daily", Frequency.DAILY.value),
    ("weekly", Frequency.WEEKLY.value),
    ("monthly", Frequency.MONTHLY.value),
    ("yearly", Frequency.YEARLY.value),
]
MIN_SPEND_LABELS = {False: "no", True: "yes (retail is a commitment)"}
TEXT_FIELDS = ("name", "retail", "cost", "setup_cost", "setup_retail", "description", "minimum_days")
MONEY_FIELDS = ("retail", "cost", "setup_cost", "setup_retail")
#: A draft's attribute -> the form's field, where they differ (and back).
FIELD_OF = {"match": "frequency_match"}
ATTRIBUTE_OF = {v: k for k, v in FIELD_OF.items()}
#: Errors of these fields don't stop the panel's figures (the kind's are the bundle line's).
NOT_BILLING = ("name", "description", "upstream_service", *KIND)
#: The fields a save merges one by one with someone else's: the package's and its kind's.
MERGED_FIELDS = (*DRAFT_FIELDS, *KIND)


def _draft_fields(draft: PackageDraft | None) -> dict[str, str]:
    """The text each field starts with."""
    if draft is None:
        return {key: "" for key in TEXT_FIELDS} | {"minimum_days": "0"}
    return {
        "name": draft.name,
        "retail": format_price(draft.retail),
        "cost": format_price(draft.cost),
        "setup_cost": format_price(draft.setup_cost),
        "setup_retail": format_price(draft.setup_retail),
        "description": draft.description,
        "minimum_days": str(draft.minimum_days),
    }


class PackageFormScreen(PackageKindFields, FormScreen):
    """One form for new and existing packages. Dismisses with the saved id."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="save", tooltip="save the package"),
        Binding("escape", "leave", "Back", id="back", tooltip="back to the list (asks first if there are unsaved changes)"),
    ]

    HELP_TITLE = "Package form"
    HELP_ABOUT = (
        "Fields validate as you type; the reason stands under a field in red. The panel on the right "
        "shows what one unit allocated today would be charged, recomputed on every keystroke. "
        "Frequency and upstream service are drop-downs; Days is a grid of the days picked "
        "(none picked: the start's day). Prices have versions: when a price of a package that has "
        "allocations changes, 'From' asks when the new prices take effect (t today, +N in N days), and "
        "the panel shows the next charges of its allocations before and after. Posted lines never change. "
        "Type 'free minutes' makes the package a bundle: its destinations (prefixes, ^44|^91|^1 or 44 91 1) "
        "and the minutes each unit gives a period (an allocation may give its own); the panel says what it gives."
    )
    WHAT = "package"
    INPUT_OF = {"match": "frequency_match"}
    #: A frequency and its days; a package's kind (the minutes and destinations only mean something together with it).
    MERGE_TOGETHER = (("frequency", "frequency_match"), KIND)

    def __init__(self, package: PackageRow | None = None):
        super().__init__()
        self.package = package
        self.version = package.version if package else None
        self._services = service_names()
        self._versions = prices.history(package.id) if package else []
        self._allocated = package is not None and prices.has_allocations(package.id)
        self._effect_of: dict = {}  # effective date -> (allocations, their count, lines posted since)

    # --- layout -------------------------------------------------------

    def compose(self) -> ComposeResult:
        draft = self.package.draft() if self.package else None
        texts = _draft_fields(draft)
        title = f"Edit package: {self.package.name}" if self.package else "New package"
        yield TitleBar(title, FORM_HINT)
        with Horizontal(id="form-body"):
            with VerticalScroll(id="form"):
                yield from self.input_row("name", texts["name"], parse_name, max_length=80)
                yield from self._money_row("retail", texts)
                yield from self._money_row("cost", texts)
                with Horizontal(classes="row"):
                    yield Label(form_label("frequency"), classes="label")
                    yield Select(
                        FREQUENCY_OPTIONS,
                        value=(draft.frequency.value if draft else Frequency.MONTHLY.value),
                        allow_blank=False,
                        id="frequency",
                        compact=True,
                    )
                frequency = draft.frequency if draft else Frequency.MONTHLY
                with Horizontal(classes="row", id="days-row"):
                    yield Label(form_label("frequency_match"), classes="label")
                    with Vertical(classes="days"):
                        yield DayPicker(frequency, draft.match if draft else (), id="frequency_match")
                        yield Static("", id="days-hint", classes="hint")
                yield from self.input_row("description", texts["description"], parse_description, max_length=500)
                yield from self._money_row("setup_cost", texts)
                yield from self._money_row("setup_retail", texts)
                with Vertical(id="effective-row"):
                    today = self.app.today
                    yield from self.input_row("effective_from", today.isoformat(), date_parser("effective_from", today, True), max_length=12)
                with Horizontal(classes="row"):
                    yield Label(form_label("upstream_service"), classes="label")
                    options = [("(none)", NO_SERVICE)] + [(name, name) for name in self._services]
                    current = draft.upstream_service if draft and draft.upstream_service in self._services else NO_SERVICE
                    yield Select(options, value=current, allow_blank=False, id="upstream_service", compact=True)
                with Horizontal(classes="row"):
                    yield Label(form_label("minimum_spend"), classes="label")
                    spend = bool(draft and draft.minimum_spend)
                    yield Tick(MIN_SPEND_LABELS[spend], value=spend, id="minimum_spend", compact=True)
                yield from self.input_row("minimum_days", texts["minimum_days"], parse_minimum_days, classes="money", max_length=20)
                # The package's kind last: a free-minutes bundle is a package with charges, and minutes besides.
                yield from self.kind_rows(draft)
            yield Static(id="panel")
        yield Footer(compact=True, show_command_palette=False)

    def _money_row(self, field: str, texts: dict[str, str]) -> ComposeResult:
        yield from self.input_row(field, texts[field], lambda text: parse_money(field, text), classes="money", max_length=20)

    def mounted(self) -> None:
        self.query_one("#name", Input).focus()
        self.query_one("#free_minutes", Input).placeholder = "per unit"
        self._sync_days_row()
        self.sync_bundle_rows()
        # The panel's error text is drawn in the theme's colour: a new theme redraws it.
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.refresh_panel())
        self.refresh_panel()

    # --- reading the form ---------------------------------------------

    def raw(self) -> dict[str, str]:
        raw = {key: self.query_one(f"#{key}", Input).value for key in TEXT_FIELDS}
        frequency = Frequency(self.query_one("#frequency", Select).value)
        raw["frequency"] = frequency.value
        raw["frequency_match"] = format_match(self.query_one(DayPicker).days, frequency)
        service = self.query_one("#upstream_service", Select).value
        raw["upstream_service"] = "" if service in (NO_SERVICE, Select.NULL) else str(service)
        raw["minimum_spend"] = "yes" if self.query_one("#minimum_spend", Checkbox).value else "no"
        return raw | self.kind_raw()

    def read(self) -> tuple[PackageDraft | None, list[FieldError]]:
        draft, errors = read_package(self.raw())
        if self._asks_when(draft):
            try:
                self._effective()
            except FieldError as exc:
                errors.append(exc)
        return draft, errors

    # --- price versions ------------------------------------------------

    def _asks_when(self, draft: PackageDraft | None) -> bool:
        """A price of a package with allocations changed: from when?"""
        return draft is not None and self._allocated and self.package is not None and prices_differ(draft, self.package)

    def _effective(self):
        return date_parser("effective_from", self.app.today, True)(self.query_one("#effective_from", Input).value)

    def _change(self, draft: PackageDraft | None):
        """What the change does to the allocations' next charges (None: no change asked)."""
        shown = self._asks_when(draft)
        self.query_one("#effective-row").display = shown
        if not shown:
            return None
        try:
            day = self._effective()
        except FieldError:
            return None
        if day not in self._effect_of:
            allocations, total = prices.allocations_of(self.package.id, day)
            self._effect_of[day] = (allocations, total, prices.posted_since(self.package.id, day))
        allocations, total, posted = self._effect_of[day]
        before = with_prices(self.package.terms(), self._versions)
        after = terms_with_change(draft.terms(), self._versions, version_of(draft, day))
        effect = price_effect(before, after, allocations, day, self.app.book.settings.precision)
        return effect, total, posted

    def _priced(self, draft: PackageDraft | None, terms):
        """The terms the panel's next charges use: the package's price
        versions, with the typed prices from the date asked (or, on a package
        without allocations, in place of the old ones)."""
        if terms is None or not self._versions:
            return terms
        if self._asks_when(draft):
            try:
                return terms_with_change(terms, self._versions, version_of(draft, self._effective()))
            except FieldError:
                return terms
        if draft is not None and prices_differ(draft, self.package):
            return terms
        return with_prices(terms, self._versions)

    # --- live updates -------------------------------------------------

    def refresh_panel(self) -> None:
        raw = self.raw()
        draft, errors = read_package(raw)
        billing_errors = [e for e in errors if e.field not in NOT_BILLING]
        terms = None
        if draft is not None:
            terms = draft.terms()
        elif not billing_errors:
            # Only non-billing fields are wrong: the charges are still known.
            partial, _ = parse_package(raw | {"name": "x", "description": "", "upstream_service": ""})
            terms = partial.terms() if partial else None
        terms = self._priced(draft, terms)
        settings = self.app.book.settings
        change = self._change(draft)
        text = self.bundle_text(raw, errors, settings.precision)
        text.append_text(
            render_panel(
                terms, billing_errors, self.app.today, settings.precision, settings.currency, error_style(self.app), change
            )
        )
        # The panel's size is fixed by the stylesheet: no layout pass needed.
        self.query_one("#panel", Static).update(text, layout=False)

    @on(Input.Changed)
    @on(Select.Changed, "#upstream_service")
    def _changed(self) -> None:
        self.refresh_panel()

    @on(Select.Changed, "#type")
    def _type_changed(self) -> None:
        self.sync_bundle_rows()
        self.refresh_panel()

    @on(Select.Changed, "#frequency")
    def _frequency_changed(self, event: Select.Changed) -> None:
        if event.value != Select.NULL:
            self.query_one(DayPicker).frequency = Frequency(event.value)
        self._sync_days_row()
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
        self.query_one("#days-row").display = frequency in (Frequency.WEEKLY, Frequency.MONTHLY)
        hint = self.query_one("#days-hint", Static)
        if not picker.days:
            what = "weekday" if frequency is Frequency.WEEKLY else "day of the month"
            hint.update(f"none = the start's {what}")
        else:
            hint.update("type a day, space picks")

    # --- saving -------------------------------------------------------

    def write(self, draft: PackageDraft, version: int | None) -> PackageRow:
        if self.package is None:
            return create_package(draft)
        effective_from = self._effective() if self._asks_when(draft) else None
        return update_package(self.package.id, version, draft, effective_from, self.app.today)

    def removed(self, exc: NotFound) -> None:
        """Deleted by someone else: what is typed can still be saved as a new package."""
        self.package = None
        self.version = None
        self.query_one("#title", Static).update("New package (the one you edited was deleted)")
        self.notify(str(exc), severity="warning", timeout=8)

    # --- someone else saved first: merged field by field (form_merge) ------------

    def opened_record(self) -> PackageRow | None:
        return self.package

    def field_values(self, record: PackageRow | None) -> dict | None:
        return self.draft_values(record.draft()) if record is not None else None

    def draft_values(self, draft: PackageDraft) -> dict:
        return {FIELD_OF.get(f, f): getattr(draft, f) for f in MERGED_FIELDS}

    def with_values(self, draft: PackageDraft, values: dict) -> PackageDraft:
        return draft.with_(**{ATTRIBUTE_OF.get(f, f): v for f, v in values.items()})

    def show_field(self, field: str, values: dict) -> str:
        value = values[field]
        if field in MONEY_FIELDS:
            return format_price(value)
        if field == "frequency_match":
            return format_match(value, values["frequency"]) or "(the start's)"
        if field == "upstream_service":
            return value or "(none)"
        kind = self.show_kind(field, value)
        return kind if kind is not None else show_value(value)

    def put(self, values: dict) -> None:
        picker = self.query_one(DayPicker)
        if "frequency" in values:  # a new frequency clears the days: put them back after it
            values = {"frequency": values["frequency"], "frequency_match": values.get("frequency_match", picker.days), **values}
        for field, value in values.items():
            if field in MONEY_FIELDS:
                self.query_one(f"#{field}", Input).value = format_price(value)
            elif field in ("name", "description", "minimum_days"):
                self.query_one(f"#{field}", Input).value = str(value)
            elif field == "frequency":
                self.query_one("#frequency", Select).value = value.value
                picker.frequency = value
            elif field == "frequency_match":
                picker.set_days(value)
            elif field == "upstream_service":
                self._put_service(value)
            elif field == "minimum_spend":
                checkbox = self.query_one("#minimum_spend", Checkbox)
                checkbox.value = value
                checkbox.label = MIN_SPEND_LABELS[value]
            else:
                self.put_kind(field, value)
        self._sync_days_row()
        self.sync_bundle_rows()
        self.refresh_panel()

    def _put_service(self, name: str | None) -> None:
        select = self.query_one("#upstream_service", Select)
        if name and name not in self._services:
            self._services = service_names()  # added since the form opened
            select.set_options([("(none)", NO_SERVICE)] + [(n, n) for n in self._services])
        select.value = name if name in self._services else NO_SERVICE

    def load(self, current: PackageRow) -> None:
        self.package = current
        self.put(self.field_values(current))
