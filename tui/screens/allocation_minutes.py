"""The allocation form's Minutes: an allocation of a free-minutes package
may give its own minutes per unit a period (ConnexCS's Minutes tab); blank
is the package's, which the field shows greyed."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Input, Label

from billing.package_kind import FREE_MINUTES, parse_free_minutes
from store.scan import AllocationRow

from ..bundles import named_prefixes, per_period
from ..validators import VALIDATE_ON, FieldValidator
from ..widgets.field import Field


def parse_own_minutes(text: str) -> int | None:
    """An allocation's own free minutes per unit: blank is the package's (None)."""
    return parse_free_minutes(text, empty=None)


class OwnMinutes:
    """Part of the allocation form: the Minutes field, shown for a free-minutes package only."""

    def minutes_widgets(self, allocation: AllocationRow | None) -> ComposeResult:
        yield Label("Minutes", classes="label-short", id="free-minutes-label")
        own = allocation.free_minutes if allocation is not None else None
        yield Field("" if own is None else str(own), id="free_minutes", compact=True, classes="short", max_length=12,
                    validators=[FieldValidator(parse_own_minutes)], validate_on=VALIDATE_ON)

    def gives_minutes(self) -> bool:
        """Is the package chosen a free-minutes one (its allocations give minutes)?"""
        return self.package is not None and self.package.type == FREE_MINUTES

    def minutes_typed(self) -> str:
        return self.query_one("#free_minutes", Input).value if self.gives_minutes() else ""

    def own_minutes(self) -> int | None:
        """The allocation's own minutes per unit as typed (None: the package's,
        or the package gives none); FieldError when they are not a number."""
        return parse_own_minutes(self.minutes_typed())

    def sync_minutes(self) -> None:
        """Shown for a free-minutes package only, the package's minutes its placeholder."""
        bundle = self.gives_minutes()
        box = self.query_one("#free_minutes", Input)
        box.display = bundle
        self.query_one("#free-minutes-label").display = bundle
        box.placeholder = f"{self.package.free_minutes:,} (pkg)" if bundle else ""

    def minutes_words(self) -> str:
        """What the package's bundle gives, for the details line ('' for a package that gives none)."""
        if not self.gives_minutes():
            return ""
        p = self.package
        period = per_period(p.frequency) or "a period (it never recurs: none)"
        return f"; {p.free_minutes:,} free min {period} per unit to {named_prefixes(p.destinations)}"

    def put_minutes(self, value: int | None) -> None:
        self.query_one("#free_minutes", Input).value = "" if value is None else str(value)
