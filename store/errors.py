"""Every error store/ raises, in one place: what can't be done, and why.

Each message is a sentence an operator can act on; screens and the command
line show it as it is.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator

from billing.catalogue import FieldError


class BookError(Exception):
    """The book can't be opened or a setting is not acceptable; the message says why."""


class StoreError(Exception):
    """An action on the book that can't be done; the message says why."""


class NotFound(StoreError):
    """The record was removed (by someone else, or before)."""


class MinimumDays(StoreError):
    """Removal or an end date earlier than start + the package's minimum days."""


class RunRefused(StoreError):
    """A billing run that may not post (a date after today, say)."""


class Conflict(StoreError):
    """Someone else saved the record since it was opened: nothing was written.

    `current` is what the book holds now; `differences` lists
    (field, what you typed, what the book holds) for each field that differs.
    """

    def __init__(self, current, differences: list[tuple[str, object, object]] | None = None, what: str | None = None):
        differences = list(differences or [])
        names = ", ".join(d[0] for d in differences) or "no field (saved unchanged)"
        label = what or f"'{getattr(current, 'name', 'this record')}'"
        message = f"{label} was changed by someone else since you opened it"
        super().__init__(message + (f": {names}" if differences or what is None else ""))
        self.current = current
        self.differences = differences


class CustomerConflict(Conflict):
    """A customer saved by someone else since it was opened."""


class AllocationConflict(Conflict):
    """An allocation saved by someone else since it was opened."""

    def __init__(self, current, differences: list[tuple[str, object, object]] | None = None):
        super().__init__(current, differences, what="this allocation")


class NameTaken(FieldError):
    def __init__(self, name: str, what: str = "package"):
        super().__init__("name", f"'{name}' is already the name of another {what}")


class CustomerNameTaken(NameTaken):
    def __init__(self, name: str):
        super().__init__(name, "customer")


@dataclass(frozen=True, slots=True)
class RowProblem:
    """One bad cell (or row, or file) of an import."""

    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column:
            where.append(f"column {self.column}")
        return (", ".join(where) + ": " if where else "") + self.message


class ImportFailed(Exception):
    """Nothing was written; `problems` names each bad row, column and reason."""

    def __init__(self, problems: list[RowProblem]):
        super().__init__(f"{len(problems)} problem(s); nothing was imported")
        self.problems = problems


def _database_errors() -> tuple[type[BaseException], ...]:
    import sqlite3

    import peewee

    return (peewee.DatabaseError, peewee.InterfaceError, sqlite3.Error)


#: What the database layer raises when the book itself is the problem (locked,
#: read-only, full, corrupt): callers catch these and show `explain(exc)`.
DATABASE_ERRORS = _database_errors()


def explain(exc: BaseException) -> str:
    """A sentence an operator can act on, for an error of the book itself."""
    text = str(exc).strip() or type(exc).__name__
    lowered = text.lower()
    if "locked" in lowered or "busy" in lowered or "lock timeout" in lowered:  # SQLite's, PostgreSQL's
        return (
            "the book is busy: another packdesk (an import or a run) held it for longer than the 15 s wait; "
            "nothing was written, try again in a moment"
        )
    if "readonly" in lowered or "read-only" in lowered:
        return "the book is read-only for you: nothing was written (ask for write access to the book and its folder)"
    if "disk is full" in lowered or "database or disk is full" in lowered or "no space" in lowered:
        return "the disk holding the book is full: nothing was written; free some space and try again"
    if "malformed" in lowered or "not a database" in lowered or "corrupt" in lowered:
        return f"the book's file is damaged ({text}): restore it from a backup; `packdesk check` says what it finds"
    if "disk i/o" in lowered:
        return f"the book could not be read or written ({text}): check the disk and the file's permissions"
    return f"the book could not be used: {text}"


@contextmanager
def closed_on_failure(db, where: str, reason: Callable[[BaseException], str] = explain) -> Iterator[None]:
    """Work on a just-opened database: if it fails, close it and say why in
    one BookError ('{where}: {reason}'); a BookError passes as it is."""
    try:
        yield
    except BookError:
        db.close()
        raise
    except DATABASE_ERRORS as exc:
        db.close()
        raise BookError(f"{where}: {reason(exc)}") from None
