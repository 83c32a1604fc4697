"""`devflow serve` at the door and `devflow worker` behind it, with real payloads, the real Redis and
Postgres and the GitHub test server: signed, forged, missing and replayed deliveries, malformed
bodies, health and metrics, and a signed event applied once end to end."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from devflow_action.exits import UsageError
from devflow_action.service.settings import Settings

from .ghserver.seed import load_payload
from .service_helpers import ADMIN, SECRET, Stack, wait_until
from .state_fixtures import pg_url
from .tcpproxy import Proxy

pytestmark = pytest.mark.integration


def queued(stack: Stack) -> int:
    got = stack.admin("GET", "/admin/api/queue").json()
    return int(got["ready"] + got["delayed"] + got["in_progress"])


def test_a_signed_delivery_is_acknowledged_then_applied_once(stack: Stack) -> None:
    stack.serve_thread()
    payload = stack.issue_opened()
    delivery = str(uuid.uuid4())
    answer = stack.post("issues", payload, delivery=delivery)
    assert answer.status_code == 202, answer.text
    assert answer.json() == {"status": "queued", "delivery": delivery, "see": f"/admin/deliveries/{delivery}"}
    assert queued(stack) == 1 and stack.label_writes() == []  # acknowledged before anything is applied
    stack.worker_thread()
    wait_until(lambda: stack.delivery_status(delivery) == "done", what="the delivery to be done")
    number = payload["issue"]["number"]
    assert stack.labels(number) == ["bug", "triage"]  # bug came with the issue
    assert len(stack.label_writes()) == 1
    view = stack.admin("GET", f"/admin/api/deliveries/{delivery}").json()
    assert view["status"] == "done" and view["matched_rules"] == ["bugs"]
    assert view["operations"] == [{"type": "add_labels", "status": "applied", "detail": ""}]
    # the ledger has it, keyed by the delivery: a replay could not apply it again
    assert stack.sql("SELECT op_key, status FROM devflow.ledger WHERE event_key = %s", f"delivery:{delivery}") == [
        ("add_labels:triage", "done")
    ]


@pytest.mark.parametrize(
    ("signature", "secret"),
    [(None, None), (None, "not-the-secret"), ("sha256=" + "0" * 64, None), ("sha1=abc", None), ("", None)],
    ids=["missing", "wrong-secret", "forged", "other-algorithm", "empty"],
)
def test_an_unsigned_or_forged_delivery_is_refused_and_enqueues_nothing(
    stack: Stack, signature: str | None, secret: str | None
) -> None:
    stack.serve_thread()
    payload = stack.issue_opened()
    answer = stack.post("issues", payload, signature=signature, secret=secret)
    assert answer.status_code == 401, answer.text
    assert queued(stack) == 0


def test_a_replayed_delivery_is_answered_200_and_enqueues_nothing(stack: Stack) -> None:
    stack.serve_thread()
    payload = stack.issue_opened()
    delivery = str(uuid.uuid4())
    assert stack.post("issues", payload, delivery=delivery).status_code == 202
    again = stack.post("issues", payload, delivery=delivery)
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    assert queued(stack) == 1
    stack.worker_thread()
    wait_until(lambda: stack.delivery_status(delivery) == "done", what="the delivery to be done")
    assert stack.post("issues", payload, delivery=delivery).status_code == 200  # after processing too
    assert len(stack.label_writes()) == 1


@pytest.mark.parametrize(
    ("body", "headers", "reason"),
    [
        (b"{not json", {}, "the body is not JSON"),
        (b"[1, 2]", {}, "the body is not a JSON object"),
        (b'{"action": "opened"}', {}, "a 'issues' payload must name its repository"),
        (None, {"x-github-delivery": ""}, "missing or invalid X-GitHub-Delivery header"),
        (None, {"x-github-event": "Issues; drop"}, "missing or invalid X-GitHub-Event header"),
    ],
    ids=["truncated", "array", "no-repository", "no-delivery", "bad-event"],
)
def test_a_signed_but_malformed_delivery_is_answered_400(
    stack: Stack, body: bytes | None, headers: dict[str, str], reason: str
) -> None:
    import httpx2

    from devflow_action.service.webhook import sign

    stack.serve_thread()
    raw = body if body is not None else json.dumps(load_payload("issues.opened")).encode()
    sent = {"content-type": "application/json", "x-github-event": "issues", "x-github-delivery": str(uuid.uuid4()),
            "x-hub-signature-256": sign(SECRET.encode(), raw), **headers}  # fmt: skip
    answer = httpx2.post(f"{stack.base}/webhook", content=raw, headers=sent)
    assert (answer.status_code, answer.json()) == (400, {"error": reason})
    assert queued(stack) == 0


@pytest.mark.parametrize(
    "name",
    ["issues.opened", "issues.labeled", "pull_request.opened", "pull_request.synchronize", "issue_comment.created",
     "pull_request_review.submitted", "push"],
)  # fmt: skip
def test_real_payloads_of_handled_events_are_enqueued(stack: Stack, name: str) -> None:
    stack.serve_thread()
    answer = stack.post(name.split(".")[0], load_payload(name))
    assert answer.status_code == 202, answer.text
    assert queued(stack) == 1


@pytest.mark.parametrize("name", ["star.created", "ping", "workflow_run.completed"])
def test_events_devflow_does_not_handle_are_answered_200_without_a_job(stack: Stack, name: str) -> None:
    stack.serve_thread()
    answer = stack.post(name.split(".")[0], load_payload(name))
    assert answer.status_code == 200 and answer.json()["status"] in ("ignored", "pong")
    assert queued(stack) == 0


def test_healthz_answers_503_when_postgres_stops_answering(stack: Stack) -> None:
    from .state_fixtures import pg_address

    proxy = Proxy(*pg_address())
    stack.env["DEVFLOW_DATABASE_URL"] = pg_url(stack.database, port=proxy.port)
    stack.serve_thread()
    ok = stack.admin("GET", "/healthz", token=None)
    assert (ok.status_code, ok.json()) == (200, {"status": "ok", "redis": "ok", "postgres": "ok"})
    proxy.cut()
    down = stack.admin("GET", "/healthz", token=None)
    assert down.status_code == 503 and down.json()["redis"] == "ok" and down.json()["postgres"] != "ok"


def test_metrics_show_the_queue_jobs_and_latencies(stack: Stack) -> None:
    stack.serve_thread()
    payload = stack.issue_opened()
    delivery = str(uuid.uuid4())
    stack.post("issues", payload, delivery=delivery)
    before = stack.admin("GET", "/metrics", token=None).text
    assert 'devflow_queue_depth{state="ready"} 1.0' in before
    assert 'devflow_webhooks_total{status="202"} 1.0' in before
    stack.worker_thread()
    wait_until(lambda: stack.delivery_status(delivery) == "done", what="the delivery to be done")
    after = stack.admin("GET", "/metrics", token=None).text
    assert 'devflow_queue_depth{state="ready"} 0.0' in after
    assert 'devflow_jobs_total{outcome="done"} 1.0' in after
    assert "devflow_delivery_to_done_seconds_count 1.0" in after
    assert 'devflow_github_budget_remaining{scope="token:' in after
    assert "devflow_webhook_ack_seconds_bucket" in after


def test_serve_refuses_an_unmigrated_database_with_the_command_to_run(stack: Stack, pg_database: str) -> None:
    from devflow_action.service.app import create_app

    stack.env["DEVFLOW_DATABASE_URL"] = pg_url(pg_database, password="Hidden-Pw-123")
    with pytest.raises(UsageError) as caught:
        create_app(Settings.from_env(stack.env, role="serve"))
    assert "is not migrated" in str(caught.value)
    assert "run `devflow state migrate --url postgresql://postgres:***@" in str(caught.value)
    assert "Hidden-Pw-123" not in str(caught.value)


@pytest.mark.parametrize(
    ("drop", "said"),
    [
        ("DEVFLOW_WEBHOOK_SECRET", "DEVFLOW_WEBHOOK_SECRET is not set"),
        ("DEVFLOW_REDIS_URL", "DEVFLOW_REDIS_URL is not set"),
        ("DEVFLOW_DATABASE_URL", "DEVFLOW_DATABASE_URL is not set"),
    ],
)
def test_serve_needs_its_environment(stack: Stack, drop: str, said: str) -> None:
    env: dict[str, Any] = {k: v for k, v in stack.env.items() if k != drop}
    with pytest.raises(UsageError, match=said):
        Settings.from_env(env, role="serve")


def test_the_admin_answers_401_without_or_with_a_wrong_token(stack: Stack) -> None:
    stack.serve_thread()
    assert stack.admin("GET", "/admin/api/dead-letters", token=None).status_code == 401
    assert stack.admin("GET", "/admin/api/dead-letters", token=ADMIN + "x").status_code == 401
    assert stack.admin("POST", "/admin/api/dead-letters/1/retry", token="wrong").status_code == 401
    assert stack.admin("GET", "/admin/api/dead-letters").json() == {"dead_letters": []}
