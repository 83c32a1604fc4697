"""End to end: `python -P -m devflow_action` as the runner starts it (event file, INPUT_* variables,
GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files, GITHUB_API_URL at the GitHub test server), asserting the
repository's state afterwards, the outputs, the summary and the exit code."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .ghserver import Faults, GitHubTestServer
from .ghserver.seed import load_payload

TOKEN = "ghs_e2eSecretTokenValue0123456789abcdef"
CONFIG = """version: 1
rules:
  - name: bugs
    on: [issues.opened, pull_request.opened]
    if: {title: {matches: '(?i)spelling|readme|bug'}}
    then: [{label: triage}]
  - name: docs
    on: [pull_request.opened, pull_request.synchronize]
    if: {files: {any: ['docs/**']}}
    then: [{label: documentation}]
  - name: thanks
    on: issue_comment.created
    if: {comment: {contains: fixed}}
    then: [{label: answered}]
size:
  thresholds: {XS: 10, S: 100}
"""


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str


def parse_outputs(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for m in re.finditer(r"^([\w-]+)<<(ghadelimiter_[0-9a-f]+)\n(.*?)\n\2$", text, re.S | re.M):
        out[m.group(1)] = m.group(3)
    return out


def run_action(
    tmp_path: Path, server: GitHubTestServer, event: str, payload: dict[str, Any], *, config: str | None = CONFIG,
    inputs: dict[str, str] | None = None, env: dict[str, str] | None = None,
) -> Run:  # fmt: skip
    workspace = Path((env or {}).get("GITHUB_WORKSPACE", tmp_path / "workspace"))
    if not workspace.exists():
        workspace.mkdir()
        (workspace / ".git").mkdir()  # a checkout
    if config is not None:
        (workspace / ".devflow.yml").write_text(config)
    event_file, output, summary = tmp_path / "event.json", tmp_path / "output", tmp_path / "summary.md"
    event_file.write_text(json.dumps(payload))
    output.write_text("")
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_"))}
    environ.update({
        "GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": event, "GITHUB_EVENT_PATH": str(event_file),
        "GITHUB_REPOSITORY": payload["repository"]["full_name"], "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_API_URL": server.url, "GITHUB_GRAPHQL_URL": f"{server.url}/graphql", "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_RUN_ID": "1234", "GITHUB_RUN_ATTEMPT": "1",
        "INPUT_GITHUB-TOKEN": TOKEN, "INPUT_CONFIG": ".devflow.yml", "INPUT_COMMAND": "auto", "INPUT_DRY-RUN": "false",
    })  # fmt: skip
    environ.update({f"INPUT_{k.upper()}": v for k, v in (inputs or {}).items()})
    environ.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-P", "-m", "devflow_action"], cwd=workspace, env=environ, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    return Run(
        proc.returncode,
        proc.stdout,
        proc.stderr,
        parse_outputs(output.read_text()),
        summary.read_text() if summary.exists() else "",
    )


@pytest.fixture
def server(gh_server_factory: Any) -> GitHubTestServer:
    s: GitHubTestServer = gh_server_factory(token=TOKEN)
    return s


def fresh(payload: dict[str, Any]) -> dict[str, Any]:
    """The example payloads are from 2019; a live event is seconds old."""
    from datetime import UTC, datetime

    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    for key in ("issue", "pull_request"):
        if key in payload:
            payload[key]["updated_at"] = now
    return payload


def no_secret(run: Run) -> None:
    """The token appears once, in the first line, which registers it with the runner's masking
    (the runner consumes that line: it never reaches the log); nowhere else."""
    first, _, rest = run.stdout.partition("\n")
    assert first == f"::add-mask::{TOKEN}"
    assert TOKEN not in rest + run.stderr + run.summary + json.dumps(run.outputs)


def test_issues_opened(tmp_path: Path, server: GitHubTestServer) -> None:
    payload = fresh(load_payload("issues.opened"))
    server.state.seed_from_payload(payload)
    run = run_action(tmp_path, server, "issues", payload)
    assert run.code == 0, run.stdout + run.stderr
    assert server.state.issues[1].labels == ["bug", "triage"]
    assert run.outputs["labels-added"] == '["triage"]'
    assert (run.outputs["operations"], run.outputs["comments"], run.outputs["skipped"]) == ("1", "0", "0")
    assert json.loads(run.outputs["plan"])["rules"][0] == {
        "name": "bugs", "matched": True, "evaluated": True, "reason": None,
        "matched_conditions": ["title matches '(?i)spelling|readme|bug'"], "missing_conditions": [],
    }  # fmt: skip
    assert "| bugs | matched |" in run.summary and "API calls: 1 (writes: 1)" in run.summary
    no_secret(run)


def test_pull_request_opened_reads_files_and_sizes(tmp_path: Path, server: GitHubTestServer) -> None:
    payload = fresh(load_payload("pull_request.opened[1]"))
    server.state.seed_from_payload(payload)
    server.state.add_files(2, 3, prefix="docs/page")
    run = run_action(tmp_path, server, "pull_request", payload)
    assert run.code == 0, run.stdout + run.stderr
    assert server.state.issues[2].labels == ["bug", "triage", "documentation", "size/XS"]
    assert [f"{r.method} {r.path.split('?')[0]}" for r in server.requests] == [
        "GET /repos/Codertocat/Hello-World/pulls/2/files",
        "POST /repos/Codertocat/Hello-World/issues/2/labels",
    ]


def test_pull_request_synchronize_replaces_nothing_it_does_not_own(tmp_path: Path, server: GitHubTestServer) -> None:
    payload = fresh(load_payload("pull_request.synchronize"))
    server.state.seed_from_payload(payload)
    server.state.add_files(payload["number"], 1, prefix="src/x")
    run = run_action(tmp_path, server, "pull_request", payload)
    assert run.code == 0, run.stdout + run.stderr
    labels = server.state.issues[payload["number"]].labels
    assert "documentation" not in labels and any(label.startswith("size/") for label in labels)


def test_issue_comment(tmp_path: Path, server: GitHubTestServer) -> None:
    payload = fresh(load_payload("issue_comment.created[2]"))
    payload["comment"]["body"] = "Should be fixed now"
    server.state.seed_from_payload(payload)
    run = run_action(tmp_path, server, "issue_comment", payload)
    assert run.code == 0, run.stdout + run.stderr
    assert "answered" in server.state.issues[1].labels


def test_pull_request_target_from_a_fork_reads_config_from_the_base_branch(
    tmp_path: Path, server: GitHubTestServer
) -> None:
    payload = fresh(load_payload("pull_request.opened[1]"))
    payload["pull_request"]["head"]["repo"]["full_name"] = "mallory/Hello-World"
    server.state.seed_from_payload(payload)
    server.state.set_file(".devflow.yml", CONFIG, ref="master")
    malicious = "version: 1\nrules:\n  - name: pwn\n    on: pull_request\n    then:\n      - label: pwned\n      - close: true\n"
    run = run_action(tmp_path, server, "pull_request_target", payload, config=malicious)
    assert run.code == 0, run.stdout + run.stderr
    assert "read from the base branch (master), not the pull request" in run.stdout
    issue = server.state.issues[2]
    assert "pwned" not in issue.labels and issue.state == "open"
    assert "triage" in issue.labels
    assert server.requests[0].method == "GET" and "/contents/.devflow.yml?ref=master" in server.requests[0].path


def test_dry_run_writes_nothing(tmp_path: Path, server: GitHubTestServer) -> None:
    payload = fresh(load_payload("issues.opened"))
    server.state.seed_from_payload(payload)
    run = run_action(tmp_path, server, "issues", payload, inputs={"dry-run": "true"})
    assert run.code == 0
    assert server.state.issues[1].labels == ["bug"] and server.writes == []
    assert run.outputs["labels-added"] == '["triage"]' and run.outputs["operations"] == "0"
    assert "## Devflow (dry run)" in run.summary


def test_broken_config_is_exit_1_with_annotations(tmp_path: Path, server: GitHubTestServer) -> None:
    payload = fresh(load_payload("issues.opened"))
    server.state.seed_from_payload(payload)
    broken = "version: 1\nrules:\n  - name: r\n    on: issues.opened\n    then:\n      - lable: bug\n"
    run = run_action(tmp_path, server, "issues", payload, config=broken)
    assert run.code == 1
    assert (
        "::error file=.devflow.yml,line=6,col=9::rules[0].then[0]: unknown action 'lable' (did you mean 'label'?)"
        in run.stdout
    )
    assert "nothing was done" in run.summary and "Traceback" not in run.summary
    assert server.requests == []


def test_hostile_titles_cannot_inject_workflow_commands(tmp_path: Path, server: GitHubTestServer) -> None:
    payload = fresh(load_payload("issues.opened"))
    hostile = "bug\n::set-output name=x::y\n::add-mask::%0A::error::pwned\r\n::stop-commands::x"
    payload["issue"]["title"] = hostile
    payload["issue"]["labels"] = [{"name": "::warning::label\n::error::x", "color": "ededed", "default": False, "id": 1,
                                   "node_id": "x", "url": "u", "description": None}]  # fmt: skip
    server.state.seed_from_payload(payload)
    config = 'version: 1\nrules:\n  - name: "r\\n::error::rule"\n    on: issues\n    if: {title: {contains: bug}}\n    then: [{label: triage}]\n'
    run = run_action(tmp_path, server, "issues", payload, config=config)
    assert run.code == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == f"::add-mask::{TOKEN}"
    # Outside a stop-commands block, only our own commands; every line with user text inside one.
    stopped: str | None = None
    user_lines = []
    for line in lines[1:]:
        if stopped is not None:
            if line == f"::{stopped}::":
                stopped = None
            elif "::error::rule" in line:
                user_lines.append(line)
            continue
        started = re.fullmatch(r"::stop-commands::([0-9a-f]{32})", line)
        if started:
            stopped = started.group(1)
            continue
        assert not line.startswith("::") and "::error::" not in line, line
    assert stopped is None  # commands resumed
    assert user_lines == ["  ✔ r\\n::error::rule"]  # the rule name was printed, escaped, inside the block
    assert "| r ::error::rule | matched |" in run.summary  # the newline cannot break the summary's table


def test_rate_limit_is_exit_2_and_the_rerun_finishes(tmp_path: Path, server: GitHubTestServer) -> None:
    payload = fresh(load_payload("pull_request.opened[1]"))
    server.state.seed_from_payload(payload)
    server.state.add_files(2, 150, prefix="docs/page")
    server.faults = Faults(rate_limit_after=1, rate_limit_reset_in=3600)
    run = run_action(tmp_path, server, "pull_request", payload)
    assert run.code == 2
    assert "stopped with work left" in run.stdout.lower() and "Stopped with work left" in run.summary
    server.faults = Faults()
    server.reset_rate_limit()
    again = run_action(tmp_path, server, "pull_request", payload, env={"GITHUB_RUN_ATTEMPT": "2"})
    assert again.code == 0, again.stdout
    assert server.state.issues[2].labels == ["bug", "triage", "documentation", "size/XS"]


def test_events_without_rules_do_nothing(tmp_path: Path, server: GitHubTestServer) -> None:
    payload = load_payload("star.created[1]")
    run = run_action(tmp_path, server, "star", payload)
    assert run.code == 0
    assert "nothing to do for 'star' events" in run.stdout and server.requests == []


def test_validate_command(tmp_path: Path, server: GitHubTestServer) -> None:
    payload = load_payload("pull_request.opened[1]")
    run = run_action(tmp_path, server, "pull_request", payload, inputs={"command": "validate"})
    assert run.code == 0 and "is valid (3 rules)" in run.stdout and server.requests == []


def test_unknown_command_is_a_usage_error(tmp_path: Path, server: GitHubTestServer) -> None:
    run = run_action(tmp_path, server, "issues", load_payload("issues.opened"), inputs={"command": "publish"})
    assert run.code == 1 and "unknown command 'publish'" in run.stdout


def test_without_a_checkout_the_config_comes_from_the_default_branch(tmp_path: Path, server: GitHubTestServer) -> None:
    payload = fresh(load_payload("issues.opened"))
    server.state.seed_from_payload(payload)
    server.state.set_file(".devflow.yml", CONFIG)  # on the default branch
    workspace = tmp_path / "workspace"
    workspace.mkdir()  # empty: the workflow has no checkout step
    run = run_action(tmp_path, server, "issues", payload, config=None, env={"GITHUB_WORKSPACE": str(workspace)})
    assert run.code == 0, run.stdout + run.stderr
    assert "read from the default branch (no checkout in the workspace)" in run.stdout
    assert [f"{r.method} {r.path}" for r in server.requests] == [
        "GET /repos/Codertocat/Hello-World/contents/.devflow.yml",
        "POST /repos/Codertocat/Hello-World/issues/1/labels",
    ]


def test_unreachable_github_says_nothing_was_decided_instead_of_showing_a_plan(
    tmp_path: Path, server: GitHubTestServer
) -> None:
    payload = fresh(load_payload("pull_request.opened[1]"))  # the docs rule needs the PR's files: a read
    run = run_action(
        tmp_path, server, "pull_request", payload, inputs={"deadline": "1"},
        env={"GITHUB_API_URL": "http://127.0.0.1:9"},  # nothing listens there
    )  # fmt: skip
    assert run.code == 2
    assert "Devflow: stopped before planning: " in run.stdout
    assert "; nothing was decided and nothing was written\n" in run.stdout
    assert "rules:" not in run.stdout and "operations:" not in run.stdout  # no facts-less "plan"
    assert run.summary.startswith("## Devflow\n\nNothing was decided and nothing was written.\n")
    assert "| rule |" not in run.summary and "**Stopped with work left:** stopped before planning" in run.summary


def test_refused_read_says_nothing_was_decided(tmp_path: Path, server: GitHubTestServer) -> None:
    payload = fresh(load_payload("pull_request.opened[1]"))
    server.state.seed_from_payload(payload)
    run = run_action(tmp_path, server, "pull_request", payload, inputs={"github-token": "ghs_notTheServersToken0"})
    assert run.code == 1
    assert "Devflow: GitHub refused a read before planning: " in run.stdout
    assert "nothing was decided and nothing was written" in run.stdout and "rules:" not in run.stdout
    assert "Nothing was decided and nothing was written." in run.summary and "| rule |" not in run.summary
