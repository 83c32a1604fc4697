"""``devflow serve``: the ASGI app (Starlette) that acknowledges webhooks, answers health checks and
metrics, and serves the admin (``admin.py``).

``POST /webhook`` does the least that makes a delivery durable, so that it answers in milliseconds:
the signature (401), the shape (400), then one Redis script admits the delivery id (a repeat: 200,
nothing enqueued), numbers it within its item and enqueues its message, all at once (202). If Redis
cannot take it, the answer is 503 and nothing was admitted: a redelivery is enqueued.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..ledger import StateUnavailable
from ..state.coordination import Coordination
from ..state.postgres import PostgresStore
from ..state.service_pg import ServiceTables, open_checked
from . import admin, metrics
from .queue import encoded, make_broker, stats
from .settings import QUEUE, Settings
from .webhook import HANDLED, MAX_BODY, Malformed, parse, signature_ok

log = logging.getLogger("devflow.serve")
T = TypeVar("T")


@dataclass
class Services:
    """What the app's handlers share: Redis (admission, caches, metrics), the broker, and one
    Postgres connection for the admin and health checks (used by one request at a time)."""

    settings: Settings
    coord: Coordination
    broker: Any
    _store: PostgresStore | None = None
    _pg_lock: threading.Lock = field(default_factory=threading.Lock)

    def with_tables(self, fn: Callable[[ServiceTables], T]) -> T:
        with self._pg_lock:
            if self._store is None:
                self._store = PostgresStore.connect(self.settings.database, migrate=False)
            try:
                return fn(ServiceTables(self._store))
            except StateUnavailable:
                self._store.close()
                self._store = None  # reconnect on the next request
                raise

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
        self.broker.close()
        self.coord.close()


def create_app(settings: Settings, *, check: bool = True) -> Starlette:
    """``check``: refuse an unmigrated database (``NotMigrated``) before serving anything."""
    if check:
        open_checked(settings.database).close()
    coord = Coordination.connect(settings.redis, timeout=2.0, retries=1)  # fail fast: 503, not a stalled loop
    services = Services(settings, coord, make_broker(settings))
    secret = settings.webhook_secret.encode()

    def open_dead() -> int | None:
        try:
            return services.with_tables(lambda t: t.open_dead_letters())
        except StateUnavailable:
            return None

    queue_key = f"{services.broker.namespace}:{QUEUE}"
    registry, ack_seconds, answers = metrics.registry(coord, lambda: stats(services.broker), open_dead)

    def answer(status: int, body: dict[str, Any], started: float) -> JSONResponse:
        answers.labels(str(status)).inc()
        ack_seconds.observe(time.perf_counter() - started)
        return JSONResponse(body, status)

    async def webhook(request: Request) -> Response:
        started = time.perf_counter()
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > MAX_BODY:
            return answer(413, {"error": "the body is larger than GitHub's 25 MB"}, started)
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():  # no Content-Length (chunked): counted as it comes
            size += len(chunk)
            if size > MAX_BODY:
                return answer(413, {"error": "the body is larger than GitHub's 25 MB"}, started)
            chunks.append(chunk)
        body = b"".join(chunks)
        if not signature_ok(secret, body, request.headers.get("x-hub-signature-256")):
            return answer(401, {"error": "missing or wrong X-Hub-Signature-256"}, started)
        try:
            delivery = parse(request.headers, body, time.time())
        except Malformed as exc:
            return answer(400, {"error": str(exc)}, started)
        if delivery.event == "ping":
            return answer(200, {"status": "pong", "delivery": delivery.delivery}, started)
        if delivery.event not in HANDLED:
            return answer(200, {"status": "ignored", "reason": f"Devflow does not handle '{delivery.event}' events"},
                          started)  # fmt: skip
        try:
            message_id, data = encoded(delivery)
            seq = coord.admit(delivery.delivery, delivery.item, settings.dedupe_ttl, queue_key, message_id, data)
            if seq is None:
                return answer(200, {"status": "duplicate", "delivery": delivery.delivery}, started)
        except Exception as exc:  # Redis down or restarting: GitHub shows the failure, redeliver later
            log.warning("a delivery could not be enqueued", extra={"correlation_id": delivery.delivery,
                                                                    "error": str(exc)[:200]})  # fmt: skip
            return answer(503, {"error": "the queue is unavailable; redeliver later"}, started)
        log.info("delivery accepted", extra={"correlation_id": delivery.delivery, "event": delivery.kind,
                                             "repository": delivery.repository})  # fmt: skip
        return answer(
            202,
            {"status": "queued", "delivery": delivery.delivery, "see": f"/admin/deliveries/{delivery.delivery}"},
            started,
        )

    async def healthz(request: Request) -> Response:
        def check() -> dict[str, str]:
            result = {}
            try:
                coord.ping()
                result["redis"] = "ok"
            except StateUnavailable as exc:
                result["redis"] = str(exc)
            try:
                services.with_tables(lambda t: t.ping())
                result["postgres"] = "ok"
            except StateUnavailable as exc:
                result["postgres"] = str(exc)
            return result

        result = await run_in_threadpool(check)
        healthy = all(v == "ok" for v in result.values())
        return JSONResponse({"status": "ok" if healthy else "unavailable", **result}, 200 if healthy else 503)

    async def metrics_page(request: Request) -> Response:
        try:
            text = await run_in_threadpool(generate_latest, registry)
        except Exception as exc:  # Redis away: say so rather than serve half the metrics
            return JSONResponse({"error": f"metrics unavailable: {str(exc)[:200]}"}, 503)
        return Response(text, media_type=CONTENT_TYPE_LATEST)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        services.close()

    routes = [
        Route("/webhook", webhook, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/metrics", metrics_page, methods=["GET"]),
        *admin.routes(services),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.services = services
    return app
