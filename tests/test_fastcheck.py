"""The fast schema check (config/fastcheck.py) agrees with jsonschema: it says valid exactly when
jsonschema finds no error, on the bundled and broken configs, on every one-step mutation of a config
that uses every section, condition and action, and on documents generated from the schema. Where it
cannot decide (a value YAML makes that it does not know) it says False, and jsonschema decides."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devflow_action.config import fastcheck
from devflow_action.config.schema import build_schema
from devflow_action.config.yamlpos import parse
from devflow_action.diagnostics import ConfigError

from .test_config_errors import CASES
from .test_config_load import EXAMPLE_CONFIGS

SCHEMA = build_schema()
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
ROOT = Path(__file__).resolve().parents[1]


def jsonschema_valid(doc: Any) -> bool:
    return next(VALIDATOR.iter_errors(doc), None) is None


def agree(doc: Any) -> None:
    assert fastcheck.conforms(SCHEMA, doc) == jsonschema_valid(doc), doc


def documents(text: str) -> Any:
    return parse(text).data  # exactly what the loader validates


# Every section, condition and action, each shape once: mutations then reach every keyword's site.
RICH = """version: 1
labels:
  bug: {color: d73a4a, description: Something is not working}
  plain:
templates:
  thanks: "Thanks, {{ author }}!"
rules:
  - name: text and numbers
    on: [issues.opened, pull_request]
    if:
      all:
        - title: {matches: '(?i)bug'}
        - body: {contains: steps, in: [a, b]}
        - comment: fixed
        - any: [{base: main}, {head: {equals: dev}}, {state: open}]
        - not: {labels: {has: [wontfix], any: x, none: [y]}}
        - author: {login: octocat, association: [OWNER, MEMBER], first_contribution: true, bot: false}
        - commenter: {login: {in: [hubot]}}
        - files: {any: ['docs/**'], all: '**/*.md', none: ['!x']}
        - additions: {at_least: 1, at_most: 10}
        - deletions: 3
        - changed_lines: {equals: 4}
        - age_days: {at_least: 30}
        - approvals: {at_least: 1}
        - draft: false
        - checks: {in: [success, pending]}
    then:
      - label: [bug, needs-triage]
      - unlabel: wontfix
      - comment: {template: thanks, once: true}
      - comment: plain text
      - assign: [octocat]
      - request_review: {reviewers: [hubot], team_reviewers: docs}
      - request_review: hubot
      - close: {reason: not_planned}
      - reopen: true
      - lock: {reason: resolved}
      - milestone: 4
  - name: short forms
    on: issue_comment.created
    if: {checks: failure}
    then: [{close: true}, {lock: true}, {reopen: {}}, {request_review: [a, b]}]
size:
  thresholds: {XS: 10, S: 100}
  above: XXL
  prefix: "size/"
  ignore: ["**/*.lock"]
"""


def test_every_keyword_of_the_schema_is_implemented() -> None:
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            found.update(node)
            for key, value in node.items():
                if key in ("properties", "$defs"):
                    for sub in value.values():
                        walk(sub)
                elif key not in ("enum", "const", "required") and not key.startswith("x-"):
                    walk(value)  # x- keywords are Devflow's annotations: their values are not schemas
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(SCHEMA)
    unknown = {k for k in found if k not in fastcheck._KEYWORDS and k not in fastcheck.ANNOTATIONS}
    assert {k for k in unknown if not k.startswith("x-")} == set(), "implement them in config/fastcheck.py"


@pytest.mark.parametrize("path", EXAMPLE_CONFIGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_bundled_configs_pass_the_fast_check(path: Path) -> None:
    doc = documents(path.read_text(encoding="utf-8"))
    assert fastcheck.conforms(SCHEMA, doc) is True
    assert jsonschema_valid(doc)


@pytest.mark.parametrize("text", [t for _, t, _ in CASES], ids=[n for n, _, _ in CASES])
def test_broken_configs_agree(text: str) -> None:
    try:
        doc = documents(text)
    except ConfigError:
        return  # a YAML problem: no document to validate
    agree(doc)


# One value for each way a keyword can fail: type, const, minimum, integer-ness, minLength, enum and
# pattern, maxLength, minItems, items, minProperties.
REPLACEMENTS: list[Any] = [None, True, -1, 2.0, 1.5, "", "x", "x" * 101, [], [1], {}]


def _mutants(doc: Any) -> Iterator[Any]:
    """Every document one step away: a value replaced, a key dropped or added, two list items merged."""
    paths: list[tuple[Any, ...]] = []

    def walk(node: Any, path: tuple[Any, ...]) -> None:
        paths.append(path)
        children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
        for key, child in children:
            walk(child, (*path, key))

    walk(doc, ())
    for path in paths:
        node = _at(doc, path)
        for value in REPLACEMENTS:
            if path:
                yield _with(doc, path, lambda _old, v=value: copy.deepcopy(v))
        if isinstance(node, dict):
            for key in node:
                yield _with(doc, path, lambda old, k=key: {kk: vv for kk, vv in old.items() if kk != k})
            yield _with(doc, path, lambda old: {**old, "zz": 1})
        if isinstance(node, list) and len(node) > 1 and all(isinstance(i, dict) for i in node[:2]):
            yield _with(doc, path, lambda old: [{**old[0], **old[1]}, *old[2:]])


def _at(doc: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        doc = doc[key]
    return doc


def _with(doc: Any, path: tuple[Any, ...], change: Any) -> Any:
    out = copy.deepcopy(doc)
    if not path:
        return change(out)
    parent = _at(out, path[:-1])
    parent[path[-1]] = change(parent[path[-1]])
    return out


def test_every_one_step_mutation_of_a_rich_config_agrees() -> None:
    doc = documents(RICH)
    assert fastcheck.conforms(SCHEMA, doc)
    count = 0
    for mutant in _mutants(doc):
        agree(mutant)
        count += 1
    assert count > 1000


# --- documents generated from the schema: mostly right, sometimes wrong anywhere ----------------

JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=False), st.text(max_size=3),
    st.lists(st.integers(0, 1), max_size=1), st.dictionaries(st.text(max_size=2), st.none(), max_size=1),
)  # fmt: skip


def from_schema(schema: Any, depth: int = 0) -> st.SearchStrategy[Any]:
    if not isinstance(schema, dict) or depth > 6:
        return JUNK
    if "$ref" in schema:
        target = SCHEMA["$defs"][schema["$ref"].removeprefix("#/$defs/")]
        return st.deferred(lambda: from_schema(target, depth + 1))
    if "anyOf" in schema:
        return _mostly(st.one_of(*(from_schema(b, depth) for b in schema["anyOf"])))
    if "enum" in schema:
        return _mostly(st.sampled_from(schema["enum"]))
    if "const" in schema:
        return _mostly(st.sampled_from([schema["const"], 1]))
    types = schema.get("type", [])
    types = types if isinstance(types, list) else [types]
    return _mostly(st.one_of(*(_typed(t, schema, depth) for t in types)) if types else JUNK)


def _mostly(right: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Right nine times out of ten, anything the tenth: documents with one mistake somewhere deep."""
    return st.integers(0, 9).flatmap(lambda n: JUNK if n == 0 else right)


def _typed(kind: str, schema: dict[str, Any], depth: int) -> st.SearchStrategy[Any]:
    if kind == "object":
        props = {name: from_schema(sub, depth + 1) for name, sub in schema.get("properties", {}).items()}
        required = {name: props.get(name, JUNK) for name in schema.get("required", [])}
        optional = {name: s for name, s in props.items() if name not in required}
        extra = schema.get("additionalProperties", True)
        base = st.fixed_dictionaries(required, optional=optional)
        extra_value = from_schema(extra, depth + 1) if isinstance(extra, dict) else JUNK
        more = st.dictionaries(st.text(min_size=1, max_size=3), extra_value, max_size=2)
        with_more = st.builds(lambda a, b: {**b, **a}, base, more)  # unknown keys too, where they are refused
        return st.one_of(base, with_more, st.fixed_dictionaries({}, optional=optional))
    if kind == "array":
        return st.lists(from_schema(schema.get("items", True), depth + 1), max_size=3)
    if kind == "string":
        texts = [st.text(max_size=3), st.text(alphabet="ab", min_size=99, max_size=101)]
        if "pattern" in schema:
            texts.append(st.from_regex(schema["pattern"], fullmatch=True))
        return st.one_of(*texts)
    if kind == "integer":
        return st.one_of(st.integers(-2, 12), st.sampled_from([0.0, 1.0, 2.0, 2.5]))
    if kind == "number":
        return st.one_of(st.integers(-2, 12), st.floats(-3, 12))
    if kind == "boolean":
        return st.booleans()
    return st.none()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(from_schema(SCHEMA))
def test_documents_generated_from_the_schema_agree(doc: Any) -> None:
    agree(doc)


def test_values_yaml_makes_that_the_check_does_not_know_go_to_jsonschema() -> None:
    doc = yaml.safe_load("version: 1\nlabels: {bug: {description: 2024-01-01}}\n")  # a date, not text
    assert fastcheck.conforms(SCHEMA, doc) is False
    assert not jsonschema_valid(doc)
