"""Widgets packdesk's screens share: the day picker and the paged table."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import DataTable

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

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def watch_cursor(self) -> None:
        self.refresh()


class PagedTable(DataTable):
    """A row-cursor DataTable whose `enter` shows in the footer as Open."""

    BINDINGS = [
        Binding("enter", "select_cursor", "Open", id="open"),
        Binding("end", "scroll_bottom", "Last row", show=False, id="last_row"),
        Binding("home", "scroll_top", "First row", show=False, id="first_row"),
    ]


class TitleBar(Widget):
    """The screen's title on the left, the keys that always work on the right."""

    DEFAULT_CSS = """
    TitleBar { height: 1; layout: horizontal; }
    TitleBar > .title-left { width: 1fr; }
    TitleBar > .title-right { width: auto; }
    """

    def __init__(self, title: str, hint: str = "f2 packages f3 customers f4 projection  ? help"):
        super().__init__(classes="title")
        self._title = title
        self._hint = hint

    def compose(self):
        from textual.widgets import Static

        yield Static(self._title, id="title", classes="title-left", markup=False)
        yield Static(self._hint, classes="title-right", markup=False)
