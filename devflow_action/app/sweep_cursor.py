"""Where a sweep resumes when a state store is there (docs/sweeps.md, "Resuming from the state store").

Without a store a sweep lists from the oldest item every run and passes over what is done. With one, a
run that stops with work left saves a cursor: the listing's sort key at or before the first item it
did not finish (left, failed, not reached, or decided in a way that time alone can change), so the next
run asks GitHub for the listing from there. A complete pass clears it, which also bounds anything the
cursor could ever miss to one pass. The cursor is only used by a run whose **fingerprint** matches the
one it was saved with: a hash of everything that decides the listing and the decisions (the sweep's
configuration, the query, the identity Devflow writes as, the repository's spelling of the labels
that decide), so a changed config or query starts over.

A store that fails answers "no cursor" (``state.guard``): the sweep then works from GitHub alone.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..config.model import Config
from ..language.tree import Node, leaves
from .context import RunContext

VERSION = 1  # of the cursor's format and of the argument in docs/sweeps.md: a new one starts over
# Conditions whose answer can change while the item itself is not updated (its `updated_at` stays):
# time, CI, reviews, the author's standing. A rule reading them cannot be resumed past: an item
# decided "no change" before the cursor could need one later without ever being listed again.
VOLATILE_FACTS = frozenset({"checks", "first_contribution", "approvals"})
VOLATILE_CONDITIONS = ("age_days", "author.association", "author.first_contribution")
# How far before a run's start an update still counts as "since that run": GitHub's search index lags
# behind changes by seconds, and the runner's clock may differ a little from GitHub's.
SEARCH_LAG = timedelta(minutes=10)


@dataclass(frozen=True)
class Cursor:
    fingerprint: str
    position: str  # the listing's sort key (an ISO timestamp) at or before the first item not finished
    since: str = ""  # triage: items before `position` updated at or after this are listed again

    def dumps(self) -> str:
        return json.dumps({"v": VERSION, "fingerprint": self.fingerprint, "position": self.position,
                           "since": self.since}, sort_keys=True)  # fmt: skip


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def stamp_before(now: datetime) -> str:
    """The ``since`` a run saves: its start, less the search index's lag."""
    return stamp(now - SEARCH_LAG)


def second_before(position: str) -> str:
    """The last second before ``position`` (search ranges ``a..b`` include both ends)."""
    return stamp(datetime.fromisoformat(position.replace("Z", "+00:00")) - timedelta(seconds=1))


def fingerprint(*parts: Any) -> str:
    """A stable hash of JSON-able parts (the config's own document, strings, lists)."""
    text = json.dumps([VERSION, *parts], sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def section(config: Config, name: str | None = None) -> Any:
    """The configuration's document (after `extends`), or one of its sections: the text the user wrote,
    so that any change to it changes the fingerprint. A config built without a document (not from a
    file) has none: its repr stands in, which at worst never matches and so starts over."""
    doc = config.merged
    if not isinstance(doc, Mapping):
        return repr(config if name is None else getattr(config, name, None))
    return doc if name is None else doc.get(name)


def volatile(node: Node | None) -> list[str]:
    """The conditions of ``node`` that can change without the item being updated."""
    if node is None:
        return []
    return [
        leaf.description
        for leaf in leaves(node)
        if leaf.facts & VOLATILE_FACTS or leaf.description.startswith(VOLATILE_CONDITIONS)
    ]


class Keeper:
    """Reads and writes one sweep's cursor in the run's store. Made only when there is a store and the
    run is not a dry run (a dry run shows the whole listing and saves nothing)."""

    def __init__(self, ctx: RunContext, repository: str, sweep: str, fingerprint: str) -> None:
        assert ctx.store is not None
        self.store, self.repository, self.sweep, self.fingerprint = ctx.store, repository, sweep, fingerprint
        self.notes: list[str] = []  # what the summary says about the cursor
        self.stored = False  # whether the store holds a cursor (a complete pass then clears it)

    def load(self) -> Cursor | None:
        raw = self.store.get_cursor(self.repository, self.sweep)
        self.stored = bool(raw)
        if not raw:
            return None
        try:
            data = json.loads(raw)
            cursor = Cursor(str(data["fingerprint"]), str(data["position"]), str(data.get("since") or ""))
            if data.get("v") != VERSION:
                raise ValueError(data.get("v"))
        except (ValueError, KeyError, TypeError):
            self.notes.append("the state store's cursor is not one this version reads: started over")
            return None
        if cursor.fingerprint != self.fingerprint:
            self.notes.append("the configuration or the query changed since the cursor was saved: started over")
            return None
        self.notes.append(f"resumed from the state store's cursor at {cursor.position}")
        return cursor

    def save(self, position: str, since: str = "") -> None:
        self.store.set_cursor(self.repository, self.sweep, Cursor(self.fingerprint, position, since).dumps())
        self.notes.append(f"cursor saved in the state store: the next run starts at {position}")

    def clear(self) -> None:
        if self.stored:
            self.store.set_cursor(self.repository, self.sweep, "")
            self.notes.append("the pass is complete: cursor cleared")


def keeper(ctx: RunContext, repository: str, sweep: str, *parts: Any) -> Keeper | None:
    if ctx.store is None or ctx.dry_run:
        return None
    return Keeper(ctx, repository, sweep, fingerprint(sweep, repository, ctx.self_login, *parts))


class Mark:
    """The first place in a listing a run has not finished, as it walks the listing in order: the sort
    key of the first item that was left, failed, or decided in a way that may not hold later; while
    none was, the key of the item being handled (a stop in the middle of it leaves it for next time)."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.current: str | None = None
        self.first_open: str | None = None

    def start(self, item: Mapping[str, Any]) -> None:
        value = item.get(self.key)
        self.current = value if isinstance(value, str) and value else self.current

    def done(self, final: bool) -> None:
        """``final``: the item needs nothing more until it is updated (which lists it again)."""
        if not final and self.first_open is None:
            self.first_open = self.current

    @property
    def position(self) -> str | None:
        return self.first_open or self.current
