"""Opt-in, anonymised telemetry: off unless ``DEVFLOW_TELEMETRY_URL`` is set, and then one JSON report
per ``DEVFLOW_TELEMETRY_INTERVAL`` (a day by default) for the whole deployment, whatever the number
of worker processes: each worker looks now and then, and the one that claims the deployment's row
in Postgres (``Observability.claim_report``) sends it.

The report (``FIELDS``, documented in docs/service.md) holds counts and fixed vocabularies only:
GitHub's event names, Devflow's operation types and statuses; anything else is counted as
``other``. No repository name, login, title, body or URL goes in, by construction: ``build``
reads counts, never text. ``GET /admin/api/telemetry`` shows the report that would be sent, without
sending it. When telemetry is off no thread is started, so nothing connects anywhere.

A collector that is down or slow never holds up the service: the report goes from its own thread,
with a short timeout, and a failure is one log line; the next report is due an interval later.
"""

from __future__ import annotations

import json
import logging
import platform
import random
import threading
import urllib.request
from typing import Any

from .. import __version__
from ..events.catalog import EVENT_KEYS
from ..plan import OPERATION_TYPES
from ..redact import one_line, redact
from ..state.observability import Observability, Usage
from ..state.postgres import PostgresStore
from .settings import Settings

log = logging.getLogger("devflow.telemetry")
SCHEMA = 1
FIELDS = ("schema", "deployment", "version", "python", "period_seconds", "events", "operations", "repositories",
          "dead_letters", "worker_processes")  # fmt: skip
KNOWN_EVENTS = frozenset(EVENT_KEYS) | {"push"}
KNOWN_STATUSES = frozenset({"applied", "skipped", "failed", "left", "dry-run"})
CHECK_EVERY = 300.0  # seconds between looks at whether a report is due (at most; less for short intervals)


def rounded(n: int) -> int:
    """Exact below 100, else two significant digits (1234 -> 1200): enough to see how Devflow is used,
    too coarse to match a report with a particular deployment's activity."""
    if n < 100:
        return n
    scale = 10 ** (len(str(n)) - 2)
    return int(round(n / scale) * scale)


def build(usage: Usage, deployment: str, period: float, workers: int) -> dict[str, Any]:
    events: dict[str, int] = {}
    for kind, n in usage.events.items():
        key = kind if kind in KNOWN_EVENTS else "other"
        events[key] = events.get(key, 0) + n
    operations: dict[str, dict[str, int]] = {}
    for (kind, status), n in usage.operations.items():
        by_status = operations.setdefault(kind if kind in OPERATION_TYPES else "other", {})
        key = status if status in KNOWN_STATUSES else "other"
        by_status[key] = by_status.get(key, 0) + n
    report = {
        "schema": SCHEMA,
        "deployment": deployment,
        "version": __version__,
        "python": ".".join(platform.python_version_tuple()[:2]),
        "period_seconds": int(period),
        "events": {k: rounded(v) for k, v in sorted(events.items())},
        "operations": {k: {s: rounded(n) for s, n in sorted(v.items())} for k, v in sorted(operations.items())},
        "repositories": rounded(usage.repositories),
        "dead_letters": {"new": rounded(usage.dead_letters_new), "open": rounded(usage.dead_letters_open)},
        "worker_processes": workers,
    }
    return report


def live_workers(broker: Any, heartbeat_timeout: float) -> int:
    """Worker processes whose Dramatiq heartbeat is recent (one broker, so one id, per process)."""
    import time

    since = (time.time() - heartbeat_timeout) * 1000
    return int(broker.client.zcount(f"{broker.namespace}:__heartbeats__", since, "+inf"))


def current(store: PostgresStore, broker: Any, settings: Settings) -> dict[str, Any]:
    """The report as it would be sent now (``GET /admin/api/telemetry`` shows it; nothing is sent)."""
    rows = Observability(store)
    return build(rows.usage(settings.telemetry_interval), rows.deployment_id(), settings.telemetry_interval,
                 live_workers(broker, settings.heartbeat_timeout))  # fmt: skip


def post(url: str, report: dict[str, Any], timeout: float) -> int:
    body = json.dumps(report, separators=(",", ":")).encode()
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": f"devflow-telemetry/{__version__}"})  # fmt: skip
    with urllib.request.urlopen(request, timeout=timeout) as response:
        response.read(65536)
        return int(response.status)


class Reporter:
    """One per worker process when telemetry is on; ``tick`` is one look (and maybe one report)."""

    def __init__(self, settings: Settings, broker: Any) -> None:
        self.settings, self.broker = settings, broker
        self._store: PostgresStore | None = None

    def tick(self) -> bool:
        """True when this process sent (or tried to send) the report that was due."""
        s = self.settings
        try:
            if self._store is None:
                self._store = PostgresStore.connect(s.database, migrate=False)
            if not Observability(self._store).claim_report(s.telemetry_interval):
                return False
            report = current(self._store, self.broker, s)
        except Exception as exc:  # Postgres or Redis away: look again later
            self.close()
            log.warning("telemetry report not made", extra={"error": one_line(redact(str(exc)))})
            return False
        try:
            status = post(s.telemetry_url, report, s.telemetry_timeout)
        except Exception as exc:  # down, slow, refused: one line; the next report is an interval away
            log.warning("telemetry report failed", extra={"error": one_line(redact(str(exc)))})
        else:
            log.info("telemetry report sent", extra={"status": status, "fields": len(report)})
        return True

    def run(self, stop: threading.Event) -> None:
        every = min(CHECK_EVERY, self.settings.telemetry_interval)
        while not stop.wait(every * random.uniform(0.2, 1.0)):  # spread the workers' looks
            self.tick()
        self.close()

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


def start(settings: Settings, broker: Any, stop: threading.Event) -> threading.Thread | None:
    """The reporter's thread, or None (and nothing at all) when telemetry is off."""
    if not settings.telemetry_url:
        return None
    thread = threading.Thread(target=Reporter(settings, broker).run, args=(stop,), name="telemetry", daemon=True)
    thread.start()
    return thread
