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


# The bundled copies are GitHub's own examples, unchanged (examples/payloads/README.md); a test in
# test_githubdata checks them against the pinned package.
ISSUE_OPENED = str(ROOT / "examples" / "payloads" / "issues.opened.json")
PR_OPENED = str(ROOT / "examples" / "payloads" / "pull_request.opened.json")


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ("isues.opened", "--event: unknown event 'isues.opened' (did you mean 'issues.opened'?)"),
        ("isues", "--event: unknown event 'isues' (did you mean 'issues'?)"),
        ("", "--event: no event name; name one such as issues or issues.opened"),
        (".opened", "--event: no event name; name one such as issues or issues.opened"),
        ("issues.", "--event: no action after 'issues.'; write issues or issues.ACTION"),
        ("issues.opend", "--event: unknown action 'opend' for issues events (did you mean 'opened'?)"),
    ],
)
def test_plan_refuses_an_unknown_event_with_a_suggestion(
    event: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_plan(capsys, "--event", event, "--payload", ISSUE_OPENED)
    assert (code, out, err) == (1, "", f"devflow: error: {message}\n")


def test_plan_still_explains_real_events_that_rules_do_not_handle(
    payload_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_plan(capsys, "--event", "star", "--payload", payload_file(payload_dir, "star.created"))
    assert code == 0 and "skipped: Devflow's rules do not handle 'star' events" in out


def test_a_files_fact_given_as_one_string_is_an_error_not_split_into_characters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    facts = tmp_path / "facts.json"
    facts.write_text('{"files": "docs/setup.md"}')
    code, out, err = run_plan(capsys, "--event", "pull_request", "--payload", PR_OPENED, "--facts", str(facts))
    assert (code, out) == (1, "")
    assert err == f"devflow: error: {facts}: files: expected a list of paths or file objects, got a string\n"


@pytest.mark.parametrize(
    ("facts", "problems"),
    [
        ({"first_contribution": "yes"}, ["first_contribution: expected true or false, got a string"]),
        ({"approvals": -1}, ["approvals: expected a whole number of at least 0, got -1"]),
        ({"approvals": True}, ["approvals: expected a whole number of at least 0, got true or false"]),
        ({"approvals": 1.5}, ["approvals: expected a whole number of at least 0, got 1.5"]),
        (
            {"checks": "sucess"},
            ["checks: expected one of success, failure, pending, got 'sucess' (did you mean 'success'?)"],
        ),
        ({"labels": "bug"}, ["labels: expected a list of label names, got a string"]),
        ({"devflow_labels": ["bug", 3]}, ["devflow_labels[1]: expected a label name (a string), got a number"]),
        ({"now": "yesterday"}, ["now: expected an ISO 8601 time such as 2024-05-01T12:00:00Z, got 'yesterday'"]),
        ({"now": 1700000000}, ["now: expected an ISO 8601 time such as 2024-05-01T12:00:00Z, got a number"]),
        (
            {"files": [{"filename": "a.md", "additions": "3"}, 4, ""]},
            [
                "files[0].additions: expected a whole number of at least 0, got a string",
                "files[1]: expected a path or a file object with a 'filename', got a number",
                "files[2]: expected a path or a file object with a 'filename', got an empty string",
            ],
        ),
        (["docs/a.md"], ['expected a JSON object such as {"files": ["docs/a.md"]}, got a list']),
    ],
)
def test_plan_checks_the_type_of_every_fact_and_names_the_facts_file(
    facts: object, problems: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(facts))
    code, _, err = run_plan(capsys, "--event", "pull_request", "--payload", PR_OPENED, "--facts", str(path))
    assert code == 1
    assert err.splitlines() == [f"devflow: error: {path}: {p}" for p in problems]


def test_a_time_without_an_offset_is_utc(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / ".devflow.yml"
    config.write_text("version: 1\nrules:\n  - name: old\n    on: issues\n    if: {age_days: {at_least: 30}}\n"
                      "    then: [{label: stale}]\n")  # fmt: skip
    facts = tmp_path / "facts.json"
    facts.write_text('{"now": "2030-01-01T00:00:00"}')  # compared with the payload's UTC times
    code = main(
        ["plan", "--config", str(config), "--event", "issues", "--payload", ISSUE_OPENED, "--facts", str(facts)]
    )
    out, _ = capsys.readouterr()
    assert code == 0 and "  ✔ old\n" in out


def test_a_payload_that_is_not_json_is_named_with_its_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    payload = tmp_path / "payload.json"
    payload.write_text('{"action": "opened",\n "issue" {}}')
    code, _, err = run_plan(capsys, "--event", "issues", "--payload", str(payload))
    assert (code, err) == (1, f"devflow: error: {payload}:2:10: not JSON: Expecting ':' delimiter\n")


def test_input_errors_name_the_file_they_come_from(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_plan(capsys, "--event", "issues", "--payload", str(tmp_path / "absent.json"))
    assert (code, err) == (1, f"devflow: error: {tmp_path / 'absent.json'}: no such file\n")
    code, _, err = run_plan(capsys, "--event", "issues", "--payload", PR_OPENED)
    assert (code, err) == (1, f"devflow: error: {PR_OPENED}: a 'issues' payload must have a 'issue' object\n")
    facts = tmp_path / "facts.json"
    facts.write_text("{")
    code, _, err = run_plan(capsys, "--event", "issues", "--payload", ISSUE_OPENED, "--facts", str(facts))
    assert (code, err) == (
        1,
        f"devflow: error: {facts}:1:2: not JSON: Expecting property name enclosed in double quotes\n",
    )
