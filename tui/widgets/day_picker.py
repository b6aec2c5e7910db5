"""Pick weekdays or days of the month with the keyboard."""

from __future__ import annotations

import time

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from billing.labels import WEEKDAY_NAMES, WEEKDAY_SHORT
from billing.schedule import Frequency

MONTH_COLUMNS = 7
MOVE = "move between the days"


class DayPicker(Widget, can_focus=True):
    """Pick weekdays (weekly) or days of the month (monthly) with the keyboard.

    Arrows move, space toggles, `c` clears. Nothing picked means the
    allocation's start weekday or day, as BILLING.md defines.
    """

    BINDINGS = [
        Binding("space", "toggle", "Toggle day", id="day_toggle", tooltip="pick the day, or unpick it"),
        Binding("left", "move(-1)", "Prev", show=False, id="day_left", tooltip=MOVE),
        Binding("right", "move(1)", "Next", show=False, id="day_right", tooltip=MOVE),
        Binding("up", "move_row(-1)", "Up", show=False, id="day_up", tooltip=MOVE),
        Binding("down", "move_row(1)", "Down", show=False, id="day_down", tooltip=MOVE),
        Binding("c", "clear", "Clear days", id="day_clear", tooltip="clear the picked days"),
        Binding("home", "move_to(0)", "First", show=False, id="day_first", tooltip=MOVE),
        Binding("end", "move_to(-1)", "Last", show=False, id="day_last", tooltip=MOVE),
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
        self._typed = ""
        self._typed_at = 0.0
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
            cells = list(enumerate(WEEKDAY_SHORT))
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

    def on_key(self, event: events.Key) -> None:
        """Jump by typing: day numbers (monthly: 3 then 1 is day 31), or a
        weekday's first letter (weekly: t goes to Tue, then Thu)."""
        key = event.character or ""
        if self.frequency is Frequency.MONTHLY and key.isascii() and key.isdigit():
            now = time.monotonic()
            buffer = self._typed
            if now - self._typed_at > 1.0 or len(buffer) >= 2:
                buffer = ""
            buffer += key
            day = int(buffer)
            if not 1 <= day <= 31:
                buffer, day = key, int(key)
            if 1 <= day <= 31:
                self.cursor = day - 1
            self._typed, self._typed_at = buffer, now
            event.stop()
        elif self.frequency is Frequency.WEEKLY and key:
            hits = [i for i, name in enumerate(WEEKDAY_NAMES) if name[0] == key.lower()]
            if hits:
                later = [i for i in hits if i > self.cursor]
                self.cursor = (later or hits)[0]
                event.stop()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def watch_cursor(self) -> None:
        self.refresh()
