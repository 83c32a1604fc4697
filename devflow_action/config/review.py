"""The `commands`, `reviewers` and `automerge` sections: their schema fragments and frozen models.

Each section is compiled once by the loader (after the schema check passed), so nothing later sees
a raw mapping: permission levels are checked names, globs are compiled, defaults are filled in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..language.commands import COMMANDS, PERMISSIONS
from ..language.patterns import Globs, compile_globs
from ..language.tree import Node

Schema = dict[str, Any]
MERGE_METHODS = ("merge", "squash", "rebase")
DEFAULT_HOLD = "hold"

# --- commands ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommandPolicy:
    name: str
    permission: str  # author, triage, write, maintain, admin
    labels: tuple[tuple[str, str | None], ...] | None = None  # label/unlabel: allowed labels (level or None)
    label: str | None = None  # the label the command sets (good-first-issue, lgtm, approve, hold, ...)

    def label_permission(self, name: str) -> str | None:
        """The level needed to set ``name`` with this command; None when the label is not allowed."""
        if self.labels is None:
            return self.permission
        for allowed, level in self.labels:
            if allowed.casefold() == name.casefold():
                return level or self.permission
        return None


@dataclass(frozen=True)
class CommandsConfig:
    policies: tuple[CommandPolicy, ...]  # the commands turned on

    @property
    def names(self) -> frozenset[str]:
        return frozenset(p.name for p in self.policies)

    def get(self, name: str) -> CommandPolicy | None:
        return next((p for p in self.policies if p.name == name), None)

    def label_of(self, name: str) -> str:
        policy = self.get(name)
        return (policy.label if policy else None) or COMMANDS[name].label or name


def _level(doc: str) -> Schema:
    return {"enum": list(PERMISSIONS), "description": doc, "x-kind": "permission"}


def commands_schema() -> Schema:
    props: Schema = {}
    for name, info in COMMANDS.items():
        options: Schema = {"permission": _level(f"Who may run /{name} (default {info.permission}).")}
        if name in ("label", "unlabel"):
            options["labels"] = {
                "description": "The only labels this command may set: a list, or label → permission needed.",
                "anyOf": [
                    {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1},
                    {"type": "object", "additionalProperties": _level("Permission needed for this label.")},
                ],
            }
        if info.label is not None:
            options["label"] = {"type": "string", "minLength": 1, "description": f"The label (default '{info.label}')."}
        props[name] = {
            "description": f"/{name}: {info.doc} `false` turns it off; a mapping adjusts it.",
            "anyOf": [
                {"type": "boolean"},
                {"type": "object", "properties": options, "additionalProperties": False, "x-kind": "option"},
            ],
        }
    return {
        "description": "Slash commands in comments; every command is on with its default permission.",
        "type": "object",
        "properties": props,
        "additionalProperties": False,
        "x-kind": "command",
    }


def compile_commands(raw: Mapping[str, Any]) -> CommandsConfig:
    policies = []
    for name, info in COMMANDS.items():
        value = raw.get(name, True)
        if value is False:
            continue
        options = value if isinstance(value, dict) else {}
        labels = options.get("labels")
        allowed: tuple[tuple[str, str | None], ...] | None = None
        if isinstance(labels, list):
            allowed = tuple((str(label), None) for label in labels)
        elif isinstance(labels, dict):
            allowed = tuple((str(label), str(level)) for label, level in labels.items())
        policies.append(CommandPolicy(name, options.get("permission", info.permission), allowed, options.get("label")))
    return CommandsConfig(tuple(policies))


# --- reviewers --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PathOwners:
    globs: Globs
    owners: tuple[str, ...]  # "login" or "@org/team"


@dataclass(frozen=True)
class ReviewersConfig:
    codeowners: bool = True
    paths: tuple[PathOwners, ...] = ()
    count: int = 2
    away: frozenset[str] = frozenset()  # lower-cased logins


def reviewers_schema() -> Schema:
    return {
        "description": "Suggested reviewers on new pull requests: from CODEOWNERS and paths, least loaded first.",
        "type": "object",
        "properties": {
            "codeowners": {"type": "boolean", "description": "Read CODEOWNERS (default true)."},
            "paths": {
                "description": "Glob → owners (logins or @org/team), like CODEOWNERS; later entries win.",
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1},
            },
            "count": {"type": "integer", "minimum": 1, "description": "Reviewers to ask (default 2)."},
            "away": {"type": "array", "items": {"type": "string"}, "description": "Logins never asked (away)."},
        },
        "additionalProperties": False,
    }


def owner_name(text: str) -> str:
    """``@alice`` and ``alice`` are one person; ``@org/team`` stays a team."""
    return text[1:] if text.startswith("@") and "/" not in text else text


def compile_reviewers(raw: Mapping[str, Any]) -> ReviewersConfig:
    paths = tuple(
        PathOwners(compile_globs([glob]), tuple(owner_name(o) for o in owners))
        for glob, owners in (raw.get("paths") or {}).items()
    )
    return ReviewersConfig(
        codeowners=bool(raw.get("codeowners", True)),
        paths=paths,
        count=int(raw.get("count", 2)),
        away=frozenset(owner_name(a).casefold() for a in raw.get("away") or []),
    )


# --- automerge --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AutomergeConfig:
    method: str = "merge"
    approvals: int = 1  # approving reviews from people with write access
    checks: tuple[str, ...] | None = None  # required check names; None: every check on the head commit
    labels: tuple[str, ...] = ()  # required labels (the opt-in)
    hold_labels: tuple[str, ...] = (DEFAULT_HOLD,)
    condition: Node | None = None  # `if`: more conditions in the rule language
    native: bool = True  # GitHub's auto-merge; False: Devflow merges when everything holds
    comment: bool = True  # keep one status comment listing what is missing


def automerge_schema() -> Schema:
    names = {"type": "array", "items": {"type": "string", "minLength": 1}}
    return {
        "description": "Merge pull requests that meet the policy (GitHub's auto-merge, or a direct merge).",
        "type": "object",
        "properties": {
            "if": {"description": "More conditions, in the rules' language.", "$ref": "#/$defs/condition"},
            "method": {"enum": list(MERGE_METHODS), "description": "Merge method (default merge)."},
            "approvals": {
                "type": "integer",
                "minimum": 0,
                "description": "Approving reviews from people with write access (default 1).",
            },
            "checks": {**names, "description": "Required checks by name (default: every check must pass)."},
            "labels": {**names, "description": "Labels the pull request must have (the opt-in)."},
            "hold_labels": {**names, "description": "Labels that stop the merge (default: the /hold label)."},
            "native": {
                "type": "boolean",
                "description": "Enable GitHub's auto-merge (default true); false: Devflow merges itself.",
            },
            "comment": {"type": "boolean", "description": "Keep a status comment of missing conditions."},
        },
        "additionalProperties": False,
    }


def compile_automerge(raw: Mapping[str, Any], condition: Node | None, hold: str) -> AutomergeConfig:
    checks = raw.get("checks")
    return AutomergeConfig(
        method=str(raw.get("method", "merge")),
        approvals=int(raw.get("approvals", 1)),
        checks=tuple(checks) if checks is not None else None,
        labels=tuple(raw.get("labels") or ()),
        hold_labels=tuple(raw["hold_labels"]) if "hold_labels" in raw else (hold,),
        condition=condition,
        native=bool(raw.get("native", True)),
        comment=bool(raw.get("comment", True)),
    )
