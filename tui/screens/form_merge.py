"""When someone else saved the record a form edits: the two saves merged
field by field against what the form opened (tui.merge). Fields only they
changed are kept (the form takes their value), fields only I changed are
saved, and only fields we both changed, to different values, are asked
about, with each value as the form shows it."""

from __future__ import annotations

from typing import Any, ClassVar

from billing.labels import field_label
from store.errors import Conflict

from ..merge import merge
from .dialogs import ConflictScreen
from .help import key_for
from .values import labels, short, show_value


class MergeOnConflict:
    """Part of FormBase: what a form says to merge (the hooks), and the merge."""

    #: Fields that merge as one (a frequency and its days).
    MERGE_TOGETHER: ClassVar[tuple[tuple[str, ...], ...]] = ()
    #: The fields as last saved by anyone that this form knows of (what a merge compares against).
    _base: dict | None = None

    # What a form says to merge a save with someone else's, field by field
    # (tui.merge); a form that says nothing shows every field that differs.

    def opened_record(self) -> Any:
        """The saved record the form edits (None: a new one)."""
        return None

    def field_values(self, record: Any) -> dict[str, Any] | None:
        """Field -> value of a saved record, as a merge compares them (None: no merge)."""
        return None

    def draft_values(self, draft: Any) -> dict[str, Any]:
        """Field -> value of what the form holds (the same fields)."""
        raise NotImplementedError

    def with_values(self, draft: Any, values: dict[str, Any]) -> Any:
        """The draft to save, holding `values`."""
        raise NotImplementedError

    def put(self, values: dict[str, Any]) -> None:
        """Put these fields' values (someone else's) into the form."""

    def show_field(self, field: str, values: dict[str, Any]) -> str:
        """A field's value as the form shows it (`values` are that side's fields)."""
        return show_value(values[field])

    # --- someone else saved first -------------------------------------------------------

    async def _conflict(self, draft: Any, exc: Conflict) -> bool:
        """Merge field by field against what the form opened: their fields are
        kept (the form takes them), mine are saved, and only fields we both
        changed are asked about. True when saved."""
        current = exc.current
        theirs = self.field_values(current)
        base = self._base if self._base is not None else self.field_values(self.opened_record())
        if theirs is None or base is None:
            self._ask_all(draft, exc)
            return False
        mine = self.draft_values(draft)
        found = merge(base, mine, theirs, self.MERGE_TOGETHER)
        self._base = theirs
        self.version = current.version
        if found.theirs_only:
            self.put({f: theirs[f] for f in found.theirs_only})
        kept = self._kept(found.theirs_only, theirs)
        if not found.clashes:
            return await self.save_draft(self.with_values(draft, found.values), current.version, kept)
        rows = [(f, self.show_field(f, mine), self.show_field(f, theirs)) for f in found.clashes]
        clashing = labels(found.clashes)

        async def decided(choice: str | None) -> None:
            if choice == "mine":
                await self.save_draft(self.with_values(draft, found.values), current.version, kept)
            elif choice == "theirs":
                self.put({f: theirs[f] for group in found.clash_groups for f in group})
                if found.mine_only:
                    save = key_for(self, "save") or "ctrl+s"
                    self.notify(
                        f"Took theirs for {clashing}. Your change to {labels(found.mine_only)} is in the form, "
                        f"not saved yet: {save} saves it.", timeout=8,
                    )
                else:
                    self.call_after_refresh(self.mark_clean)
                    self.notify("The form holds what they saved.")
            else:
                save = key_for(self, "save") or "ctrl+s"
                self.notify(f"Your changes are still here. {save} saves yours for {clashing} over theirs.", timeout=8)

        taken = [(f, self.show_field(f, theirs)) for f in found.theirs_only]
        self.app.push_screen(ConflictScreen(self.record_name(current), rows, self.WHAT, taken), decided)
        return False

    def _kept(self, fields: list[str], theirs: dict[str, Any]) -> str:
        """What the saved message adds about the fields only they changed."""
        if not fields:
            return ""
        shown = ", ".join(f"{field_label(f)} {short(self.show_field(f, theirs))}" for f in fields)
        return f" Someone else saved it meanwhile; kept their {shown}."

    def _ask_all(self, draft: Any, exc: Conflict) -> None:
        """A form that can't merge: every differing field, mine over theirs or theirs."""
        current = exc.current

        async def decided(choice: str | None) -> None:
            self.version = current.version
            if choice == "mine":
                await self.save_draft(draft, current.version)
            elif choice == "theirs":
                self.load(current)
                self.call_after_refresh(self.mark_clean)
                self.notify("Loaded what they saved.")
            else:
                save = key_for(self, "save") or "ctrl+s"
                self.notify(f"Your changes are still here. {save} saves them over the other save.", timeout=6)

        rows = self.conflict_rows(draft, exc)
        self.app.push_screen(ConflictScreen(self.record_name(current), rows, self.WHAT), decided)

