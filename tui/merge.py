"""Two saves of one record, merged field by field against what both started from.

A form remembers the record as it opened it (the base). When someone else
saved the record meanwhile, each field is one of:

- changed by nobody, or by both to the same value: nothing to decide;
- changed only by them: their value stays (the form takes it);
- changed only by me: my value is saved;
- changed by both, to different values: a clash, the operator decides.

Fields that only make sense together (a frequency and its days) merge as
one: a clash in either is a clash of the group, and a decision takes the
whole group from one side.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping


@dataclass
class Merge:
    #: What to save: mine where I changed a field (clashes included), theirs elsewhere.
    values: dict[str, Any]
    #: Fields only they changed (their value is kept).
    theirs_only: list[str] = field(default_factory=list)
    #: Fields only I changed (my value is saved).
    mine_only: list[str] = field(default_factory=list)
    #: Fields both changed to different values, and the groups they belong to.
    clashes: list[str] = field(default_factory=list)
    clash_groups: list[tuple[str, ...]] = field(default_factory=list)

    def taking_theirs(self, theirs: Mapping[str, Any]) -> dict[str, Any]:
        """`values` with their side of every clash."""
        values = dict(self.values)
        for group in self.clash_groups:
            values.update({f: theirs[f] for f in group})
        return values


def groups_of(fields: Iterable[str], together: Iterable[tuple[str, ...]] = ()) -> list[tuple[str, ...]]:
    """`fields` in groups: each of `together` that they hold, then one group per other field."""
    fields = list(fields)
    groups: list[tuple[str, ...]] = []
    grouped: set[str] = set()
    for group in together:
        members = tuple(f for f in group if f in fields)
        if members:
            groups.append(members)
            grouped.update(members)
    groups += [(f,) for f in fields if f not in grouped]
    order = {f: i for i, f in enumerate(fields)}
    return sorted(groups, key=lambda g: order[g[0]])


def merge(
    base: Mapping[str, Any], mine: Mapping[str, Any], theirs: Mapping[str, Any],
    together: Iterable[tuple[str, ...]] = (),
) -> Merge:
    """Merge `mine` and `theirs`, both made from `base` (same keys in all three)."""
    result = Merge(values={})
    for group in groups_of(base.keys(), together):
        b = tuple(base[f] for f in group)
        m = tuple(mine[f] for f in group)
        t = tuple(theirs[f] for f in group)
        if m == t:
            result.values.update(zip(group, m))
        elif t == b:
            result.values.update(zip(group, m))
            result.mine_only += [f for f in group if mine[f] != base[f]]
        elif m == b:
            result.values.update(zip(group, t))
            result.theirs_only += [f for f in group if theirs[f] != base[f]]
        else:
            result.values.update(zip(group, m))
            result.clashes += [f for f in group if mine[f] != theirs[f]]
            result.clash_groups.append(group)
    return result
