"""The action's defences, each through its process against the GitHub test server or a hostile one
(docs/security.md lists them): no duplicate writes on a re-run, markers only Devflow can write, no
file outside the workspace read, no token in any sink, no run past its deadline, fork PRs untrusted
when GitHub cannot tell, and each sink (log, summary, workflow command) escaped its own way."""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .ghserver import check_server
from .ghserver.answers import AnsweringServer
from .ghserver.seed import load_payload
from .hostile import HostileServer
from .test_action_e2e import CONFIG, TOKEN, Run, fresh, no_secret, run_action

FAST = {"DEVFLOW_RETRY_BACKOFF": "0.01"}


@pytest.fixture
def server() -> Iterator[AnsweringServer]:
    s = AnsweringServer(token=TOKEN)
    s.start()
    yield s
    s.stop()
    check_server(s)


def issue(server: AnsweringServer, **changes: Any) -> dict[str, Any]:
    payload = fresh(load_payload("issues.opened"))
    payload["issue"].update(changes)
    server.state.seed_from_payload(payload)
    return payload


def commands(run: Run) -> list[str]:
    """The workflow commands the runner would act on: lines starting with `::` outside stop-commands."""
    found, stopped = [], None
    for line in run.stdout.splitlines():
        if stopped is not None:
            if line == f"::{stopped}::":
                stopped = None
            continue
        if m := re.fullmatch(r"::stop-commands::(\w+)", line):
            stopped = m.group(1)
        elif line.startswith("::"):
            found.append(line)
    return found


def comment_bodies(server: AnsweringServer) -> list[str]:
    return [c.body for c in server.state.comments.values()]


# --- 1. a re-run never repeats a comment ------------------------------------------------------------------

LABEL_COMMENT_CLOSE = """version: 1
rules:
  - name: stale question
    on: issues.opened
    then:
      - label: answered
      - comment: "Closing: the answer is in the docs."
      - close: true
"""


def test_a_rerun_after_a_stop_does_not_post_the_comment_again(tmp_path: Path, server: AnsweringServer) -> None:
    payload = issue(server)
    far = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(time.time()) + 3600)}
    server.answer("PATCH", r"/issues/1$", 403, {"message": "API rate limit exceeded"}, headers=far, times=1)
    first = run_action(tmp_path, server, "issues", payload, config=LABEL_COMMENT_CLOSE)
    assert first.code == 2, first.stdout + first.stderr
    assert len(comment_bodies(server)) == 1 and "answered" in server.state.issues[1].labels
    # The re-run plans the label away (already there): the comment moves up the plan, its marker must not.
    again = run_action(tmp_path, server, "issues", payload, config=LABEL_COMMENT_CLOSE, env={"GITHUB_RUN_ATTEMPT": "2"})
    assert again.code == 0, again.stdout + again.stderr
    assert len(comment_bodies(server)) == 1 and server.state.issues[1].state == "closed"
    assert [op["type"] for op in json.loads(again.outputs["plan"])["operations"]] == ["comment", "close"]
    assert "skipped: comment (already posted)" in again.stdout


def test_the_same_comment_in_another_run_is_posted_again(tmp_path: Path, server: AnsweringServer) -> None:
    """Markers are per run (or delivery): a rule that fires on a new event comments again."""
    payload = issue(server)
    run_action(tmp_path, server, "issues", payload, config=LABEL_COMMENT_CLOSE)
    server.state.issues[1].state = "open"
    again = run_action(tmp_path, server, "issues", payload, config=LABEL_COMMENT_CLOSE, env={"GITHUB_RUN_ID": "1235"})
    assert again.code == 0 and len(comment_bodies(server)) == 2


# --- 3. only Devflow's own comments count -----------------------------------------------------------------

WELCOME = """version: 1
rules:
  - name: welcome
    on: issues.opened
    then: [{comment: {body: "Welcome!", once: true, id: welcome}}]
"""


@pytest.mark.parametrize(
    ("author", "self_login", "posted"),
    [
        ("mallory", None, True),  # anyone can write the marker: it does not count
        ("GitHub-Actions[bot]", None, False),  # the workflow token's identity (any case): Devflow posted it
        ("github-actions[bot]", "devflow-app[bot]", True),  # an App's run: only the App's bot counts
    ],
)
def test_a_once_marker_counts_only_in_devflows_own_comments(
    tmp_path: Path, server: AnsweringServer, author: str, self_login: str | None, posted: bool
) -> None:
    payload = issue(server, comments=1)
    server.state.add_comment(1, "nice try\n\n<!-- devflow:welcome -->", user=author)
    env = {"DEVFLOW_SELF_LOGIN": self_login} if self_login else {}
    run = run_action(tmp_path, server, "issues", payload, config=WELCOME, env=env)
    assert run.code == 0, run.stdout + run.stderr
    assert len(comment_bodies(server)) == (2 if posted else 1)


# --- 5. the configuration is read only from a regular file inside the workspace ---------------------------

SECRET = "SECRET_runner_file_content_4242"


def workspace_with(tmp_path: Path, link: str, target: Path) -> Path:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    (workspace / ".git").mkdir()
    place = workspace / link
    place.parent.mkdir(parents=True, exist_ok=True)
    place.symlink_to(target)
    return workspace


def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "devflow.yml").write_text(f"version: 1\n{SECRET}: [1]\nrules: {SECRET}\n")
    return folder


@pytest.mark.parametrize(("how", "command"), [("file", "validate"), ("folder", "auto")])
def test_a_symlink_out_of_the_workspace_is_refused_before_reading(
    tmp_path: Path, server: AnsweringServer, command: str, how: str
) -> None:
    folder = outside(tmp_path)
    if how == "file":
        workspace, config = workspace_with(tmp_path, ".devflow.yml", folder / "devflow.yml"), ".devflow.yml"
    else:
        workspace, config = workspace_with(tmp_path, "conf", folder), "conf/devflow.yml"
    payload = issue(server)
    run = run_action(tmp_path, server, "issues", payload, config=None, env={"GITHUB_WORKSPACE": str(workspace)},
                     inputs={"command": command, "config": config})  # fmt: skip
    assert run.code == 1, run.stdout + run.stderr
    assert f"::error file={config}::the configuration must be a regular file inside the workspace" in run.stdout
    assert SECRET not in run.stdout + run.stderr + run.summary
    assert server.requests == []


def test_a_config_that_is_not_a_regular_file_is_refused_without_blocking(
    tmp_path: Path, server: AnsweringServer
) -> None:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    os.mkfifo(workspace / ".devflow.yml")  # reading a FIFO would wait for a writer forever
    run = run_action(tmp_path, server, "issues", issue(server), config=None, env={"GITHUB_WORKSPACE": str(workspace)},
                     inputs={"command": "validate"})  # fmt: skip
    assert run.code == 1 and "must be a regular file inside the workspace" in run.stdout


def test_a_symlink_into_the_git_folder_is_refused(tmp_path: Path, server: AnsweringServer) -> None:
    """actions/checkout keeps the token's credentials in .git/config: never echo that file."""
    workspace = tmp_path / "workspace"
    (workspace / ".git").mkdir(parents=True)
    (workspace / ".git" / "config").write_text(f'[http]\n  extraheader = "AUTHORIZATION: basic {SECRET}"\n')
    (workspace / ".devflow.yml").symlink_to(workspace / ".git" / "config")
    run = run_action(tmp_path, server, "issues", issue(server), config=None, env={"GITHUB_WORKSPACE": str(workspace)},
                     inputs={"command": "validate"})  # fmt: skip
    assert run.code == 1 and "must be a regular file inside the workspace" in run.stdout
    assert SECRET not in run.stdout + run.summary


@pytest.mark.parametrize("entry", [".git/config", "ci/creds.yml", "ci/fifo.yml"])
def test_a_file_the_config_extends_gets_the_same_checks_as_the_config(
    tmp_path: Path, server: AnsweringServer, entry: str
) -> None:
    """`extends:` cannot reach .git/config (the checkout's credentials) directly or through a link, nor
    block on a FIFO: such a file counts as absent, and nothing of it is echoed."""
    workspace = tmp_path / "workspace"
    (workspace / ".git").mkdir(parents=True)
    (workspace / ".git" / "config").write_text(f'[http]\n  extraheader = "AUTHORIZATION: basic {SECRET}"\n')
    (workspace / "ci").mkdir()
    (workspace / "ci" / "creds.yml").symlink_to(workspace / ".git" / "config")
    os.mkfifo(workspace / "ci" / "fifo.yml")
    (workspace / ".devflow.yml").write_text(f"version: 1\nextends: [{entry}]\n")
    run = run_action(tmp_path, server, "issues", issue(server), config=None, env={"GITHUB_WORKSPACE": str(workspace)},
                     inputs={"command": "validate"})  # fmt: skip
    assert run.code == 1, run.stdout + run.stderr
    assert f"extends[0]: no file '{entry}' in the repository" in run.stdout
    assert SECRET not in run.stdout + run.stderr + run.summary


@pytest.mark.parametrize("config", ["../outside/devflow.yml", "/etc/passwd"])
def test_a_config_path_out_of_the_repository_is_refused(tmp_path: Path, server: AnsweringServer, config: str) -> None:
    outside(tmp_path)
    run = run_action(tmp_path, server, "issues", issue(server), inputs={"command": "validate", "config": config})
    assert run.code == 1 and "the config path must be relative to the repository root" in run.stdout
    assert SECRET not in run.stdout + run.summary and "root:" not in run.stdout + run.summary


def test_a_symlink_inside_the_workspace_is_followed(tmp_path: Path, server: AnsweringServer) -> None:
    workspace = tmp_path / "workspace"
    (workspace / "config").mkdir(parents=True)
    (workspace / "config" / "devflow.yml").write_text(CONFIG)
    (workspace / ".devflow.yml").symlink_to("config/devflow.yml")
    run = run_action(tmp_path, server, "issues", issue(server), config=None, env={"GITHUB_WORKSPACE": str(workspace)},
                     inputs={"command": "validate"})  # fmt: skip
    assert run.code == 0 and "is valid (3 rules)" in run.stdout


# --- 6. a server that echoes the token back --------------------------------------------------------------


def echo(status: int) -> Any:
    def body(headers: dict[str, str]) -> bytes:
        auth = headers.get("authorization", "")
        if status == 502:  # an HTML error page quoting the request
            return f"<html>upstream said\n::error::pwned\n{auth}</html>".encode()
        message = f"Denied: {auth}\n::error::pwned %0A::add-mask::x {'A' * 400}"
        return json.dumps({"message": message, "echo": dict(headers), "documentation_url": auth}).encode()

    return body


@pytest.mark.parametrize("status", [403, 500, 502])
def test_a_server_echoing_the_token_never_gets_it_printed(tmp_path: Path, server: AnsweringServer, status: int) -> None:
    payload = issue(server)
    server.answer("POST", r"/labels$", status, echo(status))
    run = run_action(tmp_path, server, "issues", payload, env=FAST)
    assert run.code == (2 if status >= 500 else 1), run.stdout + run.stderr
    no_secret(run)
    found = commands(run)
    assert found[0] == f"::add-mask::{TOKEN}" and all(c.startswith("::error::") for c in found[1:]), found
    assert not any(c.startswith(("::error::pwned", "::add-mask::x")) for c in found)
    assert "Traceback" not in run.stdout + run.stderr and run.stderr == ""
    assert "A" * 200 not in run.stdout + run.summary  # GitHub's message, cut
    assert "upstream said" not in run.stdout + run.summary  # never the raw body
    if status < 500:
        assert "Denied: token ***" in run.stdout


def test_a_redirect_to_another_host_never_carries_the_token(tmp_path: Path, server: AnsweringServer) -> None:
    payload = issue(server)
    seen: list[dict[str, str]] = []
    elsewhere = AnsweringServer(token=TOKEN)
    elsewhere.start()
    try:
        elsewhere.answer("POST", r"/labels$", 200, lambda headers: seen.append(headers) or b"[]")  # type: ignore[func-returns-value]
        target = f"{elsewhere.url}/repos/Codertocat/Hello-World/issues/1/labels"
        server.answer("POST", r"/labels$", 307, b"", headers={"location": target})
        run = run_action(tmp_path, server, "issues", payload)
    finally:
        elsewhere.stop()
    assert len(seen) == 1, run.stdout + run.stderr  # the redirect was followed ...
    assert "authorization" not in seen[0]  # ... without the token
    no_secret(run)


# --- 7. the deadline: no server holds the run past it ------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "event"), [("silent", "issues"), ("trickle", "issues"), ("trickle", "pull_request_target")]
)
def test_a_server_that_holds_the_connection_cannot_hold_the_run_past_its_deadline(
    tmp_path: Path, server: AnsweringServer, mode: Any, event: str
) -> None:
    name = "issues.opened" if event == "issues" else "pull_request.opened[1]"
    payload = fresh(load_payload(name))
    with HostileServer(mode, interval=0.2) as hostile:
        started = time.monotonic()
        run = run_action(tmp_path, server, event, payload, inputs={"deadline": "2"},
                         env={"GITHUB_API_URL": hostile.url})  # fmt: skip
        took = time.monotonic() - started
    assert run.code == 2, run.stdout + run.stderr
    assert took < 6, took  # 2 s of deadline, the rest is the interpreter starting
    assert "the run's deadline (2 s) is reached" in run.stdout and "Traceback" not in run.stdout + run.stderr
    assert "Stopped with work left" in run.summary or "stopped with work left" in run.summary
    assert run.outputs["operations"] == "0"
    no_secret(run)


# --- 9. a pull request whose head repository is gone is from a fork ----------------------------------------


def test_a_pull_request_from_a_deleted_fork_reads_the_config_from_the_base(
    tmp_path: Path, server: AnsweringServer
) -> None:
    payload = fresh(load_payload("pull_request.opened[1]"))
    payload["pull_request"]["head"]["repo"] = None  # the fork was deleted: GitHub cannot tell whose head it is
    server.state.seed_from_payload(payload)
    server.state.set_file(".devflow.yml", CONFIG, ref="master")
    malicious = "version: 1\nrules:\n  - name: pwn\n    on: pull_request\n    then: [{label: pwned}, {close: true}]\n"
    run = run_action(tmp_path, server, "pull_request", payload, config=malicious)
    assert run.code == 0, run.stdout + run.stderr
    assert "read from the base branch (master), not the pull request" in run.stdout
    assert "pwned" not in server.state.issues[2].labels and server.state.issues[2].state == "open"


# --- 10. reporting: each sink escaped its own way ----------------------------------------------------------


def test_a_label_with_a_percent_sign_is_shown_as_written(tmp_path: Path, server: AnsweringServer) -> None:
    payload = issue(server)
    config = "version: 1\nrules:\n  - name: half\n    on: issues\n    then: [{label: '50%'}]\n"
    run = run_action(tmp_path, server, "issues", payload, config=config)
    assert run.code == 0, run.stdout + run.stderr
    assert "50%25" not in run.stdout + run.summary
    assert "add_labels: labels=['50%']" in run.stdout and "add\\_labels: labels=\\['50%'\\]" in run.summary
    assert "| add\\_labels 50% | applied |" in run.summary


def test_a_pull_request_without_a_base_ref_reads_the_default_branch_and_says_so(
    tmp_path: Path, server: AnsweringServer
) -> None:
    payload = fresh(load_payload("pull_request.opened[1]"))
    server.state.seed_from_payload(payload)
    payload["pull_request"]["base"].pop("ref")
    server.state.set_file(".devflow.yml", CONFIG)
    run = run_action(tmp_path, server, "pull_request_target", payload)
    assert run.code == 0, run.stdout + run.stderr
    assert "None" not in run.stdout
    assert "read from the default branch (the event names no base branch), not the pull request" in run.stdout
