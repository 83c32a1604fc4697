"""`devflow serve` and `devflow worker` as processes: JSON logs, one object per line, with the
delivery id as the correlation id from the webhook through the queue to each GitHub write; the
worker supervisor starts N processes and stops them on SIGTERM; no secret in any line."""

from __future__ import annotations

import json
import signal
import uuid
from typing import Any

import httpx2
import pytest

from .service_helpers import ADMIN, SECRET, Stack, free_port, wait_until
from .test_action_e2e import TOKEN

pytestmark = pytest.mark.integration


def lines(proc: Any) -> list[dict[str, Any]]:
    return [json.loads(raw) for raw in list(proc.log)]


def test_logs_are_json_lines_that_follow_a_delivery_to_its_github_write(stack: Stack) -> None:
    port = free_port()
    serve = stack.process("serve", "--port", str(port))
    stack.base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return httpx2.get(f"{stack.base}/healthz").status_code == 200
        except httpx2.TransportError:
            return False

    wait_until(up, 20, "devflow serve to answer")
    worker = stack.process("worker", "--processes", "2", "--threads", "2")
    started = lambda: len([e for e in lines(worker) if e["msg"] == "worker started"]) == 2  # noqa: E731
    wait_until(started, 30, "the supervisor's two worker processes to start")
    payload = stack.issue_opened()
    delivery = str(uuid.uuid4())
    assert stack.post("issues", payload, delivery=delivery).status_code == 202
    wait_until(lambda: stack.delivery_status(delivery) == "done", 30, "the delivery to be done")
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(30) == 0
    serve.send_signal(signal.SIGTERM)
    assert serve.wait(30) == -signal.SIGTERM  # uvicorn shuts down cleanly, then re-raises the signal it got

    served, worked = lines(serve), lines(worker)  # every line parses as one JSON object
    accepted = [e for e in served if e["msg"] == "delivery accepted"]
    assert accepted == [{**accepted[0], "correlation_id": delivery, "event": "issues.opened",
                         "repository": "Codertocat/Hello-World", "logger": "devflow.serve", "level": "info"}]  # fmt: skip
    about = [e for e in worked if e.get("correlation_id") == delivery]
    writes = [e for e in about if e["msg"] == "github write"]
    assert [(e["method"], e["path"], e["status"]) for e in writes] == [
        ("POST", "/repos/Codertocat/Hello-World/issues/1/labels", 200)
    ]
    assert [e["status"] for e in about if e["msg"] == "delivery processed"] == ["done"]
    assert len({e["pid"] for e in worked if e["msg"] == "worker started"}) == 2  # the supervisor's two processes
    everything = json.dumps(served + worked)
    assert all(secret not in everything for secret in (TOKEN, SECRET, ADMIN))
