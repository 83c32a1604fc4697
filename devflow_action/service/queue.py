"""The queue: Dramatiq on its Redis broker (docs/service.md says why). ``serve`` enqueues one
message per admitted delivery; ``worker`` consumes them with the actor in ``jobs.py``.

Dramatiq gives at-least-once delivery (a message stays in its worker's ack set until processed; a
worker whose heartbeat stops has its messages put back), retries with exponential backoff and
jitter (the ``Retries`` middleware, steered by ``jobs.retry_when``), and delayed messages. Dead
letters are Devflow's own table in Postgres (``dead_letters.py``): Dramatiq's dead-letter queue
keeps a copy for a week.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

import dramatiq
import orjson
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import CurrentMessage, Retries, ShutdownNotifications, TimeLimit

from ..state.coordination import queue_client, redis_errors
from ..state.redisstore import split_prefix
from .settings import QUEUE, Settings
from .webhook import Delivery

log = logging.getLogger("devflow.queue")

ACTOR = "process_delivery"
PATIENCE = 600.0  # seconds a worker keeps trying to put a retry back while Redis is away


class DevflowBroker(RedisBroker):
    """Dramatiq's Redis broker, with two changes for a Redis that restarts under a running worker:

    - A consumer that lost its connection (Dramatiq reconnects it) makes the broker take a new
      worker id. Messages fetched under the old id (a retry waiting for its delay in the worker's
      memory, which Dramatiq drops on a connection error) are then put back by the other workers'
      maintenance once the old id's heartbeat is ``heartbeat_timeout`` old, instead of staying
      claimed by a worker that is alive and will never process them.
    - In a worker (``patient``), enqueueing a retry waits for Redis (up to ``PATIENCE``), as Dramatiq's
      own acknowledgements do: otherwise the failed job would be acknowledged and its retry lost.
    """

    def __init__(self, *, patient: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)  # type: ignore[no-untyped-call]
        self.patient = patient
        self._consumed: set[str] = set()

    def consume(self, queue_name: str, prefetch: int = 1, timeout: int = 5000) -> Any:
        if queue_name in self._consumed:  # a restart after a connection error
            self.broker_id = str(uuid.uuid4())
        self._consumed.add(queue_name)
        return super().consume(queue_name, prefetch, timeout)

    def enqueue(self, message: Any, *, delay: int | None = None) -> Any:
        deadline = time.monotonic() + (PATIENCE if self.patient else 0)
        while True:
            try:
                return super().enqueue(message, delay=delay)
            except redis_errors() as exc:
                if time.monotonic() >= deadline:
                    raise
                log.warning("Redis is unavailable; the message will be enqueued when it is back",
                            extra={"error": str(exc)[:200]})  # fmt: skip
                time.sleep(1.0)


def make_broker(
    settings: Settings, extra: list[dramatiq.Middleware] | None = None, *, patient: bool = False
) -> DevflowBroker:
    """The broker every process uses; its keys live under ``<prefix>queue:``."""
    _, prefix = split_prefix(settings.redis.url)
    # Dramatiq runs the "after" hooks last to first: ``extra`` (the dead letters) sits before
    # ``Retries`` so that it sees the message once ``Retries`` has decided to give up on it.
    middleware: list[dramatiq.Middleware] = [
        TimeLimit(time_limit=int((settings.job_deadline + 60) * 1000)),
        ShutdownNotifications(),
        CurrentMessage(),
        *(extra or []),
        Retries(
            max_retries=settings.max_retries,
            min_backoff=int(settings.min_backoff * 1000),
            max_backoff=int(settings.max_backoff * 1000),
        ),
    ]
    broker = DevflowBroker(
        patient=patient,
        client=queue_client(settings.redis),
        namespace=f"{prefix}queue",
        middleware=middleware,
        heartbeat_timeout=int(settings.heartbeat_timeout * 1000),
        maintenance_chance=settings.maintenance_chance,
    )
    broker.declare_queue(QUEUE)
    return broker


def message_for(delivery: Delivery) -> dramatiq.Message[Any]:
    return dramatiq.Message(queue_name=QUEUE, actor_name=ACTOR, args=(delivery.as_message(),), kwargs={}, options={})


def encoded(delivery: Delivery) -> tuple[str, bytes]:
    """``(Redis message id, data)`` as Dramatiq's Redis broker stores a message it enqueues, for the
    webhook's one-step admission (``Coordination.admit``); a Dramatiq worker consumes it as any other.

    The fields of ``dramatiq.Message.asdict()``, encoded with orjson rather than through the message
    object and Dramatiq's ``json`` encoder: a sixth of the time, on the webhook's hot path. The JSON
    decodes to the same message (tests/test_service_door.py)."""
    message_id = str(uuid.uuid4())
    return message_id, orjson.dumps({
        "queue_name": QUEUE, "actor_name": ACTOR, "args": [delivery.as_message()], "kwargs": {},
        "options": {"redis_message_id": message_id}, "message_id": str(uuid.uuid4()),
        "message_timestamp": int(time.time() * 1000),
    })  # fmt: skip


def enqueue(broker: RedisBroker, delivery: Delivery, delay_ms: int | None = None) -> None:
    broker.enqueue(message_for(delivery), delay=delay_ms)


@dataclass(frozen=True)
class QueueStats:
    ready: int  # waiting to be picked up
    delayed: int  # waiting for a retry's backoff or an item's turn
    in_progress: int  # fetched by a worker, not acknowledged yet
    dead: int  # in Dramatiq's own dead-letter queue (a copy; Postgres has the dead letters)
    lag: float  # seconds the oldest ready message has waited (0 when none)


def stats(broker: RedisBroker, now: float | None = None) -> QueueStats:
    r, ns = broker.client, broker.namespace
    pipe = r.pipeline(transaction=False)
    pipe.llen(f"{ns}:{QUEUE}")
    pipe.hlen(f"{ns}:{QUEUE}.DQ.msgs")
    pipe.hlen(f"{ns}:{QUEUE}.msgs")
    pipe.zcard(f"{ns}:{QUEUE}.XQ")
    pipe.lindex(f"{ns}:{QUEUE}", 0)
    ready, delayed, held, dead, oldest = pipe.execute()
    lag = 0.0
    if oldest is not None:
        data = r.hget(f"{ns}:{QUEUE}.msgs", oldest)
        if data:
            try:
                message = json.loads(data)
                # a retried message waited since its requeue, a fresh one since it was sent
                since = message.get("options", {}).get("eta") or message.get("message_timestamp") or 0
                lag = max(0.0, (now or time.time()) - float(since) / 1000)
            except (ValueError, TypeError, AttributeError):
                lag = 0.0
    return QueueStats(int(ready), int(delayed), max(0, int(held) - int(ready)), int(dead), lag)
