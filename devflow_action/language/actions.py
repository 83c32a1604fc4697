"""The actions a rule's ``then`` can take: an explicit registry, one entry per action.

Each entry brings its JSON Schema fragment, a doc line with an example, and a compiler from the
config's value to a ``CompiledAction``: the operation it contributes to the plan for an event.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .. import plan as p
from ..events.model import Event
from ..suggest import did_you_mean
from .patterns import PatternError
from .templates import Template, compile_template

Schema = dict[str, Any]

CLOSE_REASONS = ("completed", "not_planned")
LOCK_REASONS = ("off-topic", "too heated", "resolved", "spam")
_MARKER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class CompileContext:
    rule_name: str
    index: int  # position of the action inside the rule's `then`
    templates: Mapping[str, str]


@dataclass(frozen=True)
class CompiledAction:
    name: str
    build: Callable[[Event], p.Operation]
    labels: tuple[str, ...] = ()  # labels this action adds (for `sync` and undeclared-label warnings)
    pr_only: bool = False


@dataclass(frozen=True)
class ActionSpec:
    name: str
    doc: str
    example: str
    schema: Schema
    compile: Callable[[Any, CompileContext], CompiledAction]


def _names(value: Any) -> tuple[str, ...]:
    return tuple(dict.fromkeys([value] if isinstance(value, str) else value))


_NAMES: Schema = {"type": ["string", "array"], "items": {"type": "string", "minLength": 1}, "minLength": 1,
                  "minItems": 1}  # fmt: skip


def _label(value: Any, ctx: CompileContext) -> CompiledAction:
    names = _names(value)
    return CompiledAction("label", lambda e: p.AddLabels(names), labels=names)


def _unlabel(value: Any, ctx: CompileContext) -> CompiledAction:
    names = _names(value)
    return CompiledAction("unlabel", lambda e: p.RemoveLabels(names))


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "rule"


def _comment(value: Any, ctx: CompileContext) -> CompiledAction:
    spec = {"body": value} if isinstance(value, str) else dict(value)
    if ("body" in spec) == ("template" in spec):
        raise PatternError("a comment needs exactly one of 'body' or 'template'")
    if "template" in spec:
        name = spec["template"]
        if name not in ctx.templates:
            known = ", ".join(sorted(ctx.templates))
            raise PatternError(f"unknown template '{name}'{did_you_mean(name, ctx.templates)}; known: {known}")
        text = ctx.templates[name]
    else:
        text = spec["body"]
    template: Template = compile_template(text)
    marker = None
    if spec.get("once"):
        ident = spec.get("id") or spec.get("template") or f"{slug(ctx.rule_name)}-{ctx.index}"
        if not _MARKER_ID.match(ident):
            raise PatternError(f"comment id {ident!r} may use only letters, digits, '.', '_' and '-'")
        marker = f"<!-- devflow:{ident} -->"

    def build(e: Event) -> p.Operation:
        body = template.render(e)
        return p.Comment(f"{body}\n\n{marker}" if marker else body, marker, rule=ctx.rule_name)

    return CompiledAction("comment", build)


def _assign(value: Any, ctx: CompileContext) -> CompiledAction:
    names = _names(value)
    return CompiledAction("assign", lambda e: p.Assign(names))


def _request_review(value: Any, ctx: CompileContext) -> CompiledAction:
    if isinstance(value, dict):
        users, teams = _names(value.get("reviewers", [])), _names(value.get("team_reviewers", []))
    else:
        users, teams = _names(value), ()
    return CompiledAction("request_review", lambda e: p.RequestReview(users, teams), pr_only=True)


def _close(value: Any, ctx: CompileContext) -> CompiledAction:
    reason = value.get("reason", "completed") if isinstance(value, dict) else "completed"
    return CompiledAction("close", lambda e: p.Close(reason))


def _reopen(value: Any, ctx: CompileContext) -> CompiledAction:
    return CompiledAction("reopen", lambda e: p.Reopen())


def _lock(value: Any, ctx: CompileContext) -> CompiledAction:
    reason = value.get("reason") if isinstance(value, dict) else None
    return CompiledAction("lock", lambda e: p.Lock(reason))


def _milestone(value: Any, ctx: CompileContext) -> CompiledAction:
    return CompiledAction("milestone", lambda e: p.SetMilestone(int(value)))


def _true_or(doc: str, props: Schema) -> Schema:
    return {
        "description": doc + " `true`, or a mapping of options.",
        "anyOf": [
            {"const": True},
            {"type": "object", "properties": props, "additionalProperties": False},
        ],
    }


ACTIONS: dict[str, ActionSpec] = {
    spec.name: spec
    for spec in [
        ActionSpec(
            "label",
            "Add labels (one request for all labels the plan adds).",
            "label: [bug, needs-triage]",
            {"description": "Labels to add: one name or a list.", **_NAMES},
            _label,
        ),
        ActionSpec(
            "unlabel",
            "Remove labels, only those present.",
            "unlabel: needs-info",
            {"description": "Labels to remove: one name or a list.", **_NAMES},
            _unlabel,
        ),
        ActionSpec(
            "comment",
            "Post a comment from inline text or a named template; `once: true` posts it once per item.",
            "comment: {template: welcome, once: true}",
            {
                "description": "A comment: text, or {body|template, once, id}. Text may use {{ variables }}.",
                "type": ["string", "object"],
                "minLength": 1,
                "properties": {
                    "body": {"type": "string", "minLength": 1, "description": "The comment text."},
                    "template": {
                        "type": "string",
                        "description": "Name of a template (`templates:` or built in).",
                    },
                    "once": {
                        "type": "boolean",
                        "description": "Post once per issue: a hidden marker finds an earlier copy.",
                    },
                    "id": {
                        "type": "string",
                        "description": "Marker id for `once` (default: the template name).",
                    },
                },
                "additionalProperties": False,
            },
            _comment,
        ),
        ActionSpec(
            "assign",
            "Assign people (logins).",
            "assign: [octocat]",
            {"description": "Logins to assign: one or a list.", **_NAMES},
            _assign,
        ),
        ActionSpec(
            "request_review",
            "Request reviews on a pull request from people and teams.",
            "request_review: {reviewers: [octocat], team_reviewers: [docs]}",
            {
                "description": "Reviewers: a login, a list of logins, or {reviewers, team_reviewers}.",
                "type": ["string", "array", "object"],
                "items": {"type": "string"},
                "minItems": 1,
                "properties": {
                    "reviewers": {"description": "Logins.", **_NAMES},
                    "team_reviewers": {"description": "Team slugs.", **_NAMES},
                },
                "additionalProperties": False,
                "minProperties": 1,
            },
            _request_review,
        ),
        ActionSpec(
            "close",
            "Close the issue or pull request.",
            "close: {reason: not_planned}",
            _true_or(
                "Close it.",
                {"reason": {"enum": list(CLOSE_REASONS), "description": "Why it is closed (issues only)."}},
            ),
            _close,
        ),
        ActionSpec("reopen", "Reopen it.", "reopen: true", _true_or("Reopen it.", {}), _reopen),
        ActionSpec(
            "lock",
            "Lock the conversation.",
            "lock: {reason: resolved}",
            _true_or(
                "Lock the conversation.",
                {"reason": {"enum": list(LOCK_REASONS), "description": "Lock reason."}},
            ),
            _lock,
        ),
        ActionSpec(
            "milestone",
            "Set the milestone, by number.",
            "milestone: 3",
            {"type": "integer", "minimum": 1, "description": "Milestone number."},
            _milestone,
        ),
    ]
}
