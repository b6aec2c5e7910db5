"""Add or edit an allocation; its projection below recomputes on every keystroke."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from rich.console import Group
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Checkbox, Footer, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from billing.accounts import AllocationDraft, parse_allocation, parse_field_date, parse_quantity, parse_reference
from billing.catalogue import FieldError
from billing.charges import KINDS, allocation_charges
from billing.minimum import UsageByDay, run_rate, run_rate_window, true_ups
from billing.money import format_price
from billing.projection import add_months
from store.allocations import create_allocation, search_packages, update_allocation
from store.customers import CustomerRow
from store.packages import PackageRow, get_package
from store.scan import AllocationRow
from store.usage import daily_usage

from ..validators import VALIDATE_ON, FieldValidator, date_validator, error_text
from ..widgets.field import Field
from ..widgets.panel import describe_schedule
from ..widgets.line_table import LineTable
from ..widgets.projection_tables import TRUE_UP_COLUMNS, TRUE_UP_TITLE, charge_rows, margin_note, month_table, true_up_rows
from ..widgets.tick import Tick
from ..widgets.title_bar import FORM_HINT, TitleBar
from .allocation_change import KEY_CHANGE_FROM, ChangeFromDate
from .allocation_minutes import OwnMinutes
from .form import FormScreen, show_value

PLACEHOLDER = "The projection appears when a package is chosen and the fields are valid."
TEXT_FIELDS = ("quantity", "start_date", "end_date", "reference")
FLAGS = ("auto_decrement", "prorate")
#: The draft's attributes, and the form's name for each where it differs (and back).
DRAFT_FIELDS = ("quantity", "start", "end", "auto_decrement", "prorate", "reference")
FIELD_OF = {"start": "start_date", "end": "end_date"}
ATTRIBUTE_OF = {v: k for k, v in FIELD_OF.items()}
#: Merged fields the draft doesn't hold: the form does (the package chosen, the own minutes typed).
FORM_HELD = ("package", "free_minutes")


class AllocationFormScreen(OwnMinutes, ChangeFromDate, FormScreen):
    """Add or edit an allocation; the projection below recomputes on every keystroke."""

    BINDINGS = [KEY_CHANGE_FROM]

    HELP_TITLE = "Allocation form"
    HELP_ABOUT = (
        "Choose the package by typing part of its name (down arrow or enter picks from the "
        "matches; archived packages are not offered). Dates are YYYY-MM-DD, t for today, +N "
        "for N days from today. The projection below shows the setup line and every charge of "
        "the next 12 months (or to the end date), month by month with tax and a bar chart. "
        "Space ticks auto decrement and prorate. For a free-minutes package, Minutes gives this "
        "allocation its own minutes per unit a period (blank: the package's, shown greyed). "
        "On an allocation, f7 changes its quantity or package "
        "from a date: the old terms end the day before (posted charges stay) and a successor follows; "
        "the projection shows both sides while the date is typed, enter saves, escape goes back."
    )
    WHAT = "allocation"

    def __init__(self, customer: CustomerRow, allocation: AllocationRow | None):
        super().__init__()
        self.customer = customer
        self.allocation = allocation
        self.version = allocation.version if allocation else None
        self.package: PackageRow | None = get_package(allocation.package_id) if allocation else None
        self._usage: tuple[date, UsageByDay] | None = None  # the customer's usage by day, read once
        self._projection_due = False
        self._search_error: str | None = None

    def compose(self) -> ComposeResult:
        a = self.allocation
        today = self.app.today
        yield TitleBar(f"{self.customer.name} · " + ("edit allocation" if a else "new allocation"), FORM_HINT)
        with Horizontal(classes="row"):
            yield Label("Package", classes="label")
            name = self.package.name if self.package else ""
            yield Field(name, placeholder="type part of a package name", id="package", compact=True)
        yield OptionList(id="matches", compact=True)
        with Horizontal(classes="row"):
            yield Label("Quantity", classes="label")
            yield Field(str(a.quantity) if a else "1", id="quantity", compact=True, classes="short",
                        validators=[FieldValidator(parse_quantity)], validate_on=VALIDATE_ON)
            yield Label(" Start", classes="label-short")
            yield Field(a.start.isoformat() if a else today.isoformat(), id="start_date", compact=True, classes="date",
                        validators=[date_validator("start_date", today, True)], validate_on=VALIDATE_ON)
            yield Label(" End", classes="label-short")
            yield Field(a.end.isoformat() if a and a.end else "", placeholder="none", id="end_date", compact=True,
                        classes="date", validators=[date_validator("end_date", today, False)], validate_on=VALIDATE_ON)
        with Horizontal(classes="row"):
            yield Label("Options", classes="label")
            yield Tick("auto decrement", value=bool(a and a.auto_decrement), id="auto_decrement", compact=True)
            yield Tick("prorate", value=bool(a and a.prorate), id="prorate", compact=True)
            yield from self.minutes_widgets(a)
        with Horizontal(classes="row"):
            yield Label("Reference", classes="label")
            yield Field(a.reference if a else "", placeholder="DID number, site…", id="reference", compact=True,
                        max_length=100, validators=[FieldValidator(parse_reference)], validate_on=VALIDATE_ON)
        with Horizontal(classes="row", id="change-row"):
            yield Label("Change from", classes="label")
            yield Field("", id="change_from", compact=True, classes="date",
                        validators=[date_validator("change_from", today, True)], validate_on=VALIDATE_ON)
            yield Label(" enter saves the change · esc back", classes="hint")
        yield Static("", id="form-errors", classes="errors", markup=False)
        yield Static("", id="details", classes="details", markup=False)
        with VerticalScroll(id="allocation-projection"):
            yield Static("", id="projection-body")
            yield LineTable(id="projection-trueups")
            yield LineTable(id="projection-lines")
        yield Footer(compact=True, show_command_palette=False)

    def mounted(self) -> None:
        self.query_one("#matches", OptionList).display = False
        self.query_one("#change-row").display = False
        self.query_one("#quantity" if self.package else "#package", Input).focus()
        self._show_details()
        self.refresh_projection()

    # --- reading ----------------------------------------------------------------

    def raw(self) -> dict[str, str]:
        raw = {key: self.query_one(f"#{key}", Input).value for key in TEXT_FIELDS}
        for key in FLAGS:
            raw[key] = "yes" if self.query_one(f"#{key}", Checkbox).value else "no"
        raw["package"] = str(self.package.id) if self.package else ""
        raw["free_minutes"] = self.minutes_typed()
        return raw

    def read(self) -> tuple[AllocationDraft | None, list[FieldError]]:
        minimum = self.package.minimum_days if self.package else 0
        draft, errors = parse_allocation(self.raw(), self.app.today, minimum)
        if self.package is None:
            message = self._search_error or "choose a package: type part of its name"
            errors = [FieldError("package", message)] + errors
        try:
            self.own_minutes()
        except FieldError as exc:
            errors.append(exc)
        return draft, errors + self.check_change(draft)

    def _start(self) -> date | None:
        try:
            return parse_field_date("start_date", self.query_one("#start_date", Input).value, self.app.today, required=True)
        except FieldError:
            return None

    # --- package search ------------------------------------------------------------

    @on(Input.Changed, "#package")
    def _search(self, event: Input.Changed) -> None:
        text = event.value.strip()
        matches = self.query_one("#matches", OptionList)
        if self.package is not None and text.casefold() == self.package.name.casefold():
            matches.display = False
            return
        self.package = None
        matches.clear_options()
        found = search_packages(text, 6) if text else []
        for row in found:
            label = Text(f"{row.name}  ")
            label.append(f"{format_price(row.retail)} {row.frequency.value}", style="dim")
            matches.add_option(Option(label, id=str(row.id)))
        matches.display = bool(found)
        if found and found[0].name.casefold() == text.casefold():
            self._choose(found[0], move=False)
        self._search_error = f"no package (that is not archived) matches '{text}'" if not found and text else None
        self._show_details()
        self.refresh_projection()

    def on_key(self, event: events.Key) -> None:
        if getattr(self.focused, "id", None) == "package" and event.key == "down":
            matches = self.query_one("#matches", OptionList)
            if matches.display and matches.option_count:
                event.stop()
                matches.focus()
                matches.highlighted = 0

    @on(Input.Submitted, "#package")
    def _take_first(self) -> None:
        matches = self.query_one("#matches", OptionList)
        if self.package is None and matches.display and matches.option_count:
            self._choose(get_package(int(matches.get_option_at_index(0).id)))
        elif self.package is not None:
            self.query_one("#quantity", Input).focus()

    @on(Input.Submitted, "#change_from")
    async def _change_submitted(self) -> None:
        await self.action_save()  # the change from the date typed

    @on(OptionList.OptionSelected, "#matches")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self._choose(get_package(int(event.option.id)))

    def _choose(self, package: PackageRow | None, move: bool = True) -> None:
        if package is None:
            return
        self.package = package
        box = self.query_one("#package", Input)
        with box.prevent(Input.Changed):
            box.value = package.name
        self.query_one("#matches", OptionList).display = False
        self._show_details()
        self.refresh_projection()
        if move:
            self.query_one("#quantity", Input).focus()

    def _show_details(self) -> None:
        details = self.query_one("#details", Static)
        p = self.package
        self.sync_minutes()
        if p is None:
            details.update("No package chosen yet.")
            return
        schedule = describe_schedule(p.frequency, p.match, self._start() or self.app.today)
        setup = (
            f"setup {format_price(p.setup_retail)} (cost {format_price(p.setup_cost)})"
            if p.setup_retail or p.setup_cost
            else "no setup"
        )
        kind = "minimum spend commitment" if p.minimum_spend else "retail"
        details.update(
            f"{p.name}: {kind} {format_price(p.retail)}, cost {format_price(p.cost)}, {schedule}; {setup}; "
            f"minimum days {p.minimum_days}; upstream {p.upstream_service or 'none'}{self.minutes_words()}"
            + (f"\n{p.description}" if p.description else "")
        )

    # --- live projection -------------------------------------------------------------

    @on(Input.Changed, "#quantity, #start_date, #end_date, #reference, #change_from, #free_minutes")
    @on(Checkbox.Changed)
    def _field_changed(self) -> None:
        # The key echoes first: the projection is worked out after the next
        # screen refresh, once for keys that arrive together.
        if not self._projection_due:
            self._projection_due = True
            self.call_after_refresh(self._due_projection)

    def _due_projection(self) -> None:
        self._projection_due = False
        if self.is_attached:
            self.refresh_projection()

    def show_errors(self, errors: list[FieldError]) -> None:
        """The first three reasons, in the box under the fields."""
        box = self.query_one("#form-errors", Static)
        box.update("\n".join(error_text(e) for e in errors[:3]))
        box.set_class(bool(errors), "shown")

    def refresh_projection(self) -> None:
        draft, errors = self.read()
        untouched = self.allocation is None and not self.query_one("#package", Input).value.strip()
        if untouched and len(errors) == 1 and errors[0].field == "package":
            errors = []  # a new form: nothing typed yet is not an error
        self.show_errors(errors)
        body = self.query_one("#projection-body", Static)
        trueups = self.query_one("#projection-trueups", LineTable)
        lines = self.query_one("#projection-lines", LineTable)
        if draft is None or self.package is None:
            body.update(Text(PLACEHOLDER, style="dim"))
            trueups.set_rows((), [])
            lines.set_rows((), [])
            return
        summary, pairs, parts = self.projection(draft)
        body.update(summary)
        found = true_up_rows(pairs, self.app.book.settings.precision)
        # What a minimum-spend operator needs first: each true-up and why (above the lines).
        trueups.set_rows(TRUE_UP_COLUMNS if found else (), found, TRUE_UP_TITLE if found else "")
        # Where one allocation follows another: each line's quantity (and package, if it changes).
        packages = {part.shown.package for part in parts}
        columns, rows = charge_rows(
            pairs, self.app.book.settings.precision, show_package=len(packages) > 1, show_quantity=len(parts) > 1
        )
        lines.set_rows(columns, rows)

    def projection(self, draft: AllocationDraft) -> tuple[Group, list, list]:
        """The heading and month table, (allocation, charge) of every line, and
        the allocations projected (this one, and those it follows or is followed
        by: the month of a change shows both sides). Only the lines on screen are
        drawn (LineTable), so a daily package's hundreds of lines cost what a
        screenful costs."""
        today = self.app.today
        precision = self.app.book.settings.precision
        parts = self.parts(draft)
        start = min([draft.start, today] + [part.terms.start.replace(day=1) for part in parts[1:]])
        end = add_months(start, 12) - timedelta(days=1)
        last = parts[-1].terms.end
        if last is not None and last < end:
            end = last
        pairs = []
        for part in parts:
            charges = list(allocation_charges(part.package, part.terms, start, end, precision))
            if part.package.minimum_spend:
                charges += self._true_ups(part.package, part.terms, start, end, precision, today)
            pairs += [(part.shown, c) for c in charges]
        pairs.sort(key=lambda pair: (pair[1].date, KINDS.index(pair[1].kind)))
        charges = [c for _shown, c in pairs]
        heading = [Text(f"Projection {start} to {end}: {len(charges)} charge(s) · {margin_note(charges)}", style="bold")]
        if len(parts) > 1:
            heading.append(self.chain_note(parts))
        mine = parts[-1].terms if self.changing else draft
        warning = self.commitments_note(mine.start, mine.end)
        if warning:
            heading.append(Text("Note: " + warning, style="bold yellow"))
        months = month_table(charges, start, end, self.customer.tax_percent, precision)
        return Group(*heading, months, Text("")), pairs, parts

    def _true_ups(self, package_terms, terms, start, end, precision, today):
        """True-ups from one read of the customer's usage by day (kept while
        the form is open; read again only for an earlier start)."""
        since = min(terms.start, run_rate_window(today)[0], start) - timedelta(days=370)
        if self._usage is None or since < self._usage[0]:
            days = {day: total for day, total, _count in daily_usage(self.customer.id, since, today)}
            self._usage = (since, UsageByDay(days))
        usage = self._usage[1].between
        rate = run_rate(usage(*run_rate_window(today)))
        return true_ups(package_terms, terms, start, end, precision, usage, today, rate)

    # --- saving ------------------------------------------------------------------

    def write(self, draft: AllocationDraft, version: int | None) -> AllocationRow:
        if self.changing:
            return self.write_change(draft, version)
        minutes = self.own_minutes()
        if self.allocation is None:
            return create_allocation(self.customer.id, self.package.id, draft, free_minutes=minutes)
        return update_allocation(self.allocation.id, version, self.package.id, draft, free_minutes=minutes)

    def saved_message(self, saved: AllocationRow) -> str:
        return self.change_message(saved) or f"Saved {saved.quantity} x '{saved.package}'."

    def record_name(self, current: AllocationRow) -> str:
        return f"{current.quantity} x {current.package}"

    # --- someone else saved first: merged field by field (form_merge) ------------

    def opened_record(self) -> AllocationRow | None:
        return self.allocation

    def field_values(self, record: AllocationRow | None) -> dict | None:
        if record is None:
            return None
        values = {FIELD_OF.get(f, f): getattr(record, f) for f in DRAFT_FIELDS}
        return {"package": record.package_id, **values, "free_minutes": record.free_minutes}

    def draft_values(self, draft: AllocationDraft) -> dict:
        values = {FIELD_OF.get(f, f): getattr(draft, f) for f in DRAFT_FIELDS}
        return {"package": self.package.id if self.package else None, **values, "free_minutes": self.own_minutes()}

    def with_values(self, draft: AllocationDraft, values: dict) -> AllocationDraft:
        # The package and the own minutes are the form's (put() took theirs where they are theirs).
        return replace(draft, **{ATTRIBUTE_OF.get(f, f): v for f, v in values.items() if f not in FORM_HELD})

    def show_field(self, field: str, values: dict) -> str:
        value = values[field]
        if field == "package":
            package = self.package if self.package and self.package.id == value else get_package(value)
            return package.name if package else f"#{value} (removed)"
        if field == "end_date" and value is None:
            return "none"
        if field == "free_minutes" and value is None:
            return "(the package's)"
        return show_value(value.isoformat() if isinstance(value, date) else value)

    def put(self, values: dict) -> None:
        for field, value in values.items():
            if field == "package":
                self._choose(get_package(value), move=False)
            elif field in FLAGS:
                self.query_one(f"#{field}", Checkbox).value = value
            elif field == "free_minutes":
                self.put_minutes(value)
            else:
                text = value.isoformat() if isinstance(value, date) else "" if value is None else str(value)
                self.query_one(f"#{field}", Input).value = text

    def load(self, current: AllocationRow) -> None:
        self.allocation = current
        self.put(self.field_values(current))
