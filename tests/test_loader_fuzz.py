"""Property-based fuzzing: whatever the document, the loader returns a Config or raises ConfigError."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devflow_action.config.loader import load_text
from devflow_action.config.model import Config
from devflow_action.diagnostics import ConfigError
from devflow_action.events.catalog import EVENT_KEYS
from devflow_action.language.actions import ACTIONS
from devflow_action.language.conditions import CONDITIONS

KEYS = [
    "version", "labels", "rules", "size", "stale", "templates", "name", "on", "if", "then", "sync", "all", "any",
    "not", "color", "thresholds", "ignore", "once", "template", "body", "equals", "in", "contains", "matches",
    "has", "at_least", "at_most", "none", "reason", "reviewers", *CONDITIONS, *ACTIONS,
]  # fmt: skip
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.sampled_from([*EVENT_KEYS[:10], "(a+)+$", "[", "**/*.md", "!x", "{{ author }}", "{{ x }}", "d73a4a"]),
)
documents = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=6)), children, max_size=5),
    ),
    max_leaves=30,
)


def _check(text: str) -> None:
    try:
        result = load_text(text)
    except ConfigError as exc:
        assert exc.diagnostics, "a ConfigError must carry at least one diagnostic"
        for d in exc.diagnostics:
            assert d.text().startswith(".devflow.yml")
    else:
        assert isinstance(result, Config)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(KEYS), documents, max_size=6))
def test_random_structured_documents_only_raise_config_error(doc: dict[str, Any]) -> None:
    _check(yaml.safe_dump(doc, allow_unicode=True))


@settings(max_examples=300, deadline=None)
@given(
    st.fixed_dictionaries(
        {"version": st.sampled_from([1, 1, 2, "1", None])},
        optional={
            "rules": st.lists(
                st.dictionaries(st.sampled_from(["name", "on", "if", "then", "sync"]), documents, max_size=5),
                max_size=3,
            )
        },
    )
)
def test_random_rules_only_raise_config_error(doc: dict[str, Any]) -> None:
    _check(yaml.safe_dump(doc, allow_unicode=True))


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab:-[]{}&*!|>'\"#%@`,?\n\t 0123456789on")), max_size=80))
def test_random_text_only_raises_config_error(text: str) -> None:
    _check(text)
