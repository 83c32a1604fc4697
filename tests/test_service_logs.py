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

from .ghserver.seed import load_payload
from .service_helpers import ADMIN, SECRET, Stack, free_port, wait_until
from .test_action_e2e import TOKEN, fresh

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


def test_every_line_about_a_dead_delivery_carries_its_id_dramatiq_s_own_included(stack: Stack) -> None:
    """The worker's lines and Dramatiq's ("Retrying message ...", "Retries exceeded ...") about a
    poison event, formatted as the processes format them, all carry the delivery id."""
    import logging

    from devflow_action.service.logs import JsonFormatter

    from .test_service_worker import REVIEW_AUTHOR, done

    class Keep(logging.Handler):
        def __init__(self) -> None:
            super().__init__(logging.INFO)
            self.setFormatter(JsonFormatter())
            self.lines: list[dict[str, Any]] = []

        def emit(self, record: logging.LogRecord) -> None:
            self.lines.append(json.loads(self.format(record)))  # formatted in the emitting thread, as on stderr

    keep = Keep()
    root = logging.getLogger()
    root.addHandler(keep)
    level = root.level
    root.setLevel(logging.INFO)
    try:
        stack.serve_thread()
        stack.worker_thread()
        payload = fresh(load_payload("pull_request.opened"))
        stack.gh.state.seed_from_payload(payload)
        stack.gh.state.set_file(".devflow.yml", REVIEW_AUTHOR)
        delivery = str(uuid.uuid4())
        stack.post("pull_request", payload, delivery=delivery)
        done(stack, delivery, "dead", timeout=30)
    finally:
        root.removeHandler(keep)
        root.setLevel(level)
    dramatiq = [e for e in keep.lines if e["logger"].startswith("dramatiq.middleware.retries")]
    assert [e["msg"].split(" ")[0] for e in dramatiq] == ["Retrying", "Retrying", "Retries"]
    assert {e.get("correlation_id") for e in dramatiq} == {delivery}
    about = [
        e for e in keep.lines if e["msg"] in ("delivery accepted", "attempt failed", "github write", "dead letter")
    ]
    assert [e["msg"] for e in about].count("attempt failed") == 3 and about[-1]["msg"] == "dead letter"
    assert {e.get("correlation_id") for e in about} == {delivery}
