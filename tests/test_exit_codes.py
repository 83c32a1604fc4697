"""Every row of the exit-code contract (docs/action.md), through the action's process against the GitHub
test server: 1 is the user's to fix (bad token, no permission, bad config or input), 2 is work left (server
errors and timeouts past the retries, rate limits, malformed answers, the deadline), 3 only for our bugs.
No HTTP failure prints a traceback; what a write could not do is counted as left, never as made."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .ghserver import check_server
from .ghserver.answers import AnsweringServer
from .ghserver.seed import load_payload
from .test_action_e2e import TOKEN, Run, fresh, no_secret, run_action

FAST = {"DEVFLOW_RETRY_BACKOFF": "0.01"}  # the same retries, without the seconds between them
RERUN = {**FAST, "GITHUB_RUN_ATTEMPT": "2"}  # a re-run reads the issue before deciding
LABEL_AND_COMMENT = """version: 1
rules:
  - name: triage
    on: [issues.opened, pull_request.opened, issue_comment.created]
    then:
      - label: [triage, needs-review]
      - unlabel: bug
      - comment: Thanks for the report!
"""


@pytest.fixture
def server() -> Iterator[AnsweringServer]:
    s = AnsweringServer(token=TOKEN)
    s.start()
    yield s
    s.stop()
    check_server(s)


def issue(server: AnsweringServer) -> dict[str, Any]:
    payload = fresh(load_payload("issues.opened"))
    server.state.seed_from_payload(payload)
    return payload


def fork_pull(server: AnsweringServer) -> dict[str, Any]:
    payload = fresh(load_payload("pull_request.opened[1]"))
    payload["pull_request"]["head"]["repo"]["full_name"] = "mallory/Hello-World"
    server.state.seed_from_payload(payload)
    server.state.set_file(".devflow.yml", LABEL_AND_COMMENT, ref="master")
    return payload


def clean(run: Run) -> None:
    """No traceback anywhere, the token nowhere but its mask line."""
    assert "Traceback" not in run.stdout + run.stderr + run.summary, run.stdout + run.stderr
    no_secret(run)


def writes(server: AnsweringServer) -> list[str]:
    return [f"{r.method} {r.path}" for r in server.requests if r.method != "GET"]


# --- malformed answers: 2 after the retries ---------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type"),
    [(b'{"number": 1, "title": "Spelling err', "application/json"), (b"<html><h1>Unicorn!</h1></html>", "text/html")],
    ids=["truncated-json", "html-page"],
)
def test_a_malformed_200_is_exit_2_after_the_retries(
    tmp_path: Path, server: AnsweringServer, body: bytes, content_type: str
) -> None:
    payload = issue(server)
    server.answer("GET", r"/issues/1$", 200, body, headers={"content-type": content_type})
    run = run_action(tmp_path, server, "issues", payload, config=LABEL_AND_COMMENT, env=RERUN)
    assert run.code == 2, run.stdout + run.stderr
    assert "malformed" in run.stdout and "after 5 attempts" in run.stdout
    assert [r.path for r in server.requests] == ["/repos/Codertocat/Hello-World/issues/1"] * 5
    assert run.outputs["operations"] == "0" and "Stopped with work left" in run.summary
    clean(run)


# --- the configuration through the contents API -------------------------------------------------------


@pytest.mark.parametrize(("status", "code"), [(401, 1), (403, 1), (500, 2)])
def test_a_failed_config_fetch_is_its_exit_code_without_a_traceback(
    tmp_path: Path, server: AnsweringServer, status: int, code: int
) -> None:
    payload = fork_pull(server)
    server.answer("GET", r"/contents/", status, {"message": f"answer {status}"})
    run = run_action(tmp_path, server, "pull_request_target", payload, env=FAST)
    assert run.code == code, run.stdout + run.stderr
    assert f"GitHub answered {status}" in run.stdout and f"answer {status}" in run.stdout
    assert writes(server) == []
    clean(run)


def test_connection_refused_on_the_config_fetch_is_exit_2(tmp_path: Path, server: AnsweringServer) -> None:
    payload = fork_pull(server)
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    run = run_action(tmp_path, server, "pull_request_target", payload, env={**FAST, "GITHUB_API_URL": closed})
    assert run.code == 2, run.stdout + run.stderr
    assert "cannot reach GitHub (ConnectError) after 5 attempts" in run.stdout
    assert "stopped with work left" in run.summary
    clean(run)


# --- the issue re-read ----------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [401, 404])
def test_a_refused_issue_reread_is_exit_1_and_writes_nothing(
    tmp_path: Path, server: AnsweringServer, status: int
) -> None:
    payload = issue(server)
    server.answer("GET", r"/issues/1$", status, {"message": "Not Found" if status == 404 else "Bad credentials"})
    run = run_action(tmp_path, server, "issues", payload, config=LABEL_AND_COMMENT, env=RERUN)
    assert run.code == 1, run.stdout + run.stderr
    assert f"GitHub answered {status}" in run.stdout and "re-run" not in run.stdout.lower()
    assert writes(server) == [] and run.outputs["operations"] == "0"
    clean(run)


# --- writes that GitHub cannot take: work left, never "failed", never counted --------------------------


def test_sustained_503s_on_writes_are_exit_2_with_nothing_counted_as_written(
    tmp_path: Path, server: AnsweringServer
) -> None:
    payload = issue(server)
    server.answer("POST", r".", 503, {"message": "Service Unavailable"})
    server.answer("DELETE", r".", 503, {"message": "Service Unavailable"})
    run = run_action(tmp_path, server, "issues", payload, config=LABEL_AND_COMMENT, env=FAST)
    assert run.code == 2, run.stdout + run.stderr
    assert writes(server) == ["POST /repos/Codertocat/Hello-World/issues/1/labels"] * 5  # then it stopped
    assert (run.outputs["operations"], run.outputs["skipped"], run.outputs["comments"]) == ("0", "3", "0")
    assert "failed" not in run.stdout and "(writes: 0)" in run.stdout
    assert server.state.issues[1].labels == ["bug"] and server.state.comments == {}
    clean(run)


def test_a_write_that_never_answers_is_exit_2_at_the_deadline(tmp_path: Path, server: AnsweringServer) -> None:
    payload = issue(server)
    server.answer("POST", r"/labels$", 200, lambda headers: time.sleep(10) or b"[]")  # type: ignore[func-returns-value]
    started = time.monotonic()
    run = run_action(tmp_path, server, "issues", payload, config=LABEL_AND_COMMENT, inputs={"deadline": "2"})
    assert time.monotonic() - started < 10
    assert run.code == 2, run.stdout + run.stderr
    assert "the run's deadline (2 s) is reached" in run.stdout
    assert (run.outputs["operations"], run.outputs["skipped"]) == ("0", "3")
    clean(run)


# --- the same bad token: 1 on every event --------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "name", "env"),
    [
        ("issues", "issues.opened", FAST),  # the first call is a write
        ("issues", "issues.opened", RERUN),  # the first call is the issue re-read
        ("pull_request", "pull_request.opened[1]", FAST),  # the first call reads the PR's files (size)
        ("pull_request_target", "pull_request.opened[1]", FAST),  # the first call is the config fetch
        ("issue_comment", "issue_comment.created[2]", FAST),
    ],
)
def test_a_bad_token_is_exit_1_on_every_event(
    tmp_path: Path, server: AnsweringServer, event: str, name: str, env: dict[str, str]
) -> None:
    payload = fresh(load_payload(name))
    server.state.seed_from_payload(payload)
    server.state.set_file(".devflow.yml", LABEL_AND_COMMENT + "size:\n  thresholds: {XS: 10}\n  ignore: [docs/**]\n")
    server.token = "ghs_theRealTokenIsAnotherOne000000000000"
    config = LABEL_AND_COMMENT + "size:\n  thresholds: {XS: 10}\n  ignore: [docs/**]\n"
    run = run_action(tmp_path, server, event, payload, config=config, env=env)
    assert run.code == 1, run.stdout + run.stderr
    assert "GitHub answered 401: Bad credentials (the token is missing, expired or revoked)" in run.stdout
    assert server.requests and {r.status for r in server.requests} == {401}
    clean(run)


# --- input the user must fix: 1 ----------------------------------------------------------------------------


def test_a_config_with_invalid_utf8_is_exit_1_located(tmp_path: Path, server: AnsweringServer) -> None:
    payload = issue(server)
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    (workspace / ".git").mkdir()
    (workspace / ".devflow.yml").write_bytes(b"version: 1\nrules:\n  - name: caf\xe9\n")
    run = run_action(tmp_path, server, "issues", payload, config=None, env={"GITHUB_WORKSPACE": str(workspace)})
    assert run.code == 1, run.stdout + run.stderr
    assert "::error file=.devflow.yml,line=3,col=14::the file is not valid UTF-8 (byte 0xe9)" in run.stdout
    assert server.requests == []
    clean(run)


def test_a_base_branch_config_with_invalid_utf8_is_exit_1(tmp_path: Path, server: AnsweringServer) -> None:
    payload = fork_pull(server)
    server.state.set_file(".devflow.yml", b"version: 1\n\xff\xfe\n", ref="master")
    run = run_action(tmp_path, server, "pull_request_target", payload)
    assert run.code == 1, run.stdout + run.stderr
    assert "line=2,col=1::the file is not valid UTF-8 (byte 0xff)" in run.stdout
    clean(run)


def test_a_counted_repetition_too_large_for_re2_is_exit_1(tmp_path: Path, server: AnsweringServer) -> None:
    payload = issue(server)
    config = "version: 1\nrules:\n  - name: r\n    on: issues\n    if: {title: {matches: 'a{99999999999999999999}'}}\n    then: [{label: x}]\n"
    run = run_action(tmp_path, server, "issues", payload, config=config)
    assert run.code == 1, run.stdout + run.stderr
    assert "line=5" in run.stdout
    clean(run)


@pytest.mark.parametrize("variable", ["DEVFLOW_MAX_CALLS", "GITHUB_RUN_ATTEMPT", "DEVFLOW_RETRY_BACKOFF"])
def test_a_number_that_is_not_a_number_is_a_usage_error(tmp_path: Path, server: AnsweringServer, variable: str) -> None:
    payload = issue(server)
    run = run_action(tmp_path, server, "issues", payload, env={variable: "abc"})
    assert run.code == 1, run.stdout + run.stderr
    assert f"::error::{variable} must be a number, got 'abc'" in run.stdout
    assert server.requests == []
    clean(run)


def test_a_deadline_that_is_not_a_number_is_a_usage_error(tmp_path: Path, server: AnsweringServer) -> None:
    run = run_action(tmp_path, server, "issues", issue(server), inputs={"deadline": "soon"})
    assert run.code == 1 and "::error::input 'deadline' must be a number, got 'soon'" in run.stdout
    clean(run)


# --- rate limits: waited when near, otherwise work left -------------------------------------------------

SECONDARY = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."


def test_a_secondary_rate_limit_without_retry_after_stops_with_work_left(
    tmp_path: Path, server: AnsweringServer
) -> None:
    payload = issue(server)
    server.answer("POST", r"/labels$", 403, {"message": SECONDARY, "documentation_url": "https://docs.github.com"})
    # GitHub asks for a minute at least; a deadline of 5 s cannot wait that long: work left, nothing more written
    run = run_action(tmp_path, server, "issues", payload, config=LABEL_AND_COMMENT, inputs={"deadline": "5"})
    assert run.code == 2, run.stdout + run.stderr
    assert "GitHub secondary rate limit exhausted; it resets in 60 s" in run.stdout
    assert writes(server) == ["POST /repos/Codertocat/Hello-World/issues/1/labels"]
    assert run.outputs["skipped"] == "3" and "failed" not in run.stdout
    clean(run)


def far(status: int) -> dict[str, Any]:
    reset = str(int(time.time()) + 3600)
    if status == 429:
        return {"headers": {"retry-after": "3600"}, "body": {"message": SECONDARY}}
    if status == 4031:
        return {"headers": {"retry-after": "600"}, "body": {"message": SECONDARY}}
    return {"headers": {"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset}, "body": {"message": "API rate limit exceeded"}}  # fmt: skip


@pytest.mark.parametrize("status", [403, 4031, 429], ids=["403-remaining-0", "403-retry-after", "429"])
def test_a_rate_limited_comment_far_from_its_reset_is_left_for_the_rerun(
    tmp_path: Path, server: AnsweringServer, status: int
) -> None:
    payload = issue(server)
    answer = far(status)
    server.answer("POST", r"/comments$", 403 if status == 4031 else status, answer["body"], headers=answer["headers"])
    run = run_action(tmp_path, server, "issues", payload, config=LABEL_AND_COMMENT)
    assert run.code == 2, run.stdout + run.stderr
    assert "rate limit exhausted" in run.stdout and "failed" not in run.stdout
    assert (run.outputs["comments"], run.outputs["skipped"], run.outputs["operations"]) == ("0", "1", "2")
    assert server.state.comments == {}
    if status != 403:
        return  # the re-run once is enough
    server.answers.clear()
    again = run_action(tmp_path, server, "issues", payload, config=LABEL_AND_COMMENT, env={"GITHUB_RUN_ATTEMPT": "2"})
    assert again.code == 0, again.stdout
    assert [c.body.split("\n")[0] for c in server.state.comments.values()] == ["Thanks for the report!"]


@pytest.mark.parametrize("status", [403, 429])
def test_a_rate_limited_comment_near_its_reset_is_waited_out_and_posted_once(
    tmp_path: Path, server: AnsweringServer, status: int
) -> None:
    payload = issue(server)
    headers = {"retry-after": "0"} if status == 429 else {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "0"}
    server.answer("POST", r"/comments$", status, {"message": "API rate limit exceeded"}, headers=headers, times=1)
    run = run_action(tmp_path, server, "issues", payload, config=LABEL_AND_COMMENT)
    assert run.code == 0, run.stdout + run.stderr
    assert len(server.state.comments) == 1 and run.outputs["operations"] == "3"
    assert [r.status for r in server.requests if r.path.endswith("/comments")] == [status, 201]


def test_a_comment_that_landed_despite_a_502_is_not_posted_again(tmp_path: Path, server: AnsweringServer) -> None:
    payload = issue(server)
    server.answer("POST", r"/comments$", 502, {"message": "Server Error"}, apply=True, times=1)
    run = run_action(tmp_path, server, "issues", payload, config=LABEL_AND_COMMENT, env=FAST)
    assert run.code == 0, run.stdout + run.stderr
    assert len(server.state.comments) == 1
    assert "posted (confirmed after an error)" in run.stdout
    assert [f"{r.method} {r.path.split('?')[0]}" for r in server.requests if "comments" in r.path] == [
        "POST /repos/Codertocat/Hello-World/issues/1/comments",
        "GET /repos/Codertocat/Hello-World/issues/1/comments",
    ]
    assert json.loads(run.outputs["plan"])["operations"][-1]["type"] == "comment"
