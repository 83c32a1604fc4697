"""The service's observability rows in Postgres (migration 0005): the once-only guard of each dead
letter's notice, the deployment's random id, and the counts an opt-in telemetry report is made of.

Postgres is the guard in both cases because it outlives any worker: a notice is claimed on its dead
letter's row before it is sent, and a telemetry report is claimed on the deployment's row, so that
redelivered messages and any number of worker processes send each at most once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from .postgres import PostgresStore

NOTICE_STATES = ("pending", "sending", "sent", "failed", "none")


@dataclass(frozen=True)
class Usage:
    """What happened over a period, as counts only: nothing here names a repository, a person or text."""

    events: dict[str, int] = field(default_factory=dict)  # delivery kind (issues.opened, push) -> count
    operations: dict[tuple[str, str], int] = field(default_factory=dict)  # (type, status) -> count
    repositories: int = 0  # distinct repositories that sent a delivery
    dead_letters_new: int = 0
    dead_letters_open: int = 0


class Observability:
    def __init__(self, store: PostgresStore) -> None:
        self.store = store

    # -- dead-letter notices -------------------------------------------------------------------------
    def claim_notice(self, dead_id: int, lease: float) -> bool:
        """True once per dead letter: whoever gets it sends the notice. A claim whose holder died
        before finishing it (``sending`` for longer than ``lease`` seconds) can be taken over."""
        with self.store.tx("claiming a dead letter's notice") as c:
            row = c.execute(
                "UPDATE devflow.dead_letters SET notice = 'sending', notice_at = now() WHERE id = %s AND"
                " (notice = 'pending' OR (notice = 'sending' AND notice_at < now() - make_interval(secs => %s)))"
                " RETURNING id",
                [dead_id, lease],
            ).fetchone()
        return row is not None

    def finish_notice(self, dead_id: int, state: str, *, only_pending: bool = False) -> None:
        """``sent``, ``failed``, or ``none`` (no sink: ``only_pending``, so that a claim stands)."""
        assert state in NOTICE_STATES
        where = "notice = 'pending'" if only_pending else "notice IN ('pending', 'sending')"
        with self.store.tx("recording a dead letter's notice") as c:
            c.execute(
                f"UPDATE devflow.dead_letters SET notice = %s, notice_at = now() WHERE id = %s AND {where}",
                [state, dead_id],
            )

    def notice_state(self, dead_id: int) -> str | None:
        with self.store.tx("reading a dead letter's notice") as c:
            row = c.execute("SELECT notice FROM devflow.dead_letters WHERE id = %s", [dead_id]).fetchone()
        return str(row[0]) if row else None

    # -- telemetry -----------------------------------------------------------------------------------
    def deployment_id(self) -> str:
        """The deployment's id: random, made by whichever process asks first, then kept."""
        with self.store.tx("reading the deployment id") as c:
            c.execute(
                "INSERT INTO devflow.deployment (singleton, id) VALUES (true, %s) ON CONFLICT DO NOTHING",
                [uuid.uuid4()],
            )
            return str(c.execute("SELECT id FROM devflow.deployment").fetchone()[0])

    def claim_report(self, interval: float) -> bool:
        """True for one caller per ``interval`` seconds across every process of the deployment."""
        self.deployment_id()
        with self.store.tx("claiming a telemetry report") as c:
            row = c.execute(
                "UPDATE devflow.deployment SET telemetry_sent_at = now() WHERE telemetry_sent_at IS NULL"
                " OR telemetry_sent_at <= now() - make_interval(secs => %s) RETURNING id",
                [interval],
            ).fetchone()
        return row is not None

    def last_report(self) -> Any:
        with self.store.tx("reading the last telemetry report") as c:
            row = c.execute("SELECT telemetry_sent_at FROM devflow.deployment").fetchone()
        return row[0] if row else None

    def usage(self, seconds: float) -> Usage:
        """Counts over the last ``seconds``: deliveries by kind, operations by type and status, how
        many repositories sent deliveries, dead letters made and still open."""
        window = {"secs": seconds}
        with self.store.tx("counting usage") as c:
            events = c.execute(
                "SELECT event, count(*) FROM devflow.deliveries WHERE received_at > now() - make_interval(secs =>"
                " %(secs)s) GROUP BY event",
                window,
            ).fetchall()
            operations = c.execute(
                "SELECT o.type, o.status, count(*) FROM devflow.operations o JOIN devflow.events e ON e.id = o.event_id"
                " WHERE e.recorded_at > now() - make_interval(secs => %(secs)s) GROUP BY o.type, o.status",
                window,
            ).fetchall()
            repositories, new, still_open = c.execute(
                "SELECT (SELECT count(DISTINCT repository) FROM devflow.deliveries WHERE repository <> ''"
                "   AND received_at > now() - make_interval(secs => %(secs)s)),"
                " (SELECT count(*) FROM devflow.dead_letters WHERE created_at > now() - make_interval(secs =>"
                "   %(secs)s)),"
                " (SELECT count(*) FROM devflow.dead_letters WHERE status = 'open')",
                window,
            ).fetchone()
        return Usage(
            events={str(k): int(n) for k, n in events},
            operations={(str(t), str(s)): int(n) for t, s, n in operations},
            repositories=int(repositories),
            dead_letters_new=int(new),
            dead_letters_open=int(still_open),
        )
