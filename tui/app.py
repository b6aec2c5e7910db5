"""The packdesk app: opens on the package list of one book."""

from __future__ import annotations

import asyncio
import os
from collections import deque
from datetime import date
from functools import partial
from typing import Iterable

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import ModalScreen, Screen

from store.book import Book
from store.dialect import ChangeWatch

from .config import Setting
from .hangup import EXIT_HANGUP, HangupWatch, HungUp
from .keys import say_unknown_ids, use_keymap
from .legible import ANSI_THEME, legible, no_color_asked, wants_ansi_theme
from .screens import screen_class
from .screens.base import refuse_if_read_only
from .screens.help import key_for

# How long one key may take to be handled before the next one typed goes ahead anyway.
KEY_SETTLE_S = 1.0


class PackdeskApp(App[int]):
    CSS_PATH = "packdesk.tcss"
    TITLE = "packdesk"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", id="quit", priority=True, tooltip="quit packdesk"),
        Binding("ctrl+p", "command_palette", "Commands", id="palette", show=False, tooltip="command palette: what this screen can do"),
        Binding("f2", "go('packages')", "Packages", id="go_packages", show=False, tooltip="the package catalogue"),
        Binding("f3", "go('customers')", "Customers", id="go_customers", show=False, tooltip="customers and their allocations"),
        Binding("f4", "go('projection')", "Projection", id="go_projection", show=False, tooltip="book projection: 12 months"),
        Binding("f5", "go('run')", "Billing run", id="go_run", show=False, tooltip="billing run: preview and commit"),
        Binding("f6", "go('audit')", "Audit log", id="go_audit", show=False, tooltip="audit log: who changed what"),
        # ? where the screen leaves it to the app: a table or button has the focus, not a field typing it.
        Binding("question_mark", "help", "Help", id="app_help", show=False, tooltip="this help"),
    ]
    #: The palette's way to the screens f2..f6 open: (title, what it shows, where).
    PLACES = (
        ("Packages", "The package catalogue", "packages"),
        ("Customers", "Customers and their allocations", "customers"),
        ("Book projection", "Revenue, cost and margin for 12 months", "projection"),
        ("Billing run", "Preview and commit the charges due", "run"),
        ("Audit log", "Who changed what, when", "audit"),
    )

    def __init__(self, book: Book, today: date | None = None, keymap: dict[str, Setting] | None = None):
        # NO_COLOR: every colour stripped (not turned grey); focus and errors are marked by reverse and bold.
        super().__init__(ansi_color=True if no_color_asked(os.environ) else None)
        if wants_ansi_theme(self.console.color_system, os.environ):
            self.theme = ANSI_THEME  # 16 colours or none: the terminal's own palette
        self.book = book
        #: The keymap of the configuration files; entries naming no binding are said once the app is up.
        self._keymap_entries = use_keymap(self, keymap or {})
        self._fixed_today = today
        self._key_in_flight: events.Key | None = None
        self._keys_held: deque[events.Key] = deque()
        self._settling: set[asyncio.Task] = set()
        self._hangup = HangupWatch(self._hung_up)

    def get_css_variables(self) -> dict[str, str]:
        """The theme's variables, error text at 4.5:1 or more on its grounds (tui.legible)."""
        return legible(super().get_css_variables(), self.current_theme.dark)

    @property
    def today(self) -> date:
        """The fixed --today, else today in the book's time zone."""
        return self._fixed_today or self.book.today()

    def on_mount(self) -> None:
        self.push_screen(screen_class("packages")())
        # Another operator's save shows here within a couple of seconds
        # (store.dialect.ChangeWatch: data_version, or LISTEN/NOTIFY).
        self._changes = ChangeWatch()
        self.set_interval(1.5, self._poll_book)
        if not self.is_headless:
            self._hangup.install()
        if self._keymap_entries:
            self.call_after_refresh(say_unknown_ids, self, self._keymap_entries)

    # --- keys, one at a time -------------------------------------------------
    #
    # Textual hands a key to the focused widget's own queue and goes on to the
    # next key at once; a key the widget leaves to a binding (backspace, tab,
    # ctrl+s) comes back to the app behind the keys typed after it. Keys that
    # arrive together (typing ahead of a busy app, or over a slow SSH link)
    # then act out of order: "12<backspace>3" gives "12" and the text typed
    # after a tab lands in the field before. So the app handles one key at a
    # time: the next waits until the previous has been through every widget it
    # goes to, and back to the app.

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            if self._key_in_flight is not None:
                self._keys_held.append(event)
                return
            await self._start_key(event)
            return
        await super().on_event(event)

    async def _start_key(self, event: events.Key) -> None:
        self._key_in_flight = event
        try:
            target = self.focused or self.screen
            await super().on_event(event)  # a priority binding, or handed to the focused widget
            if not event.is_forwarded:
                self._key_done(event)
                return
            path = [target, *(node for node in target.ancestors if node is not self), self]
        except BaseException:
            self._key_done(event)  # never leave the keys after it waiting
            raise
        task = asyncio.get_running_loop().create_task(self._settle(event, path))
        self._settling.add(task)  # a reference, so the task is not collected while it waits
        task.add_done_callback(self._settling.discard)

    async def _settle(self, event: events.Key, path: list) -> None:
        """Wait until each node on the key's way up has dealt with it: a
        callback posted to a node runs after the messages already queued."""
        loop = asyncio.get_running_loop()
        try:
            for node in path:
                reached = loop.create_future()
                if not node.call_later(lambda f=reached: f.done() or f.set_result(None)):
                    continue  # the node has gone (its screen was closed): nothing to wait for
                try:
                    await asyncio.wait_for(reached, KEY_SETTLE_S)
                except asyncio.TimeoutError:
                    break  # a slow handler: let the next key go ahead rather than stall typing
        finally:
            self._key_done(event)

    def _key_done(self, event: events.Key) -> None:
        if self._key_in_flight is not event:
            return
        self._key_in_flight = None
        if self._keys_held:
            following = self._keys_held.popleft()
            self._key_in_flight = following  # keys arriving meanwhile queue behind it
            self.call_later(self._start_key, following)

    def on_unmount(self) -> None:
        changes = getattr(self, "_changes", None)
        if changes is not None:
            changes.close()

    def _poll_book(self) -> None:
        if not self._changes.changed():
            return
        refresh = getattr(self.screen, "refresh_from_book", None)
        if refresh is not None:
            refresh()

    # --- the terminal goes away (tui.hangup) -------------------------------------

    def _hung_up(self) -> None:
        """Called once, from a signal handler or a thread: ask the loop to exit
        (the watchdog ends the process if the loop can't)."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(partial(self.exit, return_code=EXIT_HANGUP))

    def call_from_thread(self, callback, *args, **kwargs):
        """As Textual's, but after a hang-up it raises HungUp at once instead of
        waiting on a loop that may never run it: a billing run stops after the
        batch it posted."""
        if self._hangup.happened:
            raise HungUp("the terminal went away")
        return super().call_from_thread(callback, *args, **kwargs)

    # --- quitting ------------------------------------------------------------------

    async def action_quit(self) -> None:
        """ctrl+q: quit, but a form with unsaved changes asks first (save,
        discard or keep editing), as escape does."""
        form = next((s for s in reversed(self.screen_stack) if getattr(s, "dirty", False)), None)
        if form is None or not hasattr(form, "ask_unsaved"):
            self.exit()
            return
        while self.screen is not form:  # help or a question over the form: it asks instead
            self.pop_screen()
        form.ask_unsaved(quitting=True)

    # --- a read-only book -------------------------------------------------------------

    async def run_action(self, action, default_namespace=None, namespaces=None) -> bool:
        """Every key that would write says why it can't on a read-only book."""
        target, name, _params = self._parse_action(action, self if default_namespace is None else default_namespace, namespaces)
        if refuse_if_read_only(target, name):
            return True
        return await super().run_action(action, default_namespace, namespaces)

    # --- screens ---------------------------------------------------------------

    def open_screen(self, name: str, *args, callback=None, **kwargs) -> None:
        """Open the screen registered as `name` (tui.screens) over this one;
        `callback` gets what it is dismissed with."""
        self.push_screen(screen_class(name)(*args, **kwargs), callback)

    def list_screen(self) -> Screen | None:
        """The package list, at the bottom of the stack."""
        packages = screen_class("packages")
        return next((s for s in self.screen_stack if isinstance(s, packages)), None)

    def action_go(self, where: str) -> None:
        """f2..f6: show `where` over the screen you are on, so escape comes back
        to it (unless a form has unsaved changes or a run is posting). A place
        already open is gone back to, not opened twice; forms and dialogs
        over the screen are left; the package list is the base of them all."""
        for screen in self.screen_stack[2:]:
            if getattr(screen, "busy", False):
                self.notify("A billing run is in progress; wait for it to finish.", severity="warning")
                return
            if getattr(screen, "dirty", False):
                self.notify("Save (ctrl+s) or leave (escape) the form first.", severity="warning")
                return
        while len(self.screen_stack) > 2 and (isinstance(self.screen, ModalScreen) or hasattr(self.screen, "ask_unsaved")):
            self.pop_screen()
        target = screen_class(where)
        if any(type(s) is target for s in self.screen_stack[1:]):
            while type(self.screen) is not target:
                self.pop_screen()
            self.screen.reload()
        else:
            self.open_screen(where)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for title, text, action in getattr(screen, "PALETTE", ()):
            yield SystemCommand(title, _with_key(text, key_for(screen, action)), partial(self.run_action, action, screen))
        for title, text, where in self.PLACES:
            yield SystemCommand(title, _with_key(text, key_for(self, f"go('{where}')")), partial(self.action_go, where))
        help_key = key_for(screen, "help")
        yield SystemCommand("Help for this screen", _with_key("Keys and what the screen does", help_key), self._help)

    def action_help(self) -> None:
        """? (or the palette): the help of the screen on top."""
        action = getattr(self.screen, "action_help", None)  # the palette has closed by now
        if action is not None:
            action()

    _help = action_help


def _with_key(text: str, key: str | None) -> str:
    """A command's description with the key that does the same, when there is one."""
    return f"{text} ({key})" if key else text
