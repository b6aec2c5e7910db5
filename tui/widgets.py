"""Widgets packdesk's screens share: the day picker and the paged table."""

from __future__ import annotations

from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Checkbox, Input
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from billing.schedule import Frequency

WEEKDAY_LABELS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
MONTH_COLUMNS = 7


class DayPicker(Widget, can_focus=True):
    """Pick weekdays (weekly) or days of the month (monthly) with the keyboard.

    Arrows move, space toggles, `c` clears. Nothing picked means the
    allocation's start weekday or day, as BILLING.md defines.
    """

    BINDINGS = [
        Binding("space", "toggle", "Toggle day", id="day_toggle"),
        Binding("left", "move(-1)", "Prev", show=False, id="day_left"),
        Binding("right", "move(1)", "Next", show=False, id="day_right"),
        Binding("up", "move_row(-1)", "Up", show=False, id="day_up"),
        Binding("down", "move_row(1)", "Down", show=False, id="day_down"),
        Binding("c", "clear", "Clear days", id="day_clear"),
        Binding("home", "move_to(0)", "First", show=False, id="day_first"),
        Binding("end", "move_to(-1)", "Last", show=False, id="day_last"),
    ]

    DEFAULT_CSS = """
    DayPicker { height: auto; width: 1fr; }
    """

    frequency: reactive[Frequency] = reactive(Frequency.MONTHLY, layout=True)
    cursor: reactive[int] = reactive(0)

    class Changed(Message):
        def __init__(self, picker: "DayPicker", days: tuple[int, ...]):
            super().__init__()
            self.picker = picker
            self.days = days

        @property
        def control(self) -> "DayPicker":
            return self.picker

    def __init__(self, frequency: Frequency, days: tuple[int, ...] = (), *, id: str | None = None):
        super().__init__(id=id)
        self._days: set[int] = set(days)
        self.set_reactive(DayPicker.frequency, frequency)

    @property
    def days(self) -> tuple[int, ...]:
        return tuple(sorted(self._days))

    def set_days(self, days: tuple[int, ...]) -> None:
        self._days = set(days)
        self.refresh()

    @property
    def _count(self) -> int:
        return 7 if self.frequency is Frequency.WEEKLY else 31

    def _value(self, index: int) -> int:
        # weekly: 0 = Monday .. 6; monthly: 1..31
        return index if self.frequency is Frequency.WEEKLY else index + 1

    def watch_frequency(self, old: Frequency, new: Frequency) -> None:
        if old is not new:
            self._days = set()
            self.cursor = 0

    def render(self) -> Text:
        text = Text()
        focused = self.has_focus
        if self.frequency is Frequency.WEEKLY:
            cells = [(i, WEEKDAY_LABELS[i]) for i in range(7)]
            per_row = 7
        else:
            cells = [(i, f"{i + 1:>2}") for i in range(31)]
            per_row = MONTH_COLUMNS
        for n, (index, label) in enumerate(cells):
            if n and n % per_row == 0:
                text.append("\n")
            picked = self._value(index) in self._days
            style = "bold reverse" if picked else ""
            if focused and index == self.cursor:
                style += " underline"
            text.append("[" if picked else " ")
            text.append(label, style=style.strip())
            text.append("]" if picked else " ")
        return text

    def action_move(self, step: int) -> None:
        self.cursor = (self.cursor + step) % self._count

    def action_move_to(self, index: int) -> None:
        self.cursor = index % self._count

    def action_move_row(self, step: int) -> None:
        if self.frequency is Frequency.WEEKLY:
            return
        target = self.cursor + step * MONTH_COLUMNS
        if 0 <= target < self._count:
            self.cursor = target

    def action_toggle(self) -> None:
        value = self._value(self.cursor)
        if value in self._days:
            self._days.discard(value)
        else:
            self._days.add(value)
        self.refresh()
        self.post_message(self.Changed(self, self.days))

    def action_clear(self) -> None:
        self._days.clear()
        self.refresh()
        self.post_message(self.Changed(self, self.days))

    def on_key(self, event) -> None:
        """Jump by typing: day numbers (monthly: 3 then 1 is day 31), or a
        weekday's first letter (weekly: t goes to Tue, then Thu)."""
        import time

        key = event.character or ""
        if self.frequency is Frequency.MONTHLY and key.isascii() and key.isdigit():
            now = time.monotonic()
            buffer = getattr(self, "_typed", "")
            if now - getattr(self, "_typed_at", 0.0) > 1.0 or len(buffer) >= 2:
                buffer = ""
            buffer += key
            day = int(buffer)
            if not 1 <= day <= 31:
                buffer, day = key, int(key)
            if 1 <= day <= 31:
                self.cursor = day - 1
            self._typed, self._typed_at = buffer, now
            event.stop()
        elif self.frequency is Frequency.WEEKLY and key.lower() in "mtwfs" and key:
            names = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
            hits = [i for i, name in enumerate(names) if name[0] == key.lower()]
            later = [i for i in hits if i > self.cursor]
            self.cursor = (later or hits)[0]
            event.stop()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def watch_cursor(self) -> None:
        self.refresh()


@dataclass
class Column:
    key: str
    label: str
    width: int
    right: bool = False


class PagedTable(ScrollView, can_focus=True):
    """A row-cursor table drawn with the Line API: each visible line is built
    from plain text and one style per cell, so a screenful costs well under a
    millisecond and rows can be appended a page at a time.

    The subset of DataTable's API packdesk's lists use: add_column, add_row,
    clear, row_count, cursor_row, move_cursor, get_row_at, set_label, and the
    RowHighlighted / RowSelected / HeaderSelected messages.
    """

    BINDINGS = [
        Binding("enter", "select_cursor", "Open", id="open"),
        Binding("up", "cursor(-1)", "Up", show=False, id="row_up"),
        Binding("down", "cursor(1)", "Down", show=False, id="row_down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="page_down"),
        Binding("home,ctrl+home", "first", "First row", show=False, id="first_row"),
        Binding("end,ctrl+end", "last", "Last row", show=False, id="last_row"),
    ]

    COMPONENT_CLASSES = {"paged-table--header", "paged-table--cursor", "paged-table--cursor-blurred"}

    DEFAULT_CSS = """
    PagedTable { background: $surface; height: 1fr; }
    PagedTable > .paged-table--header { text-style: bold; background: $panel; color: $foreground; }
    PagedTable > .paged-table--cursor { background: $block-cursor-background; color: $block-cursor-foreground; text-style: bold; }
    PagedTable > .paged-table--cursor-blurred { background: $block-cursor-blurred-background; }
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

    def add_column(self, label, *, key: str, width: int) -> None:
        right = isinstance(label, Text) and label.justify == "right"
        self.columns[key] = Column(key, str(label), width, right)
        self._resize()

    def add_columns(self, columns) -> None:
        """Columns from (key, label, width, right-aligned) rows."""
        for key, label, width, right in columns:
            self.add_column(Text(label, justify="right") if right else label, key=key, width=width)

    def set_label(self, key: str, label: str) -> None:
        self.columns[key].label = label
        self._line_cache.clear()
        self.refresh()

    def add_row(self, *cells, key: str | None = None) -> None:
        prepared = []
        for cell in cells:
            if isinstance(cell, Text):
                prepared.append((cell.plain, str(cell.style) if cell.style else ""))
            else:
                prepared.append((str(cell), ""))
        self._rows.append(tuple(prepared))
        self._cells.append(cells)
        self._keys.append(key)
        if not self._resize_pending:
            # One resize for a whole page of rows, not one per row.
            self._resize_pending = True
            self.call_later(self._resize)

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
        width = sum(c.width + 2 for c in self.columns.values())
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

    def on_click(self, event) -> None:
        y = event.y
        if y == 0:
            x = event.x + int(self.scroll_x)
            for column in self.columns.values():
                if x < column.width + 2:
                    self.post_message(self.HeaderSelected(self, column.key))
                    return
                x -= column.width + 2
            return
        row = int(self.scroll_y) + y - 1
        if 0 <= row < len(self._rows):
            if row == self.cursor_row and event.chain >= 2:
                self.action_select_cursor()
            self.move_cursor(row=row)

    def watch_scroll_y(self, old: float, new: float) -> None:
        self._line_cache.clear()
        super().watch_scroll_y(old, new)

    def on_focus(self) -> None:
        self._line_cache.clear()
        self.refresh()

    def on_blur(self) -> None:
        self._line_cache.clear()
        self.refresh()

    # --- drawing ------------------------------------------------------------

    def _cell_text(self, text: str, column: Column) -> str:
        width = column.width
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


class TitleBar(Widget):
    """The screen's title on the left, the keys that always work on the right."""

    DEFAULT_CSS = """
    TitleBar { height: 1; layout: horizontal; }
    TitleBar > .title-left { width: 1fr; }
    TitleBar > .title-right { width: auto; }
    """

    def __init__(self, title: str, hint: str = "f2 pkgs f3 custs f4 proj f5 run f6 audit ? help"):
        super().__init__(classes="title")
        self._title = title
        self._hint = hint

    def compose(self):
        from textual.widgets import Static

        yield Static(self._title, id="title", classes="title-left", markup=False)
        yield Static(self._hint, classes="title-right", markup=False)


class FilteredTableScreen(Screen):
    """A screen with a PagedTable and a `/` filter box (#filter) above it:
    `/` shows the box, enter goes back to the table, and `close_filter()`
    (escape) clears and hides it."""

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.focus()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        self.query_one(PagedTable).focus()

    def close_filter(self) -> bool:
        """Clear and hide the box; False when it wasn't open."""
        box = self.query_one("#filter", Input)
        if not box.display:
            return False
        if box.value:
            box.value = ""
        box.display = False
        self.query_one(PagedTable).focus()
        return True


class Tick(Checkbox):
    """A checkbox that shows its X only when ticked, so it reads the same
    without colour (NO_COLOR, a monochrome terminal) as with it."""

    @property
    def BUTTON_INNER(self) -> str:  # noqa: N802 - Textual reads this name
        return "X" if self.value else " "
