"""State in Redis, for the orchestration service's workers to consume: each event appended to a
stream per repository (``XADD ... MAXLEN ~``), checklist progress and item timestamps in hashes, a
facts cache with TTLs, and the idempotency ledger as ``SET NX`` keys. Several writes that must land
together run as one Lua script (atomic in Redis). A single Redis, not a cluster: a script's keys
are not hashed to one slot.

Keys (prefix ``devflow:`` unless the URL says ``?prefix=...``):
``events:{repo}`` (stream), ``recorded:{event}:{attempt}``, ``ledger:{event}:{operation}``,
``checklist:{repo}#{number}:{login}`` (hash), ``times:{repo}#{number}`` (hash),
``cursor:{repo}:{sweep}``, ``fact:{repo}#{number}:{name}``; for the digest ``first-recorded:{repo}``
(hash), ``events-per-day:{repo}`` (hash) and ``times-by-date:{repo}`` (sorted set).
"""

from __future__ import annotations

import itertools
import json
import os
import socket
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import redis
from redis import exceptions as rx
from redis.backoff import NoBackoff
from redis.retry import Retry

from ..ledger import CLAIM_TTL, StateUnavailable, Verdict
from ..redact import one_line, redact
from .model import JSON, EventRecord, ItemTimes, RunRecord, Status
from .url import StateURL

TIMEOUT = 5.0  # seconds to connect, and for any one command
STREAM_MAXLEN = 10_000  # events kept per repository (approximately: MAXLEN ~ trims whole nodes)
RECORDED_TTL = 30 * 86400  # how long a recorded attempt is remembered (replays within it are not re-added)
DONE_TTL = 90 * 86400  # how long the ledger remembers an applied operation
DEFAULT_PREFIX = "devflow:"
_UNAVAILABLE = (rx.ConnectionError, rx.TimeoutError, rx.ReadOnlyError, rx.BusyLoadingError)
# Server answers that mean "not now" (out of memory, loading, auth, no replica), not a bug of ours.
_UNAVAILABLE_REPLIES = ("OOM", "LOADING", "NOAUTH", "WRONGPASS", "NOPERM", "MASTERDOWN", "BUSY", "MISCONF")

# A new record also keeps, for the digest, the earliest time each event kind was recorded (ISO
# strings of one format compare as text) and the count of events recorded per UTC day.
_RECORD = """
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) == false then return 0 end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', unpack(cjson.decode(ARGV[3])))
local first = redis.call('HGET', KEYS[3], ARGV[4])
if not first or ARGV[5] < first then redis.call('HSET', KEYS[3], ARGV[4], ARGV[5]) end
redis.call('HINCRBY', KEYS[4], ARGV[6], 1)
return 1
"""
# The earliest opening and first response (with its responder), the latest close, the first merge.
# Times are UTC ISO strings of one fixed format, so they compare as text. The first response and the
# merge are indexed by time in a sorted set (members "<number>:r" and "<number>:m", scored in epoch
# seconds) for the digest's reads of a period.
_TIMES = """
local function earliest(field, value)
  if value == '' then return false end
  local now = redis.call('HGET', KEYS[1], field)
  if now and now <= value then return false end
  redis.call('HSET', KEYS[1], field, value)
  return true
end
earliest('opened_at', ARGV[1])
if earliest('first_response_at', ARGV[2]) then
  redis.call('HSET', KEYS[1], 'first_responder', ARGV[3])
  redis.call('ZADD', KEYS[2], ARGV[7], ARGV[6] .. ':r')
end
if ARGV[4] ~= '' then
  local now = redis.call('HGET', KEYS[1], 'closed_at')
  if not now or now < ARGV[4] then redis.call('HSET', KEYS[1], 'closed_at', ARGV[4]) end
end
if ARGV[5] ~= '' and redis.call('HSETNX', KEYS[1], 'merged_at', ARGV[5]) == 1 then
  redis.call('ZADD', KEYS[2], ARGV[8], ARGV[6] .. ':m')
end
return 1
"""
_SWAP = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3]) end
return 1
"""


def _iso(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00") if value else ""


def _epoch(value: datetime | None) -> str:
    return repr(value.timestamp()) if value else ""


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def split_prefix(url: str) -> tuple[str, str]:
    """Devflow's own ``prefix`` parameter out of the URL (redis-py would refuse it)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query)
    prefix = next((v for k, v in query if k == "prefix"), DEFAULT_PREFIX)
    rest = urlencode([(k, v) for k, v in query if k != "prefix"])
    return urlunsplit((parts.scheme, parts.netloc, parts.path, rest, parts.fragment)), prefix


@contextmanager
def _errors(url: StateURL, doing: str) -> Iterator[None]:
    try:
        yield
    except rx.RedisError as exc:
        unavailable = isinstance(exc, _UNAVAILABLE) or (
            isinstance(exc, rx.ResponseError) and str(exc).startswith(_UNAVAILABLE_REPLIES)
        )
        if not unavailable:
            raise
        raise StateUnavailable(f"Redis ({url.shown}) failed {doing}: {one_line(redact(str(exc)))}") from None


class RedisStore:
    backend = "redis"

    def __init__(self, client: Any, url: StateURL, prefix: str = DEFAULT_PREFIX) -> None:
        self.r = client
        self.url = url
        self.p = prefix
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
        self._record = client.register_script(_RECORD)
        self._times = client.register_script(_TIMES)
        self._swap = client.register_script(_SWAP)

    @classmethod
    def connect(cls, url: StateURL) -> RedisStore:
        plain, prefix = split_prefix(url.url)
        with _errors(url, "connecting"):
            client = redis.Redis.from_url(
                plain,
                socket_timeout=TIMEOUT,
                socket_connect_timeout=TIMEOUT,
                decode_responses=True,
                retry=Retry(NoBackoff(), 1),  # one quick retry for a dropped connection; then it is down
                client_name="devflow",
            )
            client.ping()
        return cls(client, url, prefix)

    def _tx(self, doing: str) -> Any:
        return _errors(self.url, doing)

    # -- the event path ------------------------------------------------------------------------------
    def record_run(self, run: RunRecord) -> bool:
        e = run.event
        fields = {
            "event_key": e.event_key, "attempt": e.attempt, "repository": e.repository, "kind": e.kind,
            "item": e.item or "", "number": "" if e.number is None else e.number, "actor": e.actor,
            "occurred_at": _iso(e.occurred_at), "recorded_at": _iso(e.recorded_at),
            "rules": json.dumps([r.as_json() for r in run.rules], ensure_ascii=False),
            "operations": json.dumps(
                [{"operation": o.operation, "status": o.status, "detail": o.detail} for o in run.operations],
                ensure_ascii=False,
            ),
        }  # fmt: skip
        flat = [str(x) for pair in fields.items() for x in pair]
        with self._tx("recording the event"):
            added = self._record(
                keys=[f"{self.p}recorded:{e.event_key}:{e.attempt}", f"{self.p}events:{e.repository}",
                      f"{self.p}first-recorded:{e.repository}", f"{self.p}events-per-day:{e.repository}"],
                args=[RECORDED_TTL, STREAM_MAXLEN, json.dumps(flat), e.kind, _iso(e.recorded_at),
                      e.recorded_at.astimezone(UTC).date().isoformat()],
            )  # fmt: skip
            if added and run.times is not None and e.number is not None:
                self.note_times(e.repository, e.number, run.times)
        return bool(added)

    def ledger(self, event_key: str, attempt: int, repository: str, number: int | None) -> RedisLedger:
        return RedisLedger(self, event_key, attempt)

    def recent_events(self, repository: str | None = None, limit: int = 20) -> list[EventRecord]:
        with self._tx("reading events"):
            if repository is not None:
                streams = [f"{self.p}events:{repository}"]
            else:
                streams = list(self.r.scan_iter(match=f"{self.p}events:*", _type="stream"))
            entries = [fields for s in streams for _, fields in self.r.xrevrange(s, count=limit)]
        records = [
            EventRecord(
                f["event_key"], f["repository"], f["kind"], _time(f["recorded_at"]) or datetime.min, int(f["attempt"]),
                f["item"] or None, int(f["number"]) if f["number"] else None, f["actor"], _time(f["occurred_at"]),
            )
            for f in entries
        ]  # fmt: skip
        return sorted(records, key=lambda r: r.recorded_at, reverse=True)[:limit]

    # -- metrics -------------------------------------------------------------------------------------
    def note_times(self, repository: str, number: int, times: ItemTimes) -> None:
        t = times
        with self._tx("recording timestamps"):
            self._times(
                keys=[f"{self.p}times:{repository}#{number}", f"{self.p}times-by-date:{repository}"],
                args=[_iso(t.opened_at), _iso(t.first_response_at), t.first_responder or "", _iso(t.closed_at),
                      _iso(t.merged_at), number, _epoch(t.first_response_at), _epoch(t.merged_at)],
            )  # fmt: skip

    def item_times(self, repository: str, number: int) -> ItemTimes | None:
        with self._tx("reading timestamps"):
            h = self.r.hgetall(f"{self.p}times:{repository}#{number}")
        return _times(h) if h else None

    # -- the digest's history -------------------------------------------------------------------------
    def recording_since(self, repository: str) -> dict[str, datetime]:
        with self._tx("reading since when events are recorded"):
            h = self.r.hgetall(f"{self.p}first-recorded:{repository}")
        return {kind: datetime.fromisoformat(at) for kind, at in h.items()}

    def times_between(self, repository: str, since: datetime, until: datetime) -> dict[int, ItemTimes]:
        with self._tx("reading timestamps"):
            members = self.r.zrangebyscore(f"{self.p}times-by-date:{repository}", since.timestamp(),
                                           f"({until.timestamp()!r}")  # fmt: skip
            numbers = sorted({int(m.split(":")[0]) for m in members})
            pipe = self.r.pipeline(transaction=False)
            for number in numbers:
                pipe.hgetall(f"{self.p}times:{repository}#{number}")
            found = pipe.execute()
        return {n: _times(h) for n, h in zip(numbers, found, strict=True) if h}

    def count_events(self, repository: str, bounds: Sequence[datetime]) -> list[int]:
        if len(bounds) < 2:
            return []
        if any(b.astimezone(UTC) != b.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
               for b in bounds):  # fmt: skip
            raise ValueError("Redis counts events per UTC day: the bounds must be at 00:00 UTC")
        start, end = bounds[0].astimezone(UTC).date(), bounds[-1].astimezone(UTC).date()
        days = [(start + timedelta(days=d)).isoformat() for d in range((end - start).days)]
        with self._tx("counting events"):
            per_day = dict(zip(days, self.r.hmget(f"{self.p}events-per-day:{repository}", days), strict=True))
        counts = []
        for low, high in itertools.pairwise(bounds):
            a, b = low.astimezone(UTC).date(), high.astimezone(UTC).date()
            counts.append(sum(int(per_day[(a + timedelta(days=d)).isoformat()] or 0) for d in range((b - a).days)))
        return counts

    # -- sweeps, onboarding, facts -------------------------------------------------------------------
    def get_cursor(self, repository: str, sweep: str) -> str | None:
        with self._tx("reading a sweep cursor"):
            value = self.r.get(f"{self.p}cursor:{repository}:{sweep}")
        return str(value) if value is not None else None

    def set_cursor(self, repository: str, sweep: str, cursor: str) -> None:
        with self._tx("saving a sweep cursor"):
            self.r.set(f"{self.p}cursor:{repository}:{sweep}", cursor)

    def checklist(self, repository: str, number: int, contributor: str) -> dict[str, bool]:
        with self._tx("reading checklist progress"):
            h = self.r.hgetall(f"{self.p}checklist:{repository}#{number}:{contributor}")
        return {item: value.startswith("1") for item, value in sorted(h.items())}

    def checklist_marks(self, repository: str, number: int, contributor: str) -> dict[str, str]:
        with self._tx("reading checklist progress"):
            h = self.r.hgetall(f"{self.p}checklist:{repository}#{number}:{contributor}")
        # "1:person" done, ticked by a person; "1" done, recorded without saying who; "0" not done
        return {item: value.partition(":")[2] if value.startswith("1") else "" for item, value in sorted(h.items())}

    def set_checklist(self, repository: str, number: int, contributor: str, marks: Mapping[str, str]) -> None:
        if not marks:
            return
        with self._tx("saving checklist progress"):
            self.r.hset(f"{self.p}checklist:{repository}#{number}:{contributor}",
                        mapping={item: f"1:{by}" if by else "0" for item, by in marks.items()})  # fmt: skip

    def set_checklist_item(self, repository: str, number: int, contributor: str, item: str, done: bool) -> None:
        with self._tx("saving checklist progress"):
            self.r.hset(f"{self.p}checklist:{repository}#{number}:{contributor}", item, "1" if done else "0")

    def cache_fact(self, repository: str, number: int, name: str, value: JSON, ttl: int) -> None:
        with self._tx("caching a fact"):
            self.r.set(f"{self.p}fact:{repository}#{number}:{name}", json.dumps(value), ex=timedelta(seconds=ttl))

    def cached_fact(self, repository: str, number: int, name: str) -> JSON | None:
        with self._tx("reading the facts cache"):
            raw = self.r.get(f"{self.p}fact:{repository}#{number}:{name}")
        return json.loads(raw) if raw is not None else None

    # -- maintenance ---------------------------------------------------------------------------------
    def status(self) -> Status:
        with self._tx("reading the status"):
            counts = {
                "streams": sum(1 for _ in self.r.scan_iter(match=f"{self.p}events:*", _type="stream")),
                "ledger": sum(1 for _ in self.r.scan_iter(match=f"{self.p}ledger:*")),
            }
        return Status(self.backend, self.url.shown, counts=counts)

    def close(self) -> None:
        with suppress(rx.RedisError):  # closing a connection the server already dropped
            self.r.close()


def _times(h: Mapping[str, str]) -> ItemTimes:
    return ItemTimes(
        _time(h.get("opened_at")), _time(h.get("first_response_at")), h.get("first_responder"),
        _time(h.get("closed_at")), _time(h.get("merged_at")),
    )  # fmt: skip


class RedisLedger:
    """The ledger of one event (``ledger.py`` has the semantics): a claim is ``SET NX`` with the claim
    TTL, so a crashed run's claim expires by itself; ``done`` and a takeover are compare-and-set."""

    def __init__(self, store: RedisStore, event_key: str, attempt: int) -> None:
        self.store, self.event_key, self.attempt = store, event_key, attempt
        self.mine = f"claimed|{attempt}|{store.owner}"

    def _key(self, key: str) -> str:
        return f"{self.store.p}ledger:{self.event_key}:{key}"

    def claim(self, keys: Sequence[str]) -> Mapping[str, Verdict]:
        r = self.store.r
        verdicts: dict[str, Verdict] = {}
        with self.store._tx("claiming operations in the ledger"):
            pipe = r.pipeline(transaction=False)
            for key in keys:
                pipe.set(self._key(key), self.mine, nx=True, ex=CLAIM_TTL)
            won = pipe.execute()
            for key, ok in zip(keys, won, strict=True):
                if ok:
                    verdicts[key] = "claimed"
                    continue
                held = r.get(self._key(key))
                if held is None:  # the other claim expired in between: try once more
                    won_now = r.set(self._key(key), self.mine, nx=True, ex=CLAIM_TTL)
                    verdicts[key] = "claimed" if won_now else "busy"
                    continue
                if held.startswith("done|"):
                    verdicts[key] = "done"
                    continue
                # A claim by an earlier attempt of this event is stale: that attempt has ended.
                attempt = held.split("|")[1] if held.count("|") >= 2 else ""
                stale = attempt.isdigit() and int(attempt) < self.attempt
                taken = stale and self.store._swap(keys=[self._key(key)], args=[held, self.mine, CLAIM_TTL])
                verdicts[key] = "claimed" if taken else "busy"
        return verdicts

    def done(self, keys: Sequence[str], outcome: str) -> None:
        value = f"done|{self.attempt}|{self.store.owner}|{outcome}|{_iso(datetime.now(UTC))}"
        with self.store._tx("recording operations in the ledger"):
            for key in keys:
                self.store._swap(keys=[self._key(key)], args=[self.mine, value, DONE_TTL])

    def release(self, keys: Sequence[str]) -> None:
        with self.store._tx("releasing claims in the ledger"):
            for key in keys:
                self.store._swap(keys=[self._key(key)], args=[self.mine, "", 0])
