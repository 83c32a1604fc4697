"""The reference docs name every key of the language, so they cannot silently fall behind it."""

from __future__ import annotations

import re
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


def test_docs_cite_only_files_that_are_in_the_repository() -> None:
    """A relative link must resolve, and a file named in backquotes must exist somewhere in the tree."""
    root = DOCS.parent
    skip = {".git", ".venv", "node_modules", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"}
    tree = {
        str(path.relative_to(root))
        for path in root.rglob("*")
        if path.is_file() and not skip & set(path.relative_to(root).parts)
    }
    missing = []
    for doc in [root / "README.md", *sorted(DOCS.glob("*.md"))]:
        text = doc.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)#:\s]+)(?:#[^)]*)?\)", text):
            if not (doc.parent / target).exists():
                missing.append(f"{doc.name}: link {target}")
        for name in re.findall(r"`([\w./-]+\.(?:md|py|json|toml|yml|yaml|mjs|sh))`", text):
            if not any(path == name or path.endswith("/" + name) for path in tree):
                missing.append(f"{doc.name}: `{name}`")
    assert missing == []


def test_security_doc_names_only_tests_that_exist() -> None:
    text = (DOCS / "security.md").read_text(encoding="utf-8")
    named = re.findall(r"`(test_\w+\.py)::(test_\w+)`", text)
    assert len(named) > 20
    tests = DOCS.parent / "tests"
    missing = [f"{f}::{n}" for f, n in named if f"def {n}(" not in (tests / f).read_text(encoding="utf-8")]
    assert missing == []
