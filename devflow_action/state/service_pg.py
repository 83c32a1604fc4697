"""The orchestration service's tables in Postgres (migration 0003): each delivery's latest status and
the dead letters, plus the admin's read of recent deliveries with their plans and outcomes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..exits import UsageError
from . import migrate as migrations
from .postgres import PostgresStore, _errors, clean
from .url import StateURL


class NotMigrated(UsageError):
    """``serve`` and ``worker`` start only on a database whose schema is current."""


@dataclass(frozen=True)
class DeliveryRecord:
    delivery: str
    event: str  # issues.opened, push, ...
    repository: str
    number: int | None
    received_at: datetime
    status: str  # done | ignored | retrying | dead
    attempts: int
    outcome: str = ""


@dataclass(frozen=True)
class DeadLetter:
    id: int
    delivery: str
    event: str
    repository: str
    number: int | None
    error: str
    attempts: int
    status: str
    created_at: datetime
    updated_at: datetime
    message: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "delivery": self.delivery, "event": self.event, "repository": self.repository,
            "number": self.number, "error": self.error, "attempts": self.attempts, "status": self.status,
            "created_at": self.created_at.isoformat(), "updated_at": self.updated_at.isoformat(),
        }  # fmt: skip


@dataclass(frozen=True)
class DeliveryView:
    delivery: str
    event: str
    repository: str
    number: int | None
    status: str
    attempts: int
    outcome: str
    received_at: datetime
    finished_at: datetime
    matched_rules: tuple[str, ...]
    operations: tuple[dict[str, str], ...]  # {type, status, detail}

    def as_json(self) -> dict[str, Any]:
        return {
            "delivery": self.delivery, "event": self.event, "repository": self.repository, "number": self.number,
            "status": self.status, "attempts": self.attempts, "outcome": self.outcome,
            "received_at": self.received_at.isoformat(), "finished_at": self.finished_at.isoformat(),
            "matched_rules": list(self.matched_rules), "operations": list(self.operations),
        }  # fmt: skip


def open_checked(url: StateURL) -> PostgresStore:
    """Connected, with every migration applied; otherwise ``NotMigrated`` with the command to run."""
    store = PostgresStore.connect(url, migrate=False)
    try:
        with _errors(url, "reading the schema version"):
            todo = migrations.pending(store.conn)
    except BaseException:
        store.close()
        raise
    if todo:
        store.close()
        raise NotMigrated(
            f"the database {url.shown} is not migrated ({len(todo)} pending: {', '.join(todo)}); "
            f"run `devflow state migrate --url {url.shown}` first (the password from $DEVFLOW_STATE_URL works too)"
        )
    return store


def _view(row: Any) -> DeliveryView:
    delivery, event, repository, number, status, attempts, outcome, received, finished, rules, ops = row
    return DeliveryView(
        delivery, event, repository, number, status, attempts, outcome, received, finished, tuple(rules), tuple(ops)
    )


_DEAD = (
    "SELECT id, delivery, event, repository, number, error, attempts, status, created_at, updated_at, message"
    " FROM devflow.dead_letters"
)


class ServiceTables:
    def __init__(self, store: PostgresStore) -> None:
        self.store = store

    def ping(self) -> None:
        with self.store.tx("answering a ping") as c:
            c.execute("SELECT 1")

    def record_delivery(self, d: DeliveryRecord) -> None:
        with self.store.tx("recording a delivery") as c:
            c.execute(
                "INSERT INTO devflow.deliveries AS d (delivery, event, repository, number, received_at, status,"
                " attempts, outcome) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (delivery) DO UPDATE SET"
                " status = excluded.status, attempts = GREATEST(d.attempts, excluded.attempts),"
                " outcome = excluded.outcome, finished_at = now()",
                clean([d.delivery, d.event, d.repository, d.number, d.received_at, d.status, d.attempts, d.outcome]),
            )

    def delivery(self, delivery: str) -> DeliveryView | None:
        found = self._views("WHERE d.delivery = %s", [delivery], 1)
        return found[0] if found else None

    def recent(self, limit: int = 50) -> list[DeliveryView]:
        return self._views("", [], limit)

    def _views(self, where: str, params: list[Any], limit: int) -> list[DeliveryView]:
        with self.store.tx("reading deliveries") as c:
            rows = c.execute(
                "SELECT d.delivery, d.event, d.repository, d.number, d.status, d.attempts, d.outcome, d.received_at,"
                " d.finished_at,"
                " COALESCE((SELECT array_agg(r.rule ORDER BY r.seq) FROM devflow.rule_results r"
                "   WHERE r.event_id = e.id AND r.matched), '{}'),"
                " COALESCE((SELECT json_agg(json_build_object('type', o.type, 'status', o.status, 'detail', o.detail)"
                "   ORDER BY o.seq) FROM devflow.operations o WHERE o.event_id = e.id), '[]')"
                " FROM devflow.deliveries d LEFT JOIN LATERAL (SELECT id FROM devflow.events"
                "   WHERE event_key = 'delivery:' || d.delivery ORDER BY attempt DESC LIMIT 1) e ON true"
                f" {where} ORDER BY d.finished_at DESC LIMIT %s",
                [*clean(params), limit],
            ).fetchall()
        return [_view(row) for row in rows]

    # -- per repository ------------------------------------------------------------------------------
    def repositories(self, days: int = 30) -> list[dict[str, Any]]:
        """Per repository over ``days``: deliveries by status, operations applied, open dead letters,
        the median first response (hours) and onboarding checklist items done / recorded."""
        with self.store.tx("reading repositories") as c:
            rows = c.execute(
                "WITH d AS (SELECT repository, status FROM devflow.deliveries"
                "   WHERE finished_at > now() - make_interval(days => %(days)s) AND repository <> ''),"
                " ops AS (SELECT e.repository, count(*) AS applied FROM devflow.operations o"
                "   JOIN devflow.events e ON e.id = o.event_id WHERE o.status = 'applied'"
                "   AND e.recorded_at > now() - make_interval(days => %(days)s) GROUP BY e.repository),"
                " dead AS (SELECT repository, count(*) AS open FROM devflow.dead_letters WHERE status = 'open'"
                "   GROUP BY repository),"
                " resp AS (SELECT repository, percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM"
                "   first_response_at - opened_at) / 3600) AS hours FROM devflow.item_times"
                "   WHERE first_response_at IS NOT NULL GROUP BY repository),"
                " onboarding AS (SELECT repository, count(*) FILTER (WHERE done) AS done, count(*) AS total"
                "   FROM devflow.checklist_progress GROUP BY repository)"
                " SELECT r.repository, count(d.status) FILTER (WHERE d.status = 'done'),"
                "   count(d.status) FILTER (WHERE d.status = 'ignored'),"
                "   count(d.status) FILTER (WHERE d.status = 'dead'),"
                "   COALESCE(max(ops.applied), 0), COALESCE(max(dead.open), 0), max(resp.hours),"
                "   COALESCE(max(onboarding.done), 0), COALESCE(max(onboarding.total), 0)"
                " FROM (SELECT repository FROM d UNION SELECT repository FROM dead) r"
                " LEFT JOIN d ON d.repository = r.repository LEFT JOIN ops ON ops.repository = r.repository"
                " LEFT JOIN dead ON dead.repository = r.repository LEFT JOIN resp ON resp.repository = r.repository"
                " LEFT JOIN onboarding ON onboarding.repository = r.repository"
                " GROUP BY r.repository ORDER BY r.repository",
                {"days": days},
            ).fetchall()
        keys = ("repository", "done", "ignored", "dead", "applied", "dead_open", "first_response_hours",
                "checklist_done", "checklist_items")  # fmt: skip
        return [dict(zip(keys, (float(v) if k == "first_response_hours" and v is not None else v
                                for k, v in zip(keys, row, strict=True)), strict=True)) for row in rows]  # fmt: skip

    def daily(self, repository: str, days: int = 14) -> list[tuple[str, int, int]]:
        """``(day, done, failed)`` for each of the last ``days`` days, oldest first (UTC)."""
        with self.store.tx("reading daily counts") as c:
            rows = c.execute(
                "SELECT to_char(day, 'YYYY-MM-DD'), count(d.delivery) FILTER (WHERE d.status IN ('done', 'ignored')),"
                "   count(d.delivery) FILTER (WHERE d.status IN ('dead', 'retrying'))"
                " FROM generate_series(date_trunc('day', now() AT TIME ZONE 'UTC') - make_interval(days => %s - 1),"
                "   date_trunc('day', now() AT TIME ZONE 'UTC'), interval '1 day') AS day"
                " LEFT JOIN devflow.deliveries d ON d.repository = %s"
                "   AND date_trunc('day', d.finished_at AT TIME ZONE 'UTC') = day"
                " GROUP BY day ORDER BY day",
                [days, repository],
            ).fetchall()
        return [(str(day), int(ok), int(bad)) for day, ok, bad in rows]

    # -- dead letters --------------------------------------------------------------------------------
    def add_dead_letter(
        self, delivery: str, event: str, repository: str, number: int | None, error: str, attempts: int,
        message: dict[str, Any],
    ) -> int:  # fmt: skip
        with self.store.tx("recording a dead letter") as c:
            row = c.execute(
                "INSERT INTO devflow.dead_letters (delivery, event, repository, number, error, attempts, message)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s::jsonb)"
                " ON CONFLICT (delivery) WHERE status = 'open' DO UPDATE SET error = excluded.error,"
                " attempts = excluded.attempts, message = excluded.message, updated_at = now() RETURNING id",
                [*clean([delivery, event, repository, number, error, attempts]), json.dumps(clean(message))],
            ).fetchone()
        return int(row[0])

    def dead_letters(self, status: str | None = "open", limit: int = 100) -> list[DeadLetter]:
        with self.store.tx("reading dead letters") as c:
            rows = c.execute(
                f"{_DEAD} WHERE %(status)s::text IS NULL OR status = %(status)s ORDER BY created_at DESC, id DESC"
                " LIMIT %(limit)s",
                {"status": status, "limit": limit},
            ).fetchall()
        return [DeadLetter(*row) for row in rows]

    def dead_letter(self, id: int) -> DeadLetter | None:
        with self.store.tx("reading a dead letter") as c:
            row = c.execute(f"{_DEAD} WHERE id = %s", [id]).fetchone()
        return DeadLetter(*row) if row else None

    def settle_dead_letter(self, id: int, status: str) -> DeadLetter | None:
        """Open → ``retried`` or ``discarded``, once: None when it is not open (already settled)."""
        with self.store.tx("settling a dead letter") as c:
            row = c.execute(
                "UPDATE devflow.dead_letters SET status = %s, updated_at = now() WHERE id = %s AND status = 'open'"
                " RETURNING id, delivery, event, repository, number, error, attempts, status, created_at, updated_at,"
                " message",
                [status, id],
            ).fetchone()
        return DeadLetter(*row) if row else None

    def reopen_dead_letter(self, id: int) -> None:
        """A retry whose enqueue failed: the dead letter is open again."""
        with self.store.tx("reopening a dead letter") as c:
            c.execute("UPDATE devflow.dead_letters SET status = 'open', updated_at = now() WHERE id = %s", [id])

    def open_dead_letters(self) -> int:
        with self.store.tx("counting dead letters") as c:
            return int(c.execute("SELECT count(*) FROM devflow.dead_letters WHERE status = 'open'").fetchone()[0])
