"""The action and the orchestration service: forwarding (`orchestration-url: https://...` with
`orchestration-token`: the event is signed and queued, the service applies it, the run says where
to follow it; a re-run is recognised; a wrong token is the user's to fix), and the GitHub App
authentication they share."""

from __future__ import annotations

from pathlib import Path

import pytest

from .service_helpers import SECRET, Stack, wait_until
from .test_action_e2e import run_action

pytestmark = pytest.mark.integration


def test_the_action_forwards_the_event_and_the_service_applies_it_once(stack: Stack, tmp_path: Path) -> None:
    stack.serve_thread()
    stack.worker_thread()
    payload = stack.issue_opened()
    inputs = {"orchestration-url": stack.base, "orchestration-token": SECRET}
    run = run_action(tmp_path, stack.gh, "issues", payload, inputs=inputs)
    assert run.code == 0, run.stdout + run.stderr
    see = f"{stack.base}/admin/deliveries/gha-1234"
    assert (
        f"::notice::Devflow: the event was forwarded to the orchestration service (queued, delivery gha-1234); follow it at {see}"
        in run.stdout
    )
    assert "forwarded to the orchestration service" in run.summary
    wait_until(lambda: stack.delivery_status("gha-1234") == "done", 20, "the service to apply it")
    assert stack.labels(1) == ["bug", "triage"]

    again = run_action(tmp_path, stack.gh, "issues", payload, inputs=inputs, env={"GITHUB_RUN_ATTEMPT": "2"})
    assert again.code == 0 and "(duplicate, delivery gha-1234)" in again.stdout
    assert len(stack.label_writes()) == 1
    assert SECRET not in run.stdout.replace(f"::add-mask::{SECRET}", "")


def test_a_wrong_orchestration_token_is_the_users_to_fix(stack: Stack, tmp_path: Path) -> None:
    stack.serve_thread()
    payload = stack.issue_opened()
    run = run_action(tmp_path, stack.gh, "issues", payload,
                     inputs={"orchestration-url": stack.base, "orchestration-token": "not-the-secret"})  # fmt: skip
    assert run.code == 1
    assert (
        "the orchestration service refused the event's signature: orchestration-token must be the service's DEVFLOW_WEBHOOK_SECRET"
        in run.stdout
    )
    assert stack.gh.writes == []


def test_an_https_url_without_a_token_is_a_usage_error(stack: Stack, tmp_path: Path) -> None:
    stack.serve_thread()
    run = run_action(tmp_path, stack.gh, "issues", stack.issue_opened(), inputs={"orchestration-url": stack.base})
    assert run.code == 1 and "an https:// orchestration URL needs orchestration-token" in run.stdout


def test_with_a_github_app_the_action_writes_with_the_installation_token(stack: Stack, tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    payload = stack.issue_opened()
    app = {"DEVFLOW_APP_ID": "15368", "DEVFLOW_APP_PRIVATE_KEY": pem.decode()}
    run = run_action(
        tmp_path, stack.gh, "issues", payload, inputs={"github-token": "ghs_notTheRightTokenAtAll0123"}, env=app
    )
    assert run.code == 0, run.stdout + run.stderr
    assert stack.labels(1) == ["bug", "triage"]  # the workflow's token would have been refused (401)
    calls = [(r.method, r.path) for r in stack.gh.requests if "installation" in r.path]
    assert calls == [
        ("GET", "/repos/Codertocat/Hello-World/installation"),
        ("POST", "/app/installations/4242/access_tokens"),
    ]
    assert f"::add-mask::{stack.gh.token}" in run.stdout  # the installation token is masked first
    assert "BEGIN PRIVATE KEY" not in run.stdout + run.stderr
