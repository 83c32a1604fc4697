"""The Postgres schema: versioned plain-SQL migrations (``migrations/``) applied with yoyo-migrations.

Safe when several runs migrate at once: each takes a session-level advisory lock on its own
connection first (Postgres releases it when a run dies, so a crash never leaves it held), then lets
yoyo apply what is still pending. Whoever comes second finds nothing left to do. A run whose
schema is current never loads yoyo: one query on the run's connection tells.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .url import StateURL

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
MIGRATION_TABLE = "_yoyo_migration"  # yoyo's record of what is applied (public schema)
LOCK_KEY = 0x646576666C6F77  # "devflow": the advisory lock that serialises migrations
LOCK_WAIT = "120s"  # how long a run waits for another one's migration


def migration_ids() -> list[str]:
    return sorted(p.name.removesuffix(".sql") for p in MIGRATIONS.glob("*.sql") if not p.name.endswith(".rollback.sql"))


def applied(conn: Any) -> list[str]:
    """The migrations applied so far (none on an empty database)."""
    exists = conn.execute("SELECT to_regclass(%s) IS NOT NULL", [MIGRATION_TABLE]).fetchone()[0]
    if not exists:
        return []
    rows = conn.execute(f"SELECT migration_id FROM {MIGRATION_TABLE} ORDER BY applied_at_utc").fetchall()
    return [str(r[0]) for r in rows]


def pending(conn: Any) -> list[str]:
    done = set(applied(conn))
    return [m for m in migration_ids() if m not in done]


def yoyo_url(url: StateURL) -> str:
    """yoyo's spelling of the URL: the psycopg 3 backend, and a connect timeout unless one is given."""
    parts = urlsplit(url.url)
    query = dict(parse_qsl(parts.query))
    query.setdefault("connect_timeout", "10")
    return urlunsplit(("postgresql+psycopg", parts.netloc, parts.path, urlencode(query), ""))


def migrate(conn: Any, url: StateURL, only: list[str] | None = None) -> list[str]:
    """Apply the pending migrations (or only those named in ``only``); return the ids applied.
    ``conn`` is an autocommit psycopg connection to the same database."""
    conn.execute(f"SET statement_timeout = '{LOCK_WAIT}'")
    conn.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
    try:
        todo = [m for m in pending(conn) if only is None or m in only]
        if todo:
            _apply(url, todo)
        return todo
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
        conn.execute("RESET statement_timeout")


def _apply(url: StateURL, ids: list[str]) -> None:
    from yoyo import get_backend, read_migrations  # only when there is something to migrate

    backend = get_backend(yoyo_url(url), MIGRATION_TABLE)
    try:
        # We hold the advisory lock, so no one else is migrating: a yoyo lock row left behind is a
        # crashed migrator's, and waiting for it would only time out.
        backend.break_lock()
        with backend.lock():
            wanted = read_migrations(str(MIGRATIONS)).filter(lambda m: m.id in ids)
            backend.apply_migrations(backend.to_apply(wanted))
    finally:
        backend.connection.close()
