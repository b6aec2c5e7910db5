"""Customers: the paged list and the add/edit form."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Input, Label, Select, Static

from billing.accounts import STATUSES, parse_customer, parse_customer_name, parse_notes, parse_tax_percent
from billing.catalogue import FieldError
from billing.money import format_money, format_price
from store import customers as store
from store.packages import NotFound

from .dialogs import HelpScreen, leave_form
from .package_form import VALIDATE_ON, FieldValidator
from .widgets import FilteredTableScreen, PagedTable, TitleBar

PAGE = 200
PREFETCH = 40
SORT_ORDER = ["name", "status", "balance"]


class CustomerListScreen(FilteredTableScreen):
    BINDINGS = [
        Binding("n", "new", "New", id="new"),
        Binding("e", "edit", "Edit", id="edit"),
        Binding("slash", "filter", "Find", id="filter"),
        Binding("s", "sort", "Sort", id="sort"),
        Binding("r", "reverse", "Reverse", id="reverse"),
        Binding("question_mark", "help", "Help", show=False, id="help"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="clear_filter"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.query_state = store.CustomerQuery()
        self.rows: list[store.CustomerRow] = []
        self.total = 0
        self.exhausted = False
        self.loading = False
        self.generation = 0

    def compose(self) -> ComposeResult:
        yield TitleBar("packdesk · Customers")
        yield Input(placeholder="/ filter by name", id="filter", compact=True)
        yield PagedTable(id="customers")
        yield Static("", id="status", classes="status", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        table = self.query_one(PagedTable)
        table.add_column("Name", key="name", width=36)
        table.add_column("Status", key="status", width=9)
        table.add_column(Text("Tax %", justify="right"), key="tax", width=6)
        table.add_column(Text("Balance", justify="right"), key="balance", width=14)
        self.query_one("#filter", Input).display = False
        self.reload()
        table.focus()

    def reload(self, keep_id: int | None = None) -> None:
        self.generation += 1
        rows = store.list_customers(self.query_state, None, PAGE)
        self.total = store.count_customers(self.query_state)
        self.rows = []
        self.exhausted = len(rows) < PAGE
        table = self.query_one(PagedTable)
        table.clear()
        self._append(rows)
        self._update_status()
        if keep_id is not None:
            for index, row in enumerate(self.rows):
                if row.id == keep_id:
                    table.move_cursor(row=index)
                    break

    def _append(self, rows) -> None:
        table = self.query_one(PagedTable)
        precision = self.app.book.settings.precision
        for row in rows:
            dim = "dim" if row.status == "closed" else ""
            table.add_row(
                Text(row.name, style=dim, overflow="ellipsis", no_wrap=True),
                Text(row.status, style=dim),
                Text(format_price(row.tax_percent, 0), justify="right", style=dim),
                Text(format_money(row.balance, precision), justify="right", style=dim),
                key=str(row.id),
            )
        self.rows.extend(rows)

    def _update_status(self) -> None:
        q = self.query_state
        parts = [f"{len(self.rows):,} of {self.total:,} shown"]
        if q.text:
            parts.append(f"filter '{q.text}'")
        parts.append(f"sorted by {q.sort}{' (reversed)' if q.descending else ''}")
        parts.append("enter: allocations")
        self.query_one("#status", Static).update(" · ".join(parts))

    @work(thread=True, exclusive=True, group="page")
    def _load_more(self, generation: int, after) -> None:
        rows = store.list_customers(self.query_state, after, PAGE)
        self.app.call_from_thread(self._more_loaded, generation, rows)

    def _more_loaded(self, generation: int, rows) -> None:
        self.loading = False
        if generation != self.generation:
            return
        self.exhausted = len(rows) < PAGE
        self._append(rows)
        self._update_status()

    @on(PagedTable.RowHighlighted)
    def _maybe_more(self, event: PagedTable.RowHighlighted) -> None:
        if self.exhausted or self.loading or not self.rows:
            return
        if event.cursor_row >= len(self.rows) - PREFETCH:
            self.loading = True
            self._load_more(self.generation, self.rows[-1])

    def refresh_from_book(self) -> None:
        """Someone else saved: reload, keeping the cursor on the same row."""
        row = self.current()
        self.reload(keep_id=row.id if row else None)

    def current(self):
        table = self.query_one(PagedTable)
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    @on(PagedTable.RowSelected)
    def _open(self) -> None:
        row = self.current()
        if row is None:
            self.notify("No customer here. Press n to add one.")
            return
        fresh = store.get_customer(row.id)
        if fresh is None:
            self.reload()
            return
        from .allocations import CustomerScreen

        self.app.push_screen(CustomerScreen(fresh), lambda _: self.reload(keep_id=row.id))

    def action_new(self) -> None:
        self.app.push_screen(CustomerFormScreen(None), lambda saved: self.reload(keep_id=saved))

    def action_edit(self) -> None:
        row = self.current()
        if row is None:
            return
        fresh = store.get_customer(row.id)
        if fresh is not None:
            self.app.push_screen(CustomerFormScreen(fresh), lambda saved: self.reload(keep_id=row.id))

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        q = self.query_state
        self.query_state = store.CustomerQuery(event.value, q.sort, q.descending)
        self.reload()

    def action_clear_filter(self) -> None:
        self.close_filter()

    def action_sort(self) -> None:
        q = self.query_state
        following = SORT_ORDER[(SORT_ORDER.index(q.sort) + 1) % len(SORT_ORDER)]
        self.query_state = store.CustomerQuery(q.text, following, False)
        self.reload()

    def action_reverse(self) -> None:
        q = self.query_state
        self.query_state = store.CustomerQuery(q.text, q.sort, not q.descending)
        self.reload()

    def action_help(self) -> None:
        self.app.push_screen(
            HelpScreen(
                "Customers",
                "Every customer of the book. Balance moves with payments and posted charges.",
                [
                    ("enter", "the customer's allocations"),
                    ("n / e", "new customer / edit the customer"),
                    ("/", "filter by name as you type (escape clears)"),
                    ("s / r", "sort by name, status, balance / reverse"),
                    ("f2 f3 f4", "packages, customers, book projection"),
                    ("ctrl+p", "command palette"),
                    ("ctrl+q", "quit"),
                ],
            )
        )


LABELS = {"name": "Name", "status": "Status", "tax_percent": "Tax %", "notes": "Notes"}


class CustomerFormScreen(Screen[int | None]):
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="save"),
        Binding("escape", "leave", "Back", id="back"),
        Binding("f1", "help", "Help", id="help"),
    ]

    def __init__(self, customer: store.CustomerRow | None):
        super().__init__()
        self.customer = customer
        self.version = customer.version if customer else None
        self._initial: dict | None = None

    def compose(self) -> ComposeResult:
        c = self.customer
        yield TitleBar(f"Edit customer: {c.name}" if c else "New customer", "^p commands  f1 help")
        with VerticalScroll(id="customer-form"):
            yield from self._row("name", c.name if c else "", parse_customer_name, "wide", 120)
            with Horizontal(classes="row"):
                yield Label(LABELS["status"], classes="label")
                yield Select([(s, s) for s in STATUSES], value=c.status if c else "active", allow_blank=False, id="status", compact=True)
            yield from self._row("tax_percent", format_price(c.tax_percent, 0) if c else "0", parse_tax_percent, "money", 6)
            yield from self._row("notes", c.notes if c else "", parse_notes, "wide", 2000)
            if c is not None:
                yield Static(
                    f"Balance: {format_money(c.balance, self.app.book.settings.precision)} "
                    f"{self.app.book.settings.currency} (moves with payments and posted charges)",
                    classes="hint",
                    markup=False,
                )
        yield Footer(compact=True, show_command_palette=False)

    def _row(self, key, value, parse, width, max_length):
        with Horizontal(classes="row"):
            yield Label(LABELS[key], classes="label")
            yield Input(
                value,
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
        self._initial = self._raw()

    def _raw(self) -> dict:
        raw = {k: self.query_one(f"#{k}", Input).value for k in ("name", "tax_percent", "notes")}
        raw["status"] = str(self.query_one("#status", Select).value)
        return raw

    @property
    def dirty(self) -> bool:
        return self._initial is not None and self._raw() != self._initial

    def _show_error(self, key: str, message: str | None) -> None:
        try:
            error = self.query_one(f"#{key}-error", Static)
        except Exception:
            return
        error.update(message or "")
        error.set_class(bool(message), "shown")

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        result = event.validation_result
        if result is not None and event.input.id:
            self._show_error(event.input.id, None if result.is_valid else "; ".join(result.failure_descriptions))

    def action_save(self) -> None:
        draft, errors = parse_customer(self._raw())
        if errors:
            for error in errors:
                self._show_error(error.field, error.message)
            self.notify("Not saved: fix " + ", ".join(LABELS.get(e.field, e.field).lower() for e in errors) + ".", severity="error")
            return
        try:
            if self.customer is None:
                saved = store.create_customer(draft)
            else:
                saved = store.update_customer(self.customer.id, self.version, draft)
        except FieldError as exc:
            self._show_error(exc.field, exc.message)
            self.notify(f"Not saved: {exc}.", severity="error")
            return
        except store.CustomerConflict as exc:
            fields = ", ".join(f"{LABELS.get(f, f).lower()} (theirs: {theirs})" for f, _mine, theirs in exc.differences)
            self.version = exc.current.version
            self.notify(
                f"Someone else saved this customer first; nothing was written. They changed: {fields or 'nothing visible'}. "
                "Your values are still here: ctrl+s again saves them over theirs.",
                severity="warning",
                timeout=12,
            )
            return
        except NotFound as exc:
            self.notify(str(exc), severity="error")
            return
        self._initial = self._raw()
        self.notify(f"Saved '{saved.name}'.")
        self.dismiss(saved.id)

    def action_leave(self) -> None:
        leave_form(self)

    def action_help(self) -> None:
        self.app.push_screen(
            HelpScreen(
                "Customer form",
                "Name (unique), status, tax percent (0-100, shown as its own line on projections) and notes.",
                [("tab", "next field"), ("ctrl+s", "save"), ("escape", "back (asks if unsaved)")],
            )
        )
