"""A customer's allocations, and the allocation form with its live projection."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import islice

from rich.console import Group
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.validation import ValidationResult, Validator
from textual.widgets import Checkbox, Footer, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from billing.accounts import parse_allocation, parse_field_date, parse_quantity, parse_reference
from billing.catalogue import FieldError
from billing.charges import KINDS, AllocationTerms, allocation_charges
from billing.money import format_money, format_price
from billing.projection import add_months
from store import allocations as store
from store import customers as customer_store
from store.packages import NotFound, PackageRow, StoreError, get_package

from .dialogs import HelpScreen, confirm, leave_form
from .panel import describe_schedule
from .projection import CustomerProjectionScreen, charge_lines, month_table, true_up_table
from .widgets import FilteredTableScreen, PagedTable, Tick, TitleBar

PAGE = 200


def next_charge(allocation: store.AllocationRow, today: date, precision: int, memo: dict | None = None):
    """The first charge on or after today, or None. For a minimum-spend
    package that is its next true-up (its charge dates bill no retail), an
    estimate while the period runs; `memo` keeps usage sums across calls."""
    lines = allocation_charges(allocation.package_terms, allocation.terms(), today, None, precision)
    first = next(islice(lines, 1), None)
    if allocation.package_terms.minimum_spend:
        true_up = next(iter(store.allocation_true_ups(allocation, today, None, precision, today, memo)), None)
        if true_up is not None and (first is None or true_up.date <= first.date):
            return true_up
    return first


def _amount(charge, precision: int) -> str:
    """A charge's amount as listed; `~` marks a true-up still estimated."""
    if charge is None:
        return "-"
    estimate = charge.basis is not None and charge.basis.estimate
    return ("~" if estimate else "") + format_money(charge.amount, precision)


class CustomerScreen(FilteredTableScreen):
    """One customer: what is switched on for them, and their allocations."""

    BINDINGS = [
        Binding("n", "new", "New", id="new"),
        Binding("d", "remove", "Remove", id="remove"),
        Binding("e", "edit_customer", "Edit", id="edit_customer"),
        Binding("p", "projection", "Proj", id="projection"),
        Binding("u", "usage", "Usage", id="usage"),
        Binding("s", "statement", "Statement", id="statement"),
        Binding("slash", "filter", "Find", id="filter"),
        Binding("escape", "back", "Back", id="back"),
        Binding("question_mark", "help", "Help", show=False, id="help"),
    ]

    def __init__(self, customer: customer_store.CustomerRow):
        super().__init__()
        self.customer = customer
        self.rows: list[store.AllocationRow] = []
        self.text = ""
        self.exhausted = False
        self.loading = False
        self.generation = 0

    def compose(self) -> ComposeResult:
        yield TitleBar(f"Customer · {self.customer.name}")
        yield Static("", id="customer-info", markup=False)
        yield Input(placeholder="/ filter by package or reference", id="filter", compact=True)
        yield PagedTable(id="allocations")
        yield Static("", id="status", classes="status", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        table = self.query_one(PagedTable)
        table.add_columns((
            ("package", "Package", 13, False),
            ("qty", "Qty", 3, True),
            ("start", "Start", 10, False),
            ("end", "End", 10, False),
            ("next", "Next", 10, False),
            ("amount", "Amount", 8, True),
            ("auto", "Auto", 4, False),
            ("ref", "Ref", 6, False),
        ))
        self.query_one("#filter", Input).display = False
        self.reload()
        table.focus()

    def _info(self) -> None:
        c = customer_store.get_customer(self.customer.id) or self.customer
        self.customer = c
        settings = self.app.book.settings
        services = store.active_services(c.id, self.app.today)
        switched = ", ".join(f"{name} x{qty}" for name, qty, _ in services) or "nothing"
        self.query_one("#customer-info", Static).update(
            f" {c.status} · tax {format_price(c.tax_percent, 0)}% · balance "
            f"{format_money(c.balance, settings.precision)} {settings.currency}\n"
            f" Switched on today: {switched}"
        )

    def reload(self, keep_id: int | None = None) -> None:
        self.generation += 1
        self._info()
        rows = store.list_allocations(self.customer.id, self.text, None, PAGE)
        self.total = store.count_allocations(self.customer.id, self.text)
        self.rows = []
        self.exhausted = len(rows) < PAGE
        table = self.query_one(PagedTable)
        table.clear()
        self._append(rows)
        self._status()
        if keep_id is not None:
            for index, row in enumerate(self.rows):
                if row.id == keep_id:
                    table.move_cursor(row=index)

    def _append(self, rows) -> None:
        table = self.query_one(PagedTable)
        today = self.app.today
        precision = self.app.book.settings.precision
        memo: dict = {}
        for row in rows:
            charge = next_charge(row, today, precision, memo)
            ended = row.end is not None and row.end < today
            style = "dim" if ended else ""
            table.add_row(
                Text(row.package, style=style, overflow="ellipsis", no_wrap=True),
                Text(str(row.quantity), justify="right", style=style),
                Text(row.start.isoformat(), style=style),
                Text(row.end.isoformat() if row.end else "-", style=style),
                Text(charge.date.isoformat() if charge else "-", style=style),
                Text(_amount(charge, precision), justify="right", style=style),
                Text("yes" if row.auto_decrement else "no", style=style),
                Text(row.reference, style=style, overflow="ellipsis", no_wrap=True),
                key=str(row.id),
            )
        self.rows.extend(rows)

    def _status(self) -> None:
        parts = [f"{len(self.rows):,} of {self.total:,} allocation(s)"]
        if self.text:
            parts.append(f"filter '{self.text}'")
        parts.append("enter: edit")
        self.query_one("#status", Static).update(" · ".join(parts))

    @work(thread=True, exclusive=True, group="page")
    def _load_more(self, generation: int, after_id: int) -> None:
        rows = store.list_allocations(self.customer.id, self.text, after_id, PAGE)
        self.app.call_from_thread(self._more, generation, rows)

    def _more(self, generation: int, rows) -> None:
        self.loading = False
        if generation != self.generation:
            return
        self.exhausted = len(rows) < PAGE
        self._append(rows)
        self._status()

    @on(PagedTable.RowHighlighted)
    def _maybe_more(self, event: PagedTable.RowHighlighted) -> None:
        if self.exhausted or self.loading or not self.rows:
            return
        if event.cursor_row >= len(self.rows) - 40:
            self.loading = True
            self._load_more(self.generation, self.rows[-1].id)

    def current(self):
        table = self.query_one(PagedTable)
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def refresh_from_book(self) -> None:
        row = self.current()
        self.reload(keep_id=row.id if row else None)

    @on(PagedTable.RowSelected)
    def _open(self) -> None:
        row = self.current()
        if row is None:
            self.notify("No allocation here. Press n to add one.")
            return
        fresh = store.get_allocation(row.id)
        if fresh is None:
            self.reload()
            return
        self.app.push_screen(AllocationFormScreen(self.customer, fresh), lambda saved: self.reload(keep_id=saved))

    def action_new(self) -> None:
        self.app.push_screen(AllocationFormScreen(self.customer, None), lambda saved: self.reload(keep_id=saved))

    def action_remove(self) -> None:
        row = self.current()
        if row is None:
            return
        from billing.accounts import first_allowed_end

        minimum = row.package_terms.minimum_days
        if minimum and self.app.today < first_allowed_end(row.start, minimum):
            # Refuse at once rather than after a confirmation.
            self.notify(
                f"'{row.package}' has {minimum} minimum days: this allocation can be removed from "
                f"{first_allowed_end(row.start, minimum)} (or given an end date from then).",
                severity="error",
                timeout=10,
            )
            return

        def decided(choice):
            if choice != "yes":
                return
            try:
                store.remove_allocation(row.id, self.app.today)
            except StoreError as exc:
                self.notify(str(exc), severity="error", timeout=10)
                return
            self.notify(f"Removed {row.quantity} x '{row.package}'.")
            self.reload()

        self.app.push_screen(
            confirm(
                "Remove allocation",
                f"Remove {row.quantity} x '{row.package}' from {self.customer.name}? "
                "To stop charging from a date instead, open it and give it an end date.",
                "Remove",
                danger=True,
            ),
            decided,
        )

    def action_edit_customer(self) -> None:
        from .customers import CustomerFormScreen

        fresh = customer_store.get_customer(self.customer.id)
        if fresh is not None:
            self.app.push_screen(CustomerFormScreen(fresh), lambda _: self._renamed())

    def _renamed(self) -> None:
        self._info()
        self.query_one("#title", Static).update(f"Customer · {self.customer.name}")

    def action_projection(self) -> None:
        self.app.push_screen(CustomerProjectionScreen(self.customer))

    def action_statement(self) -> None:
        from .statement import StatementScreen

        self.app.push_screen(StatementScreen(self.customer), lambda _: self.reload())

    def action_usage(self) -> None:
        from .usage import UsageScreen

        self.app.push_screen(UsageScreen(self.customer), lambda _: self.reload())

    @on(Input.Changed, "#filter")
    def _filter(self, event: Input.Changed) -> None:
        self.text = event.value
        self.reload()

    def action_back(self) -> None:
        if not self.close_filter():
            self.dismiss(None)

    def action_help(self) -> None:
        self.app.push_screen(
            HelpScreen(
                "Customer",
                "The customer's allocations: next charge date and amount from today, and the "
                "upstream services their active allocations switch on.",
                [
                    ("enter", "edit the allocation"),
                    ("n", "new allocation"),
                    ("d", "remove the allocation (not before start + the package's minimum days)"),
                    ("e", "edit the customer"),
                    ("p", "the customer's projection, month by month"),
                    ("u", "the customer's usage: add, correct, by day and by month"),
                    ("s", "the customer's statement: ledger, payments, balance; record and reverse payments"),
                    ("/", "filter by package or reference"),
                    ("escape", "back to customers"),
                ],
            )
        )


class DateValidator(Validator):
    def __init__(self, field: str, today: date, required: bool):
        super().__init__()
        self.field, self.today, self.required = field, today, required

    def validate(self, value: str) -> ValidationResult:
        try:
            parse_field_date(self.field, value, self.today, required=self.required)
        except FieldError as exc:
            return self.failure(exc.message)
        return self.success()


class ParserValidator(Validator):
    def __init__(self, parse):
        super().__init__()
        self.parse = parse

    def validate(self, value: str) -> ValidationResult:
        try:
            self.parse(value)
        except FieldError as exc:
            return self.failure(exc.message)
        return self.success()


VALIDATE_ON = ["changed", "blur", "submitted"]
FIELD_LABELS = {
    "package": "package",
    "quantity": "quantity",
    "start_date": "start",
    "end_date": "end",
    "reference": "reference",
    "auto_decrement": "auto decrement",
    "prorate": "prorate",
}


class AllocationFormScreen(Screen[int | None]):
    """Add or edit an allocation; the projection below recomputes on every keystroke."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="save"),
        Binding("escape", "leave", "Back", id="back"),
        Binding("f1", "help", "Help", id="help"),
    ]

    def __init__(self, customer: customer_store.CustomerRow, allocation: store.AllocationRow | None):
        super().__init__()
        self.customer = customer
        self.allocation = allocation
        self.version = allocation.version if allocation else None
        self.package: PackageRow | None = get_package(allocation.package_id) if allocation else None
        self._initial: dict | None = None
        self._rate = None  # the customer's usage run rate, read once
        self._search_error: str | None = None

    def compose(self) -> ComposeResult:
        a = self.allocation
        today = self.app.today
        title = f"{self.customer.name} · " + ("edit allocation" if a else "new allocation")
        yield TitleBar(title, "^p commands  f1 help")
        with Horizontal(classes="row"):
            yield Label("Package", classes="label")
            yield Input(
                self.package.name if self.package else "",
                placeholder="type part of a package name",
                id="package",
                compact=True,
            )
        yield OptionList(id="matches", compact=True)
        with Horizontal(classes="row"):
            yield Label("Quantity", classes="label")
            yield Input(str(a.quantity) if a else "1", id="quantity", compact=True, classes="short",
                        validators=[ParserValidator(parse_quantity)], validate_on=VALIDATE_ON)
            yield Label(" Start", classes="label-short")
            yield Input(a.start.isoformat() if a else today.isoformat(), id="start_date", compact=True, classes="date",
                        validators=[DateValidator("start_date", today, True)], validate_on=VALIDATE_ON)
            yield Label(" End", classes="label-short")
            yield Input(a.end.isoformat() if a and a.end else "", placeholder="none", id="end_date", compact=True,
                        classes="date", validators=[DateValidator("end_date", today, False)], validate_on=VALIDATE_ON)
        with Horizontal(classes="row"):
            yield Label("Options", classes="label")
            yield Tick("auto decrement", value=bool(a and a.auto_decrement), id="auto_decrement", compact=True)
            yield Tick("prorate", value=bool(a and a.prorate), id="prorate", compact=True)
        with Horizontal(classes="row"):
            yield Label("Reference", classes="label")
            yield Input(a.reference if a else "", placeholder="DID number, site…", id="reference", compact=True,
                        max_length=100, validators=[ParserValidator(parse_reference)], validate_on=VALIDATE_ON)
        yield Static("", id="form-errors", classes="errors", markup=False)
        yield Static("", id="details", classes="details", markup=False)
        with VerticalScroll(id="allocation-projection"):
            yield Static("", id="projection-body")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#matches", OptionList).display = False
        if self.package is None:
            self.query_one("#package", Input).focus()
        else:
            self.query_one("#quantity", Input).focus()
        self._show_details()
        self.refresh_projection()
        self._initial = self._raw()

    # --- reading ----------------------------------------------------------------

    def _raw(self) -> dict:
        raw = {k: self.query_one(f"#{k}", Input).value for k in ("quantity", "start_date", "end_date", "reference")}
        for k in ("auto_decrement", "prorate"):
            raw[k] = "yes" if self.query_one(f"#{k}", Checkbox).value else "no"
        raw["package"] = str(self.package.id) if self.package else ""
        return raw

    @property
    def dirty(self) -> bool:
        return self._initial is not None and self._raw() != self._initial

    def read(self):
        minimum = self.package.minimum_days if self.package else 0
        draft, errors = parse_allocation(self._raw(), self.app.today, minimum)
        if self.package is None:
            message = self._search_error or "choose a package: type part of its name"
            errors = [FieldError("package", message)] + errors
        return draft, errors

    # --- package search ------------------------------------------------------------

    @on(Input.Changed, "#package")
    def _search(self, event: Input.Changed) -> None:
        text = event.value.strip()
        if self.package is not None and text.casefold() == self.package.name.casefold():
            self.query_one("#matches", OptionList).display = False
            return
        self.package = None
        matches = self.query_one("#matches", OptionList)
        matches.clear_options()
        found = store.search_packages(text, 6) if text else []
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

    def on_key(self, event) -> None:
        focused = self.focused
        if getattr(focused, "id", None) == "package" and event.key == "down":
            matches = self.query_one("#matches", OptionList)
            if matches.display and matches.option_count:
                event.stop()
                matches.focus()
                matches.highlighted = 0

    @on(Input.Submitted, "#package")
    def _take_first(self) -> None:
        matches = self.query_one("#matches", OptionList)
        if self.package is None and matches.display and matches.option_count:
            option = matches.get_option_at_index(0)
            self._choose(get_package(int(option.id)))
        elif self.package is not None:
            self.query_one("#quantity", Input).focus()

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
            f"minimum days {p.minimum_days}; upstream {p.upstream_service or 'none'}"
            + (f"\n{p.description}" if p.description else "")
        )

    def _start(self) -> date | None:
        try:
            return parse_field_date("start_date", self.query_one("#start_date", Input).value, self.app.today, required=True)
        except FieldError:
            return None

    # --- live projection -------------------------------------------------------------

    @on(Input.Changed, "#quantity, #start_date, #end_date, #reference")
    def _field_changed(self, event: Input.Changed) -> None:
        self.refresh_projection()

    @on(Checkbox.Changed)
    def _flag_changed(self) -> None:
        self.refresh_projection()

    def _errors(self, errors: list[FieldError]) -> None:
        box = self.query_one("#form-errors", Static)
        box.update("\n".join(f"{FIELD_LABELS.get(e.field, e.field)}: {e.message}" for e in errors[:3]))
        box.set_class(bool(errors), "shown")

    def refresh_projection(self) -> None:
        draft, errors = self.read()
        shown = [e for e in errors if not (e.field == "package" and not self.query_one("#package", Input).value.strip() and self.allocation is None and len(errors) == 1)]
        self._errors(shown)
        body = self.query_one("#projection-body", Static)
        if draft is None or self.package is None:
            body.update(Text("The projection appears when a package is chosen and the fields are valid.", style="dim"))
            return
        body.update(self.projection(draft))

    def projection(self, draft):
        today = self.app.today
        precision = self.app.book.settings.precision
        start = min(draft.start, today)
        end = add_months(start, 12) - timedelta(days=1)
        if draft.end is not None and draft.end < end:
            end = draft.end
        terms = AllocationTerms(draft.start, draft.end, draft.quantity, draft.prorate)
        package_terms = self.package.terms()
        charges = list(allocation_charges(package_terms, terms, start, end, precision))
        if package_terms.minimum_spend:
            charges += list(self._true_ups(package_terms, terms, start, end, precision, today))
            charges.sort(key=lambda c: (c.date, KINDS.index(c.kind)))
        tax = self.customer.tax_percent
        heading = Text(f"Projection {start} to {end}: {len(charges)} charge(s)", style="bold")
        pairs = [(self.allocation or _Named(self.package.name), c) for c in charges]
        parts = [heading]
        trueups = true_up_table(pairs, precision)
        if trueups is not None:
            # What a minimum-spend operator needs first: each true-up and why.
            parts += [trueups, Text("")]
        parts += [month_table(charges, start, end, tax, precision), Text("")]
        parts.append(charge_lines(pairs, precision, show_package=False))
        return Group(*parts)

    def _true_ups(self, package_terms, terms, start, end, precision, today):
        from billing.minimum import run_rate, run_rate_window, true_ups
        from store.usage import usage_sum

        customer = self.customer.id
        if self._rate is None:
            a, b = run_rate_window(today)
            self._rate = run_rate(usage_sum(customer, a, b))
        return true_ups(package_terms, terms, start, end, precision, lambda a, b: usage_sum(customer, a, b), today, self._rate)

    # --- saving ------------------------------------------------------------------

    def action_save(self) -> None:
        draft, errors = self.read()
        if errors:
            self._errors(errors)
            self.notify("Not saved: " + "; ".join(f"{FIELD_LABELS.get(e.field, e.field)}: {e.message}" for e in errors[:2]), severity="error", timeout=8)
            field = errors[0].field
            try:
                self.query_one(f"#{field}").focus()
            except Exception:
                pass
            return
        try:
            if self.allocation is None:
                saved = store.create_allocation(self.customer.id, self.package.id, draft)
            else:
                saved = store.update_allocation(self.allocation.id, self.version, self.package.id, draft)
        except FieldError as exc:
            self._errors([exc])
            self.notify(f"Not saved: {exc}", severity="error", timeout=8)
            return
        except store.AllocationConflict as exc:
            theirs = exc.current
            self.version = theirs.version
            self.notify(
                f"Someone else saved this allocation first; nothing was written. Theirs: {theirs.quantity} x "
                f"{theirs.package} from {theirs.start} to {theirs.end or '-'}. Your values are still here: "
                "ctrl+s again saves them over theirs.",
                severity="warning",
                timeout=12,
            )
            return
        except NotFound as exc:
            self.notify(str(exc), severity="error")
            return
        self._initial = self._raw()
        self.notify(f"Saved {saved.quantity} x '{saved.package}'.")
        self.dismiss(saved.id)

    def action_leave(self) -> None:
        leave_form(self)

    def action_help(self) -> None:
        self.app.push_screen(
            HelpScreen(
                "Allocation form",
                "Choose the package by typing part of its name (down arrow or enter picks from the "
                "matches; archived packages are not offered). Dates are YYYY-MM-DD, t for today, +N "
                "for N days from today. The projection below shows the setup line and every charge of "
                "the next 12 months (or to the end date), month by month with tax and a bar chart.",
                [
                    ("tab / shift+tab", "next / previous field"),
                    ("down, enter", "pick a package from the matches"),
                    ("space", "tick auto decrement / prorate"),
                    ("ctrl+s", "save"),
                    ("escape", "back (asks if unsaved)"),
                ],
            )
        )


class _Named:
    """Stands in for an allocation row in the charge lines of an unsaved allocation."""

    def __init__(self, package: str):
        self.package = package
        self.customer = ""
        self.id = None


__all__ = ["AllocationFormScreen", "CustomerScreen"]
