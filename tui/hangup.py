"""When the terminal goes away (SSH dropped: SIGHUP, or the terminal's input
closing), the process ends within a few seconds, whatever it was doing.

Nothing here waits on the app's event loop, which may be stuck by then:
Textual's output thread dies on the first write to a closed terminal and the
next screen update then blocks the loop for good (and a worker thread with
it, in `call_from_thread`). So:

- SIGHUP is caught with a plain signal handler (it runs in the main thread
  even while that thread is blocked on a lock), and a thread polls the
  terminal for a hang-up, for the case where no SIGHUP comes;
- either marks the app as hung up: from then on `call_from_thread` raises
  HungUp, so a billing run stops after the batch it is posting (each batch is
  one transaction: the ledger keeps whole batches, the next run posts the
  rest), and asks the app to exit;
- a watchdog thread ends the process at GRACE_S at the latest. A batch still
  uncommitted then is abandoned whole by SQLite: never half a batch.
"""

from __future__ import annotations

import os
import select
import signal
import sys
import threading
import time
from typing import Callable

#: Exit status after a hang-up (128 + SIGHUP), as a shell reports it.
EXIT_HANGUP = 129
#: The longest the process lives after a hang-up.
GRACE_S = 3.0


class HungUp(Exception):
    """The terminal went away: what a worker was going to show has no one to see it."""


class HangupWatch:
    """Calls `hang_up` once, from whatever thread notices first."""

    def __init__(self, hang_up: Callable[[], None]):
        self._hang_up = hang_up
        self._lock = threading.Lock()
        self.happened = False

    def install(self) -> None:
        """SIGHUP and a terminal poll (only in the main thread: signals can't be set elsewhere)."""
        if threading.current_thread() is not threading.main_thread():
            return
        signal.signal(signal.SIGHUP, lambda _signum, _frame: self.trigger())
        fds = {f.fileno() for f in (sys.__stdin__, sys.__stderr__) if f is not None and _is_open(f)}
        if fds:
            threading.Thread(target=self._poll, args=(sorted(fds),), name="packdesk-hangup", daemon=True).start()

    def _poll(self, fds: list[int]) -> None:
        poller = select.poll()
        for fd in fds:
            poller.register(fd, 0)  # no events asked: poll wakes on hang-up, error or a closed fd only
        while not self.happened:
            try:
                events = poller.poll(1000)
            except (OSError, ValueError):
                return
            if any(mask & (select.POLLHUP | select.POLLERR | select.POLLNVAL) for _fd, mask in events):
                self.trigger()
                return

    def trigger(self) -> None:
        with self._lock:
            if self.happened:
                return
            self.happened = True
        threading.Thread(target=_end_after, args=(GRACE_S,), name="packdesk-hangup-exit", daemon=True).start()
        try:
            self._hang_up()
        except Exception:  # the app may be half gone already: the watchdog ends the process anyway
            pass


def _end_after(seconds: float) -> None:
    time.sleep(seconds)
    os._exit(EXIT_HANGUP)


def _is_open(stream) -> bool:
    try:
        stream.fileno()
    except (OSError, ValueError):
        return False
    return True
