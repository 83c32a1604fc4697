"""Frozen, typed configuration: what the loader hands to everything else (never a raw dict)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..diagnostics import Diagnostic
from ..events.model import Event
from ..language.actions import CompiledAction
from ..language.patterns import Globs
from ..language.templates import Template
from ..language.tree import Node
from .digest import DigestConfig, NotifyConfig
from .onboarding import Onboarding
from .review import AutomergeConfig, CommandsConfig, ReviewersConfig


@dataclass(frozen=True)
class LabelSpec:
    name: str
    color: str | None = None
    description: str | None = None
    aliases: tuple[str, ...] = ()  # older names: `sync-labels` renames one of them instead of creating


@dataclass(frozen=True)
class Rule:
    name: str
    events: frozenset[str]  # "issues" (any action) or "issues.opened"
    condition: Node | None  # None: always
    actions: tuple[CompiledAction, ...]
    sync: bool = False
    line: int = 0

    def triggered_by(self, event: Event) -> bool:
        return event.name in self.events or event.key in self.events

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(label for action in self.actions for label in action.labels)


@dataclass(frozen=True)
class SizeConfig:
    buckets: tuple[tuple[str, int], ...]  # (size name, largest changed-line count), ascending
    above: str = "XL"
    prefix: str = "size/"
    ignore: Globs | None = None

    def label_for(self, lines: int) -> str:
        for name, limit in self.buckets:
            if lines <= limit:
                return self.prefix + name
        return self.prefix + self.above

    @property
    def labels(self) -> tuple[str, ...]:
        return (*(self.prefix + name for name, _ in self.buckets), self.prefix + self.above)


@dataclass(frozen=True)
class Orchestration:
    """Where the state lives: the name of an environment variable holding the URL, never the URL."""

    url_env: str | None = None
    state_required: bool = False


@dataclass(frozen=True)
class StaleConfig:
    """The `stale` section: mark inactive open items, close them later, unmark them when people return."""

    label: str = "stale"
    after_days: int = 60
    close_after_days: int | None = None  # None: mark only, never close
    close_reason: str = "not_planned"
    comment: Template | None = None  # posted when marking (None: no comment)
    close_comment: Template | None = None  # posted when closing
    exempt_labels: tuple[str, ...] = ()
    exempt_assignees: bool = False
    exempt_milestones: bool = False
    exempt_draft: bool = False
    exempt_if: Node | None = None
    only_issues: bool = False
    only_prs: bool = False
    operations_per_run: int | None = None  # writes per run; None: the command's default


@dataclass(frozen=True)
class Config:
    version: int
    rules: tuple[Rule, ...] = ()
    labels: tuple[LabelSpec, ...] | None = None  # None: the config declares no label set
    size: SizeConfig | None = None
    onboarding: Onboarding | None = None
    commands: CommandsConfig | None = None  # None: no `commands` section, slash commands are off
    reviewers: ReviewersConfig | None = None
    automerge: AutomergeConfig | None = None
    orchestration: Orchestration | None = None
    stale: StaleConfig | None = None
    labels_prune: bool = False  # `sync-labels` deletes labels the config does not list
    digest: DigestConfig | None = None
    notify: NotifyConfig | None = None
    sections: tuple[tuple[str, Any], ...] = ()  # accepted sections whose features are not built yet
    warnings: tuple[Diagnostic, ...] = ()
    path: str = ".devflow.yml"
    extends: tuple[str, ...] = ()  # files merged in through `extends`, in merge order
    # The document after `extends` was merged, for `--show-merged` only: nothing decides from it.
    merged: Any = field(default=None, compare=False, repr=False)
