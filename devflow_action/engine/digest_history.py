"""The digest's history from the state store, computed: pure. The application reads the store
(``app/digest_history.py``) and hands over plain data (``Recorded``); this module turns it into the
trend over the last windows and the times of a window GitHub's read does not cover.

The store knows only the events it saw, so a number comes from it only for a window it can vouch
for: one that began after the store had recorded, for this repository, the kind of event that
carries the number — any event for "events recorded", a comment (``issue_comment.*``) for first
responses, a closed pull request (``pull_request.closed``) for merges. Anything else is None (shown
as "—"), never an estimate. A gap (the store down for a while, the workflow disabled) is not seen.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

TREND_WINDOWS = 4  # the digest's window and the three before it
RESPONSE_KIND = "issue_comment."  # a comment on an issue or a pull request (reviews add to it when recorded)
MERGE_KIND = "pull_request.closed"


@dataclass(frozen=True)
class RecordedItem:
    opened_at: datetime | None
    first_response_at: datetime | None  # a maintainer's, on an item a response is owed to (app/record.py)
    merged_at: datetime | None


@dataclass(frozen=True)
class Recorded:
    """What the app read from the store for one digest."""

    windows: tuple[tuple[datetime, datetime], ...]  # oldest first; the last is the digest's own window
    events: tuple[int, ...]  # events recorded in each window
    items: Mapping[int, RecordedItem]  # items whose first response or merge fell in one of the windows
    events_since: datetime | None = None  # the store has recorded this repository's events since
    responses_since: datetime | None = None  # ... its comments since
    merges_since: datetime | None = None  # ... its closed pull requests since
    # first responses the store saw on items whose GitHub read stopped before them (beyond the
    # comments and reviews the read takes), by number
    answered: Mapping[int, datetime] = field(default_factory=dict)


@dataclass(frozen=True)
class TrendRow:
    since: datetime
    until: datetime
    events: int | None  # None: the store was not recording then
    responses: int | None  # first responses given in the window
    response_median: float | None  # seconds
    merged: int | None  # pull requests merged in the window


def covers(recording_since: datetime | None, since: datetime) -> bool:
    return recording_since is not None and recording_since <= since


def _within(when: datetime | None, since: datetime, until: datetime) -> bool:
    return when is not None and since <= when < until


def response_times(recorded: Recorded, since: datetime, until: datetime) -> list[float] | None:
    """Seconds from opening to the first response, for the responses given in [since, until); None
    when the store cannot vouch for that window."""
    if not covers(recorded.responses_since, since):
        return None
    return [
        max(0.0, (i.first_response_at - i.opened_at).total_seconds())
        for i in recorded.items.values()
        if i.opened_at is not None and i.first_response_at is not None and _within(i.first_response_at, since, until)
    ]


def merge_times(recorded: Recorded, since: datetime, until: datetime) -> list[float] | None:
    """Seconds from opening to merge, for the pull requests merged in [since, until); None as above."""
    if not covers(recorded.merges_since, since):
        return None
    return [
        (i.merged_at - i.opened_at).total_seconds()
        for i in recorded.items.values()
        if i.opened_at is not None and i.merged_at is not None and _within(i.merged_at, since, until)
    ]


def median(values: list[float] | None) -> float | None:
    return statistics.median(values) if values else None


def nearest_rank(values: list[float] | None, fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def trend(recorded: Recorded) -> tuple[TrendRow, ...] | None:
    """One row per window, oldest first; None when the store vouches for none of them."""
    rows = []
    for n, (since, until) in enumerate(recorded.windows):
        responses = response_times(recorded, since, until)
        merges = merge_times(recorded, since, until)
        events = recorded.events[n] if covers(recorded.events_since, since) and n < len(recorded.events) else None
        rows.append(TrendRow(since, until, events, None if responses is None else len(responses), median(responses),
                             None if merges is None else len(merges)))  # fmt: skip
    if all(r.events is None and r.responses is None and r.merged is None for r in rows):
        return None
    return tuple(rows)
