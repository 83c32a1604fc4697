"""`POST /webhook`'s fast path (devflow_action/service/door.py): webhooks that arrive together are
admitted in one Redis round trip and each gets its own answer, a Redis that lost its scripts still
admits each delivery once, the size limit holds for declared and chunked bodies, and the queue
message it writes is the one Dramatiq would have written. The signature, shape, duplicate and 503
answers are tests/test_service_webhook.py's and test_service_faults.py's, through the same path."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

import dramatiq
import httpx2
import pytest

from devflow_action.service import door
from devflow_action.service.queue import encoded, message_for
from devflow_action.service.webhook import Delivery, parse, sign
from devflow_action.state.coordination import Admission, Coordination
from devflow_action.state.url import parse as parse_url

from .ghserver.seed import load_payload
from .service_helpers import SECRET, Stack
from .state_fixtures import redis_base, redis_url

pytestmark = pytest.mark.integration


def delivery_of(name: str, delivery: str | None = None) -> Delivery:
    body = json.dumps(load_payload(name)).encode()
    headers = {"x-github-delivery": delivery or str(uuid.uuid4()), "x-github-event": name.split(".")[0]}
    return parse(headers, body, 1_700_000_000.0)


def queue_length(prefix: str) -> int:
    import redis

    client = redis.Redis.from_url(redis_base())
    try:
        return int(client.llen(f"{prefix}queue:deliveries"))
    finally:
        client.close()


@pytest.fixture
def coord(redis_prefix: str) -> Iterator[Coordination]:
    url = parse_url(redis_url(redis_prefix))
    assert url is not None
    c = Coordination.connect(url)
    yield c
    c.close()


def admissions_of(prefix: str, deliveries: list[Delivery]) -> list[Admission]:
    out = []
    for d in deliveries:
        message_id, data = encoded(d)
        out.append(Admission(d.delivery, d.item, 600, f"{prefix}queue:deliveries", message_id, data))
    return out


def test_webhooks_arriving_together_are_admitted_in_one_round_trip_each_with_its_own_answer(
    coord: Coordination, redis_prefix: str
) -> None:
    deliveries = [delivery_of("issues.opened") for _ in range(19)]
    deliveries.append(delivery_of("issues.opened", deliveries[3].delivery))  # GitHub redelivering one
    batches: list[int] = []
    admit_many = coord.admit_many

    def counted(admissions: Any) -> list[int | None]:
        batches.append(len(admissions))
        return admit_many(admissions)

    coord.admit_many = counted  # type: ignore[method-assign]
    gathered = door.Admissions(coord)

    async def arrive_together() -> list[int | None]:
        return list(await asyncio.gather(*(gathered.admit(a) for a in admissions_of(redis_prefix, deliveries))))

    try:
        got = asyncio.run(arrive_together())
    finally:
        gathered.close()
    assert batches == [20]
    assert got == [*range(1, 20), None]  # one issue: numbered in arrival order; the repeat enqueues nothing
    assert queue_length(redis_prefix) == 19


def test_a_redis_that_lost_its_scripts_still_admits_each_delivery_once(coord: Coordination, redis_prefix: str) -> None:
    first, *rest = admissions_of(redis_prefix, [delivery_of("issues.opened") for _ in range(3)])
    assert coord.admit_many([first]) == [1]
    coord.r.script_flush()  # as after a Redis restart without persistence of scripts
    assert coord.admit_many([*rest, first]) == [2, 3, None]
    assert queue_length(redis_prefix) == 3


def test_the_queue_message_is_the_one_dramatiq_would_have_written() -> None:
    d = delivery_of("pull_request.opened")
    message_id, data = encoded(d)
    got = dramatiq.Message.decode(data)
    want = message_for(d)
    assert (got.queue_name, got.actor_name, got.args, got.kwargs, got.options) == (
        want.queue_name, want.actor_name, want.args, want.kwargs, {"redis_message_id": message_id}
    )  # fmt: skip
    assert Delivery.from_message(got.args[0]) == d and got.message_id != message_id


def test_a_body_over_the_limit_is_answered_413_declared_or_chunked(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(door, "MAX_BODY", 4096)  # the real payload below is 12 KB; GitHub's limit is 25 MB
    stack.serve_thread()
    body = json.dumps(stack.issue_opened()).encode()
    headers = {"content-type": "application/json", "x-github-event": "issues",
               "x-github-delivery": str(uuid.uuid4()), "x-hub-signature-256": sign(SECRET.encode(), body)}  # fmt: skip
    declared = httpx2.post(f"{stack.base}/webhook", content=body, headers=headers)
    chunked = httpx2.post(f"{stack.base}/webhook", content=iter([body[:3000], body[3000:]]), headers=headers)
    for answer in (declared, chunked):
        assert (answer.status_code, answer.json()) == (413, {"error": "the body is larger than GitHub's 25 MB"})
    assert queue_length(unquote(stack.env["DEVFLOW_REDIS_URL"].split("prefix=")[1])) == 0


def test_other_methods_on_webhook_are_refused_and_other_paths_reach_the_app(stack: Stack) -> None:
    stack.serve_thread()
    got = httpx2.get(f"{stack.base}/webhook")
    assert (got.status_code, got.headers["allow"]) == (405, "POST")
    assert httpx2.get(f"{stack.base}/healthz").json()["status"] == "ok"
    assert httpx2.get(f"{stack.base}/admin/api/queue").status_code == 401


def test_the_fast_log_line_is_the_line_logging_writes_redacted_alike() -> None:
    import io
    import logging

    from devflow_action.redact import register_secret
    from devflow_action.service import logs

    register_secret("ghp_NotARealTokenButLongEnough0123")
    out = io.StringIO()
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    logs.setup("INFO", out)
    try:
        fields = {
            "correlation_id": "d-1",
            "event": "issues.opened",
            "repository": "o/ghp_NotARealTokenButLongEnough0123",
        }
        logging.getLogger("devflow.serve").info("delivery accepted", extra=fields)
        logs.info_line(logging.getLogger("devflow.serve"), "delivery accepted", **fields)
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
    slow, fast = (json.loads(line) for line in out.getvalue().splitlines())
    assert fast["repository"] == "o/***" and fast.keys() == slow.keys()
    assert {**fast, "ts": ""} == {**slow, "ts": ""} and fast["ts"][:16] == slow["ts"][:16]
