"""The package list: paged from the book, filtered as you type, sortable."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from billing.money import format_money, format_price
from store import packages as store

from .widgets import PagedTable, TitleBar

SORT_ORDER = ["name", "retail", "cost", "margin", "frequency", "monthly", "service"]
COLUMNS = [
    # (key, label, width, right-aligned)
    ("name", "Name", 18, False),
    ("retail", "Retail", 7, True),
    ("cost", "Cost", 7, True),
    ("margin", "Margin", 7, True),
    ("frequency", "Frequency", 10, False),
    ("monthly", "/month", 8, True),
    ("service", "Upstream", 9, False),
]
FREQ_SHORT = {"none": "none", "daily": "daily", "weekly": "week", "monthly": "month", "yearly": "yearly"}
PAGE = 100
FIRST = 30  # a screenful, shown at once; the rest of the page follows
PREFETCH = 30


class PackageListScreen(Screen):
    """The first screen: the catalogue."""

    BINDINGS = [
        Binding("n", "new", "New", id="new"),
        Binding("slash", "filter", "Find", id="filter"),
        Binding("d", "archive", "Archive", id="archive"),
        Binding("a", "toggle_archived", "Archived", id="toggle_archived"),
        Binding("s", "sort", "Sort", id="sort"),
        Binding("r", "reverse", "Reverse", show=False, id="reverse"),
        Binding("u", "services", "Upstream", id="services"),
        Binding("question_mark", "help", "Help", show=False, id="help"),
        Binding("f1", "help", "Help", show=False, id="help_f1"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="clear_filter"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.query_state = store.PackageQuery()
        self.rows: list[store.PackageRow] = []
        self.total = 0
        self.exhausted = False
        self.generation = 0
        self.loading = False

    def compose(self) -> ComposeResult:
        yield TitleBar("packdesk · Packages")
        table = PagedTable(id="packages")
        yield table
        yield Static("", id="status", classes="status", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        table = self.query_one(PagedTable)
        table.add_columns(COLUMNS)
        self.reload()
        table.focus()
        if self.total == 0 and not self.query_state.text and store.package_total() == 0:
            self.call_after_refresh(self._offer_demo)

    # --- loading ------------------------------------------------------

    def reload(self, keep_id: int | None = None) -> None:
        """Load a screenful now (an indexed LIMIT query), the rest of the page
        after the frame is drawn, and further pages as the cursor nears the end."""
        self.generation += 1
        first = FIRST if keep_id is None else PAGE
        rows = store.list_packages(self.query_state, None, first)
        self.exhausted = len(rows) < first
        # The count waits for the background page unless the rows are all here.
        if self.exhausted:
            self.total = len(rows)
        elif keep_id is not None:
            self.total = store.count_packages(self.query_state)
        else:
            self.total = None
        self.rows = []
        table = self.query_one(PagedTable)
        table.clear()
        self._append(rows)
        self._update_labels()
        self._update_status()
        if keep_id is not None:
            for index, row in enumerate(self.rows):
                if row.id == keep_id:
                    table.move_cursor(row=index)
                    break
        elif not self.exhausted and len(self.rows) < PAGE:
            self.loading = True
            # After the first frame is on screen, not competing with it.
            self.set_timer(0.2, lambda g=self.generation, after=self.rows[-1], n=PAGE - len(self.rows): self._load_more(g, after, n))

    def _append(self, rows: list[store.PackageRow]) -> None:
        table = self.query_one(PagedTable)
        precision = self.app.book.settings.precision
        for row in rows:
            table.add_row(*self._cells(row, precision), key=str(row.id))
        self.rows.extend(rows)

    def _cells(self, row: store.PackageRow, precision: int) -> list:
        style = "dim strike" if row.archived else ""
        price = lambda value: Text(format_price(value, precision), justify="right", style=style)  # noqa: E731
        margin_style = style + (" red" if row.margin < 0 else "")
        freq = FREQ_SHORT[row.frequency.value]
        if row.match_text:
            freq = f"{freq} {row.match_text}"
        name = row.name + (" (archived)" if row.archived else "")
        return [
            Text(name, style=style, overflow="ellipsis", no_wrap=True),
            price(row.retail),
            price(row.cost),
            Text(format_price(row.margin, precision), justify="right", style=margin_style.strip()),
            Text(freq, style=style, overflow="ellipsis", no_wrap=True),
            Text(format_money(row.monthly_retail, precision), justify="right", style=style),
            Text(row.upstream_service or "", style=style, overflow="ellipsis", no_wrap=True),
        ]

    @work(thread=True, exclusive=True, group="page")
    def _load_more(self, generation: int, after: store.PackageRow, count: int = PAGE) -> None:
        rows = store.list_packages(self.query_state, after, count)
        total = store.count_packages(self.query_state) if self.total is None else None
        self.app.call_from_thread(self._more_loaded, generation, rows, count, total)

    def _more_loaded(self, generation: int, rows: list[store.PackageRow], count: int = PAGE, total: int | None = None) -> None:
        self.loading = False
        if generation != self.generation:
            return
        if total is not None:
            self.total = total
        self.exhausted = len(rows) < count
        self._append(rows)
        self._update_status()
        # The cursor may have reached the end while this page was loading.
        table = self.query_one(PagedTable)
        if not self.exhausted and self.rows and table.cursor_row >= len(self.rows) - PREFETCH:
            self.loading = True
            self._load_more(self.generation, self.rows[-1])

    @on(PagedTable.RowHighlighted)
    def _maybe_more(self, event: PagedTable.RowHighlighted) -> None:
        if self.exhausted or self.loading or not self.rows:
            return
        if event.cursor_row >= len(self.rows) - PREFETCH:
            self.loading = True
            self._load_more(self.generation, self.rows[-1])

    def _update_labels(self) -> None:
        table = self.query_one(PagedTable)
        arrow = " ▼" if self.query_state.descending else " ▲"
        for key, label, _width, _right in COLUMNS:
            table.set_label(key, label + (arrow if key == self.query_state.sort else ""))

    def _update_status(self) -> None:
        q = self.query_state
        parts = [f"{len(self.rows):,} of {self.total:,} shown" if self.total is not None else f"{len(self.rows):,} shown"]
        if q.text:
            parts.append(f"filter '{q.text}'")
        parts.append(f"sorted by {q.sort}{' (reversed)' if q.descending else ''}")
        parts.append("archived shown" if q.show_archived else "archived hidden")
        parts.append(f"today {self.app.today:%Y-%m-%d}")
        self.query_one("#status", Static).update(" · ".join(parts))

    # --- selection ----------------------------------------------------

    def refresh_from_book(self) -> None:
        """Someone else saved: reload, keeping the cursor on the same row."""
        row = self.current()
        self.reload(keep_id=row.id if row else None)

    def current(self) -> store.PackageRow | None:
        table = self.query_one(PagedTable)
        if not self.rows or table.cursor_row < 0 or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    @on(PagedTable.RowSelected)
    def _open(self, event: PagedTable.RowSelected) -> None:
        self.action_open()

    def action_open(self) -> None:
        row = self.current()
        if row is None:
            self.notify("No package here. Press n to add one.")
            return
        fresh = store.get_package(row.id)
        if fresh is None:
            self.notify("That package was deleted by someone else.", severity="warning")
            self.reload()
            return
        from .package_form import PackageFormScreen

        self.app.push_screen(PackageFormScreen(fresh), self._after_form)

    def action_new(self) -> None:
        from .package_form import PackageFormScreen

        self.app.push_screen(PackageFormScreen(None), self._after_form)

    def _after_form(self, saved_id: int | None) -> None:
        self.reload(keep_id=saved_id)
        self.query_one(PagedTable).focus()

    # --- filter, sort, archived -----------------------------------------

    def action_filter(self) -> None:
        # Made on first use: the list's first frame doesn't pay for it.
        found = self.query("#filter")
        if found:
            box = found.first(Input)
        else:
            box = Input(placeholder="/ filter by name", id="filter", compact=True)
            self.mount(box, before=self.query_one(PagedTable))
        box.display = True
        box.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.query_state = store.PackageQuery(
            event.value, self.query_state.sort, self.query_state.descending, self.query_state.show_archived
        )
        self.reload()

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.query_one(PagedTable).focus()

    def action_clear_filter(self) -> None:
        found = self.query("#filter")
        if not found:
            return
        box = found.first(Input)
        if box.value:
            box.value = ""
        box.display = False
        self.query_one(PagedTable).focus()

    def action_sort(self) -> None:
        q = self.query_state
        following = SORT_ORDER[(SORT_ORDER.index(q.sort) + 1) % len(SORT_ORDER)]
        self.query_state = store.PackageQuery(q.text, following, False, q.show_archived)
        self.reload()

    def action_reverse(self) -> None:
        q = self.query_state
        self.query_state = store.PackageQuery(q.text, q.sort, not q.descending, q.show_archived)
        self.reload()

    @on(PagedTable.HeaderSelected)
    def _header(self, event: PagedTable.HeaderSelected) -> None:
        key = event.column_key
        q = self.query_state
        descending = (not q.descending) if key == q.sort else False
        self.query_state = store.PackageQuery(q.text, key, descending, q.show_archived)
        self.reload()

    def action_toggle_archived(self) -> None:
        q = self.query_state
        self.query_state = store.PackageQuery(q.text, q.sort, q.descending, not q.show_archived)
        current = self.current()
        self.reload(keep_id=current.id if current else None)
        self.notify("Archived packages shown." if self.query_state.show_archived else "Archived packages hidden.")

    # --- archive / delete -------------------------------------------------

    def action_archive(self) -> None:
        from .dialogs import ChoiceScreen

        row = self.current()
        if row is None:
            return
        row = store.get_package(row.id)
        if row is None:
            self.reload()
            return
        used = store.allocation_count(row.id)
        if row.archived:
            dialog = ChoiceScreen(
                "Unarchive package",
                f"'{row.name}' is archived. Unarchive it so it is offered for new allocations again?",
                [("y", "Unarchive", "unarchive")],
            )
        elif used:
            dialog = ChoiceScreen(
                "Archive package",
                f"Archive '{row.name}'? It has {used} allocation(s): they keep being charged, "
                "but it is no longer offered for new allocations.",
                [("y", "Archive", "archive")],
            )
        else:
            dialog = ChoiceScreen(
                "Archive or delete package",
                f"'{row.name}' was never allocated. Archive it (kept, hidden from new "
                "allocations) or delete it for good?",
                [("y", "Archive", "archive"), ("x", "Delete", "delete")],
                danger="delete",
            )

        def decided(choice: str | None) -> None:
            if choice is None:
                return
            try:
                if choice == "delete":
                    store.delete_package(row.id)
                    self.notify(f"Deleted '{row.name}'.")
                else:
                    store.set_archived(row.id, row.version, choice == "archive")
                    self.notify(f"{'Archived' if choice == 'archive' else 'Unarchived'} '{row.name}'.")
            except store.StoreError as exc:
                self.notify(str(exc), severity="error", timeout=8)
            self.reload(keep_id=row.id)

        self.app.push_screen(dialog, decided)

    # --- other screens ------------------------------------------------

    def action_services(self) -> None:
        from .services import ServicesScreen

        self.app.push_screen(ServicesScreen(), lambda _: self.reload())

    def _offer_demo(self) -> None:
        from .dialogs import ChoiceScreen

        def decided(choice: str | None) -> None:
            if choice == "yes":
                from store.demo import load_demo

                added = load_demo()
                self.notify(f"Loaded {added} demo packages.")
                self.reload()

        self.app.push_screen(
            ChoiceScreen(
                "Welcome to packdesk",
                f"This book is empty ({self.app.book.path}).\nLoad a handful of demo telecom "
                "packages to look around? You can archive or delete them later.",
                [("y", "Load demo data", "yes")],
            ),
            decided,
        )

    def action_help(self) -> None:
        from .dialogs import HelpScreen

        self.app.push_screen(
            HelpScreen(
                "Packages",
                "The package catalogue. Retail is what the customer pays per charge, cost what "
                "the provider charges you; /month is the monthly-equivalent retail. Archived "
                "packages are struck through.",
                [
                    ("up/down, pgup/pgdn", "move (more rows load as you go)"),
                    ("enter", "open the package to edit it"),
                    ("n", "new package"),
                    ("/", "filter by name as you type (escape clears)"),
                    ("s / r", "sort by the next column / reverse the order"),
                    ("a", "show or hide archived packages"),
                    ("d", "archive (or delete one never allocated)"),
                    ("u", "upstream services"),
                    ("ctrl+p", "command palette"),
                    ("?, f1", "this help"),
                    ("ctrl+q", "quit packdesk"),
                ],
            )
        )
