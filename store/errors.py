"""Every error store/ raises, in one place: what can't be done, and why.

Each message is a sentence an operator can act on; screens and the command
line show it as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

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
