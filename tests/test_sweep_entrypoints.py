"""Sweeps at the entry points: the action on `workflow_dispatch` and `schedule` as the runner starts it
(outputs, summary, progress lines, exit codes), and `devflow triage|stale|sync-labels` against the
GitHub test server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from devflow_action.cli import main as cli_main

from .ghserver import GitHubTestServer
from .ghserver.bulk import add_issues
from .ghserver.seed import load_payload
from .sweep_helpers import ago, labeled
from .test_action_e2e import TOKEN, no_secret, run_action

pytestmark = pytest.mark.integration

RULES = """version: 1
labels:
  needs-triage: {color: fbca04}
rules:
  - name: everything needs triage
    on: issues.opened
    then: [{label: needs-triage}]
stale: {after_days: 30, close_after_days: 7}
"""
FAST = {"DEVFLOW_WRITE_INTERVAL": "0"}  # the shipped default waits a second between writes


@pytest.fixture
def server(gh_server_factory: Any) -> GitHubTestServer:
    s: GitHubTestServer = gh_server_factory(token=TOKEN)
    return s


def dispatch() -> dict[str, Any]:
    return load_payload("workflow_dispatch")


def test_workflow_dispatch_triages_until_max_operations_then_says_what_is_left(
    tmp_path: Path, server: GitHubTestServer
) -> None:
    add_issues(server.state, 30, lambda i: {"created_at": ago(100, -i)})
    run = run_action(tmp_path, server, "workflow_dispatch", dispatch(), config=RULES,
                     inputs={"max-operations": "10"}, env=FAST)  # fmt: skip
    assert run.code == 2, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("::stop-commands::"))
    assert lines[start + 1 : start + 3] == ["[1/30] #1 +needs-triage", "[2/30] #2 +needs-triage"]
    # the first write creates the declared label: nine items fit, the tenth is left whole
    assert lines[start + 9 : start + 11] == [
        "[9/30] #9 +needs-triage",
        "[10/30] #10 left: needs 1 write; left for the next run",
    ]
    assert lines[-1].startswith("::error::Devflow triage stopped with work left: max-operations (10 writes) reached")
    assert "**Stopped with work left: max-operations (10 writes) reached. Done this run: 9 examined, 9 changed; " \
        "21 left. Re-run to continue.**" in run.summary  # fmt: skip
    assert "| #1 | Issue 1 | +needs-triage | changed |" in run.summary
    assert (run.outputs["operations"], run.outputs["complete"], run.outputs["items"]) == ("10", "false", "9")
    assert json.loads(run.outputs["labels-added"]) == ["needs-triage"]
    no_secret(run)
    again = run_action(tmp_path, server, "workflow_dispatch", dispatch(), config=RULES, env=FAST)
    assert again.code == 0 and "**Done: 21 examined, 21 changed; nothing left.**" in again.summary
    assert labeled(server, "needs-triage") == dict.fromkeys(range(1, 31), 1)


def test_the_query_and_dry_run_inputs(tmp_path: Path, server: GitHubTestServer) -> None:
    add_issues(server.state, 3, lambda i: {"created_at": ago(100, -i), "title": "crash" if i == 1 else "idea"})
    run = run_action(tmp_path, server, "workflow_dispatch", dispatch(), config=RULES,
                     inputs={"query": "is:open no:label crash", "dry-run": "true"}, env=FAST)  # fmt: skip
    assert run.code == 0 and server.writes == []
    assert "[1/1] #2 +needs-triage (dry run)" in run.stdout and "## Devflow: triage (dry run)" in run.summary


def test_schedule_runs_the_stale_sweep(tmp_path: Path, server: GitHubTestServer) -> None:
    add_issues(server.state, 4, lambda i: {"created_at": ago(100), "updated_at": ago(40 if i < 3 else 10, i)})
    # GitHub publishes no `schedule` payload; the sweep reads nothing from it but the event's name
    run = run_action(tmp_path, server, "schedule", dispatch(), config=RULES, env=FAST)
    assert run.code == 0, run.stdout + run.stderr
    assert "## Devflow: stale" in run.summary and "Done: 4 examined, 3 changed; nothing left." in run.summary
    assert labeled(server, "stale") == {1: 1, 2: 1, 3: 1}
    assert "[1] #3 +stale comment (mark: no activity for 40 days)" in run.stdout
    assert "[4] #4 no change (active: updated 10 days ago)" in run.stdout


def test_schedule_without_a_scheduled_section_has_nothing_to_do(tmp_path: Path, server: GitHubTestServer) -> None:
    config = RULES.replace("stale: {after_days: 30, close_after_days: 7}\n", "")
    run = run_action(tmp_path, server, "schedule", dispatch(), config=config, env=FAST)
    assert run.code == 0 and "::notice::Devflow: nothing to do on 'schedule'" in run.stdout
    assert server.requests == [] and run.outputs["operations"] == "0"


def test_command_sync_labels_on_any_event(tmp_path: Path, server: GitHubTestServer) -> None:
    run = run_action(tmp_path, server, "workflow_dispatch", dispatch(), config=RULES,
                     inputs={"command": "sync-labels"}, env=FAST)  # fmt: skip
    assert run.code == 0 and server.state.label("needs-triage").color == "fbca04"  # type: ignore[union-attr]


def test_a_hostile_label_name_cannot_start_a_workflow_command(tmp_path: Path, server: GitHubTestServer) -> None:
    add_issues(server.state, 1)
    config = 'version: 1\nrules:\n  - {name: r, on: issues.opened, then: [{label: "x\\n::set-output name=a::b"}]}\n'
    run = run_action(tmp_path, server, "workflow_dispatch", dispatch(), config=config, env=FAST)
    assert run.code == 0
    assert not any(line.startswith("::set-output") for line in run.stdout.splitlines())
    assert "[1/1] #1 +x\\n::set-output name=a::b" in run.stdout  # the line break shown, never acted on


def test_a_bad_max_operations_input_is_a_usage_error(tmp_path: Path, server: GitHubTestServer) -> None:
    run = run_action(tmp_path, server, "workflow_dispatch", dispatch(), config=RULES,
                     inputs={"max-operations": "lots"}, env=FAST)  # fmt: skip
    assert run.code == 1 and "max-operations must be a whole number of at least 1, got 'lots'" in run.stdout


def test_the_rate_limit_at_the_first_listing_is_a_stop_not_a_failure(tmp_path: Path, server: GitHubTestServer) -> None:
    from .ghserver import Faults

    add_issues(server.state, 5, lambda i: {"created_at": ago(100), "updated_at": ago(40)})
    server.faults = Faults(rate_limit_after=1, rate_limit_reset_in=3600)  # the labels read passes, the listing not
    run = run_action(tmp_path, server, "schedule", dispatch(), config=RULES, env=FAST)
    assert run.code == 2 and "Stopped with work left: GitHub rate limit exhausted" in run.summary


def test_the_deadline_is_a_stop_with_work_left(tmp_path: Path, server: GitHubTestServer) -> None:
    add_issues(server.state, 5, lambda i: {"created_at": ago(100, -i)})
    run = run_action(tmp_path, server, "workflow_dispatch", dispatch(), config=RULES, inputs={"deadline": "0.001"},
                     env=FAST)  # fmt: skip
    assert run.code == 2 and "Stopped with work left: the run's deadline (0 s) is reached" in run.summary
    assert server.writes == [] and run.outputs["complete"] == "false"


# --- the CLI ---------------------------------------------------------------------------------------


@pytest.fixture
def cli_env(server: GitHubTestServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_API_URL", server.url)
    monkeypatch.setenv("DEVFLOW_WRITE_INTERVAL", "0")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_cli_triage_dry_run_against_the_api(
    cli_env: Path, server: GitHubTestServer, capsys: pytest.CaptureFixture[str]
) -> None:
    (cli_env / ".devflow.yml").write_text(RULES)
    add_issues(server.state, 2, lambda i: {"created_at": ago(100, -i)})
    assert cli_main(["triage", "--repo", "octo-org/octo-repo", "--dry-run", "--max-operations", "5"]) == 0
    out = capsys.readouterr().out
    assert "[1/2] #1 +needs-triage (dry run)" in out and "Devflow triage: Done: 2 examined, 2 would change" in out
    assert server.writes == [] and TOKEN not in out


def test_cli_sync_labels_reads_the_config_from_the_default_branch(
    cli_env: Path, server: GitHubTestServer, capsys: pytest.CaptureFixture[str]
) -> None:
    server.state.set_file(".devflow.yml", RULES)
    assert cli_main(["sync-labels", "--repo", "octo-org/octo-repo"]) == 0
    assert server.state.label("needs-triage") is not None
    assert "label 'needs-triage' create 'needs-triage': color fbca04" in capsys.readouterr().out


def test_cli_stale_stops_with_exit_2_when_the_budget_is_spent(
    cli_env: Path, server: GitHubTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    (cli_env / ".devflow.yml").write_text(RULES)
    add_issues(server.state, 5, lambda i: {"created_at": ago(100), "updated_at": ago(40, i)})
    monkeypatch.setenv("DEVFLOW_MAX_CALLS", "4")
    assert cli_main(["stale", "--repo", "octo-org/octo-repo"]) == 2
    assert cli_main(["stale", "--repo", "octo-org/octo-repo"]) == 2
    monkeypatch.setenv("DEVFLOW_MAX_CALLS", "100")
    assert cli_main(["stale", "--repo", "octo-org/octo-repo"]) == 0
    assert labeled(server, "stale") == dict.fromkeys(range(1, 6), 1)


def test_cli_needs_a_token_to_write(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN")
    assert cli_main(["stale", "--repo", "octo-org/octo-repo"]) == 1
    assert "set GITHUB_TOKEN" in capsys.readouterr().err


def test_cli_with_a_github_app_writes_with_the_installation_token(
    cli_env: Path, server: GitHubTestServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The action's and the workers' App code path: no GITHUB_TOKEN, an App's id and key instead."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    monkeypatch.delenv("GITHUB_TOKEN")
    monkeypatch.setenv("DEVFLOW_APP_ID", "15368")
    monkeypatch.setenv("DEVFLOW_APP_PRIVATE_KEY", pem.decode())
    (cli_env / ".devflow.yml").write_text(RULES)
    add_issues(server.state, 2, lambda i: {"created_at": ago(100, -i)})
    assert cli_main(["triage", "--repo", "octo-org/octo-repo", "--max-operations", "5"]) == 0
    assert labeled(server, "needs-triage") == {1: 1, 2: 1}  # written with the installation's token
    paths = [r.path for r in server.requests if "installation" in r.path]
    assert paths == ["/repos/octo-org/octo-repo/installation", "/app/installations/4242/access_tokens"]
    captured = capsys.readouterr()
    assert TOKEN not in captured.out + captured.err and "PRIVATE KEY" not in captured.out + captured.err
