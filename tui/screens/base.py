"""What every packdesk screen has: help made from its bindings,
the commands it offers in the command palette, and a question before an
action that can't be taken back."""

from __future__ import annotations

from typing import Any, Callable, ClassVar

from textual.binding import Binding
from textual.screen import Screen

from store.errors import DATABASE_ERRORS, StoreError, explain

from .dialogs import confirm
from .help import HelpScreen, key_rows


# The keys several screens share, made in one place: the same key, id and
# label wherever they do the same (so one keymap entry remaps them all).


def key_back(words: str = "back") -> Binding:
    return Binding("escape", "back", "Back", id="back", tooltip=words)


def key_new(words: str, label: str = "New") -> Binding:
    return Binding("n", "new", label, id="new", tooltip=words)


def key_remove(words: str, label: str = "Remove") -> Binding:
    return Binding("d", "remove", label, id="remove", tooltip=words)


def key_find(words: str) -> Binding:
    return Binding("slash", "filter", "Find", id="filter", tooltip=words)


def key_sort(words: str, show_reverse: bool = True) -> tuple[Binding, ...]:
    """`s` sorts by the next column (`words` says which), `r` reverses."""
    return (
        Binding("s", "sort", "Sort", id="sort", tooltip=words),
        Binding("r", "reverse", "Reverse", show=show_reverse, id="reverse", tooltip="reverse the order"),
    )


def key_help() -> Binding:
    """`?` for help, where no field takes it as typing."""
    return Binding("question_mark", "help", "Help", show=False, id="help", tooltip="this help")


def key_help_f1(show: bool = True) -> Binding:
    """f1 for help (shown where `?` would be typed into a field)."""
    return Binding("f1", "help", "Help", show=show, id="help_f1", tooltip="this help")


KEY_CLEAR_FILTER = Binding("escape", "clear_filter", "Clear filter", show=False, id="clear_filter", tooltip="clear the filter")


#: Actions that write to the book, by name, wherever they are bound: on a
#: read-only book each says why it can't instead (the app checks every action).
WRITES = frozenset({"save", "commit", "new", "remove", "archive", "pay", "reverse", "load_demo"})
#: Of those, the actions that post charges: a role may preview but not post.
POSTS = frozenset({"commit"})


def refuse_if_read_only(target: Any, action: str) -> bool:
    """True (and the reason said) when `action` of `target` would write to a
    book opened read-only, or would post where this role may only preview."""
    book = getattr(getattr(target, "app", None), "book", None)
    if book is None or not isinstance(target, Screen) or action not in getattr(target, "WRITES", WRITES):
        return False
    if book.read_only:
        target.notify(
            f"Nothing can be saved: {book.why_read_only()}. Lists, projections and previews still work.",
            severity="error", timeout=10,
        )
        return True
    if action in POSTS and not book.access.may_post:
        target.notify(f"Nothing was posted: {book.access.why_not_post()}.", severity="error", timeout=10)
        return True
    return False


class PackdeskScreen(Screen):
    """A screen with help (`action_help`) and palette commands (PALETTE)."""

    #: The help's title, and what the screen is for (the keys come from the bindings).
    HELP_TITLE: ClassVar[str] = ""
    HELP_ABOUT: ClassVar[str] = ""
    #: The words for a widget's key (by binding id) where this screen gives it
    #: its meaning: what enter opens on a list, say.
    KEY_HELP: ClassVar[dict[str, str]] = {}
    #: (title, what it does, action) of the commands the palette offers here.
    PALETTE: ClassVar[tuple[tuple[str, str, str], ...]] = ()

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self.HELP_TITLE, self.HELP_ABOUT, key_rows(self, self.KEY_HELP)))

    def reload(self) -> None:
        """Read what the screen shows from the book again."""

    def ask_then(
        self, title: str, question: str, yes: str, act: Callable[[], Any], said: Callable[[Any], str],
        refusal: Callable[[], Any] | None = None,
    ) -> None:
        """Ask `question`; on yes do `act`, say `said(what act gave)` (or why
        the book refused) and reload. `refusal()` gives the reason the book
        would refuse (None: none): then it is said at once, without asking."""
        if refusal is not None:
            reason = refusal()
            if reason:
                self.notify(sentence(str(reason)), severity="error", timeout=10)
                self.reload()
                return

        def decided(choice: str | None) -> None:
            if choice != "yes":
                return
            try:
                done = act()
            except StoreError as exc:
                self.notify(sentence(str(exc)), severity="error", timeout=10)
            except DATABASE_ERRORS as exc:
                self.notify(f"Not done: {explain(exc)}.", severity="error", timeout=15)
            else:
                self.notify(said(done))
            self.reload()

        self.app.push_screen(confirm(title, question, yes, danger=True), decided)


def sentence(text: str) -> str:
    """A store's reason as a sentence: capital first, a full stop last."""
    text = text.strip()
    if not text:
        return text
    return text[0].upper() + text[1:] + ("" if text[-1] in ".!?" else ".")
