"""The text field every form and filter uses."""

from __future__ import annotations

from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import Input


class Field(Input):
    """An Input whose size comes from the stylesheet, never from its text.

    A plain Input marks the whole screen for a new layout on every key (its
    virtual size follows the text), which on a form of thirty widgets costs
    more than the key itself. Here the text's width only scrolls and
    repaints the field: a key echoes as fast as in a screen of one Input.
    """

    virtual_size = Reactive(Size(0, 0), layout=False)
