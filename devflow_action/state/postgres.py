"""Durable state in Postgres (psycopg 3): one connection per run, parameters only, short transactions,
connect and statement timeouts. The schema is the ``devflow`` one that ``migrate.py`` keeps current."""

from __future__ import annotations

import json
import os
import socket
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import datetime
from typing import Any

import psycopg
from psycopg import errors as pgerrors
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from ..ledger import CLAIM_TTL, StateUnavailable, Verdict
from ..plan import RuleResult
from ..redact import one_line, redact
from . import migrate as migrations
from .model import JSON, EventRecord, ItemTimes, RunRecord, Status
from .url import StateURL

CONNECT_TIMEOUT = 5  # seconds to reach the server
TCP_USER_TIMEOUT_MS = 10000  # a server that stops answering (not just closing) fails the call, not hangs it
STATEMENT_TIMEOUT_MS = 5000  # no statement of a run may hold it longer
IDLE_MS = 30000  # the server ends a dead run's open transaction, and its locks
# What a backend that is down, slow, full or read-only raises; anything else is a bug of ours.
_UNAVAILABLE = (
    psycopg.OperationalError,
    psycopg.InterfaceError,
    pgerrors.InsufficientPrivilege,
    pgerrors.ReadOnlySqlTransaction,
)


def clean(value: Any) -> Any:
    """Postgres text cannot hold NUL, which GitHub's JSON can: replaced, never a failed record."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    if isinstance(value, dict):
        return {clean(k): clean(v) for k, v in value.items()}
    return value


@contextmanager
def _errors(url: StateURL, doing: str) -> Iterator[None]:
    try:
        yield
    except _UNAVAILABLE as exc:
        raise StateUnavailable(f"Postgres ({url.shown}) failed {doing}: {one_line(redact(str(exc)))}") from None


def _jsonb(value: Any) -> str:
    return json.dumps(clean(value), ensure_ascii=False, separators=(",", ":"))


class PostgresStore:
    backend = "postgresql"

    def __init__(self, conn: Any, url: StateURL) -> None:
        self.conn = conn
        self.url = url
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"

    @classmethod
    def connect(cls, url: StateURL, *, migrate: bool = True) -> PostgresStore:
        """Connect, and bring the schema up to date unless told not to (``devflow state status``)."""
        given = conninfo_to_dict(url.url)
        ours = f"-c statement_timeout={STATEMENT_TIMEOUT_MS} -c idle_in_transaction_session_timeout={IDLE_MS}"
        conninfo = make_conninfo(
            url.url,
            options=f"{given.get('options') or ''} {ours}".strip(),
            connect_timeout=given.get("connect_timeout") or CONNECT_TIMEOUT,
            application_name=given.get("application_name") or "devflow",
            tcp_user_timeout=given.get("tcp_user_timeout") or TCP_USER_TIMEOUT_MS,
            keepalives=given.get("keepalives") or 1,
        )
        with _errors(url, "connecting"):
            store = cls(psycopg.connect(conninfo, autocommit=True), url)
        if migrate:
            try:
                with _errors(url, "migrating the schema"):
                    migrations.migrate(store.conn, url)
            except BaseException:
                store.close()
                raise
        return store

    @contextmanager
    def tx(self, doing: str) -> Iterator[Any]:
        """One short transaction; a driver error becomes ``StateUnavailable`` saying what was being done
        (the service's tables, ``service_pg`` and ``observability``, use it too)."""
        with _errors(self.url, doing), self.conn.transaction():
            yield self.conn

    # -- the event path ------------------------------------------------------------------------------
    def record_run(self, run: RunRecord) -> bool:
        e = run.event
        with self.tx("recording the event") as c:
            row = c.execute(
                "INSERT INTO devflow.events (event_key, attempt, repository, kind, item, number, actor, occurred_at,"
                " recorded_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (event_key, attempt) DO NOTHING RETURNING id",
                clean([e.event_key, e.attempt, e.repository, e.kind, e.item, e.number, e.actor, e.occurred_at,
                       e.recorded_at]),
            ).fetchone()  # fmt: skip
            if row is None:
                return False  # this attempt was recorded before (a replay): keep the first record
            event_id = row[0]
            with c.cursor() as cur:
                cur.executemany(
                    "INSERT INTO devflow.rule_results (event_id, seq, rule, matched, evaluated, matched_conditions,"
                    " missing_conditions, reason) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                    [_rule_row(event_id, i, r) for i, r in enumerate(run.rules)],
                )
                cur.executemany(
                    "INSERT INTO devflow.operations (event_id, seq, type, operation, status, detail)"
                    " VALUES (%s, %s, %s, %s::jsonb, %s, %s)",
                    [
                        (event_id, i, str(o.operation["type"]), _jsonb(o.operation), o.status, clean(o.detail))
                        for i, o in enumerate(run.operations)
                    ],
                )
            if run.times is not None and e.number is not None:
                self._note_times(c, e.repository, e.number, run.times)
        return True

    def ledger(self, event_key: str, attempt: int, repository: str, number: int | None) -> PostgresLedger:
        return PostgresLedger(self, event_key, attempt, repository, number)

    def recent_events(self, repository: str | None = None, limit: int = 20) -> list[EventRecord]:
        with self.tx("reading events") as c:
            rows = c.execute(
                "SELECT event_key, repository, kind, recorded_at, attempt, item, number, actor, occurred_at"
                " FROM devflow.events WHERE %(repo)s::text IS NULL OR repository = %(repo)s"
                " ORDER BY recorded_at DESC, id DESC LIMIT %(limit)s",
                {"repo": repository, "limit": limit},
            ).fetchall()
        return [EventRecord(*row) for row in rows]

    # -- metrics -------------------------------------------------------------------------------------
    def note_times(self, repository: str, number: int, times: ItemTimes) -> None:
        with self.tx("recording timestamps") as c:
            self._note_times(c, repository, number, times)

    def _note_times(self, c: Any, repository: str, number: int, t: ItemTimes) -> None:
        # LEAST and GREATEST skip NULLs: the earliest opening and first response, the latest close.
        c.execute(
            "INSERT INTO devflow.item_times AS t (repository, number, opened_at, first_response_at, first_responder,"
            " closed_at, merged_at) VALUES (%s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (repository, number) DO UPDATE SET"
            " opened_at = LEAST(t.opened_at, excluded.opened_at),"
            " first_responder = CASE WHEN excluded.first_response_at < t.first_response_at"
            "   OR t.first_response_at IS NULL THEN excluded.first_responder ELSE t.first_responder END,"
            " first_response_at = LEAST(t.first_response_at, excluded.first_response_at),"
            " closed_at = GREATEST(t.closed_at, excluded.closed_at),"
            " merged_at = COALESCE(t.merged_at, excluded.merged_at)",
            clean([repository, number, t.opened_at, t.first_response_at, t.first_responder, t.closed_at, t.merged_at]),
        )

    def item_times(self, repository: str, number: int) -> ItemTimes | None:
        with self.tx("reading timestamps") as c:
            row = c.execute(
                "SELECT opened_at, first_response_at, first_responder, closed_at, merged_at FROM devflow.item_times"
                " WHERE repository = %s AND number = %s",
                [repository, number],
            ).fetchone()
        return ItemTimes(*row) if row else None

    # -- the digest's history (indexes: migration 0004) ---------------------------------------------
    def recording_since(self, repository: str) -> dict[str, datetime]:
        with self.tx("reading since when events are recorded") as c:
            rows = c.execute(
                "SELECT kind, min(recorded_at) FROM devflow.events WHERE repository = %s GROUP BY kind", [repository]
            ).fetchall()
        return {str(kind): at for kind, at in rows}

    def times_between(self, repository: str, since: datetime, until: datetime) -> dict[int, ItemTimes]:
        with self.tx("reading timestamps") as c:
            rows = c.execute(
                "SELECT number, opened_at, first_response_at, first_responder, closed_at, merged_at"
                " FROM devflow.item_times WHERE repository = %(r)s"
                " AND first_response_at >= %(s)s AND first_response_at < %(u)s"
                " UNION SELECT number, opened_at, first_response_at, first_responder, closed_at, merged_at"
                " FROM devflow.item_times WHERE repository = %(r)s AND merged_at >= %(s)s AND merged_at < %(u)s",
                {"r": repository, "s": since, "u": until},
            ).fetchall()
        return {int(row[0]): ItemTimes(*row[1:]) for row in rows}

    def count_events(self, repository: str, bounds: Sequence[datetime]) -> list[int]:
        if len(bounds) < 2:
            return []
        with self.tx("counting events") as c:
            # width_bucket: i for bounds[i - 1] <= recorded_at < bounds[i] (1-based)
            rows = c.execute(
                "SELECT width_bucket(recorded_at, %(b)s::timestamptz[]), count(*) FROM devflow.events"
                " WHERE repository = %(r)s AND recorded_at >= %(s)s AND recorded_at < %(u)s GROUP BY 1",
                {"r": repository, "b": list(bounds), "s": bounds[0], "u": bounds[-1]},
            ).fetchall()
        counts = [0] * (len(bounds) - 1)
        for bucket, n in rows:
            counts[int(bucket) - 1] = int(n)
        return counts

    # -- sweeps, onboarding, facts -------------------------------------------------------------------
    def get_cursor(self, repository: str, sweep: str) -> str | None:
        with self.tx("reading a sweep cursor") as c:
            row = c.execute(
                "SELECT cursor FROM devflow.sweep_cursors WHERE repository = %s AND sweep = %s", [repository, sweep]
            ).fetchone()
        return str(row[0]) if row else None

    def set_cursor(self, repository: str, sweep: str, cursor: str) -> None:
        with self.tx("saving a sweep cursor") as c:
            c.execute(
                "INSERT INTO devflow.sweep_cursors (repository, sweep, cursor) VALUES (%s, %s, %s)"
                " ON CONFLICT (repository, sweep) DO UPDATE SET cursor = excluded.cursor, updated_at = now()",
                clean([repository, sweep, cursor]),
            )

    def checklist(self, repository: str, number: int, contributor: str) -> dict[str, bool]:
        with self.tx("reading checklist progress") as c:
            rows = c.execute(
                "SELECT item, done FROM devflow.checklist_progress"
                " WHERE repository = %s AND number = %s AND contributor = %s ORDER BY item",
                [repository, number, contributor],
            ).fetchall()
        return {str(item): bool(done) for item, done in rows}

    def set_checklist_item(self, repository: str, number: int, contributor: str, item: str, done: bool) -> None:
        with self.tx("saving checklist progress") as c:
            c.execute(
                "INSERT INTO devflow.checklist_progress (repository, number, contributor, item, done)"
                " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (repository, number, contributor, item)"
                " DO UPDATE SET done = excluded.done, updated_at = now()",
                clean([repository, number, contributor, item, done]),
            )

    def checklist_marks(self, repository: str, number: int, contributor: str) -> dict[str, str]:
        with self.tx("reading checklist progress") as c:
            rows = c.execute(
                "SELECT item, CASE WHEN done THEN ticked_by ELSE '' END FROM devflow.checklist_progress"
                " WHERE repository = %s AND number = %s AND contributor = %s ORDER BY item",
                [repository, number, contributor],
            ).fetchall()
        return {str(item): str(by) for item, by in rows}

    def set_checklist(self, repository: str, number: int, contributor: str, marks: Mapping[str, str]) -> None:
        with self.tx("saving checklist progress") as c, c.cursor() as cur:
            cur.executemany(
                "INSERT INTO devflow.checklist_progress (repository, number, contributor, item, done, ticked_by)"
                " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (repository, number, contributor, item)"
                " DO UPDATE SET done = excluded.done, ticked_by = excluded.ticked_by, updated_at = now()",
                [clean([repository, number, contributor, item, bool(by), by]) for item, by in sorted(marks.items())],
            )

    def cache_fact(self, repository: str, number: int, name: str, value: JSON, ttl: int) -> None:
        with self.tx("caching a fact") as c:
            c.execute(
                "INSERT INTO devflow.facts_cache (repository, number, name, value, expires_at)"
                " VALUES (%s, %s, %s, %s::jsonb, now() + make_interval(secs => %s))"
                " ON CONFLICT (repository, number, name) DO UPDATE SET value = excluded.value,"
                " expires_at = excluded.expires_at",
                [*clean([repository, number, name]), _jsonb(value), ttl],
            )

    def cached_fact(self, repository: str, number: int, name: str) -> JSON | None:
        with self.tx("reading the facts cache") as c:
            row = c.execute(
                "SELECT value FROM devflow.facts_cache"
                " WHERE repository = %s AND number = %s AND name = %s AND expires_at > now()",
                [repository, number, name],
            ).fetchone()
        return row[0] if row else None

    # -- maintenance ---------------------------------------------------------------------------------
    def status(self) -> Status:
        with self.tx("reading the status") as c:
            done = migrations.applied(c)
            counts: dict[str, int] = {}
            if "0001.events-and-ledger" in done:
                for table in ("events", "rule_results", "operations", "ledger"):
                    counts[table] = int(c.execute(f"SELECT count(*) FROM devflow.{table}").fetchone()[0])
        todo = [m for m in migrations.migration_ids() if m not in done]
        return Status(self.backend, self.url.shown, tuple(done), tuple(todo), counts)

    def close(self) -> None:
        with suppress(*_UNAVAILABLE):  # closing a connection the server already dropped
            self.conn.close()


def _rule_row(event_id: int, seq: int, r: RuleResult) -> Sequence[Any]:
    row: list[Any] = clean(
        [event_id, seq, r.name, r.matched, r.evaluated, list(r.matched_conditions), list(r.missing_conditions),
         r.reason]
    )  # fmt: skip
    return row


class PostgresLedger:
    """The ledger of one event (``ledger.py`` has the semantics): claims are rows inserted with
    ON CONFLICT, taken over only when stale; every call is one short transaction."""

    def __init__(self, store: PostgresStore, event_key: str, attempt: int, repository: str, number: int | None):
        self.store, self.event_key, self.attempt = store, event_key, attempt
        self.repository, self.number = repository, number

    def claim(self, keys: Sequence[str]) -> Mapping[str, Verdict]:
        verdicts: dict[str, Verdict] = {}
        with self.store.tx("claiming operations in the ledger") as c:
            for key in keys:
                won = c.execute(
                    "INSERT INTO devflow.ledger AS l (event_key, op_key, repository, number, attempt, owner, status)"
                    " VALUES (%s, %s, %s, %s, %s, %s, 'claimed') ON CONFLICT (event_key, op_key) DO UPDATE"
                    " SET attempt = excluded.attempt, owner = excluded.owner, claimed_at = now()"
                    " WHERE l.status = 'claimed' AND (l.attempt < excluded.attempt"
                    "   OR l.claimed_at < now() - make_interval(secs => %s))"
                    " RETURNING 1",
                    [
                        *clean([self.event_key, key, self.repository, self.number, self.attempt, self.store.owner]),
                        CLAIM_TTL,
                    ],
                ).fetchone()
                if won:
                    verdicts[key] = "claimed"
                    continue
                row = c.execute(
                    "SELECT status FROM devflow.ledger WHERE event_key = %s AND op_key = %s",
                    clean([self.event_key, key]),
                ).fetchone()
                verdicts[key] = "done" if row and row[0] == "done" else "busy"
        return verdicts

    def done(self, keys: Sequence[str], outcome: str) -> None:
        with self.store.tx("recording operations in the ledger") as c:
            c.execute(
                "UPDATE devflow.ledger SET status = 'done', outcome = %s, done_at = now()"
                " WHERE event_key = %s AND op_key = ANY(%s) AND owner = %s",
                clean([outcome, self.event_key, list(keys), self.store.owner]),
            )

    def release(self, keys: Sequence[str]) -> None:
        with self.store.tx("releasing claims in the ledger") as c:
            c.execute(
                "DELETE FROM devflow.ledger WHERE event_key = %s AND op_key = ANY(%s) AND owner = %s"
                " AND status = 'claimed'",
                clean([self.event_key, list(keys), self.store.owner]),
            )
