"""``devflow serve``: the ASGI app (Starlette) that acknowledges webhooks, answers health checks and
metrics, and serves the admin (``admin.py``).

``POST /webhook`` (``door.py``, in front of the Starlette app) does the least that makes a delivery
durable, so that it answers in milliseconds: the signature (401), the shape (400), then one Redis
script admits the delivery id (a repeat: 200, nothing enqueued), numbers it within its item and
enqueues its message, all at once (202). If Redis cannot take it, the answer is 503 and nothing was
admitted: a redelivery is enqueued.
"""

from __future__ import annotations

import logging
import threading
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
from .door import Admissions, Webhook
from .queue import make_broker, stats
from .settings import QUEUE, Settings

log = logging.getLogger("devflow.serve")
T = TypeVar("T")


@dataclass
class Services:
    """What the app's handlers share: Redis (admission, caches, metrics), the broker, and one
    Postgres connection for the admin and health checks (used by one request at a time)."""

    settings: Settings
    coord: Coordination
    broker: Any
    admissions: Admissions | None = None
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
        if self.admissions is not None:
            self.admissions.close()
        if self._store is not None:
            self._store.close()
        self.broker.close()
        self.coord.close()


def create_app(settings: Settings, *, check: bool = True) -> Webhook:
    """``check``: refuse an unmigrated database (``NotMigrated``) before serving anything."""
    if check:
        open_checked(settings.database).close()
    coord = Coordination.connect(settings.redis, timeout=2.0, retries=1)  # fail fast: 503, not a stalled loop
    services = Services(settings, coord, make_broker(settings))

    def open_dead() -> int | None:
        try:
            return services.with_tables(lambda t: t.open_dead_letters())
        except StateUnavailable:
            return None

    queue_key = f"{services.broker.namespace}:{QUEUE}"
    registry, ack_seconds, answers = metrics.registry(coord, lambda: stats(services.broker), open_dead)

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
        Route("/healthz", healthz, methods=["GET"]),
        Route("/metrics", metrics_page, methods=["GET"]),
        *admin.routes(services),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.services = services
    door = Webhook(app, settings, coord, queue_key, ack_seconds, answers)  # POST /webhook, before Starlette
    services.admissions = door.admissions
    return door
