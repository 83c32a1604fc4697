"""Label sync: the changes that make the repository's labels match ``labels:``. Pure.

Names match ignoring case, as on GitHub, and a difference in case alone is left as it is (rules and
GitHub both find the label either way). A declared label that is missing is created, unless one of
its ``aliases`` exists: that one is renamed, so the issues carrying it keep it under the new name.
Colors and descriptions are updated only where the config gives them. Nothing is deleted unless
``prune`` is on, and even then never a label the config itself uses (``keep``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from ..config.model import Config, LabelSpec
from ..events.model import RepoLabel

Kind = Literal["rename", "update", "create", "delete"]


@dataclass(frozen=True)
class LabelChange:
    kind: Kind
    name: str  # the label's current name (the new label's name for `create`)
    new_name: str | None = None  # rename only
    color: str | None = None  # to set; None: unchanged
    description: str | None = None  # to set; None: unchanged

    def text(self) -> str:
        parts = []
        if self.new_name is not None:
            parts.append(f"→ '{self.new_name}'")
        if self.color is not None:
            parts.append(f"color {self.color}")
        if self.description is not None:
            parts.append(f"description '{self.description}'")
        return f"{self.kind} '{self.name}'" + (f": {', '.join(parts)}" if parts else "")


def used_labels(config: Config) -> frozenset[str]:
    """Labels the config names elsewhere (rules, size, stale): pruning never deletes these."""
    names: set[str] = set()
    for rule in config.rules:
        names.update(rule.labels)
        for action in rule.actions:
            names.update(action.labels)
    if config.size is not None:
        names.update(config.size.labels)
    if config.stale is not None:
        names.add(config.stale.label)
        names.update(config.stale.exempt_labels)
    return frozenset(n.casefold() for n in names)


def diff_labels(
    declared: Sequence[LabelSpec],
    existing: Iterable[RepoLabel],
    *,
    prune: bool = False,
    keep: frozenset[str] = frozenset(),
) -> list[LabelChange]:
    """Renames first (so a later create cannot take the name), then updates, creates, deletes."""
    by_key = {label.name.casefold(): label for label in existing}
    claimed: set[str] = set()  # existing labels (casefolded) a declared label answers for
    renames: list[LabelChange] = []
    updates: list[LabelChange] = []
    creates: list[LabelChange] = []
    for spec in declared:
        found = by_key.get(spec.name.casefold())
        if found is not None:
            claimed.add(found.name.casefold())
            change = _update(found, spec)
            if change is not None:
                updates.append(change)
            continue
        alias = next((by_key[a.casefold()] for a in spec.aliases if a.casefold() in by_key), None)
        if alias is not None and alias.name.casefold() not in claimed:
            claimed.add(alias.name.casefold())
            changed = _update(alias, spec)
            renames.append(
                LabelChange(
                    "rename",
                    alias.name,
                    spec.name,
                    changed.color if changed else None,
                    changed.description if changed else None,
                )
            )
            continue
        creates.append(LabelChange("create", spec.name, None, spec.color, spec.description))
    deletes: list[LabelChange] = []
    if prune:
        declared_keys = {s.name.casefold() for s in declared}
        for key, label in by_key.items():
            if key not in claimed and key not in declared_keys and key not in keep:
                deletes.append(LabelChange("delete", label.name))
    return [*renames, *updates, *creates, *deletes]


def _update(found: RepoLabel, spec: LabelSpec) -> LabelChange | None:
    color = spec.color if spec.color is not None and spec.color.lower() != found.color.lower() else None
    description = (
        spec.description if spec.description is not None and spec.description != (found.description or "") else None
    )
    if color is None and description is None:
        return None
    return LabelChange("update", found.name, None, color, description)
