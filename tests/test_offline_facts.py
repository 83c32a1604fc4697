"""`devflow plan --facts`: every fact a facts file may give reaches the engine as the engine reads it;
anything else is refused with a message."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from devflow_action.config.loader import load_text
from devflow_action.engine.offline import FactsError, InputError, facts_from_json, plan_offline
from devflow_action.events.model import Facts, FileChange

from .conftest import load_payload

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_no_facts_file_knows_only_the_time() -> None:
    assert facts_from_json(None, NOW) == Facts(now=NOW)


def test_every_fact_is_read() -> None:
    data = {
        "files": ["docs/a.md", {"filename": "src/b.py", "additions": 7, "deletions": 2}, {"filename": "c.txt"}],
        "first_contribution": True,
        "approvals": 2,
        "checks": "failure",
        "labels": ["bug", "triage"],
        "devflow_labels": ["triage"],
        "now": "2026-03-04T05:06:07Z",
    }
    assert facts_from_json(data, NOW) == Facts(
        now=datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC),
        files=(FileChange("docs/a.md"), FileChange("src/b.py", 7, 2), FileChange("c.txt", 0, 0)),
        first_contribution=True,
        approvals=2,
        checks="failure",
        labels=("bug", "triage"),
        devflow_labels=frozenset({"triage"}),
    )


def test_facts_not_given_stay_unknown() -> None:
    assert facts_from_json({}, NOW) == Facts(now=NOW)
    assert facts_from_json({"files": []}, NOW) == Facts(now=NOW, files=())  # known: no files
    assert facts_from_json({"labels": []}, NOW).labels == ()


def test_now_with_an_offset() -> None:
    assert facts_from_json({"now": "2026-03-04T07:06:07+02:00"}).now == datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], 'expected a JSON object such as {"files": ["docs/a.md"]}, got a list'),
        (
            {"filez": [], "aprovals": 1},
            "unknown facts: aprovals (did you mean 'approvals'?); known: files, first_contribution, approvals, "
            "checks, labels, devflow_labels, now\nunknown facts: filez (did you mean 'files'?); known: files, "
            "first_contribution, approvals, checks, labels, devflow_labels, now",
        ),
        ({"files": [3]}, "files[0]: expected a path or a file object with a 'filename', got a number"),
        ({"files": [{"name": "a"}]}, "files[0]: expected a path or a file object with a 'filename', got an object"),
        ({"now": "yesterday"}, "now: expected an ISO 8601 time such as 2024-05-01T12:00:00Z, got 'yesterday'"),
    ],
)
def test_bad_facts_are_refused_with_a_message(data: Any, message: str) -> None:
    with pytest.raises(FactsError) as info:
        facts_from_json(data, NOW)
    assert str(info.value) == message


def test_offline_plan_uses_the_facts_and_the_current_time() -> None:
    config = load_text(
        "version: 1\nrules:\n  - name: docs\n    on: pull_request\n    if: {files: {all: ['docs/**']}}\n"
        "    then: [{label: documentation}]\n"
    )
    payload = load_payload("pull_request.opened[1]")
    plan = plan_offline(config, "pull_request.opened", payload, {"files": ["docs/a.md"]})
    assert not isinstance(plan, str) and [r.matched for r in plan.rules] == [True]
    with pytest.raises(FactsError, match=r"^facts: unknown facts: nope"):
        plan_offline(config, "pull_request", payload, {"nope": 1})
    with pytest.raises(InputError, match="--event says action 'closed' but the payload's action is 'opened'"):
        plan_offline(config, "pull_request.closed", payload)


def test_offline_plan_without_a_time_in_the_facts_uses_the_clock() -> None:
    config = load_text(
        "version: 1\nrules:\n  - name: old\n    on: issues\n    if: {age_days: {at_least: 365}}\n"
        "    then: [{label: old}]\n"
    )
    plan = plan_offline(config, "issues", load_payload("issues.opened"))  # opened in 2019
    assert not isinstance(plan, str) and [(r.matched, r.evaluated) for r in plan.rules] == [(True, True)]
