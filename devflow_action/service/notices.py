"""Dead-letter notices: when a delivery lands in dead letters, one ``Notice`` (kind ``dead_letter``)
through the ``notify`` sinks: those of the repository's own ``.devflow.yml`` (when its configuration
is cached and valid, and a sink lists ``dead_letter`` in its ``on``), and the service-wide Slack
webhook of ``DEVFLOW_NOTIFY_SLACK_URL``.

Once per dead letter: the notice is claimed on the dead letter's row in Postgres before it is sent
and marked after, so a message delivered again (a worker killed before acknowledging it runs it
again, and it lands on the same open row) finds it claimed or sent. A holder killed between the
claim and the mark leaves a claim that the next attempt takes over after ``LEASE`` seconds.

A failing sink never fails or retries the job: it is logged (with the delivery's correlation id)
and counted (``devflow_notices_total{sink, outcome}``); the dead letter stays in the admin.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from ..config.loader import load_bytes
from ..config.model import Config
from ..diagnostics import ConfigError
from ..notify import Notice, Notifier, Sink, from_config
from ..notify.slack import SlackSink
from ..redact import one_line, redact
from ..state.coordination import Coordination
from ..state.observability import Observability
from ..state.postgres import PostgresStore
from .settings import Settings
from .webhook import Delivery

log = logging.getLogger("devflow.notices")
KIND = "dead_letter"
LEASE = 120.0  # seconds: longer than the sinks' own timeouts together (Slack 10 s, email 15 s)
SERVICE_SLACK = "DEVFLOW_NOTIFY_SLACK_URL"
ERROR_LIMIT = 300  # the error may quote GitHub or the configuration: one line, this long at most


@dataclass(frozen=True)
class DeadLetterInfo:
    id: int
    delivery: Delivery
    error: str
    attempts: int


def notice(letter: DeadLetterInfo, public_url: str) -> Notice:
    """Plain lines; the Slack sink escapes its control characters, email carries them as text."""
    d = letter.delivery
    repository = one_line(d.repository, 140) or "(no repository)"
    item = f"{repository}#{d.number}" if d.number is not None else repository
    admin = f"{public_url}/admin/dead-letters" if public_url else "/admin/dead-letters on the Devflow service"
    text = "\n".join(
        [
            f"Devflow gave up on the {one_line(d.kind, 80)} event on {item} after {letter.attempts} "
            f"attempt{'s' if letter.attempts != 1 else ''} (delivery {one_line(d.delivery, 80)}).",
            f"Error: {one_line(redact(letter.error), ERROR_LIMIT)}",
            f"Retry or discard dead letter {letter.id} in the admin: {admin} "
            f"(or POST /admin/api/dead-letters/{letter.id}/retry).",
        ]
    )
    return Notice(KIND, f"Devflow dead letter: {one_line(d.kind, 80)} on {item}", text)


def repository_config(coord: Coordination, settings: Settings, repository: str) -> Config | None:
    """The repository's configuration as the worker last read it (the Redis cache: no GitHub call),
    or None when it is not cached, absent or invalid (an invalid one is often why the event died)."""
    cached = coord.cached_file(repository, settings.config_path)
    if cached is None or not cached.sha:
        return None
    try:
        return load_bytes(cached.data, settings.config_path)
    except ConfigError:
        return None


def notifier(coord: Coordination, settings: Settings, repository: str) -> Notifier:
    sinks: list[Sink] = []
    config = repository_config(coord, settings, repository)
    if config is not None and config.notify is not None:
        sinks += [s for s in from_config(config.notify, settings.env).sinks if KIND in s.on]
    if settings.notify_slack:
        sinks.append(SlackSink(SERVICE_SLACK, (KIND,), settings.env, name="service-slack"))
    return Notifier(sinks)


def send_once(store: PostgresStore, coord: Coordination, settings: Settings, letter: DeadLetterInfo) -> str:
    """Send the dead letter's notice unless it was (or is being) sent; returns what happened:
    ``sent``, ``failed``, ``none`` (no sink) or ``already`` (claimed before)."""
    rows = Observability(store)
    chosen = notifier(coord, settings, letter.delivery.repository)
    if not chosen.sinks:
        rows.finish_notice(letter.id, "none", only_pending=True)
        return "none"
    if not rows.claim_notice(letter.id, LEASE):
        return "already"
    outcome = chosen.send(notice(letter, settings.public_url))
    counts = {f"notices:{name}:sent": 1 for name in outcome.sent}
    for warning in outcome.warnings:
        sink = warning.split(":", 1)[0]
        counts[f"notices:{sink}:failed"] = counts.get(f"notices:{sink}:failed", 0) + 1
        log.warning("dead-letter notice failed", extra={"correlation_id": letter.delivery.delivery,
                                                         "dead_letter": letter.id, "error": warning})  # fmt: skip
    coord.count(counts)
    state = "sent" if outcome.sent else "failed"
    rows.finish_notice(letter.id, state)
    if outcome.sent:
        log.info("dead-letter notice sent", extra={"correlation_id": letter.delivery.delivery,
                                                    "dead_letter": letter.id, "sinks": outcome.sent})  # fmt: skip
    return state
