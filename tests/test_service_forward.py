"""The action forwarding to the orchestration service (`orchestration-url: https://...` with
`orchestration-token`): the event is signed and queued, the service applies it, the run says where
to follow it; a re-run is recognised; a wrong token is the user's to fix."""

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
