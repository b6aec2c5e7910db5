"""Help for a screen: what it is for, and its keys as they are bound at run
time, read from the bindings of the screen, its widgets and the app (a key
remapped through Textual's keymap is documented as remapped)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen
from textual.widgets import Label, Static


def bound(node: DOMNode) -> list[tuple[Binding, list[str]]]:
    """Each binding of `node` that has an id, in the order declared, with the
    keys it is bound to now (as shown in the footer).

    The keymap is applied the way Textual applies it when a key is pressed
    (Screen._binding_chain): to a copy of the node's bindings.
    """
    app = node.app
    current = node._bindings.copy()
    if app._keymap:
        current.apply_keymap(app._keymap)
    keys: dict[str, list[Binding]] = {}
    for bindings in current.key_to_bindings.values():
        for binding in bindings:
            if binding.id:
                keys.setdefault(binding.id, []).append(binding)
    # The class's own keys first, then those it inherits.
    order: list[str] = []
    for cls in type(node).__mro__:
        for binding in cls.__dict__.get("BINDINGS", ()):
            if isinstance(binding, Binding) and binding.id and binding.id not in order:
                order.append(binding.id)
    order += [i for i in keys if i not in order]  # bound at run time (App.bind)
    return [(keys[i][0], [app.get_key_display(b) for b in keys[i]]) for i in order if i in keys]


def key_for(node: DOMNode, action: str) -> str | None:
    """The key (as displayed) that runs `action` on `node` now, if any."""
    for binding, keys in bound(node):
        if binding.action == action:
            return keys[0]
    return None


def key_rows(screen, words_for: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """(keys, what they do) for the screen, its widgets and the app, in that
    order; keys that do the same share a row. `words_for` gives the words of a
    widget's binding (by id) where the screen gives it its meaning ("": the
    key does nothing here, and is left out)."""
    words_for = words_for or {}
    nodes: list[DOMNode] = [screen]
    kinds: set[type] = set()
    for widget in screen.query("*"):
        if type(widget) not in kinds and any(b.id for bs in widget._bindings.key_to_bindings.values() for b in bs):
            kinds.add(type(widget))
            nodes.append(widget)
    nodes.append(screen.app)
    rows: dict[str, list[str]] = {}
    for node in nodes:
        for binding, keys in bound(node):
            if words_for.get(binding.id, None) == "":
                continue  # a key that does nothing on this screen
            words = words_for.get(binding.id) or binding.tooltip or binding.description
            shown = rows.setdefault(words, [])
            shown += [key for key in keys if key not in shown]
    return [(", ".join(keys), words) for words, keys in rows.items()]


#: The key column's width at most: a row of many keys wraps.
KEYS_WIDTH = 16


class HelpScreen(ModalScreen[None]):
    """Keys of the screen it was opened from, and what the screen is for."""

    BINDINGS = [
        Binding("escape", "close", "Close", id="close"),
        Binding("question_mark", "close", "Close", show=False, id="close_q"),
        Binding("f1", "close", "Close", show=False, id="close_f1"),
    ]

    def __init__(self, title: str, about: str, keys: list[tuple[str, str]]):
        super().__init__()
        self.title_text = title
        self.about = about
        self.keys = keys

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=False, expand=False, padding=(0, 2, 0, 0))
        table.add_column(style="bold", max_width=KEYS_WIDTH)
        table.add_column()
        for key, description in self.keys:
            table.add_row(Text(key), Text(description))
        with VerticalScroll(classes="dialog help"):
            yield Label(f"Help: {self.title_text}", classes="dialog-title", markup=False)
            yield Static(self.about, classes="dialog-body", markup=False)
            yield Static(table)

    def action_close(self) -> None:
        self.dismiss(None)
