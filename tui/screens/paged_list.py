"""The base of every list screen: rows paged in from the book as the cursor
moves, a `/` filter box, sorting, refreshing when the book changes, and a
word on enter when the list is empty."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.widgets import Input, Static

from ..widgets.field import Field
from ..widgets.paged_table import PagedTable
from .base import PackdeskScreen, key_help
from .help import key_for


class PagedListScreen(PackdeskScreen):
    """A PagedTable of rows from the book. A subclass says what a page is
    (`fetch`), how a row reads (`cells`) and what enter does (`open_row`);
    `compose` places `list_widgets()`; `mounted()` runs after the first load."""

    BINDINGS = [key_help()]

    TABLE_ID: ClassVar[str] = "list"
    #: (key, label, width, right-aligned[, share of the spare width]) of each
    #: column: a name or reference column grows with the terminal, a figure never.
    COLUMNS: ClassVar[tuple[tuple, ...]] = ()
    #: Rows a page; None: one fetch gives every row.
    PAGE: ClassVar[int | None] = 200
    #: Rows shown at once when the list opens (the rest of the first page follows
    #: after the frame is drawn); None: the whole first page at once.
    FIRST: ClassVar[int | None] = None
    #: The next page loads when the cursor is this close to the last row loaded.
    PREFETCH: ClassVar[int] = 40
    #: The filter box's placeholder; None: the list has no filter.
    FILTER: ClassVar[str | None] = None
    #: Make the filter box on first use (the first frame doesn't pay for it).
    FILTER_ON_USE: ClassVar[bool] = False
    #: What `s` cycles through, the first being the default.
    SORTS: ClassVar[tuple[str, ...]] = ()
    #: Said on enter when the list is empty; {new} is the key that adds a row.
    EMPTY: ClassVar[str] = ""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[Any] = []
        self.total: int | None = 0
        self.exhausted = False
        self.paging = False
        self.generation = 0
        self.text = ""
        self.sort = self.SORTS[0] if self.SORTS else ""
        self.descending = False

    # --- what a subclass says ------------------------------------------------

    def fetch(self, after: Any, limit: int | None) -> list:
        """Up to `limit` rows following `after` (the last row loaded, or None)."""
        raise NotImplementedError

    def count(self) -> int | None:
        """How many rows the list has in all (None: not counted)."""
        return None

    def cells(self, row: Any) -> list:
        raise NotImplementedError

    def open_row(self, row: Any) -> None:
        """Enter on a row."""

    def reloaded(self) -> None:
        """After each reload (headings, summaries)."""

    def mounted(self) -> None:
        """After the first load."""

    def status_parts(self) -> list[str]:
        shown = f"{len(self.rows):,} of {self.total:,} shown" if self.total is not None else f"{len(self.rows):,} shown"
        parts = [shown]
        if self.text:
            parts.append(f"filter '{self.text}'")
        if self.SORTS:
            parts.append(f"sorted by {self.sort}{' (reversed)' if self.descending else ''}")
        return parts

    # --- layout ------------------------------------------------------------------

    def list_widgets(self, status: bool = True) -> ComposeResult:
        """The filter box (unless made on first use), the table and the status line."""
        if self.FILTER and not self.FILTER_ON_USE:
            yield Field(placeholder=self.FILTER, id="filter", compact=True)
        yield PagedTable(id=self.TABLE_ID)
        if status:
            yield Static("", id="status", classes="status", markup=False)

    @property
    def table(self) -> PagedTable:
        return self.query_one(PagedTable)

    def on_mount(self) -> None:
        table = self.table
        table.add_columns(self.COLUMNS)
        for box in self.query("#filter").results(Input):
            box.display = False
        self.reload()
        table.focus()
        self.mounted()

    # --- loading -----------------------------------------------------------------

    def reload(self, keep_id: int | None = None) -> None:
        """Load the first page again (a screenful first, when FIRST says so), the
        cursor on `keep_id`'s row; more pages follow as the cursor nears the end."""
        self.generation += 1
        first = self.PAGE if keep_id is not None or not self.FIRST else self.FIRST
        rows = self.fetch(None, first)
        self.exhausted = first is None or len(rows) < first
        if self.exhausted:
            self.total = len(rows)
        elif self.FIRST and keep_id is None:
            self.total = None  # counted with the rest of the page, after the first frame
        else:
            self.total = self.count()
        self.rows = []
        table = self.table
        table.clear()
        self._append(rows)
        self.reloaded()
        self.show_status()
        if keep_id is not None:
            self.move_to(keep_id)
        elif not self.exhausted and len(self.rows) < self.PAGE:
            self.paging = True
            # After the first frame is on screen, not competing with it.
            self.set_timer(0.2, lambda g=self.generation, n=self.PAGE - len(self.rows): self._load_more(g, self.rows[-1], n))

    def move_to(self, row_id: int) -> None:
        for index, row in enumerate(self.rows):
            if row.id == row_id:
                self.table.move_cursor(row=index)
                return

    def _append(self, rows: list) -> None:
        table = self.table
        for row in rows:
            table.add_row(*self.cells(row), key=str(getattr(row, "id", "")) or None)
        self.rows.extend(rows)

    @work(thread=True, exclusive=True, group="page")
    def _load_more(self, generation: int, after: Any, limit: int) -> None:
        rows = self.fetch(after, limit)
        total = self.count() if self.total is None else None
        self.app.call_from_thread(self._more_loaded, generation, rows, limit, total)

    def _more_loaded(self, generation: int, rows: list, limit: int, total: int | None) -> None:
        self.paging = False
        if generation != self.generation:
            return
        if total is not None:
            self.total = total
        self.exhausted = len(rows) < limit
        self._append(rows)
        self.show_status()
        # The cursor may have reached the end while this page was loading.
        self._maybe_more(self.table.cursor_row)

    def _maybe_more(self, cursor_row: int) -> None:
        if self.exhausted or self.paging or not self.rows:
            return
        if cursor_row >= len(self.rows) - self.PREFETCH:
            self.paging = True
            self._load_more(self.generation, self.rows[-1], self.PAGE)

    @on(PagedTable.RowHighlighted)
    def _row_highlighted(self, event: PagedTable.RowHighlighted) -> None:
        self._maybe_more(event.cursor_row)

    def show_status(self) -> None:
        for status in self.query("#status").results(Static):
            status.update(" · ".join(self.status_parts()))

    def refresh_from_book(self) -> None:
        """Someone else saved: reload, keeping the cursor on the same row.
        A screen still being put up has no table yet: it reads the book as it mounts."""
        if not self.is_mounted:
            return
        row = self.current()
        self.reload(keep_id=getattr(row, "id", None) if row is not None else None)

    # --- the row under the cursor ----------------------------------------------------

    def current(self) -> Any:
        cursor = self.table.cursor_row
        if not self.rows or not 0 <= cursor < len(self.rows):
            return None
        return self.rows[cursor]

    @on(PagedTable.RowSelected)
    def _row_selected(self) -> None:
        row = self.current()
        if row is not None:
            self.open_row(row)
        elif self.EMPTY:
            self.notify(self.EMPTY.format(new=key_for(self, "new") or "n"))

    # --- filter and sort -----------------------------------------------------------------

    def action_filter(self) -> None:
        found = self.query("#filter").results(Input)
        box = next(iter(found), None)
        if box is None:
            box = Field(placeholder=self.FILTER, id="filter", compact=True)
            self.mount(box, before=self.table)
        box.display = True
        box.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.text = event.value
        self.reload()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        self.table.focus()

    def close_filter(self) -> bool:
        """Clear and hide the filter box; False when it wasn't open."""
        box = next(iter(self.query("#filter").results(Input)), None)
        if box is None or not box.display:
            return False
        if box.value:
            box.value = ""
        box.display = False
        self.table.focus()
        return True

    def action_clear_filter(self) -> None:
        self.close_filter()

    def action_back(self) -> None:
        """Escape: close the filter box, else leave the screen."""
        if not self.close_filter():
            self.dismiss(None)

    def action_sort(self) -> None:
        self.sort = self.SORTS[(self.SORTS.index(self.sort) + 1) % len(self.SORTS)]
        self.descending = False
        self.reload()

    def action_reverse(self) -> None:
        self.descending = not self.descending
        self.reload()

    @on(PagedTable.HeaderSelected)
    def _header(self, event: PagedTable.HeaderSelected) -> None:
        if event.column_key in self.SORTS:
            self.descending = (not self.descending) if event.column_key == self.sort else False
            self.sort = event.column_key
            self.reload()
