"""A long table drawn with the Line API: only the lines on screen are ever
rendered, so a projection of 729 lines costs what a screenful costs."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget

BOLD = Style(bold=True)


class LineTable(Widget):
    """Fixed-width columns of plain text; a header line, then the rows.

    `columns`: (label, width, right-aligned). A row is a tuple of cell texts,
    optionally with a style per cell as (text, style)."""

    DEFAULT_CSS = "LineTable { height: auto; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._columns: tuple = ()
        self._title = ""
        self._rows: list[tuple] = []

    @property
    def rows(self) -> list[tuple]:
        return self._rows

    def set_rows(self, columns, rows: list[tuple], title: str = "") -> None:
        self._columns = tuple(columns)
        self._rows = rows
        self._title = title
        self.refresh(layout=True)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if not self._columns:
            return 0
        return len(self._rows) + 1 + (1 if self._title else 0)

    def _cells(self, cells, style: Style | None) -> Strip:
        segments = []
        for (label, width, right), cell in zip(self._columns, cells):
            text, cell_style = (cell if isinstance(cell, tuple) else (cell, None))
            text = text if len(text) <= width else text[: max(0, width - 1)] + "…"
            segments.append(Segment((text.rjust(width) if right else text.ljust(width)) + " ", cell_style or style))
        return Strip(segments)

    def render_line(self, y: int) -> Strip:
        if self._title:
            if y == 0:
                return Strip([Segment(self._title, BOLD)])
            y -= 1
        if y == 0:
            return self._cells([label for label, _w, _r in self._columns], BOLD)
        index = y - 1
        if 0 <= index < len(self._rows):
            return self._cells(self._rows[index], None)
        return Strip.blank(self.size.width)

    def text(self) -> str:
        """Every line as plain text (what scrolling through it would show)."""
        return "\n".join(self.render_line(y).text.rstrip() for y in range(self.get_content_height(Size(0, 0), Size(0, 0), 0)))
