"""The `difficulty` condition on real issue payloads: the score, its reasons in the plan's explanation,
configurable weights, and no network: only the event's own text and labels are read."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from devflow_action.cli import main
from devflow_action.config.loader import load_text
from devflow_action.engine import evaluate, required_facts
from devflow_action.events.model import Facts
from devflow_action.events.normalize import normalize
from devflow_action.language.difficulty import DEFAULT_LABELS, named_paths, score

from .conftest import load_payload

STEPS = """The README says `commmit` in two places: README.md and docs/usage.md.

Steps to reproduce
1. Open https://github.com/Codertocat/Hello-World/blob/master/README.md#L3
2. Read the third line
"""


def issue(body: str | None = None, labels: tuple[str, ...] | None = None, name: str = "issues.opened") -> Any:
    payload = load_payload(name)
    if body is not None:
        payload["issue"]["body"] = body
    if labels is not None:
        payload["issue"]["labels"] = [{"name": n, "color": "ededed"} for n in labels]
    return normalize("issues", payload)


def measured(event: Any, weights: dict[str, int] | None = None) -> tuple[int, tuple[str, ...]]:
    got = score(event, event.labels, weights or {}, DEFAULT_LABELS)
    return got.value, got.reasons


def test_the_payload_as_github_sent_it() -> None:
    event = issue()  # "Spelling error in the README file", a 60-character body, labelled bug
    assert measured(event) == (3, ("base 2", "short description (60 characters) +1"))


def test_steps_named_files_and_links_to_code_make_an_issue_easier() -> None:
    assert measured(issue(STEPS, ("bug", "good first issue"))) == (
        0,
        ("base 2", "label 'good first issue' -2", "2 files or folders named +1", "reproduction steps -1",
         "links to the code -1"),
    )  # fmt: skip


def test_long_tangled_issues_score_higher() -> None:
    body = "We should rework src/engine/ and src/config/loader.py, src/app.py and tests/test_app.py. " + "x " * 1600
    value, reasons = measured(issue(body, ("enhancement", "performance")))
    assert value == 2 + 1 + 2 + 2 + 3
    assert reasons[-2:] == ("long description (3,289 characters) +2", "4 files or folders named +3")


def test_weights_and_label_weights_are_configurable_in_the_condition() -> None:
    config = load_text(
        "version: 1\nrules:\n  - name: easy\n    on: issues.opened\n"
        "    if: {difficulty: {at_most: 1, weights: {base: 0, short_body: 0}, labels: {bug: 1}}}\n"
        "    then: [{label: easy}]\n"
    )
    plan = evaluate(issue(), config, Facts())
    assert plan.rules[0].matched
    assert plan.rules[0].matched_conditions == ("difficulty 1 (base 0; label 'bug' +1) at most 1",)


def test_the_plan_explains_the_score(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    config = tmp_path / ".devflow.yml"
    config.write_text("version: 1\nextends: [first-timers]\n")
    payload = tmp_path / "issue.json"
    data = load_payload("issues.opened")
    data["issue"]["body"] = STEPS
    payload.write_text(json.dumps(data))
    assert main(["plan", "--event", "issues.opened", "--payload", str(payload), "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert (
        "  ✔ newcomer-friendly issues\n      matched: difficulty 1 (base 2; 2 files or folders named +1; "
        "reproduction steps -1; links to the code -1) at most 1\n" in out
    )
    assert "  - add_labels: labels=['good first issue candidate']" in out


def test_it_reads_no_fact_beyond_the_event() -> None:
    config = load_text("version: 1\nrules:\n  - {name: e, on: issues, if: {difficulty: 2}, then: [{label: e}]}\n")
    assert required_facts(config, issue()) == frozenset()


def test_a_comparison_is_required_and_signals_are_checked() -> None:
    from devflow_action.diagnostics import ConfigError

    with pytest.raises(ConfigError) as info:
        load_text(
            "version: 1\nrules:\n  - name: e\n    on: issues\n    if: {difficulty: {weights: {steps: -2}, labels: {x: 1}}}\n    then: [{label: e}]\n"
        )
    assert [d.text() for d in info.value.diagnostics] == [
        ".devflow.yml:5:22: rules[0].if.difficulty: say what to compare the score with: at_most, at_least or equals"
    ]
    with pytest.raises(ConfigError, match=r"unknown signal 'step' \(did you mean 'steps'\?\)"):
        load_text(
            "version: 1\nrules:\n  - {name: e, on: issues, if: {difficulty: {at_most: 1, weights: {step: 1}}}, then: [{label: e}]}\n"
        )


def test_paths_are_told_from_prose() -> None:
    assert named_paths("See src/app.py, (docs/) and `setup.cfg`; and/or e.g. v1.2 https://x.io/a.py @team/x.py") == [
        "src/app.py", "docs/", "setup.cfg",
    ]  # fmt: skip


def test_a_hostile_body_is_scored_in_linear_time() -> None:
    body = ("\n" * 30_000) + ("a" * 30_000) + "1" * 5_000
    started = time.monotonic()
    measured(issue(body))
    assert time.monotonic() - started < 1.0
