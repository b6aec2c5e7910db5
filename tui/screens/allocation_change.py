"""The allocation form's change from a date, and its chain.

f7 on an allocation asks, in a row of the form, the date its new quantity or
package starts from (the next charge date allowed is offered); the projection
shows the old terms up to the day before and the new ones from the date while
it is typed, and enter (or ctrl+s) saves the change through store.changes.
A plain ctrl+s that changes the quantity or package of an allocation with
posted charges asks which is meant. An allocation that follows another, or
that another follows, is projected with them. Saving a minimum-spend
allocation that shares days with another of the customer's warns. The rules
are billing.changes'."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import NamedTuple

from rich.text import Text
from textual.binding import Binding
from textual.widgets import Input

from billing.accounts import AllocationDraft, parse_field_date
from billing.catalogue import FieldError
from billing.changes import change_problem, commitments_warning, suggested_change_date
from billing.charges import AllocationTerms, PackageTerms
from billing.labels import field_label
from store.allocations import get_allocation
from store.changes import ChangeRefused, change_allocation, change_facts, has_posted, other_commitments, successor_of
from store.prices import priced_terms
from store.scan import AllocationRow

from .base import refuse_if_read_only, sentence
from .dialogs import ChoiceScreen

ONE_DAY = timedelta(days=1)
KEY_CHANGE_FROM = Binding(
    "f7", "change_from", "Change from", id="change_from",
    tooltip="change the quantity or package from a date (the old terms end the day before)",
)
#: The fields a change from a date keeps as they are (it takes quantity and package only).
KEPT = ("start", "end", "auto_decrement", "prorate", "reference")
FIELD_OF = {"start": "start_date", "end": "end_date"}


class Named:
    """Stands in for an allocation row in the charge lines of one not saved yet."""

    def __init__(self, package: str):
        self.package = package
        self.customer = ""
        self.id = None


class Part(NamedTuple):
    """One allocation of the chain the projection shows."""

    shown: object  # what its lines name (an AllocationRow or a Named)
    package: PackageTerms
    terms: AllocationTerms


def which_is_meant(what: str, new: str) -> ChoiceScreen:
    """A plain save of new terms for an allocation with posted charges."""
    return ChoiceScreen(
        "Change from a date, or correct it?",
        f"Charges of {what} are posted. Change from a date: it ends the day before and {new} follows "
        "it, posted charges stay as they are. Correct all: the new terms hold for the whole allocation "
        "and every charge not posted yet, also those dated in the past.",
        [("c", "Change from a date", "change"), ("a", "Correct all", "correct")],
    )


class ChangeFromDate:
    """The form's side of a change from a date (mixed into AllocationFormScreen)."""

    changing: bool = False
    _change_day: date | None = None
    _facts = None
    _chain: tuple[AllocationRow | None, AllocationRow | None] | None = None
    _commitments: list | None = None
    _changed: tuple[AllocationRow, AllocationRow] | None = None

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "change_from":
            return self.allocation is not None  # hidden on a new allocation
        return True

    # --- the chain -------------------------------------------------------------------

    def neighbours(self) -> tuple[AllocationRow | None, AllocationRow | None]:
        """The allocation this one follows and the one following it, read once."""
        a = self.allocation
        if self._chain is None:
            before = get_allocation(a.follows_id) if a is not None and a.follows_id else None
            self._chain = (before, successor_of(a.id) if a is not None else None)
        return self._chain

    def package_terms(self) -> PackageTerms:
        """The chosen package's terms with its price versions (a future price
        included), read once per package while the form is open."""
        cached = getattr(self, "_priced", None)
        if cached is None or cached[0] != self.package.id:
            cached = self._priced = (self.package.id, priced_terms(self.package))
        return cached[1]

    def parts(self, draft: AllocationDraft) -> list[Part]:
        """The allocations the projection shows: this one as typed, with the
        one it follows and the one following it; while a change date is typed,
        this one as saved to the day before and its successor from the date."""
        a, terms = self.allocation, self.package_terms()
        if a is None:
            return [Part(Named(self.package.name), terms, AllocationTerms(draft.start, draft.end, draft.quantity, draft.prorate))]
        before, after = self.neighbours()
        found = [Part(before, before.package_terms, before.terms())] if before else []
        day = self._change_day if self.changing else None
        if day is not None:
            new = AllocationTerms(day, a.end, draft.quantity, a.prorate, None, a.first_start, self.package.id != a.package_id)
            return found + [Part(a, a.package_terms, replace(a.terms(), end=day - ONE_DAY)), Part(Named(self.package.name), terms, new)]
        setup = before is None or before.package_id != self.package.id
        mine = AllocationTerms(draft.start, draft.end, draft.quantity, draft.prorate, a.id, a.chain_start, setup)
        found.append(Part(a, terms, mine))
        return found + ([Part(after, after.package_terms, after.terms())] if after else [])

    @staticmethod
    def chain_note(parts: list[Part]) -> Text:
        """'3 x UK DID rental to 2026-12-14, then 20 x UK DID rental from 2026-12-15'."""
        said = []
        for index, part in enumerate(parts):
            what = f"{part.terms.quantity} x {part.shown.package}"
            if index == 0:
                said.append(f"{what} to {part.terms.end}")
            else:
                said.append(f"then {what} from {part.terms.start}" + (f" to {part.terms.end}" if index < len(parts) - 1 else ""))
        return Text(", ".join(said), style="bold")

    def commitments_note(self, start: date, end: date | None) -> str | None:
        """The two-commitments warning for this allocation's days (the
        customer's other minimum-spend allocations are read once)."""
        if self.package is None or not self.package.minimum_spend:
            return None
        if self._commitments is None:
            a = self.allocation
            self._commitments = other_commitments(self.customer.id, a.id if a else None)
        return commitments_warning(start, end, self._commitments)

    # --- the change row ------------------------------------------------------------

    def check_change(self, draft: AllocationDraft | None) -> list[FieldError]:
        """While a change date is typed: why it can't be made (the date it
        could is named); sets the date the projection shows (None: none)."""
        self._change_day = None
        if not self.changing or draft is None or self.package is None:
            return []
        try:
            day = parse_field_date("change_from", self.query_one("#change_from", Input).value, self.app.today, required=True)
        except FieldError as exc:
            return [exc]
        a = self.allocation
        other = [field_label(FIELD_OF.get(f, f)) for f in KEPT if getattr(draft, f) != getattr(a, f)]
        if other:
            return [FieldError("change_from", f"a change from a date takes the quantity and package only: save "
                               f"the {', '.join(other)} first (ctrl+s after esc), or put it back")]
        problem = change_problem(self._facts, day, draft.quantity, self.package.id)
        if problem:
            return [FieldError("change_from", f"can't change it from {day}: {problem}")]
        self._change_day = day
        return []

    def action_change_from(self) -> None:
        """f7: show the change row, offering the next charge date allowed."""
        if self.allocation is None or refuse_if_read_only(self, "save"):
            return
        draft, errors = self.read()
        if errors:
            self.refused(errors)
            return
        current = get_allocation(self.allocation.id)
        if current is None:
            self.notify("This allocation was removed by someone else.", severity="error")
            return
        self._facts = change_facts(current)
        new_package = self.package.id != current.package_id
        day = suggested_change_date(self._facts, self.package_terms(), new_package, self.app.today)
        box = self.query_one("#change_from", Input)
        self.changing = True
        self.query_one("#change-row").display = True
        box.value = day.isoformat()
        box.focus()
        self.refresh_projection()

    def end_change(self) -> None:
        """Escape while a change date is typed: back to a plain edit."""
        self.changing = False
        self._change_day = None
        self.query_one("#change-row").display = False
        self.query_one("#quantity", Input).focus()
        self.refresh_projection()

    def action_leave(self) -> None:
        if self.changing:
            self.end_change()
        else:
            super().action_leave()

    # --- saving --------------------------------------------------------------------

    async def action_save(self) -> bool:
        """ctrl+s: a change from the date typed; a plain save, asking first
        when it gives new terms to an allocation with posted charges."""
        a = self.allocation
        if self.changing or a is None or self.saving or self.app.book.read_only:
            return await super().action_save()  # which says why it can't, where it can't
        draft, errors = self.read()
        if errors or self.package is None or (draft.quantity == a.quantity and self.package.id == a.package_id):
            return await super().action_save()
        if not has_posted(a.id):
            return await super().action_save()

        async def decided(choice: str | None) -> None:
            if choice == "change":
                self.action_change_from()
            elif choice == "correct":
                await super(ChangeFromDate, self).action_save()

        new = f"{draft.quantity} x {self.package.name}"
        self.app.push_screen(which_is_meant(f"{a.quantity} x {a.package}", new), decided)
        return False

    def write_change(self, draft: AllocationDraft, version: int | None) -> AllocationRow:
        """The change from the date typed (in the save's thread): the successor."""
        day = self._change_day
        try:
            self._changed = change_allocation(self.allocation.id, day, draft.quantity, self.package.id, version)
        except ChangeRefused as exc:
            raise FieldError("change_from", str(exc)) from exc
        return self._changed[1]

    def change_message(self, saved: AllocationRow) -> str | None:
        """What a change from a date did (None: a plain save); a save that
        leaves the customer two commitments over the same days warns first."""
        warning = commitments_warning(saved.start, saved.end, other_commitments(saved.customer_id, saved.id)) \
            if saved.package_terms.minimum_spend else None
        if warning:
            self.notify(sentence("Saved, but note: " + warning), severity="warning", timeout=20)
        if self._changed is None:
            return None
        old, new = self._changed
        setup = "" if new.setup else " (no second setup)"
        return (f"Changed from {new.start}: {old.quantity} x '{old.package}' ends on {old.end}, "
                f"{new.quantity} x '{new.package}' follows{setup}.")
