"""What the orchestration service's processes share in Redis besides the queue itself (docs/service.md).

- **Admission** of a webhook delivery: its ``X-GitHub-Delivery`` id is remembered with ``SET NX`` and a
  TTL (a repeat is answered 200 and enqueues nothing), and in the same Lua script the item (issue or
  pull request) gets the next number of its own sequence, which orders the workers.
- **Attempts**: each time a worker starts on a delivery it takes the next attempt number; the ledger
  hands over an earlier attempt's claims to a later one (a worker killed after its claim).
- **Item locks**: ``SET NX PX`` with a random token, renewed while held, released only by its
  holder, so that events on one item never run at once; **order**: the highest sequence number done
  per item, and when Devflow last wrote to it (a payload older than that is not taken as current).
- **Caches**: each repository's ``.devflow.yml`` (bytes and blob sha), GitHub App installation ids and
  installation tokens (until shortly before they expire).
- **Metrics** that every process adds to and ``/metrics`` reads: counters and histogram buckets.

A single Redis, not a cluster (a script's keys are not hashed to one slot). Keys start with the
prefix from the URL (``?prefix=``, default ``devflow:``).
"""

from __future__ import annotations

import base64
import secrets
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

from ..ledger import StateUnavailable
from .redisstore import _errors, split_prefix
from .url import StateURL

TIMEOUT = 5.0
DAY = 86400

# Admission and enqueue in one step (atomic, one round trip): -1 when the delivery was seen before;
# otherwise the item's sequence number (0 without an item), kept with the delivery id for the worker,
# and the message pushed exactly as Dramatiq's Redis broker enqueues one (its data in the queue's
# ``.msgs`` hash under its Redis message id, the id at the tail of the queue's list).
_ADMIT = """
if redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
local seq = 0
if KEYS[2] ~= '' then
  seq = redis.call('INCR', KEYS[2])
  redis.call('EXPIRE', KEYS[2], ARGV[2])
end
redis.call('SET', KEYS[1], 'queued:' .. seq, 'EX', ARGV[1])
redis.call('HSET', KEYS[3], ARGV[3], ARGV[4])
redis.call('RPUSH', KEYS[4], ARGV[3])
return seq
"""
_RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"
_RENEW = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0"
_RAISE = """
local now = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > now then redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
else redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return 1
"""


@dataclass(frozen=True)
class Admission:
    """One webhook delivery to admit and enqueue (``Coordination.admit``)."""

    delivery: str
    item: str | None
    ttl: int
    queue: str  # the queue's full key, ``<namespace>:<name>``
    message_id: str
    data: bytes  # the message, as Dramatiq's Redis broker stores it


@dataclass(frozen=True)
class CachedFile:
    sha: str  # the blob sha GitHub gave for it
    data: bytes
    fetched_at: float


def connect(url: StateURL, *, timeout: float = TIMEOUT, retries: int = 3) -> tuple[Any, str]:
    """A Redis client (text answers) and the key prefix the URL names. ``retries`` with a short
    backoff ride out a restarting Redis; ``serve`` takes one (a dropped connection) and a short
    timeout, so that a webhook is answered 503 at once rather than after GitHub's 10 s."""
    plain, prefix = split_prefix(url.url)
    with _errors(url, "connecting"):
        client = redis.Redis.from_url(
            plain,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            decode_responses=True,
            retry=Retry(ExponentialBackoff(cap=1.0, base=0.05), retries),
            health_check_interval=30,
            client_name="devflow-service",
        )
        client.ping()
    return client, prefix


def redis_errors() -> tuple[type[Exception], ...]:
    """What a Redis that is down or restarting raises (for code that must not import redis)."""
    return (redis.ConnectionError, redis.TimeoutError, redis.BusyLoadingError, redis.ReadOnlyError)


def queue_client(url: StateURL) -> Any:
    """The broker's client: bytes answers (Dramatiq decodes its messages itself), the same timeouts
    and the same patience with a restarting Redis."""
    plain, _ = split_prefix(url.url)
    return redis.Redis.from_url(
        plain,
        socket_timeout=TIMEOUT,
        socket_connect_timeout=TIMEOUT,
        retry=Retry(ExponentialBackoff(cap=1.0, base=0.05), 3),
        health_check_interval=30,
        client_name="devflow-queue",
    )


class Coordination:
    def __init__(self, client: Any, url: StateURL, prefix: str) -> None:
        self.r, self.url, self.p = client, url, prefix
        self._admit = client.register_script(_ADMIT)
        self._release = client.register_script(_RELEASE)
        self._renew = client.register_script(_RENEW)
        self._raise = client.register_script(_RAISE)

    @classmethod
    def connect(cls, url: StateURL, *, timeout: float = TIMEOUT, retries: int = 3) -> Coordination:
        client, prefix = connect(url, timeout=timeout, retries=retries)
        return cls(client, url, prefix)

    def _tx(self, doing: str) -> Any:
        return _errors(self.url, doing)

    def ping(self) -> None:
        with self._tx("answering a ping"):
            self.r.ping()

    # -- admission -----------------------------------------------------------------------------------
    def admit(self, delivery: str, item: str | None, ttl: int, queue: str, message_id: str, data: bytes) -> int | None:
        """None: this delivery was admitted before, nothing enqueued. Otherwise the item's sequence
        number (0: no item), and the message (``data``, Dramatiq's encoding) is in ``queue`` (the
        queue's full key: ``<namespace>:<name>``)."""
        return self.admit_many([Admission(delivery, item, ttl, queue, message_id, data)])[0]

    def admit_many(self, admissions: Sequence[Admission]) -> list[int | None]:
        """``admit`` for several deliveries in one round trip: a pipeline of the same script, which
        Redis runs one after the other (a delivery id twice in one batch is admitted once). ``serve``
        gathers the webhooks that arrive while the previous batch is in flight."""
        with self._tx("admitting a delivery"):
            got = self._admit_all(admissions)
            refused = [i for i, g in enumerate(got) if isinstance(g, redis.exceptions.NoScriptError)]
            if refused:  # Redis lost its scripts (a restart): NOSCRIPT means it did not run; run those again
                self.r.script_load(_ADMIT)
                for i, g in zip(refused, self._admit_all([admissions[i] for i in refused]), strict=True):
                    got[i] = g
            for g in got:
                if isinstance(g, Exception):
                    raise g
        return [None if int(g) < 0 else int(g) for g in got]

    def _admit_all(self, admissions: Sequence[Admission]) -> list[Any]:
        pipe = self.r.pipeline(transaction=False)
        for a in admissions:
            keys = [f"{self.p}delivery:{a.delivery}", f"{self.p}seq:{a.item}" if a.item else "", f"{a.queue}.msgs",
                    a.queue]  # fmt: skip
            pipe.evalsha(self._admit.sha, len(keys), *keys, a.ttl, 30 * DAY, a.message_id, a.data)
        return list(pipe.execute(raise_on_error=False))

    def sequence(self, delivery: str) -> int:
        """The item's sequence number admission gave the delivery (0: none, or forgotten)."""
        with self._tx("reading a delivery's place"):
            got = self.r.get(f"{self.p}delivery:{delivery}") or ""
        return int(got[7:]) if got.startswith("queued:") and got[7:].isdigit() else 0

    def attempts(self, delivery: str) -> int:
        with self._tx("reading attempts"):
            return int(self.r.get(f"{self.p}attempts:{delivery}") or 1)

    def next_attempt(self, delivery: str) -> int:
        key = f"{self.p}attempts:{delivery}"
        with self._tx("counting attempts"):
            pipe = self.r.pipeline()
            pipe.incr(key)
            pipe.expire(key, 30 * DAY)
            return int(pipe.execute()[0])

    # -- item locks and order ------------------------------------------------------------------------
    @contextmanager
    def item_lock(self, item: str, ttl: float) -> Iterator[bool]:
        """Yields whether this process holds the item's lock; renewed every ``ttl / 3`` while held, so
        a worker that dies loses it within ``ttl`` seconds."""
        key, token, ms = f"{self.p}lock:{item}", secrets.token_hex(16), max(1, int(ttl * 1000))
        with self._tx("taking an item lock"):
            held = bool(self.r.set(key, token, nx=True, px=ms))
        if not held:
            yield False
            return
        stop = threading.Event()

        def renew() -> None:
            while not stop.wait(ttl / 3):
                try:
                    if not self._renew(keys=[key], args=[token, ms]):
                        return
                except redis.RedisError:
                    continue  # Redis restarting: try again at the next tick; the TTL still holds

        keeper = threading.Thread(target=renew, name=f"lock-{item}", daemon=True)
        keeper.start()
        try:
            yield True
        finally:
            stop.set()
            with suppress(redis.RedisError):  # otherwise it expires by itself within the TTL
                self._release(keys=[key], args=[token])

    def done_upto(self, item: str) -> int:
        with self._tx("reading an item's order"):
            return int(self.r.get(f"{self.p}done:{item}") or 0)

    def mark_done(self, item: str, seq: int) -> None:
        with self._tx("recording an item's order"):
            self._raise(keys=[f"{self.p}done:{item}"], args=[seq, 30 * DAY])

    def last_write(self, item: str) -> float | None:
        with self._tx("reading an item's last write"):
            got = self.r.get(f"{self.p}wrote:{item}")
        return float(got) if got else None

    def note_write(self, item: str, when: float) -> None:
        with self._tx("recording an item's last write"):
            self._raise(keys=[f"{self.p}wrote:{item}"], args=[repr(when), 30 * DAY])

    # -- caches --------------------------------------------------------------------------------------
    def cached_file(self, repository: str, path: str) -> CachedFile | None:
        with self._tx("reading the configuration cache"):
            got = self.r.hgetall(f"{self.p}config:{repository}:{path}")
        if not got or "sha" not in got:
            return None
        return CachedFile(got["sha"], base64.b64decode(got.get("data", "")), float(got.get("at", 0)))

    def cache_file(self, repository: str, path: str, sha: str, data: bytes, ttl: int) -> None:
        key = f"{self.p}config:{repository}:{path}"
        with self._tx("caching a configuration"):
            pipe = self.r.pipeline()
            pipe.delete(key)
            pipe.hset(key, mapping={"sha": sha, "data": base64.b64encode(data).decode(), "at": repr(time.time())})
            pipe.expire(key, ttl)
            pipe.execute()

    def drop_file(self, repository: str, path: str) -> None:
        with self._tx("dropping a cached configuration"):
            self.r.delete(f"{self.p}config:{repository}:{path}")

    def cached_value(self, name: str) -> str | None:
        with self._tx("reading a cache"):
            got = self.r.get(f"{self.p}cache:{name}")
        return str(got) if got is not None else None

    def cache_value(self, name: str, value: str, ttl: float) -> None:
        if ttl <= 0:
            return
        with self._tx("writing a cache"):
            self.r.set(f"{self.p}cache:{name}", value, px=max(1, int(ttl * 1000)))

    # -- metrics -------------------------------------------------------------------------------------
    def count(self, counters: Mapping[str, float]) -> None:
        if not counters:
            return
        with self._tx("counting"):
            pipe = self.r.pipeline(transaction=False)
            for name, by in counters.items():
                pipe.hincrbyfloat(f"{self.p}metrics:counters", name, by)
            pipe.execute()

    def observe(self, name: str, buckets: Sequence[float], value: float) -> None:
        """One observation of a histogram: the first bucket it fits (``+Inf`` past the last), the sum."""
        bucket = next((str(b) for b in buckets if value <= b), "+Inf")
        key = f"{self.p}metrics:hist:{name}"
        with self._tx("recording a latency"):
            pipe = self.r.pipeline(transaction=False)
            pipe.hincrby(key, bucket, 1)
            pipe.hincrbyfloat(key, "sum", value)
            pipe.hincrby(key, "count", 1)
            pipe.execute()

    def metrics(self, histograms: Sequence[str]) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
        with self._tx("reading metrics"):
            pipe = self.r.pipeline(transaction=False)
            pipe.hgetall(f"{self.p}metrics:counters")
            for name in histograms:
                pipe.hgetall(f"{self.p}metrics:hist:{name}")
            got = pipe.execute()
        counters = {k: float(v) for k, v in (got[0] or {}).items()}
        hists = {name: {k: float(v) for k, v in (h or {}).items()} for name, h in zip(histograms, got[1:], strict=True)}
        return counters, hists

    def budgets(self) -> dict[str, dict[str, float]]:
        """The shared GitHub budget of every installation (``gatekeeper.py`` keeps them)."""
        with self._tx("reading budgets"):
            keys = list(self.r.scan_iter(match=f"{self.p}budget:*", count=1000))
            pipe = self.r.pipeline(transaction=False)
            for key in keys:
                pipe.hgetall(key)
            got = pipe.execute() if keys else []
        start = len(self.p) + len("budget:")
        return {k[start:]: {f: float(v) for f, v in h.items()} for k, h in zip(keys, got, strict=True)}

    def close(self) -> None:
        with suppress(redis.RedisError):
            self.r.close()


__all__ = ["CachedFile", "Coordination", "StateUnavailable", "connect"]
