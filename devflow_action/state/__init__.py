"""Optional state (docs/state.md), chosen by the orchestration URL's scheme: empty → none (the
default: no network, and no driver is even imported), ``postgresql://`` → Postgres, ``redis://`` or
``rediss://`` → Redis; ``https://`` names the orchestration service, to which the action forwards
events (``app/forward.py``): it is no store. Importing this package imports no driver: each backend
is loaded on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..redact import register_secret
from .url import StateURL, parse

if TYPE_CHECKING:
    from .model import StateStore


def open_store(url: str | StateURL, *, migrate: bool = True) -> StateStore | None:
    """The store the URL names (connected, its schema current), or None for an empty URL. Raises
    ``exits.UsageError`` for a URL Devflow cannot use and ``ledger.StateUnavailable`` when the
    backend cannot be reached."""
    parsed = parse(url) if isinstance(url, str) else url
    if parsed is None:
        return None
    for secret in parsed.secrets:  # whatever the driver says later, the password is never shown
        register_secret(secret)
    if parsed.backend == "service":
        from ..exits import UsageError

        raise UsageError("an https:// URL names the orchestration service, which forwards events; it is no state store")
    if parsed.backend == "postgresql":
        from .postgres import PostgresStore

        return PostgresStore.connect(parsed, migrate=migrate)
    from .redisstore import RedisStore

    return RedisStore.connect(parsed)


__all__ = ["StateURL", "open_store", "parse"]
