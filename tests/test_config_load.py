"""Valid configs load into frozen, compiled objects; the committed JSON Schema matches the registries."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from devflow_action.config.loader import load_file, load_text
from devflow_action.config.schema import build_schema
from devflow_action.diagnostics import ConfigError
from devflow_action.language.actions import ACTIONS
from devflow_action.language.conditions import CONDITIONS

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_FILE = ROOT / "devflow_action" / "config" / "devflow.schema.json"
EXAMPLE_CONFIGS = sorted([*ROOT.glob("examples/**/*.yml"), *ROOT.glob("devflow_action/presets/*.yml")])
EXAMPLE_CONFIGS = [p for p in EXAMPLE_CONFIGS if "workflows" not in p.parts]


def test_committed_schema_is_the_generated_one() -> None:
    committed = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert committed == build_schema(), (
        "regenerate: python -m devflow_action.config.schema > devflow_action/config/devflow.schema.json"
    )


def test_schema_is_valid_draft_2020_12_with_id_and_descriptions() -> None:
    schema = build_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$id"].startswith("https://")

    def walk(node: object, path: str) -> None:
        if isinstance(node, dict):
            for name, sub in node.get("properties", {}).items():
                assert "description" in sub or "$ref" in sub, f"{path}.{name} has no description"
                walk(sub, f"{path}.{name}")
            for key in ("items", "additionalProperties"):
                walk(node.get(key), f"{path}[{key}]")
            for sub in node.get("anyOf", []):
                walk(sub, path)

    walk(schema, "")
    for name, sub in schema["$defs"].items():
        walk(sub, name)


def test_committed_schema_names_every_registered_condition_and_action() -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))  # what editors load
    assert set(CONDITIONS) <= set(schema["$defs"]["condition"]["properties"])
    assert set(schema["$defs"]["action"]["properties"]) == set(ACTIONS)


@pytest.mark.parametrize("path", EXAMPLE_CONFIGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_bundled_configs_load_without_warnings_and_satisfy_the_schema(path: Path) -> None:
    config = load_file(path)
    assert config.rules or config.digest  # every example does something
    assert [w.text() for w in config.warnings] == []
    # YAML 1.1 reads the key `on` as true; Devflow's loader does not (config/yamlpos.py), PyYAML does.
    data = yaml.safe_load(re.sub(r"^(\s*(?:- )?)on:", r"\1'on':", path.read_text(encoding="utf-8"), flags=re.M))
    jsonschema.validate(data, build_schema())


def test_yaml_on_key_is_kept_as_a_string() -> None:
    config = load_text(
        "version: 1\nrules:\n  - name: r\n    on: [issues.opened, pull_request]\n    then: [{label: a}]\n"
    )
    assert config.rules[0].events == frozenset({"issues.opened", "pull_request"})


def test_yaml_boolean_words_still_work_as_values() -> None:
    config = load_text(
        "version: 1\nrules:\n  - name: r\n    on: pull_request\n    if: {draft: no}\n    then: [{label: a}]\n"
    )
    assert config.rules[0].condition is not None


def test_config_objects_are_frozen() -> None:
    config = load_text("version: 1\nrules:\n  - name: r\n    on: issues\n    then: [{label: a}]\n")
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.rules[0].name = "other"  # type: ignore[misc]


def test_undeclared_label_is_a_warning_when_labels_are_declared() -> None:
    config = load_text(
        "version: 1\nlabels:\n  bug: {}\nrules:\n  - name: r\n    on: issues\n    then:\n      - label: [bug, feature]\n"
    )
    assert [w.text() for w in config.warnings] == [
        ".devflow.yml:8:16: warning: rules[0].then[0].label: label 'feature' is not declared under `labels`"
    ]


def test_no_label_warning_when_no_label_set_is_declared() -> None:
    config = load_text("version: 1\nrules:\n  - name: r\n    on: issues\n    then: [{label: anything}]\n")
    assert config.warnings == ()


def test_every_section_is_built_and_loads_without_a_warning() -> None:
    config = load_text(
        "version: 1\nonboarding: {checklist: []}\ndigest: {window_days: 7}\n"
        "automerge: {method: squash, if: {labels: {has: automerge}}}\n"
    )
    assert [w.text() for w in config.warnings] == []  # every section of the language is built
    assert config.automerge is not None and config.automerge.method == "squash"
    assert config.onboarding is not None and config.digest is not None


def test_digest_and_notify_sections_load_into_their_models_without_a_warning() -> None:
    config = load_text(
        "version: 1\ndigest: {window_days: 14, sections: [metrics], post: {discussion_category: Digests}}\n"
        "notify:\n  email: {smtp_host: smtp.example.org, from: a@example.org, to: [b@example.org], on: [stopped]}\n"
    )
    assert config.warnings == ()
    assert config.digest is not None and config.digest.window_days == 14 and config.digest.sections == ("metrics",)
    assert config.digest.post is not None and config.digest.post.discussion_category == "Digests"
    assert config.notify is not None and config.notify.email is not None
    assert (config.notify.email.smtp_port, config.notify.email.to, config.notify.email.on) == (
        587,
        ("b@example.org",),
        ("stopped",),
    )


def test_digest_posted_to_an_issue_and_a_discussion_at_once_is_a_located_error() -> None:
    with pytest.raises(ConfigError) as info:
        load_text("version: 1\ndigest:\n  post: {issue_title: D, discussion_category: C}\n")
    assert [d.text() for d in info.value.errors] == [
        ".devflow.yml:3:9: digest.post: post to an issue (`issue_title`) or to a discussion "
        "(`discussion_category`), not both"
    ]


def test_a_secret_written_into_the_file_instead_of_its_variable_name_is_an_error() -> None:
    with pytest.raises(ConfigError) as info:
        load_text("version: 1\nnotify:\n  slack: {webhook_env: 'https://hooks.slack.com/services/T0/B0/x'}\n")
    assert "name an environment variable" in info.value.errors[0].message


def test_missing_file_names_the_path_looked_at(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_file(tmp_path / "nowhere.yml")
    assert str(tmp_path / "nowhere.yml") in info.value.diagnostics[0].message


def test_hostile_alias_expansion_is_refused() -> None:
    text = "version: 1\na: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for i in range(1, 9):
        text += f"{chr(97 + i)}: &{chr(97 + i)} [" + ", ".join([f"*{chr(96 + i)}"] * 10) + "]\n"
    with pytest.raises(ConfigError) as info:
        load_text(text)
    assert "too large" in info.value.diagnostics[0].message


def test_size_labels_are_computed_from_thresholds() -> None:
    config = load_text("version: 1\nsize:\n  thresholds: {XS: 10, S: 100}\n  above: L\n  prefix: 'size: '\n")
    assert config.size is not None
    assert [config.size.label_for(n) for n in (0, 10, 11, 100, 101)] == [
        "size: XS", "size: XS", "size: S", "size: S", "size: L",
    ]  # fmt: skip


def test_whole_floats_count_as_numbers() -> None:
    """JSON Schema accepts 2.0 as an integer; the compiled conditions must too (found by fuzzing)."""
    config = load_text(
        "version: 1.0\nrules:\n  - name: r\n    on: pull_request\n    if: {additions: 1.0}\n    then: [{label: a}]\n"
    )
    assert config.version == 1 and config.rules[0].condition is not None
    with pytest.raises(ConfigError, match=r"version 2\.0 is newer"):
        load_text("version: 2.0\n")
