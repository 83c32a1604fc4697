"""Dead-letter notices: a real poison event (GitHub refuses with 422) lands in dead letters and is told
once through the repository's own `notify:` Slack sink and the service-wide one, against local
receivers; a redelivered message does not tell it again; a retry from the admin that dies again is
a new dead letter, told again; a failing sink is logged and counted and changes nothing else."""

from __future__ import annotations

import json
import logging
import time
import uuid
from typing import Any

import pytest

from devflow_action.service.queue import enqueue, make_broker
from devflow_action.service.settings import Settings
from devflow_action.service.webhook import parse, sign
from devflow_action.state.observability import Observability
from devflow_action.state.postgres import PostgresStore
from devflow_action.state.url import parse as parse_url

from . import receivers as _receivers
from .ghserver.seed import load_payload
from .service_helpers import SECRET, Stack, wait_until
from .test_action_e2e import fresh
from .test_service_worker import REVIEW_AUTHOR, done

pytestmark = pytest.mark.integration
receivers = _receivers.receivers  # the fixture

NOTIFY = "notify:\n  slack: {webhook_env: REPO_SLACK_URL, on: [dead_letter]}\n"


def poison(stack: Stack, config: str = REVIEW_AUTHOR + NOTIFY) -> dict[str, Any]:
    """A real pull_request.opened whose rule asks its own author for a review: GitHub answers 422."""
    payload = fresh(load_payload("pull_request.opened"))
    stack.gh.state.seed_from_payload(payload)
    stack.gh.state.set_file(".devflow.yml", config)
    return payload


def notices(stack: Stack) -> list[tuple[int, str]]:
    return [(int(i), str(n)) for i, n in stack.sql("SELECT id, notice FROM devflow.dead_letters ORDER BY id")]


def metric(stack: Stack, line: str) -> str:
    import httpx2

    text = httpx2.get(f"{stack.base}/metrics", timeout=10).text
    return next((x for x in text.splitlines() if x.startswith(line)), "")


def test_a_dead_letter_is_told_once_to_each_sink_and_a_failed_admin_retry_is_told_again(
    stack: Stack, receivers: Any
) -> None:
    repo_hook, service_hook = receivers("/services/T0/B0/repo"), receivers("/services/T0/B0/service")
    stack.env.update(REPO_SLACK_URL=repo_hook.url, DEVFLOW_NOTIFY_SLACK_URL=service_hook.url,
                     DEVFLOW_PUBLIC_URL="https://devflow.example.org/")  # fmt: skip
    stack.serve_thread()
    stack.worker_thread()
    payload = poison(stack)
    delivery = str(uuid.uuid4())
    stack.post("pull_request", payload, delivery=delivery)
    done(stack, delivery, "dead", timeout=30)
    wait_until(lambda: [n for _, n in notices(stack)] == ["sent"], 10, "the notice to be sent")  # marked last
    ((first_id, _),) = notices(stack)
    assert len(service_hook.received) == 1
    assert len(repo_hook.received) == 1  # the repository's own sink, through its `notify:` section
    text = service_hook.bodies()[0]["text"]
    assert text == repo_hook.bodies()[0]["text"]
    assert text.startswith("*Devflow dead letter: pull_request.opened on Codertocat/Hello-World#2*\n")
    assert f"after 3 attempts (delivery {delivery})" in text
    assert "\nError: 1 failed (GitHub answered 422: Review cannot be requested from pull request author.)\n" in text
    assert f"dead letter {first_id} in the admin: https://devflow.example.org/admin/dead-letters" in text
    assert f"POST /admin/api/dead-letters/{first_id}/retry" in text
    assert payload["pull_request"]["title"] not in text  # names the item; never quotes its text
    assert metric(stack, 'devflow_notices_total{outcome="sent",sink="service-slack"}').endswith(" 1.0")

    # the admin retries without fixing the rule: it dies again, a new dead letter, told again
    assert stack.admin("POST", f"/admin/api/dead-letters/{first_id}/retry").status_code == 200
    wait_until(lambda: len(notices(stack)) == 2 and notices(stack)[1][1] == "sent", 30, "the second dead letter")
    assert len(service_hook.received) == len(repo_hook.received) == 2
    assert f"dead letter {notices(stack)[1][0]} in the admin" in service_hook.bodies()[1]["text"]


def test_a_redelivered_message_is_told_once_even_when_its_worker_died_before_telling(
    stack: Stack, receivers: Any
) -> None:
    service_hook = receivers("/services/T0/B0/service")
    stack.env.update(DEVFLOW_NOTIFY_SLACK_URL=service_hook.url)
    payload = poison(stack, REVIEW_AUTHOR)
    body = json.dumps(payload).encode()
    headers = {"x-github-event": "pull_request", "x-github-delivery": str(uuid.uuid4()),
               "x-hub-signature-256": sign(SECRET.encode(), body)}  # fmt: skip
    delivery = parse(headers, body, time.time())
    settings = Settings.from_env(stack.env, role="worker")
    # a worker recorded the dead letter, then was killed before telling anyone or acknowledging
    store = PostgresStore.connect(parse_url_(stack), migrate=False)
    from devflow_action.state.service_pg import ServiceTables

    dead_id = ServiceTables(store).add_dead_letter(delivery.delivery, delivery.kind, delivery.repository,
                                                   delivery.number, "killed", 3, delivery.as_message())  # fmt: skip
    assert Observability(store).notice_state(dead_id) == "pending"
    broker = make_broker(settings)
    stack.worker_thread()
    for round_ in (1, 2):  # Dramatiq puts the dead worker's message back; then once more
        enqueue(broker, delivery)
        attempts = 3 * round_
        wait_until(lambda: stack.sql("SELECT attempts FROM devflow.dead_letters")[0][0] == attempts, 30,  # noqa: B023
                   f"redelivery {round_} to die again")  # fmt: skip
        wait_until(lambda: Observability(store).notice_state(dead_id) == "sent", 10, "the notice")
    broker.close()
    assert [i for i, _ in notices(stack)] == [dead_id]  # the same open dead letter all along
    assert len(service_hook.received) == 1
    store.close()


def test_a_notice_claimed_by_a_worker_that_died_is_taken_over_after_the_lease(stack: Stack) -> None:
    from devflow_action.state.service_pg import ServiceTables

    store = PostgresStore.connect(parse_url_(stack), migrate=False)
    dead_id = ServiceTables(store).add_dead_letter("d-1", "issues.opened", "o/r", 1, "boom", 3, {"delivery": "d-1"})
    rows = Observability(store)
    assert rows.claim_notice(dead_id, lease=60) is True
    assert rows.claim_notice(dead_id, lease=60) is False  # held: another worker is sending it
    time.sleep(0.05)
    assert rows.claim_notice(dead_id, lease=0.01) is True  # its holder never finished: taken over
    rows.finish_notice(dead_id, "sent")
    assert rows.claim_notice(dead_id, lease=0.0) is False  # sent: never again
    store.close()


def test_a_failing_sink_is_logged_and_counted_and_the_dead_letter_stands(
    stack: Stack, receivers: Any, caplog: pytest.LogCaptureFixture
) -> None:
    broken = receivers("/services/T0/B0/broken")
    broken.status = 500
    stack.env.update(DEVFLOW_NOTIFY_SLACK_URL=broken.url)
    stack.serve_thread()
    stack.worker_thread()
    # an invalid configuration: a dead letter at once, and only the service-wide sink can be told
    payload = stack.issue_opened(
        config="version: 1\nrules:\n  - name: x\n    on: issues.opened\n    then: [{lable: x}]\n"
    )
    delivery = str(uuid.uuid4())
    with caplog.at_level(logging.INFO):
        stack.post("issues", payload, delivery=delivery)
        done(stack, delivery, "dead")
        wait_until(lambda: notices(stack) and notices(stack)[0][1] == "failed", 10, "the notice to fail")
    assert len(broken.received) == 1
    [failed] = [r for r in caplog.records if r.getMessage() == "dead-letter notice failed"]
    assert failed.correlation_id == delivery and "HTTP Error 500" in failed.error  # type: ignore[attr-defined]
    assert "/services/T0/B0/broken" not in failed.error  # type: ignore[attr-defined]
    assert metric(stack, 'devflow_notices_total{outcome="failed",sink="service-slack"}').endswith(" 1.0")
    time.sleep(0.5)
    assert stack.sql("SELECT attempts, status FROM devflow.dead_letters") == [(1, "open")]  # not retried
    assert stack.delivery_status(delivery) == "dead"


def parse_url_(stack: Stack) -> Any:
    return parse_url(stack.env["DEVFLOW_DATABASE_URL"])
