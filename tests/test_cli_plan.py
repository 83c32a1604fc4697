"""`devflow plan`: the JSON contract for every real payload, text explanations, facts, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devflow_action.cli import main
from devflow_action.events.catalog import EVENT_ACTIONS

from . import githubdata
from .githubdata import Example

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "devflow.yml"
OP_FIELDS = {
    "add_labels": {"labels"},
    "remove_labels": {"labels"},
    "comment": {"body", "marker"},
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


@pytest.fixture(scope="module")
def payload_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("payloads")


def payload_file(folder: Path, name: str) -> str:
    """A real payload written to a file, as `devflow plan --payload` reads it."""
    path = folder / f"{name}.json"
    if not path.exists():
        path.write_text(json.dumps(githubdata.load_payload(name)), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("example", githubdata.examples(), ids=lambda e: e.name)
def test_plan_json_contract_for_every_real_payload(
    example: Example, payload_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = payload_file(payload_dir, example.name)
    code, out, _ = run_plan(capsys, "--event", example.event, "--payload", path, "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert set(data) >= {"operations", "rules", "skipped"}
    for op in data["operations"]:
        assert set(op) == {"type"} | OP_FIELDS[op["type"]]
    for rule in data["rules"]:
        assert set(rule) >= {"name", "matched", "matched_conditions", "missing_conditions"}
    if example.event not in EVENT_ACTIONS:  # star, push, fork, discussion, workflow_run, ...
        assert data["skipped"] and data["operations"] == [] and data["rules"] == []
    else:
        assert data["skipped"] is None


def test_plan_issue_opened_json(payload_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_plan(
        capsys, "--event", "issues.opened", "--payload", payload_file(payload_dir, "issues.opened"), "--format", "json"
    )
    data = json.loads(out)
    assert code == 0
    assert data["operations"] == [{"type": "add_labels", "labels": ["needs-triage"]}]
    assert [(r["name"], r["matched"]) for r in data["rules"]] == [
        ("bug reports", True),
        ("questions", False),
        ("welcome first-timers", False),
    ]


def test_plan_text_explains_each_rule(payload_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_plan(capsys, "--event", "issues.opened", "--payload", payload_file(payload_dir, "issues.opened"))
    assert code == 0
    assert "  ✔ bug reports\n      matched: title matches '(?i)\\b(bug|crash|regression|error)\\b'\n" in out
    assert "      missing: author.first_contribution is true\n" in out
    assert out.rstrip().endswith("operations:\n  - add_labels: labels=['needs-triage']")


def test_plan_reports_rules_not_evaluated_without_facts(payload_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_plan(
        capsys, "--event", "pull_request", "--payload", payload_file(payload_dir, "pull_request.opened[1]")
    )
    assert code == 0
    assert "  ? docs-only pull requests  (needs facts not available: files)" in out


def test_plan_with_facts_file_accepts_paths_and_github_file_objects(
    tmp_path: Path, payload_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps({"files": ["docs/a.md", {"filename": "README.md", "additions": 3, "deletions": 1}]}))
    code, out, _ = run_plan(
        capsys, "--event", "pull_request.opened", "--payload", payload_file(payload_dir, "pull_request.opened[1]"),
        "--facts", str(facts), "--format", "json",
    )  # fmt: skip
    assert code == 0
    assert json.loads(out)["operations"] == [{"type": "add_labels", "labels": ["documentation", "size/XS"]}]


def test_plan_rejects_an_action_that_contradicts_the_payload(
    payload_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_plan(capsys, "--event", "issues.closed", "--payload", payload_file(payload_dir, "issues.opened"))
    assert code == 1
    assert "--event says action 'closed' but the payload's action is 'opened'" in err


def test_plan_rejects_bad_facts(tmp_path: Path, payload_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    facts = tmp_path / "facts.json"
    facts.write_text('{"filez": []}')
    code, _, err = run_plan(
        capsys, "--event", "issues", "--payload", payload_file(payload_dir, "issues.opened"), "--facts", str(facts)
    )
    assert code == 1
    assert "unknown facts: filez" in err
