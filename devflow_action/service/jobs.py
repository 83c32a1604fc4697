"""What a worker does with one delivery: the same engine and executor as the action
(``app.event.handle_event``), with the Postgres ledger as the run's store, under an item lock.

Outcomes, and what Dramatiq's ``Retries`` middleware does with them (``retry_when``):

- done / ignored: acknowledged; the item's order moves on.
- ``Later`` (the item is locked by another worker, or an earlier event on it is still queued): retried
  after a short delay, not counted as a failure.
- ``Transient`` (GitHub 5xx, timeouts, rate limits, the budget, Postgres or Redis away): retried with
  exponential backoff and jitter (after the reset, for a rate limit), up to ``max_retries`` times.
- ``Poison`` (the engine raised, GitHub refused with a 4xx, the payload or the config is invalid):
  retried up to ``poison_attempts`` attempts in all (an invalid payload or config: none), then a
  dead letter (``deadletters.py``).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import OrderedDict
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from dramatiq import Retry
from dramatiq.middleware import CurrentMessage

from ..app.context import RunContext
from ..app.event import Result, handle_event, is_fresh
from ..config.loader import load_bytes
from ..config.model import Config
from ..diagnostics import ConfigError
from ..events.model import Event
from ..events.normalize import PayloadError, normalize
from ..github.budget import CallBudget
from ..github.client import CallLog, GhClient
from ..github.contents import read_blob
from ..github.errors import GitHubError, RateLimited, Refused, Stopped
from ..github.gate import GateState, attach
from ..github.retry import Policy
from ..ledger import StateUnavailable
from ..redact import one_line, redact
from ..state.coordination import Coordination
from ..state.gatekeeper import RedisGate
from ..state.postgres import PostgresStore
from ..state.service_pg import DeliveryRecord, ServiceTables
from .credentials import Credentials
from .logs import correlation
from .settings import Settings
from .webhook import Delivery

log = logging.getLogger("devflow.worker")
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)
HISTOGRAMS = ("delivery_to_done_seconds", "job_seconds")


class Later(Retry):
    """Not this item's turn yet: retried soon, never counted as a failure."""


class Transient(Retry):
    def __init__(self, message: str, delay: int, failures: int) -> None:
        super().__init__(message, delay)
        self.failures = failures


class Poison(Retry):
    """A ``Retry`` for Dramatiq's sake too: it logs other exceptions with the whole message (the
    payload: user text), where we log one line of our own."""

    def __init__(self, message: str, failures: int) -> None:
        super().__init__(message, int(random.uniform(500, 1500) * min(failures, 4)))
        self.failures = failures


def retry_when(settings: Settings) -> Any:
    def decide(retries: int, exc: BaseException) -> bool:
        if isinstance(exc, Later):
            return True
        if isinstance(exc, Transient):
            return exc.failures <= settings.max_retries
        if isinstance(exc, Poison):
            return exc.failures < settings.poison_attempts
        return retries + 1 < settings.poison_attempts  # a bug of ours: treated as poison

    return decide


def _count(kind: str) -> int:
    """This message's failures of one kind so far, this one included (kept in the message's options,
    which Dramatiq carries across retries)."""
    message = CurrentMessage.get_current_message()
    if message is None:
        return 1
    n = int(message.options.get(f"devflow_{kind}", 0)) + 1
    message.options[f"devflow_{kind}"] = n
    return n


def summary(result: Result) -> str:
    report = result.report
    if report.stopped:
        return report.stopped
    if report.refused:
        return report.refused
    counts = {"applied": report.count("applied"), "skipped": report.count("skipped"), "failed": report.count("failed")}
    matched = [r.name for r in result.plan.rules if r.matched]
    if not report.outcomes:
        return "no rule matched" if not matched else f"matched {', '.join(matched)}: nothing to do"
    failed = "; ".join(o.detail for o in report.outcomes if o.status == "failed")
    text = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    return text + (f" ({failed})" if failed else "")


@dataclass
class Processor:
    settings: Settings
    coord: Coordination
    credentials: Credentials
    _local: threading.local = field(default_factory=threading.local)
    _configs: OrderedDict[tuple[str, str], Config] = field(default_factory=OrderedDict)
    _configs_lock: threading.Lock = field(default_factory=threading.Lock)

    # -- per-thread Postgres --------------------------------------------------------------------------
    def store(self) -> PostgresStore:
        store: PostgresStore | None = getattr(self._local, "store", None)
        if store is None:
            store = self._local.store = PostgresStore.connect(self.settings.database, migrate=False)
        return store

    def tables(self) -> ServiceTables:
        return ServiceTables(self.store())

    def drop_store(self) -> None:
        store = getattr(self._local, "store", None)
        self._local.store = None
        if store is not None:
            store.close()

    # -- the job --------------------------------------------------------------------------------------
    def run(self, data: dict[str, Any]) -> None:
        d = Delivery.from_message(data)
        token = correlation.set(d.delivery)
        started = time.time()
        try:
            if d.seq is None:
                d = replace(d, seq=self.coord.sequence(d.delivery))
            status, outcome = self._run(d)
            self._finish(d, status, outcome, started)
        except (Later, Transient, Poison) as exc:
            self._failed(d, exc)
            raise
        except StateUnavailable as exc:
            self.drop_store()
            failures = _count("transient")
            self._failed(d, exc)
            raise Transient(str(exc), self._backoff(failures), failures) from None
        except Exception as exc:  # a bug of ours: one line and a traceback here, never the payload
            log.exception("the job failed unexpectedly")
            poison = Poison(f"{type(exc).__name__}: {one_line(redact(str(exc)))}", _count("poison"))
            self._failed(d, poison)
            raise poison from None
        finally:
            correlation.reset(token)

    def _run(self, d: Delivery) -> tuple[str, str]:
        if d.event == "push":
            return self._push(d)
        try:
            event = replace(normalize(d.event, d.payload), delivery=d.delivery)
        except PayloadError as exc:
            raise Poison(f"the payload cannot be read: {exc}", self.settings.poison_attempts) from None
        if event.skipped or event.number is None or d.item is None:
            return "ignored", event.skipped or "not about an issue or a pull request"
        item = d.item
        with self.coord.item_lock(item, self.settings.lock_ttl) as held:
            if not held:
                raise Later("another worker is applying an event on the same item", self._soon())
            waited = time.time() - d.received_at
            seq = d.seq or 0
            if seq > 1 and self.coord.done_upto(item) < seq - 1 and waited < self.settings.order_wait:
                raise Later("an earlier event on the same item is not done yet", self._soon())
            attempt = self.coord.next_attempt(d.delivery)
            return self._apply(d, event, item, attempt)

    def _apply(self, d: Delivery, event: Event, item: str, attempt: int) -> tuple[str, str]:
        try:
            client, gate = self._client(d)
            config = self._config(client, d.repository)
            if config is None:
                return "ignored", f"no {self.settings.config_path} on the default branch"
            now = datetime.now(UTC)
            last = self.coord.last_write(item)
            fresh = is_fresh(event, attempt, now) and (
                last is None or (event.updated_at is not None and event.updated_at.timestamp() > last)
            )
            ctx = RunContext(
                port=client, budget=client.budget, run_key=d.delivery, attempt=attempt,
                self_login=self.settings.self_login, policy=client.policy, store=self.store(),
            )  # fmt: skip
            result = handle_event(ctx, config, event, fresh=fresh)
        except ConfigError as exc:
            where = exc.diagnostics[0].text() if exc.diagnostics else str(exc)
            raise Poison(f"the configuration is invalid: {where}", self.settings.poison_attempts) from None
        except Stopped as exc:
            raise self._transient(exc, getattr(exc, "retry_after", None)) from None
        except Refused as exc:
            raise Poison(f"GitHub refused: {exc}", _count("poison")) from None
        except GitHubError as exc:
            raise self._transient(exc) from None
        except (StateUnavailable, Later, Transient, Poison):
            raise
        except Exception as exc:  # the engine (or something under it) raised: a poison event
            log.exception("the event could not be processed")
            raise Poison(f"{type(exc).__name__}: {one_line(redact(str(exc)))}", _count("poison")) from None
        if result.report.count("applied"):
            self.coord.note_write(item, time.time())
        text = summary(result)
        if result.report.stopped:
            raise self._transient(Stopped(text), gate.retry_after)
        if result.report.refused or result.report.count("failed"):
            raise Poison(text, _count("poison"))
        return "done", text

    def _client(self, d: Delivery) -> tuple[GhClient, GateState]:
        """The thread's client for the repository and token, with this job's budget and gate. Clients
        outlive jobs: building one builds a TLS context, which cost more than the rest of a job."""
        token, scope = self.credentials.for_repository(d.repository, d.installation)
        s = self.settings
        budget = CallBudget(s.max_calls, deadline=s.job_deadline)
        clients: OrderedDict[tuple[str, str], GhClient] = getattr(self._local, "clients", None) or OrderedDict()
        self._local.clients = clients
        client = clients.pop((d.repository, token), None)
        if client is None:
            # fewer, shorter retries inside a job than in the action: the queue retries the whole job later
            policy = Policy(attempts=3, initial=0.25, max_backoff=2.0, max_wait=s.budget_wait)
            client = GhClient(d.repository, token, api_url=s.api_url, budget=budget, policy=policy)
        client.budget, client.log = budget, CallLog(budget)
        clients[(d.repository, token)] = client
        while len(clients) > 16:  # a token that expired, a repository not seen for a while
            clients.popitem(last=False)[1].close()
        gate = RedisGate(self.coord.r, self.coord.p, scope, reserve=s.budget_reserve, threshold=s.circuit_threshold,
                         open_for=s.circuit_open)  # fmt: skip
        return client, attach(client, gate, _log_write, max_wait=s.budget_wait)

    def _config(self, client: GhClient, repository: str) -> Config | None:
        path = self.settings.config_path
        cached = self.coord.cached_file(repository, path)
        if cached is None:
            blob = read_blob(client, path)
            sha, data = blob if blob is not None else ("", b"")
            self.coord.cache_file(repository, path, sha, data, self.settings.config_ttl)
        else:
            sha, data = cached.sha, cached.data
        if not sha:
            return None
        with self._configs_lock:
            config = self._configs.get((repository, sha))
        if config is None:
            config = load_bytes(data, path)
            with self._configs_lock:
                self._configs[(repository, sha)] = config
                while len(self._configs) > 256:
                    self._configs.popitem(last=False)
        return config

    def _push(self, d: Delivery) -> tuple[str, str]:
        """A push to the default branch that touches the config refreshes its cache."""
        repo = d.payload.get("repository") or {}
        default = repo.get("default_branch") or repo.get("master_branch")
        if d.payload.get("ref") != f"refs/heads/{default}":
            return "ignored", "a push to another branch than the default one"
        path = self.settings.config_path
        commits = [c for c in d.payload.get("commits") or [] if isinstance(c, dict)]
        touched = len(commits) >= 20 or any(  # GitHub lists at most 20 commits: look when there may be more
            path in (c.get(k) or []) for c in commits for k in ("added", "modified", "removed")
        )
        if not touched:
            return "ignored", f"the push does not change {path}"
        try:
            client, _ = self._client(d)
            blob = read_blob(client, path)
        except Stopped as exc:
            raise self._transient(exc) from None
        except Refused as exc:
            raise Poison(f"GitHub refused: {exc}", _count("poison")) from None
        sha, data = blob if blob is not None else ("", b"")
        self.coord.cache_file(d.repository, path, sha, data, self.settings.config_ttl)
        return "done", f"{path} refreshed (blob {sha[:12]})" if sha else f"{path} removed: events are ignored"

    # -- outcomes -------------------------------------------------------------------------------------
    def _backoff(self, failures: int) -> int:
        base = min(self.settings.max_backoff, self.settings.min_backoff * 2 ** (failures - 1))
        return int(1000 * base * random.uniform(0.5, 1.0))  # exponential, with jitter

    def _soon(self) -> int:
        return int(random.uniform(100, 400))

    def _transient(self, exc: Exception, retry_after: float | None = None) -> Transient:
        """Exponential backoff with jitter; no sooner than a rate limit's reset or an open circuit's end."""
        failures = _count("transient")
        delay = self._backoff(failures)
        if isinstance(exc, RateLimited) and exc.reset_in > 0:
            retry_after = max(retry_after or 0.0, exc.reset_in)
        if retry_after:
            delay = max(delay, int((retry_after + random.uniform(0.1, 1.0)) * 1000))
        return Transient(str(exc), delay, failures)

    def _failed(self, d: Delivery, exc: BaseException) -> None:
        if isinstance(exc, Later):
            return
        with suppress(StateUnavailable):  # a metric lost while Redis is away
            self.coord.count({"retries": 1})
        log.warning("attempt failed", extra={"error": one_line(redact(str(exc))), "kind": type(exc).__name__})
        try:
            self.tables().record_delivery(
                DeliveryRecord(d.delivery, d.kind, d.repository, d.number, _dt(d.received_at), "retrying",
                               self._attempts(d), one_line(redact(str(exc))))
            )  # fmt: skip
        except StateUnavailable:
            self.drop_store()

    def _attempts(self, d: Delivery) -> int:
        try:
            return self.coord.attempts(d.delivery)
        except StateUnavailable:
            return 0  # unknown: Redis is away

    def _finish(self, d: Delivery, status: str, outcome: str, started: float) -> None:
        now = time.time()
        if d.item and d.seq:
            self.coord.mark_done(d.item, d.seq)
        self.tables().record_delivery(
            DeliveryRecord(d.delivery, d.kind, d.repository, d.number, _dt(d.received_at), status, self._attempts(d),
                           outcome)
        )  # fmt: skip
        self.coord.count({f"jobs:{status}": 1})
        self.coord.observe("job_seconds", LATENCY_BUCKETS, now - started)
        if status == "done":
            self.coord.observe("delivery_to_done_seconds", LATENCY_BUCKETS, now - d.received_at)
        log.info("delivery processed", extra={"status": status, "outcome": outcome, "event": d.kind,
                                               "seconds": round(now - started, 4)})  # fmt: skip


def _dt(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _log_write(method: str, path: str, status: int) -> None:
    if method != "GET":
        log.info("github write", extra={"method": method, "path": path, "status": status})
