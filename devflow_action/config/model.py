"""Frozen, typed configuration: what the loader hands to everything else (never a raw dict)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..diagnostics import Diagnostic
from ..events.model import Event
from ..language.actions import CompiledAction
from ..language.patterns import Globs
from ..language.tree import Node
from .review import AutomergeConfig, CommandsConfig, ReviewersConfig


@dataclass(frozen=True)
class LabelSpec:
    name: str
    color: str | None = None
    description: str | None = None


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
class Config:
    version: int
    rules: tuple[Rule, ...] = ()
    labels: tuple[LabelSpec, ...] | None = None  # None: the config declares no label set
    size: SizeConfig | None = None
    commands: CommandsConfig | None = None  # None: no `commands` section, slash commands are off
    reviewers: ReviewersConfig | None = None
    automerge: AutomergeConfig | None = None
    orchestration: Orchestration | None = None
    sections: tuple[tuple[str, Any], ...] = ()  # accepted sections whose features are not built yet
    warnings: tuple[Diagnostic, ...] = ()
    path: str = ".devflow.yml"
