"""The reference docs name every key of the language, so they cannot silently fall behind it."""

from __future__ import annotations

from pathlib import Path

from devflow_action.config.schema import build_schema
from devflow_action.events.catalog import EVENT_ACTIONS
from devflow_action.language.actions import ACTIONS
from devflow_action.language.conditions import CONDITIONS
from devflow_action.language.templates import VARIABLES

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _keys(schema: object) -> set[str]:
    found: set[str] = set()
    if isinstance(schema, dict):
        for name, sub in schema.get("properties", {}).items():
            found.add(name)
            found |= _keys(sub)
        for key in ("items", "additionalProperties"):
            found |= _keys(schema.get(key))
        for sub in schema.get("anyOf", []):
            found |= _keys(sub)
    return found


def test_configuration_reference_names_every_key() -> None:
    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    schema = build_schema()
    keys = _keys(schema) | _keys(schema["$defs"]["condition"]) | _keys(schema["$defs"]["action"])
    missing = sorted(k for k in keys if f"`{k}`" not in text and f"{k}:" not in text)
    assert missing == []


def test_configuration_reference_lists_every_event_action_and_template_variable() -> None:
    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    for event, actions in EVENT_ACTIONS.items():
        assert f"`{event}`" in text
        for action in actions:
            assert action in text, f"{event}.{action}"
    for name in VARIABLES:
        assert f"`{name}`" in text


def test_rules_reference_shows_every_condition_and_action_with_its_example() -> None:
    text = (DOCS / "rules.md").read_text(encoding="utf-8")
    specs = [(c.name, c.example) for c in CONDITIONS.values()] + [(a.name, a.example) for a in ACTIONS.values()]
    for name, example in specs:
        assert f"### `{name}`" in text
        assert example in text, f"example of {name}"
