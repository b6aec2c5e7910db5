"""A row-cursor table drawn with the Line API, filled a page at a time."""

from __future__ import annotations

from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

MOVE = "move the cursor (a long list loads more rows as you go)"


@dataclass
class Column:
    key: str
    label: str
    #: The width asked for (what an 80-column terminal shows).
    width: int
    right: bool = False
    #: Share of the spare width this column takes when the terminal is wider
    #: (names and references: 0 for figures, which never need more).
    grow: int = 0
    #: The width drawn (width, plus its share of the spare width).
    shown: int = 0


class PagedTable(ScrollView, can_focus=True):
    """A row-cursor table drawn with the Line API: each visible line is built
    from plain text and one style per cell, so a screenful costs well under a
    millisecond and rows can be appended a page at a time.

    The subset of DataTable's API packdesk's lists use: add_column, add_row,
    update_row, clear, row_count, cursor_row, move_cursor, get_row_at,
    set_label, and the RowHighlighted / RowSelected / HeaderSelected messages.
    """

    BINDINGS = [
        Binding("enter", "select_cursor", "Open", id="open", tooltip="open the row"),
        Binding("up", "cursor(-1)", "Up", show=False, id="row_up", tooltip=MOVE),
        Binding("down", "cursor(1)", "Down", show=False, id="row_down", tooltip=MOVE),
        Binding("pageup", "page(-1)", "Page up", show=False, id="page_up", tooltip=MOVE),
        Binding("pagedown", "page(1)", "Page down", show=False, id="page_down", tooltip=MOVE),
        Binding("home,ctrl+home", "first", "First row", show=False, id="first_row", tooltip=MOVE),
        Binding("end,ctrl+end", "last", "Last row", show=False, id="last_row", tooltip=MOVE),
    ]

    COMPONENT_CLASSES = {"paged-table--header", "paged-table--cursor", "paged-table--cursor-blurred"}

    DEFAULT_CSS = """
    PagedTable { background: $surface; height: 1fr; }
    PagedTable > .paged-table--header { text-style: bold; background: $panel; color: $foreground; }
    PagedTable > .paged-table--cursor { background: $block-cursor-background; color: $block-cursor-foreground; text-style: bold; }
    PagedTable > .paged-table--cursor-blurred { background: $block-cursor-blurred-background; }
    /* 16 colours or none (tui.legible): the cursor row in reverse video, underlined when the list is not focused. */
    PagedTable:ansi:focus > .paged-table--cursor { background: ansi_default; color: ansi_default; text-style: reverse bold; }
    PagedTable:ansi > .paged-table--cursor-blurred { text-style: underline; }
    """

    class RowHighlighted(Message):
        def __init__(self, table: "PagedTable", cursor_row: int):
            super().__init__()
            self.table = table
            self.cursor_row = cursor_row

        @property
        def control(self) -> "PagedTable":
            return self.table

    class RowSelected(RowHighlighted):
        pass

    class HeaderSelected(Message):
        def __init__(self, table: "PagedTable", column_key: str):
            super().__init__()
            self.table = table
            self.column_key = column_key

        @property
        def control(self) -> "PagedTable":
            return self.table

    def __init__(self, *, id: str | None = None, **_ignored) -> None:
        super().__init__(id=id)
        self.columns: dict[str, Column] = {}
        self._rows: list[tuple[tuple[str, str], ...]] = []
        self._keys: list[str | None] = []
        self._cells: list[tuple] = []
        self.cursor_row = 0
        self._line_cache: dict = {}
        self._resize_pending = False

    # --- data ---------------------------------------------------------------

    def add_column(self, label, *, key: str, width: int, grow: int = 0) -> None:
        right = isinstance(label, Text) and label.justify == "right"
        self.columns[key] = Column(key, str(label), width, right, grow, width)
        self._resize()

    def add_columns(self, columns) -> None:
        """Columns from (key, label, width, right-aligned[, grow]) rows: `grow`
        is the column's share of the spare width of a wider terminal."""
        for key, label, width, right, *grow in columns:
            self.add_column(Text(label, justify="right") if right else label, key=key, width=width, grow=grow[0] if grow else 0)

    def _fit(self) -> None:
        """Give the width the columns don't need to those that grow, by their shares."""
        columns = list(self.columns.values())
        room = self.size.width - self.styles.scrollbar_size_vertical  # kept for the scrollbar, shown or not
        spare = room - sum(c.width + 2 for c in columns)
        shares = sum(c.grow for c in columns)
        given = 0
        for column in columns:
            extra = spare * column.grow // shares if spare > 0 and shares else 0
            column.shown = column.width + extra
            given += extra
        if spare > 0 and shares:  # what the division left over goes to the last that grows
            last = [c for c in columns if c.grow][-1]
            last.shown += spare - given

    def set_label(self, key: str, label: str) -> None:
        self.columns[key].label = label
        self._line_cache.clear()
        self.refresh()

    @staticmethod
    def _prepared(cells) -> tuple[tuple[str, str], ...]:
        """Each cell's plain text and style, as render_line draws them."""
        prepared = []
        for cell in cells:
            if isinstance(cell, Text):
                prepared.append((cell.plain, str(cell.style) if cell.style else ""))
            else:
                prepared.append((str(cell), ""))
        return tuple(prepared)

    def add_row(self, *cells, key: str | None = None) -> None:
        self._rows.append(self._prepared(cells))
        self._cells.append(cells)
        self._keys.append(key)
        if not self._resize_pending:
            # One resize for a whole page of rows, not one per row.
            self._resize_pending = True
            self.call_later(self._resize)

    def update_row(self, index: int, *cells) -> None:
        """New cells for the row at `index` (a figure worked out after the row was added)."""
        self._rows[index] = self._prepared(cells)
        self._cells[index] = cells
        self._line_cache.clear()
        self.refresh()

    def clear(self) -> None:
        self._rows.clear()
        self._cells.clear()
        self._keys.clear()
        self.cursor_row = 0
        self._line_cache.clear()
        self.scroll_to(y=0, animate=False, immediate=True)
        self._resize()

    @property
    def row_count(self) -> int:
        return len(self._rows)

    def get_row_at(self, index: int) -> list:
        return list(self._cells[index])

    def _resize(self) -> None:
        self._resize_pending = False
        self._fit()
        width = sum(c.shown + 2 for c in self.columns.values())
        self.virtual_size = Size(width, len(self._rows) + 1)
        self._line_cache.clear()
        self.refresh()

    # --- cursor -------------------------------------------------------------

    def move_cursor(self, *, row: int, scroll: bool = True) -> None:
        if not self._rows:
            self.cursor_row = 0
            return
        row = max(0, min(row, len(self._rows) - 1))
        self.cursor_row = row
        if scroll:
            self._scroll_to_cursor()
        self._line_cache.clear()
        self.refresh()
        self.post_message(self.RowHighlighted(self, row))

    def _visible_rows(self) -> int:
        return max(1, self.size.height - 1)

    def _scroll_to_cursor(self) -> None:
        top = int(self.scroll_y)
        visible = self._visible_rows()
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + visible:
            self.scroll_to(y=self.cursor_row - visible + 1, animate=False, immediate=True)

    def action_cursor(self, step: int) -> None:
        self.move_cursor(row=self.cursor_row + step)

    def action_page(self, step: int) -> None:
        self.move_cursor(row=self.cursor_row + step * self._visible_rows())

    def action_first(self) -> None:
        self.move_cursor(row=0)

    def action_last(self) -> None:
        self.move_cursor(row=len(self._rows) - 1)

    def action_select_cursor(self) -> None:
        # Posted on an empty table too: the screen says how to add a row.
        self.post_message(self.RowSelected(self, self.cursor_row))

    def on_click(self, event: events.Click) -> None:
        y = event.y
        if y == 0:
            x = event.x + int(self.scroll_x)
            for column in self.columns.values():
                if x < column.shown + 2:
                    self.post_message(self.HeaderSelected(self, column.key))
                    return
                x -= column.shown + 2
            return
        row = int(self.scroll_y) + y - 1
        if 0 <= row < len(self._rows):
            if row == self.cursor_row and event.chain >= 2:
                self.action_select_cursor()
            self.move_cursor(row=row)

    def on_resize(self) -> None:
        self._resize()

    def watch_scroll_y(self, old: float, new: float) -> None:
        self._line_cache.clear()
        super().watch_scroll_y(old, new)

    def on_focus(self) -> None:
        self._line_cache.clear()
        self.refresh()

    def on_blur(self) -> None:
        self._line_cache.clear()
        self.refresh()

    def notify_style_update(self) -> None:
        """A new theme (or stylesheet): the cached lines carry the old colours."""
        self._line_cache.clear()
        super().notify_style_update()

    # --- drawing ------------------------------------------------------------

    def _cell_text(self, text: str, column: Column) -> str:
        width = column.shown
        if len(text) > width:
            text = text[: max(0, width - 1)] + "…"
        return " " + (text.rjust(width) if column.right else text.ljust(width)) + " "

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        scroll_x = int(self.scroll_x)
        if y == 0:
            key = ("header", width, scroll_x)
        else:
            index = int(self.scroll_y) + y - 1
            key = (index, width, scroll_x, index == self.cursor_row, self.has_focus)
        cached = self._line_cache.get(key)
        if cached is not None:
            return cached
        base = self.rich_style
        if y == 0:
            style = self.get_component_rich_style("paged-table--header")
            segments = [Segment(self._cell_text(c.label, c), base + style) for c in self.columns.values()]
        else:
            index = key[0]
            if index >= len(self._rows):
                strip = Strip.blank(width, base)
                self._line_cache[key] = strip
                return strip
            row = self._rows[index]
            cursor = None
            if index == self.cursor_row:
                cursor = self.get_component_rich_style(
                    "paged-table--cursor" if self.has_focus else "paged-table--cursor-blurred"
                )
            segments = []
            for (text, cell_style), column in zip(row, self.columns.values()):
                style = base + Style.parse(cell_style) if cell_style else base
                if cursor is not None:
                    style = style + cursor
                segments.append(Segment(self._cell_text(text, column), style))
        strip = Strip(segments).crop_extend(scroll_x, scroll_x + width, base)
        self._line_cache[key] = strip
        return strip
