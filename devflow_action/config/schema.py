"""The JSON Schema of ``.devflow.yml``, generated from the condition and action registries.

The committed copy (``devflow.schema.json``, for editors) is pinned by a test: regenerate it with
``python -m devflow_action.config.schema > devflow_action/config/devflow.schema.json``.
Custom ``x-kind`` annotations let the loader name what an unknown key is (an action, a condition...).
"""

from __future__ import annotations

import json
from typing import Any

from ..events.catalog import EVENT_KEYS
from ..language.actions import ACTIONS
from ..language.conditions import CONDITIONS
from .digest import digest_schema, notify_schema
from .onboarding import schema as onboarding_schema
from .review import automerge_schema, commands_schema, reviewers_schema

SUPPORTED_VERSION = 1
SCHEMA_ID = "https://devflow.dev/schema/devflow-v1.schema.json"
Schema = dict[str, Any]

# Sections the language accepts whose features are not built in this release: loading warns.
UNBUILT_SECTIONS: tuple[str, ...] = ()  # every section of the language is built


def _strings(doc: str, **extra: Any) -> Schema:
    return {"description": doc, "type": "array", "items": {"type": "string"}, **extra}


def _obj(doc: str, props: Schema, **extra: Any) -> Schema:
    return {"description": doc, "type": "object", "properties": props, "additionalProperties": False, **extra}


def condition_schema() -> Schema:
    props: Schema = {
        "all": {
            "description": "Every condition in the list holds.",
            "type": "array",
            "minItems": 1,
            "items": {"$ref": "#/$defs/condition"},
        },
        "any": {
            "description": "At least one condition in the list holds.",
            "type": "array",
            "minItems": 1,
            "items": {"$ref": "#/$defs/condition"},
        },
        "not": {"description": "The condition does not hold.", "$ref": "#/$defs/condition"},
    }
    props.update({name: spec.schema for name, spec in CONDITIONS.items()})
    return _obj(
        "Conditions; several keys in one mapping must all hold.",
        props,
        minProperties=1,
        **{"x-kind": "condition"},
    )


def action_schema() -> Schema:
    return _obj(
        "One action: a mapping with a single key naming it.",
        {name: spec.schema for name, spec in ACTIONS.items()},
        minProperties=1,
        maxProperties=1,
        **{"x-kind": "action"},
    )


def build_schema() -> Schema:
    event = {"type": "string", "enum": list(EVENT_KEYS), "x-kind": "event"}
    rule = _obj(
        "A rule: when an event in `on` happens and `if` holds, do everything in `then`.",
        {
            "name": {"type": "string", "minLength": 1, "description": "Unique name, shown in explanations."},
            "on": {
                "description": "Events that trigger the rule: `event` (any action) or `event.action`.",
                "anyOf": [event, {"type": "array", "minItems": 1, "items": event}],
            },
            "if": {"description": "Conditions (omit to always act).", "$ref": "#/$defs/condition"},
            "then": {
                "description": "Actions to take when the rule matches.",
                "type": "array",
                "minItems": 1,
                "items": {"$ref": "#/$defs/action"},
            },
            "sync": {
                "type": "boolean",
                "description": "Remove labels this rule added earlier once it no longer matches "
                "(only labels Devflow itself added; never a person's).",
            },
        },
        required=["name", "on", "then"],
    )
    label = _obj(
        "A label Devflow manages.",
        {
            "color": {
                "type": "string",
                "pattern": "^[0-9a-fA-F]{6}$",
                "description": "Six hex digits, without '#'.",
                "x-hint": "use six hex digits like d73a4a",
            },
            "description": {"type": "string", "maxLength": 100, "description": "Shown on GitHub (≤ 100 chars)."},
            "aliases": _strings(
                "Older names of this label: `sync-labels` renames the first one that exists instead of "
                "creating a second label.",
                minItems=1,
            ),
        },
    )
    globs = {"type": "array", "items": {"type": "string"}}
    size = _obj(
        "Pull request size labels from changed lines (one size label at a time; the old one is replaced).",
        {
            "thresholds": {
                "description": "Size name → largest number of changed lines for that size, ascending.",
                "type": "object",
                "minProperties": 1,
                "additionalProperties": {"type": "integer", "minimum": 0},
            },
            "above": {"type": "string", "description": "Size name past the largest threshold (default XL)."},
            "prefix": {"type": "string", "description": "Label prefix (default 'size/')."},
            "ignore": {
                **globs,
                "description": "Globs of files whose lines do not count (lock files, dist/).",
            },
        },
        required=["thresholds"],
    )
    comment_choice = {
        "anyOf": [{"type": "string", "minLength": 1}, {"const": False}],
    }
    stale = _obj(
        "Mark inactive open issues and pull requests stale, close them later, unmark them when people return.",
        {
            "label": {"type": "string", "minLength": 1, "description": "Label marking stale items (default stale)."},
            "after_days": {
                "type": "integer",
                "minimum": 1,
                "description": "Days without activity before an item is marked stale (default 60).",
            },
            "close_after_days": {
                "type": "integer",
                "minimum": 0,
                "description": "Days an item stays stale before it is closed (omit to never close).",
            },
            "close_reason": {
                "enum": ["completed", "not_planned"],
                "description": "Why stale issues are closed (default not_planned).",
            },
            "comment": {
                **comment_choice,
                "description": "Template posted when marking (default: the built-in `stale`), or false for none.",
            },
            "close_comment": {
                **comment_choice,
                "description": "Template posted when closing (default: the built-in `stale-close`), or false.",
            },
            "exempt_labels": _strings("Items with any of these labels are never marked or closed."),
            "exempt_assignees": {"type": "boolean", "description": "Items with an assignee are exempt."},
            "exempt_milestones": {"type": "boolean", "description": "Items with a milestone are exempt."},
            "exempt_draft": {"type": "boolean", "description": "Draft pull requests are exempt."},
            "exempt_if": {"description": "Items matching these conditions are exempt.", "$ref": "#/$defs/condition"},
            "only_issues": {"type": "boolean", "description": "Sweep issues only, not pull requests."},
            "only_prs": {"type": "boolean", "description": "Sweep pull requests only, not issues."},
            "operations_per_run": {
                "type": "integer",
                "minimum": 1,
                "description": "Writes per run (default 100); the `max-operations` input overrides it.",
            },
        },
    )
    digest = digest_schema()
    notify = notify_schema()
    orchestration = _obj(
        "Optional state (docs/state.md): where to record events, rule results and the idempotency ledger.",
        {
            "url_env": {
                "type": "string",
                "pattern": "^[A-Za-z_][A-Za-z0-9_]*$",
                "description": "Name of the environment variable holding the URL (postgresql://, redis://); "
                "the action's orchestration-url input wins over it.",
                "x-hint": "name an environment variable, like DEVFLOW_STATE_URL",
            },
            "state_required": {
                "type": "boolean",
                "description": "Stop (exit 2) rather than write to GitHub what the state store cannot record.",
            },
        },
        **{
            "x-forbidden": {
                "url": "the URL holds a password: never write it in .devflow.yml; put it in a secret, pass it "
                "as an environment variable and name that variable with `url_env`"
            }
        },
    )
    top = {
        "version": {
            "type": "integer",
            "minimum": 1,
            "description": "Language version; this release reads 1.",
        },
        "extends": {
            "description": "Presets (by name) and files of the repository (by path) merged, in order, before "
            "this file's own content: rules appended or replaced by name, mappings merged, lists replaced.",
            "anyOf": [
                {"type": "string", "minLength": 1},
                {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}},
            ],
        },
        "labels": {
            "description": "Labels Devflow manages: name → {color, description}.",
            "type": "object",
            "additionalProperties": {"anyOf": [{"type": "null"}, label]},
        },
        "labels_prune": {
            "type": "boolean",
            "description": "`sync-labels` deletes repository labels the config does not use (default false).",
        },
        "templates": {
            "description": "Comment templates: name → text with {{ variables }}.",
            "type": "object",
            "additionalProperties": {"type": "string", "minLength": 1},
        },
        "rules": {"description": "Triage, label and onboarding rules.", "type": "array", "items": rule},
        "size": size,
        "onboarding": onboarding_schema(),
        "stale": stale,
        "digest": digest,
        "commands": commands_schema(),
        "reviewers": reviewers_schema(),
        "automerge": automerge_schema(),
        "notify": notify,
        "orchestration": orchestration,
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Devflow configuration (.devflow.yml)",
        **_obj("Devflow's configuration, version 1.", top, required=["version"], **{"x-kind": "section"}),
        "$defs": {"condition": condition_schema(), "action": action_schema()},
    }


if __name__ == "__main__":
    print(json.dumps(build_schema(), indent=2, ensure_ascii=False))
