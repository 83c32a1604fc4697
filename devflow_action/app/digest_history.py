"""Use case step: what the digest reads from the state store, when there is one (docs/digest.md,
"With a state store"). The engine computes; this step only reads and converts to plain data.

Three reads, whatever the repository's size: since when each event kind has been recorded, the
events recorded per window, and the items whose first response or merge fell in the trend's windows;
plus one read per item whose GitHub read stopped before a maintainer's response (more than 30
comments or 20 reviews, rare). A store that fails answers "nothing known" (``state/guard.py``): the
digest is then GitHub's alone, and the run's summary lists what was not read.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ..engine.digest import Item, first_response
from ..engine.digest_history import MERGE_KIND, RESPONSE_KIND, TREND_WINDOWS, Recorded, RecordedItem

if TYPE_CHECKING:
    from ..state.model import StateStore


def windows(until: datetime, days: int, count: int = TREND_WINDOWS) -> tuple[tuple[datetime, datetime], ...]:
    """The digest's window and the ``count - 1`` before it, oldest first, without gap or overlap."""
    step = timedelta(days=days)
    return tuple((until - (k + 1) * step, until - k * step) for k in reversed(range(count)))


def _earliest(times: Iterable[datetime]) -> datetime | None:
    return min(times, default=None)


def read_history(
    store: StateStore, repository: str, until: datetime, days: int, items: Iterable[Item]
) -> Recorded | None:
    """What the store adds to this digest; None when it has recorded nothing for the repository (or
    could not be read)."""
    since_by_kind = store.recording_since(repository)
    if not since_by_kind:
        return None
    spans = windows(until, days)
    bounds = [spans[0][0], *(end for _, end in spans)]
    events = store.count_events(repository, bounds)
    found = store.times_between(repository, spans[0][0], until)
    answered: dict[int, datetime] = {}
    for item in items:
        if item.more and first_response(item) is None:
            times = store.item_times(repository, item.number)
            if times is not None and times.first_response_at is not None:
                answered[item.number] = times.first_response_at
    if not getattr(store, "ok", True):  # the guard saw it fail part way: nothing half read is used
        return None
    return Recorded(
        windows=spans,
        events=tuple(events),
        items={n: RecordedItem(t.opened_at, t.first_response_at, t.merged_at) for n, t in found.items()},
        events_since=_earliest(since_by_kind.values()),
        responses_since=_earliest(at for kind, at in since_by_kind.items() if kind.startswith(RESPONSE_KIND)),
        merges_since=since_by_kind.get(MERGE_KIND),
        answered=answered,
    )
