"""`devflow plan`: the JSON contract for every real payload, text explanations, facts, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devflow_action.cli import main

from .conftest import PAYLOADS, event_name_of, payload_files

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "devflow.yml"
OP_FIELDS = {
    "add_labels": {"labels"},
    "remove_labels": {"labels"},
    "comment": {"body", "marker", "rule"},
    "assign": {"assignees"},
    "request_review": {"reviewers", "team_reviewers"},
    "close": {"reason"},
    "reopen": set(),
    "lock": {"reason"},
    "milestone": {"number"},
}


def run_plan(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["plan", "--config", str(EXAMPLE), *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("path", payload_files(), ids=lambda p: str(p.relative_to(PAYLOADS)))
def test_plan_json_contract_for_every_real_payload(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_plan(capsys, "--event", event_name_of(path), "--payload", str(path), "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert set(data) >= {"operations", "rules", "skipped"}
    for op in data["operations"]:
        assert set(op) == {"type"} | OP_FIELDS[op["type"]]
    for rule in data["rules"]:
        assert set(rule) >= {"name", "matched", "matched_conditions", "missing_conditions"}
    if event_name_of(path) in (
        "star",
        "fork",
        "push",
        "ping",
        "installation",
        "check_suite",
        "discussion",
        "workflow_dispatch",
    ):
        assert data["skipped"] and data["operations"] == [] and data["rules"] == []
    else:
        assert data["skipped"] is None


def test_plan_issue_opened_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_plan(
        capsys, "--event", "issues.opened", "--payload", str(PAYLOADS / "issues/opened.json"), "--format", "json"
    )
    data = json.loads(out)
    assert code == 0
    assert data["operations"] == [{"type": "add_labels", "labels": ["needs-triage"]}]
    assert [(r["name"], r["matched"]) for r in data["rules"]] == [
        ("bug reports", True),
        ("questions", False),
        ("welcome first-timers", False),
    ]


def test_plan_text_explains_each_rule(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_plan(capsys, "--event", "issues.opened", "--payload", str(PAYLOADS / "issues/opened.json"))
    assert code == 0
    assert "  ✔ bug reports\n      matched: title matches '(?i)\\b(bug|crash|regression|error)\\b'\n" in out
    assert "      missing: author.first_contribution is true\n" in out
    assert out.rstrip().endswith("operations:\n  - add_labels: labels=['needs-triage']")


def test_plan_reports_rules_not_evaluated_without_facts(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_plan(capsys, "--event", "pull_request", "--payload", str(PAYLOADS / "pull_request/opened.json"))
    assert code == 0
    assert "  ? docs-only pull requests  (needs facts not available: files)" in out


def test_plan_with_facts_file_accepts_paths_and_github_file_objects(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps({"files": ["docs/a.md", {"filename": "README.md", "additions": 3, "deletions": 1}]}))
    code, out, _ = run_plan(
        capsys, "--event", "pull_request.opened", "--payload", str(PAYLOADS / "pull_request/opened.json"),
        "--facts", str(facts), "--format", "json",
    )  # fmt: skip
    assert code == 0
    assert json.loads(out)["operations"] == [{"type": "add_labels", "labels": ["documentation", "size/XS"]}]


def test_plan_rejects_an_action_that_contradicts_the_payload(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_plan(capsys, "--event", "issues.closed", "--payload", str(PAYLOADS / "issues/opened.json"))
    assert code == 1
    assert "--event says action 'closed' but the payload's action is 'opened'" in err


def test_plan_rejects_bad_facts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    facts = tmp_path / "facts.json"
    facts.write_text('{"filez": []}')
    code, _, err = run_plan(
        capsys, "--event", "issues", "--payload", str(PAYLOADS / "issues/opened.json"), "--facts", str(facts)
    )
    assert code == 1
    assert "unknown facts: filez" in err
