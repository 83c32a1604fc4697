"""``devflow state migrate|status|events``: for maintainers who run the database themselves.

Each returns the text to print; the URL is only ever shown without its password.
"""

from __future__ import annotations

import json
from typing import Any

from ..exits import UsageError
from ..state import open_store, parse
from ..state.model import StateStore
from ..state.url import StateURL

URL_ENV = "DEVFLOW_STATE_URL"


def _url(url: str) -> StateURL:
    parsed = parse(url)
    if parsed is None:
        raise UsageError(f"no state URL: pass --url or set {URL_ENV} (postgresql://... or redis://...)")
    if parsed.backend == "service":
        raise UsageError(
            "an https:// URL names the orchestration service, not a state store: pass its database's "
            "postgresql:// URL (DEVFLOW_DATABASE_URL)"
        )
    return parsed


def _open(url: StateURL, *, migrate: bool) -> StateStore:
    store = open_store(url, migrate=migrate)
    assert store is not None
    return store


def migrate(url: str) -> str:
    parsed = _url(url)
    if parsed.backend == "redis":
        _open(parsed, migrate=False).close()
        return f"{parsed.shown}: Redis keeps no schema; nothing to migrate"
    from ..state.migrate import migrate as apply
    from ..state.postgres import PostgresStore

    store = PostgresStore.connect(parsed, migrate=False)
    try:
        done = apply(store.conn, parsed)
        status = store.status()
    finally:
        store.close()
    if not done:
        return f"{parsed.shown}: the schema is current ({len(status.applied)} migrations applied)"
    return f"{parsed.shown}: applied {', '.join(done)}"


def status(url: str) -> str:
    parsed = _url(url)
    store = _open(parsed, migrate=False)
    try:
        s = store.status()
    finally:
        store.close()
    lines = [f"backend: {s.backend} ({s.where})"]
    if s.backend == "postgresql":
        lines.append(f"migrations: {len(s.applied)} applied, {len(s.pending)} pending")
        lines += [f"  applied {m}" for m in s.applied] + [f"  pending {m}" for m in s.pending]
        if s.pending:
            lines.append("run `devflow state migrate` (or any run of the action) to apply them")
    lines += [f"{name}: {count}" for name, count in s.counts.items()]
    return "\n".join(lines)


def events(url: str, repository: str | None, limit: int, fmt: str) -> str:
    store = _open(_url(url), migrate=False)
    try:
        if store.status().pending and store.backend == "postgresql":
            raise UsageError("the database has no Devflow schema yet (or an old one): run `devflow state migrate`")
        found = store.recent_events(repository, limit)
    finally:
        store.close()
    rows: list[dict[str, Any]] = [
        {
            "recorded_at": e.recorded_at.isoformat(), "event_key": e.event_key, "attempt": e.attempt,
            "repository": e.repository, "kind": e.kind, "item": e.item, "number": e.number, "actor": e.actor,
        }
        for e in found
    ]  # fmt: skip
    if fmt == "json":
        return json.dumps(rows, indent=2, ensure_ascii=False)
    if not rows:
        return "no events recorded" + (f" for {repository}" if repository else "")
    return "\n".join(
        f"{r['recorded_at']}  {r['repository']}#{r['number']}  {r['kind']}  {r['event_key']}"
        f"{'' if r['attempt'] == 1 else ' attempt ' + str(r['attempt'])}  {r['actor']}"
        for r in rows
    )
