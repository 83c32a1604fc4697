"""The digest through its entry points, as users start them: the action in a container's shoes
(`python -P -m devflow_action`, runner variables, a `schedule` event) and `devflow digest`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from .ghserver import GitHubTestServer
from .test_action_e2e import Run, parse_outputs
from .test_notify import Hook, hook  # noqa: F401  (the local Slack endpoint fixture)

TOKEN = "ghs_digestSecretTokenValue0123456789ab"
HOOK_SECRET = "T000/B000/hooksecretvalue42"
CONFIG = """version: 1
digest:
  post: {issue_title: Weekly contributor digest}
notify:
  slack: {webhook_env: SLACK_WEBHOOK_URL, on: [digest, stopped]}
"""


@pytest.fixture
def server(gh_server_factory: Any) -> GitHubTestServer:
    s: GitHubTestServer = gh_server_factory(token=TOKEN)
    now = datetime.now(UTC).replace(microsecond=0)
    yesterday = now.replace(hour=0, minute=0, second=0) - timedelta(hours=12)
    s.state.add_issue("First issue <b>@maint</b>", "newcomer", created_at=yesterday, updated_at=yesterday)
    s.state.add_pull("A fix", "newcomer", created_at=yesterday, updated_at=yesterday)
    return s


def action(tmp_path: Path, server: GitHubTestServer, *, config: str = CONFIG, inputs: dict[str, str] | None = None,
           env: dict[str, str] | None = None) -> Run:  # fmt: skip
    workspace = tmp_path / "workspace"
    workspace.mkdir(exist_ok=True)
    (workspace / ".git").mkdir(exist_ok=True)
    (workspace / ".devflow.yml").write_text(config)
    event, output, summary = tmp_path / "event.json", tmp_path / "output", tmp_path / "summary.md"
    event.write_text(json.dumps({"schedule": "0 6 * * 1"}))  # what GitHub writes for a `schedule` run
    output.write_text("")
    summary.write_text("")
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_", "SLACK_"))}
    environ.update({
        "GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "schedule", "GITHUB_EVENT_PATH": str(event),
        "GITHUB_REPOSITORY": "octo-org/octo-repo", "GITHUB_WORKSPACE": str(workspace), "GITHUB_API_URL": server.url,
        "GITHUB_GRAPHQL_URL": f"{server.url}/graphql", "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_RUN_ID": "99", "INPUT_GITHUB-TOKEN": TOKEN, "INPUT_COMMAND": "auto",
    })  # fmt: skip
    environ.update({f"INPUT_{k.upper()}": v for k, v in (inputs or {}).items()})
    environ.update(env or {})
    proc = subprocess.run([sys.executable, "-P", "-m", "devflow_action"], cwd=workspace, env=environ,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    return Run(proc.returncode, proc.stdout, proc.stderr, parse_outputs(output.read_text()), summary.read_text())


def digest_issues(server: GitHubTestServer) -> list[Any]:
    return [i for i in server.state.issues.values() if i.title == "Weekly contributor digest"]


def test_a_scheduled_run_posts_the_digest_in_the_summary_the_issue_and_slack(
    tmp_path: Path,
    server: GitHubTestServer,
    hook: Hook,  # noqa: F811
) -> None:
    run = action(tmp_path, server, env={"SLACK_WEBHOOK_URL": hook.url})
    assert run.code == 0, run.stdout + run.stderr
    assert "## Devflow digest" in run.summary and "### New contributors (1)" in run.summary
    assert "First issue &lt;b&gt;@\u200bmaint&lt;/b&gt;" in run.summary  # user text stays inert
    assert "```mermaid\nxychart-beta" in run.summary
    (issue,) = digest_issues(server)
    assert issue.body.startswith("<!-- devflow:digest -->") and "Posted: created issue" in run.summary
    numbers = json.loads(run.outputs["digest"])
    assert (numbers["counts"]["issues_opened"], numbers["counts"]["prs_opened"]) == (1, 1)
    assert [n["login"] for n in numbers["new_contributors"]] == ["newcomer"]
    assert len(hook.received) == 1 and "1 new contributors" in hook.received[0][2]["text"]
    everything = run.stdout + run.stderr + run.summary + json.dumps(run.outputs)
    assert HOOK_SECRET not in everything and TOKEN not in everything.replace(f"::add-mask::{TOKEN}", "")
    again = action(tmp_path, server, env={"SLACK_WEBHOOK_URL": hook.url})
    assert again.code == 0 and len(digest_issues(server)) == 1 and "Posted: updated issue" in again.summary


def test_a_dry_run_shows_the_digest_and_writes_nothing(tmp_path: Path, server: GitHubTestServer, hook: Hook) -> None:  # noqa: F811
    run = action(tmp_path, server, inputs={"dry-run": "true"}, env={"SLACK_WEBHOOK_URL": hook.url})
    assert run.code == 0
    assert "## Devflow digest (dry run)" in run.summary and "### Metrics" in run.summary
    assert "would be posted to the issue 'Weekly contributor digest'" in run.summary
    assert server.writes == [] and hook.received == []


def test_a_graphql_rate_limit_exits_2_and_the_summary_says_so(tmp_path: Path, server: GitHubTestServer,
                                                              hook: Hook) -> None:  # noqa: F811  # fmt: skip
    server.faults.rate_limit_after = 1
    server.faults.rate_limit_reset_in = 3600
    run = action(tmp_path, server, env={"SLACK_WEBHOOK_URL": hook.url})
    assert run.code == 2
    assert "**Stopped with work left:** GitHub rate limit exhausted" in run.summary
    assert "Nothing was posted" in run.summary and digest_issues(server) == []
    assert "::error::Devflow stopped with work left" in run.stdout
    assert "stopped with work left" in hook.received[0][2]["text"]  # the `stopped` notice


def test_a_failing_slack_warns_and_the_digest_still_succeeds(tmp_path: Path, server: GitHubTestServer) -> None:
    run = action(
        tmp_path, server, env={"SLACK_WEBHOOK_URL": "https://127.0.0.1:1/services/T000/B000/hooksecretvalue42"}
    )
    assert run.code == 0 and len(digest_issues(server)) == 1
    assert "::warning::Devflow: notification failed: slack:" in run.stdout
    assert HOOK_SECRET not in run.stdout + run.summary


def test_auto_on_schedule_without_a_digest_section_has_nothing_to_do(tmp_path: Path, server: GitHubTestServer) -> None:
    run = action(tmp_path, server, config="version: 1\n")
    assert (
        run.code == 0
        and "nothing to do on 'schedule': the configuration has no scheduled section (stale, digest)" in run.stdout
        and server.requests == []
    )


def test_command_digest_runs_without_a_digest_section_on_the_defaults(tmp_path: Path, server: GitHubTestServer) -> None:
    run = action(tmp_path, server, config="version: 1\n", inputs={"command": "digest"})
    assert run.code == 0 and "### Unanswered (2)" in run.summary and digest_issues(server) == []


# -- devflow digest ---------------------------------------------------------------------------------
def cli(
    server: GitHubTestServer, *args: str, token: str = TOKEN, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    environ.update({"GITHUB_API_URL": server.url, "GITHUB_GRAPHQL_URL": f"{server.url}/graphql"})
    if token:
        environ["GITHUB_TOKEN"] = token
    return subprocess.run([sys.executable, "-m", "devflow_action.cli", "digest", *args], env=environ, cwd=cwd,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def test_devflow_digest_prints_json_numbers_with_the_calls(tmp_path: Path, server: GitHubTestServer) -> None:
    proc = cli(server, "--repo", "octo-org/octo-repo", "--format", "json", "--window-days", "3", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["window_days"] == 3 and data["counts"]["issues_opened"] == 1
    assert data["calls"] == 2 and data["writes"] == 0  # no config: nothing to post
    assert TOKEN not in proc.stdout + proc.stderr


def test_devflow_digest_posts_as_configured_unless_dry_run(tmp_path: Path, server: GitHubTestServer) -> None:
    (tmp_path / ".devflow.yml").write_text(CONFIG.split("notify:")[0])
    proc = cli(server, "--repo", "octo-org/octo-repo", "--dry-run", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout.startswith("<!-- devflow:digest -->") and server.writes == []
    proc = cli(server, "--repo", "octo-org/octo-repo", cwd=tmp_path)
    assert proc.returncode == 0 and "Digest created in issue" in proc.stderr and len(digest_issues(server)) == 1


def test_devflow_digest_without_a_token_is_a_usage_error(tmp_path: Path, server: GitHubTestServer) -> None:
    proc = cli(server, "--repo", "octo-org/octo-repo", token="", cwd=tmp_path)
    assert proc.returncode == 1 and "GITHUB_TOKEN is not set" in proc.stderr and server.requests == []
    proc = cli(server, "--repo", "not-a-repo", cwd=tmp_path)
    assert proc.returncode == 1 and "expected owner/name" in proc.stderr


def test_devflow_digest_stopped_by_a_rate_limit_exits_2(tmp_path: Path, server: GitHubTestServer) -> None:
    server.faults.rate_limit_after = 0
    server.faults.rate_limit_reset_in = 3600
    proc = cli(server, "--repo", "octo-org/octo-repo", cwd=tmp_path)
    assert proc.returncode == 2 and "stopped with work left: GitHub rate limit exhausted" in proc.stderr
    assert proc.stdout == ""


def test_a_rules_run_stopped_by_the_rate_limit_sends_the_stopped_notice(tmp_path: Path, gh_server_factory: Any,
                                                                        hook: Hook) -> None:  # noqa: F811  # fmt: skip
    from .githubdata import load_payload
    from .test_action_e2e import CONFIG as RULES
    from .test_action_e2e import TOKEN as E2E_TOKEN
    from .test_action_e2e import fresh, run_action

    server: GitHubTestServer = gh_server_factory(token=E2E_TOKEN)
    payload = fresh(load_payload("issues.opened"))
    server.state.seed_from_payload(payload)
    server.faults.rate_limit_after = 0
    server.faults.rate_limit_reset_in = 3600
    config = RULES + "notify:\n  slack:\n    webhook_env: SLACK_WEBHOOK_URL\n    on: [stopped, refused]\n"
    run = run_action(tmp_path, server, "issues", payload, config=config, env={"SLACK_WEBHOOK_URL": hook.url})
    assert run.code == 2
    ((_, _, body),) = hook.received
    assert body["text"].startswith("*Devflow stopped with work left on Codertocat/Hello-World*\nGitHub rate limit")
    assert HOOK_SECRET not in run.stdout + run.summary
