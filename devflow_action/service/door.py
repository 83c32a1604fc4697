"""``POST /webhook``: a plain ASGI callable in front of the Starlette app, and the admissions it batches.

The acknowledgement is the service's hot path (GitHub waits 10 s, and a burst of events arrives at
once), so it skips what it does not need: Starlette's request object, middleware and routing
(about a fifth of the time an acknowledgement took). What it checks is unchanged, in this order:
the size (413), the signature (401), the shape (400), then the delivery is admitted and enqueued in
Redis (202; a delivery id admitted before: 200, nothing enqueued; Redis away: 503).

Admissions are gathered (``Admissions``): the webhooks that arrive while one Redis round trip is in
flight go together in the next one, a pipeline that Redis runs one script at a time, from a thread,
so that the event loop keeps reading requests meanwhile. A webhook is answered 202 only once the
round trip that carried its delivery has come back.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from prometheus_client import Counter, Histogram

from ..state.coordination import Admission, Coordination
from . import logs
from .queue import encoded
from .settings import Settings
from .webhook import HANDLED, MAX_BODY, Malformed, parse, signature_ok

log = logging.getLogger("devflow.serve")

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_BATCH = 64  # deliveries in one Redis round trip
_TOO_LARGE = {"error": "the body is larger than GitHub's 25 MB"}


class Admissions:
    """``Coordination.admit_many`` for the webhooks of one process: one batch in flight at a time (in
    its own thread), the next one gathering meanwhile."""

    def __init__(self, coord: Coordination) -> None:
        self.coord = coord
        self.pending: list[tuple[Admission, asyncio.Future[int | None]]] = []
        self.flushing: asyncio.Task[None] | None = None
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="devflow-admit")

    async def admit(self, admission: Admission) -> int | None:
        """The item's sequence number, or None when the delivery was admitted before; raises what
        ``admit_many`` raises (Redis away)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[int | None] = loop.create_future()
        self.pending.append((admission, future))
        if self.flushing is None:
            self.flushing = loop.create_task(self._flush(loop))
        return await future

    async def _flush(self, loop: asyncio.AbstractEventLoop) -> None:
        try:
            while self.pending:
                batch, self.pending = self.pending[:MAX_BATCH], self.pending[MAX_BATCH:]
                try:
                    got = await loop.run_in_executor(self.pool, self.coord.admit_many, [a for a, _ in batch])
                except Exception as exc:  # every delivery of the batch is answered 503
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for (_, future), seq in zip(batch, got, strict=True):
                    if not future.done():  # the client went away: its delivery is admitted all the same
                        future.set_result(seq)
        finally:
            self.flushing = None

    def close(self) -> None:
        self.pool.shutdown(wait=True)


class Webhook:
    """``POST /webhook`` (any other method: 405); every other path goes on to ``app``."""

    def __init__(self, app: ASGIApp, settings: Settings, coord: Coordination, queue_key: str,
                 ack_seconds: Histogram, answers: Counter) -> None:  # fmt: skip
        self.app = app
        self.state: Any = getattr(app, "state", None)  # Starlette's: the shared services (``app.Services``)
        self.secret = settings.webhook_secret.encode()
        self.ttl = settings.dedupe_ttl
        self.queue_key = queue_key
        self.admissions = Admissions(coord)
        self.ack_seconds = ack_seconds
        self.answers = answers
        self.counted: dict[int, Any] = {}  # each status's counter, looked up once

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != "/webhook":
            await self.app(scope, receive, send)
        elif scope["method"] != "POST":
            headers = [(b"allow", b"POST"), (b"content-type", b"text/plain; charset=utf-8"), (b"content-length", b"18")]
            await send({"type": "http.response.start", "status": 405, "headers": headers})
            await send({"type": "http.response.body", "body": b"Method Not Allowed"})
        else:
            started = time.perf_counter()
            answer = await self.acknowledge(scope, receive)
            if answer is None:  # the client went away before sending the whole body: nobody to answer
                return
            status, body = answer
            counter = self.counted.get(status)
            if counter is None:
                counter = self.counted[status] = self.answers.labels(str(status))
            counter.inc()
            self.ack_seconds.observe(time.perf_counter() - started)
            headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})

    async def acknowledge(self, scope: Scope, receive: Receive) -> tuple[int, bytes] | None:
        headers: dict[str, str] = {}
        for name, value in scope["headers"]:  # the first of a repeated header, as Starlette's
            headers.setdefault(name.decode("latin-1"), value.decode("latin-1"))
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > MAX_BODY:
            return 413, _encode(_TOO_LARGE)
        chunks: list[bytes] = []
        size = 0
        while True:  # no Content-Length (chunked): counted as it comes
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY:
                return 413, _encode(_TOO_LARGE)
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        raw = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        if not signature_ok(self.secret, raw, headers.get("x-hub-signature-256")):
            return 401, _encode({"error": "missing or wrong X-Hub-Signature-256"})
        try:
            delivery = parse(headers, raw, time.time())
        except Malformed as exc:
            return 400, _encode({"error": str(exc)})
        if delivery.event == "ping":
            return 200, _encode({"status": "pong", "delivery": delivery.delivery})
        if delivery.event not in HANDLED:
            return 200, _encode({"status": "ignored", "reason": f"Devflow does not handle '{delivery.event}' events"})
        try:
            message_id, data = encoded(delivery)
            admission = Admission(delivery.delivery, delivery.item, self.ttl, self.queue_key, message_id, data)
            seq = await self.admissions.admit(admission)
        except Exception as exc:  # Redis down or restarting: GitHub shows the failure, redeliver later
            log.warning("a delivery could not be enqueued", extra={"correlation_id": delivery.delivery,
                                                                    "error": str(exc)[:200]})  # fmt: skip
            return 503, _encode({"error": "the queue is unavailable; redeliver later"})
        if seq is None:
            return 200, _encode({"status": "duplicate", "delivery": delivery.delivery})
        logs.info_line(log, "delivery accepted", correlation_id=delivery.delivery, event=delivery.kind,
                       repository=delivery.repository)  # fmt: skip
        return 202, _encode({"status": "queued", "delivery": delivery.delivery,
                             "see": f"/admin/deliveries/{delivery.delivery}"})  # fmt: skip


def _encode(body: dict[str, str]) -> bytes:
    """As Starlette's ``JSONResponse`` encodes it."""
    return json.dumps(body, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
