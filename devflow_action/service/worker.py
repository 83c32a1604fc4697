"""``devflow worker [--processes N] [--threads M]``: Dramatiq workers consuming the deliveries queue.

One process runs a ``dramatiq.Worker`` with M threads; with N > 1 a small supervisor starts N such
processes and starts again any that dies (a ``kill -9`` included: its unacknowledged message goes
back to the queue once its heartbeat is ``DEVFLOW_HEARTBEAT_TIMEOUT`` old). SIGTERM or SIGINT stop
taking messages and let the running jobs finish.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from contextlib import suppress
from typing import Any

import dramatiq
from dramatiq.middleware import Middleware, TimeLimit

from ..exits import Exit
from ..ledger import StateUnavailable
from ..redact import one_line, redact
from ..state.coordination import Coordination
from ..state.service_pg import DeliveryRecord, open_checked
from . import telemetry
from .credentials import Credentials
from .jobs import Processor, retry_when
from .logs import correlation
from .notices import DeadLetterInfo, send_once
from .queue import ACTOR, DevflowBroker, make_broker
from .settings import QUEUE, Settings
from .webhook import Delivery

log = logging.getLogger("devflow.worker")


class DeadLetters(Middleware):
    """After ``Retries`` gave up on a message: a dead letter in Postgres (the admin lists, retries and
    discards them), the delivery marked dead, and the item's order moved past it. Dramatiq also keeps
    the message in its own dead-letter queue for a week."""

    def __init__(self, processor: Processor) -> None:
        self.processor = processor

    def after_process_message(
        self, broker: Any, message: Any, *, result: Any = None, exception: BaseException | None = None
    ) -> None:
        if exception is None or not message.failed:
            return
        p = self.processor
        data = message.args[0]
        d = Delivery.from_message(data)
        error = one_line(redact(str(exception)), 500) or type(exception).__name__
        attempts = p._attempts(d)
        try:
            tables = p.tables()
            dead_id = tables.add_dead_letter(d.delivery, d.kind, d.repository, d.number, error, attempts, data)
            received = _when(d.received_at)
            tables.record_delivery(
                DeliveryRecord(d.delivery, d.kind, d.repository, d.number, received, "dead", attempts, error)
            )
        except StateUnavailable:
            # Postgres is away: the message must not die unrecorded. It goes back to the queue (acknowledged,
            # not rejected) and the next failure records it.
            p.drop_store()
            broker.enqueue(message.copy(), delay=int(max(5.0, p.settings.min_backoff) * 1000))
            message.failed = False
            log.warning("a dead letter could not be recorded in Postgres: tried again later",
                        extra={"correlation_id": d.delivery})  # fmt: skip
            return
        seq = d.seq if d.seq is not None else p.coord.sequence(d.delivery)
        if d.item and seq:
            p.coord.mark_done(d.item, seq)
        p.coord.count({"jobs:dead": 1, "dead_letters": 1})
        log.error("dead letter", extra={"correlation_id": d.delivery, "dead_letter": dead_id, "error": error,
                                        "attempts": attempts, "event": d.kind})  # fmt: skip
        try:  # after the dead letter is safe: a notice that fails is logged and counted, never the job's failure
            send_once(p.store(), p.coord, p.settings, DeadLetterInfo(dead_id, d, error, attempts))
        except Exception as exc:
            log.warning("dead-letter notice failed", extra={"correlation_id": d.delivery, "dead_letter": dead_id,
                                                             "error": one_line(redact(str(exc)))})  # fmt: skip
            with suppress(Exception):
                p.coord.count({"notices:unknown:failed": 1})


class Correlation(Middleware):
    """The delivery id as the correlation id of every line logged while its message is handled,
    Dramatiq's own included ("Retrying message ...", "Retries exceeded ..."), which the job's own
    setting (``Processor.run``) does not cover. First in the list: its "before" hook runs first and
    its "after" hooks last (Dramatiq runs those last to first)."""

    def before_process_message(self, broker: Any, message: Any) -> None:
        data = message.args[0] if message.args and isinstance(message.args[0], dict) else {}
        correlation.set(str(data.get("delivery") or "") or None)

    def after_process_message(
        self, broker: Any, message: Any, *, result: Any = None, exception: BaseException | None = None
    ) -> None:
        correlation.set(None)

    def after_skip_message(self, broker: Any, message: Any) -> None:
        correlation.set(None)


def _when(epoch: float) -> Any:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(epoch, UTC)


def check_database(settings: Settings) -> None:
    """Refuse to start on an unmigrated database (``NotMigrated`` names the command to run)."""
    open_checked(settings.database).close()


def build(settings: Settings) -> tuple[DevflowBroker, Processor]:
    coord = Coordination.connect(settings.redis)
    processor = Processor(settings, coord, Credentials.from_settings(settings, coord))
    broker = make_broker(settings, extra=[DeadLetters(processor)], patient=True)
    broker.add_middleware(Correlation(), before=TimeLimit)
    dramatiq.Actor(
        processor.run,
        broker=broker,
        actor_name=ACTOR,
        queue_name=QUEUE,
        priority=0,
        options={"retry_when": retry_when(settings)},
    )
    return broker, processor


def run_one(settings: Settings, threads: int, stop: threading.Event | None = None) -> int:
    """One worker process: consume until SIGTERM/SIGINT (or ``stop``), then finish the running jobs."""
    check_database(settings)
    broker, processor = build(settings)
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    worker = dramatiq.Worker(broker, worker_threads=threads, worker_timeout=100)
    worker.start()
    telemetry.start(settings, broker, stop)  # off (no thread at all) unless DEVFLOW_TELEMETRY_URL is set
    log.info("worker started", extra={"threads": threads, "pid": os.getpid()})
    try:
        stop.wait()
    finally:
        worker.stop(timeout=int((settings.job_deadline + 30) * 1000))
        broker.close()
        processor.credentials.close()
        processor.coord.close()
        log.info("worker stopped", extra={"pid": os.getpid()})
    return Exit.OK


def supervise(processes: int, threads: int, env: Mapping[str, str]) -> int:
    """N worker processes; one that dies is started again; SIGTERM/SIGINT are passed on to all."""
    command = [sys.executable, "-m", "devflow_action.cli", "worker", "--processes", "1", "--threads", str(threads)]
    stopping = threading.Event()

    def start() -> subprocess.Popen[bytes]:
        return subprocess.Popen(command, env=dict(env))

    children = [start() for _ in range(processes)]

    def forward(*_: Any) -> None:
        stopping.set()
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    while not stopping.is_set():
        for i, child in enumerate(children):
            code = child.poll()
            if code is not None and not stopping.is_set():
                log.warning("a worker process exited; starting another", extra={"pid": child.pid, "code": code})
                children[i] = start()
        stopping.wait(0.5)
    for child in children:
        try:
            child.wait(timeout=600)
        except subprocess.TimeoutExpired:
            child.kill()
    return Exit.OK


def main(processes: int, threads: int, env: Mapping[str, str]) -> int:
    settings = Settings.from_env(env, role="worker")
    if processes <= 1:
        return run_one(settings, threads)
    check_database(settings)  # say it once, before starting anything
    started = time.monotonic()
    code = supervise(processes, threads, env)
    log.info("workers stopped", extra={"seconds": round(time.monotonic() - started, 1)})
    return code
