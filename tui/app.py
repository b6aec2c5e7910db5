"""The packdesk app: opens on the package list of one book."""

from __future__ import annotations

import asyncio
import os
import signal
from collections import deque
from datetime import date
from typing import Iterable

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from store.book import Book

from .package_list import PackageListScreen

# How long one key may take to be handled before the next one typed goes ahead anyway.
KEY_SETTLE_S = 1.0


class PackdeskApp(App[int]):
    CSS_PATH = "packdesk.tcss"
    TITLE = "packdesk"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", id="quit", priority=True),
        Binding("ctrl+p", "command_palette", "Commands", id="palette", show=False),
        Binding("f2", "go('packages')", "Packages", id="go_packages", show=False),
        Binding("f3", "go('customers')", "Customers", id="go_customers", show=False),
        Binding("f4", "go('projection')", "Projection", id="go_projection", show=False),
        Binding("f5", "go('run')", "Billing run", id="go_run", show=False),
        Binding("f6", "go('audit')", "Audit log", id="go_audit", show=False),
    ]

    def __init__(self, book: Book, today: date | None = None):
        super().__init__()
        self.book = book
        self._fixed_today = today
        self._key_in_flight: events.Key | None = None
        self._keys_held: deque[events.Key] = deque()
        self._settling: set[asyncio.Task] = set()

    @property
    def today(self) -> date:
        """The fixed --today, else today in the book's time zone."""
        return self._fixed_today or self.book.today()

    def on_mount(self) -> None:
        self.push_screen(PackageListScreen())
        # Another operator's save shows here within a couple of seconds:
        # PRAGMA data_version changes when another connection commits.
        self._data_version = self._read_data_version()
        self.set_interval(1.5, self._poll_book)
        try:
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self._hangup)
        except (NotImplementedError, RuntimeError, ValueError):  # pragma: no cover - not a main thread
            pass

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

    def _read_data_version(self) -> int | None:
        try:
            return self.book.db.execute_sql("PRAGMA data_version").fetchone()[0]
        except Exception:  # the book is busy or closed: try again next tick
            return None

    def _poll_book(self) -> None:
        version = self._read_data_version()
        if version is None or version == self._data_version:
            return
        self._data_version = version
        refresh = getattr(self.screen, "refresh_from_book", None)
        if refresh is not None:
            refresh()

    def _hangup(self) -> None:
        """The terminal went away (SSH dropped): leave at once, nothing is half-saved."""
        self.exit(129)
        loop = asyncio.get_running_loop()
        loop.call_later(2.0, os._exit, 129)

    def list_screen(self) -> PackageListScreen | None:
        for screen in self.screen_stack:
            if isinstance(screen, PackageListScreen):
                return screen
        return None

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        listing = self.list_screen()
        if listing is None:
            return
        on_list = screen is listing
        if on_list:
            yield SystemCommand("New package", "Add a package to the catalogue (n)", listing.action_new)
            yield SystemCommand("Filter packages", "Filter the list by name (/)", listing.action_filter)
            yield SystemCommand("Show or hide archived packages", "Toggle archived rows (a)", listing.action_toggle_archived)
            yield SystemCommand("Sort packages by next column", "Cycle the sort column (s)", listing.action_sort)
            yield SystemCommand("Reverse sort order", "Ascending or descending (r)", listing.action_reverse)
            yield SystemCommand("Archive or delete package", "The package under the cursor (d)", listing.action_archive)
            yield SystemCommand("Upstream services", "Maintain the provider services list (u)", listing.action_services)
            yield SystemCommand("Load demo data", "Add a handful of demo telecom packages", self._load_demo)
        yield SystemCommand("Packages", "The package catalogue (f2)", lambda: self.action_go("packages"))
        yield SystemCommand("Customers", "Customers and their allocations (f3)", lambda: self.action_go("customers"))
        yield SystemCommand("Book projection", "Revenue, cost and margin for 12 months (f4)", lambda: self.action_go("projection"))
        yield SystemCommand("Billing run", "Preview and commit the charges due (f5)", lambda: self.action_go("run"))
        yield SystemCommand("Audit log", "Who changed what, when (f6)", lambda: self.action_go("audit"))
        screen_actions = [
            ("New customer", "Add a customer (n)", "CustomerListScreen", "action_new"),
            ("New allocation", "Give this customer a package (n)", "CustomerScreen", "action_new"),
            ("Customer projection", "This customer's next 12 months (p)", "CustomerScreen", "action_projection"),
            ("Edit customer", "Name, status, tax, notes (e)", "CustomerScreen", "action_edit_customer"),
            ("Customer usage", "Usage records, by day and by month (u)", "CustomerScreen", "action_usage"),
            ("Customer statement", "Ledger, payments and balance (s)", "CustomerScreen", "action_statement"),
            ("Record a payment", "Payment or credit for this customer (n)", "StatementScreen", "action_pay"),
        ]
        for title, help_text, screen_name, action in screen_actions:
            if type(screen).__name__ == screen_name:
                yield SystemCommand(title, help_text, getattr(screen, action))
        yield SystemCommand("Help for this screen", "Keys and what the screen does (? or f1)", self._help)

    def _load_demo(self) -> None:
        from store.demo import load_demo

        added = load_demo()
        self.notify(f"Loaded {added} demo packages." if added else "The demo packages are already in this book.")
        listing = self.list_screen()
        if listing is not None:
            listing.reload()

    def action_go(self, where: str) -> None:
        """f2/f3/f4: leave what is open (unless a form has unsaved changes) and show `where`."""
        from .customers import CustomerListScreen
        from .projection import BookProjectionScreen

        for screen in self.screen_stack[2:]:
            if getattr(screen, "busy", False):
                self.notify("A billing run is in progress; wait for it to finish.", severity="warning")
                return
            if getattr(screen, "dirty", False):
                self.notify("Save (ctrl+s) or leave (escape) the form first.", severity="warning")
                return
        while len(self.screen_stack) > 2:
            self.pop_screen()
        if where == "customers":
            self.push_screen(CustomerListScreen())
        elif where == "projection":
            self.push_screen(BookProjectionScreen())
        elif where == "run":
            from .billing_run import BillingRunScreen

            self.push_screen(BillingRunScreen())
        elif where == "audit":
            from .statement import AuditScreen

            self.push_screen(AuditScreen())
        else:
            listing = self.list_screen()
            if listing is not None:
                listing.reload()

    def _to_list(self) -> None:
        listing = self.list_screen()
        while listing is not None and self.screen is not listing and len(self.screen_stack) > 2:
            if getattr(self.screen, "dirty", False):
                self.notify("Save (ctrl+s) or leave (escape) the form first.", severity="warning")
                return
            self.pop_screen()

    def _help(self) -> None:
        action = getattr(self.screen, "action_help", None)  # the palette has closed by now
        if action is not None:
            action()
