"""The digest, computed: pure (no client, no clock: the window's end is given), over what the adapter read.

Definitions (docs/digest.md says the same for users):

- **maintainer**: author association OWNER, MEMBER or COLLABORATOR (write access or above, as far as
  GitHub's association tells; see ``MAINTAINERS``). Bots are never maintainers, nor new contributors.
- **response**: the first comment or review by a maintainer other than the item's author.
- **new contributor**: a person (not a bot, not a maintainer) whose first issue or pull request in the
  repository was opened in the window — decided from the repository's history (``Activity.returning``,
  who opened something before the window), never from ``author_association`` alone, which marks a PR
  author with earlier issues FIRST_TIME_CONTRIBUTOR and a first-timer whose PR was merged CONTRIBUTOR.
- **unanswered**: open items active in the window, opened by someone other than a maintainer or a bot,
  not drafts, without a response; oldest first.
- **awaiting review**: open, non-draft pull requests active in the window without any review (a bot's
  or the author's own excepted).
- **metrics** over the window [since, until): issues opened and closed, PRs opened and merged (merged in
  the window, whenever opened); time to first response of the responses given in the window; time to
  merge of the PRs merged in it. Medians and p90 (nearest rank).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..config.digest import SECTIONS
from . import digest_history as history
from .digest_history import Recorded, TrendRow
from .digest_history import median as _median
from .digest_history import nearest_rank as nearest_rank  # re-exported: the engine's p90

# GitHub's associations for people with a role on the repository: write access or above, with the
# limits docs/digest.md explains (an organisation member with read access is MEMBER too).
MAINTAINERS = frozenset({"OWNER", "MEMBER", "COLLABORATOR"})
SECTIONS_ALL = SECTIONS  # every section, in the default order
# Response-time buckets for the chart: upper bounds in hours.
BUCKETS = ((1, "under 1 h"), (4, "1–4 h"), (24, "4–24 h"), (72, "1–3 d"), (168, "3–7 d"), (math.inf, "over 7 d"))


@dataclass(frozen=True)
class Response:
    login: str
    bot: bool
    association: str
    at: datetime


@dataclass(frozen=True)
class Item:
    number: int
    title: str
    url: str
    pull: bool
    author: str
    author_bot: bool
    association: str
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None = None
    merged_at: datetime | None = None
    open: bool = True
    draft: bool = False
    responses: tuple[Response, ...] = ()  # comments and reviews read, oldest first
    reviewers: tuple[str, ...] = ()  # who reviewed (bots excluded by the reader)
    requested: tuple[str, ...] = ()  # requested reviewers and teams
    more: bool = False  # it has comments or reviews beyond those read: a later first response is not seen


@dataclass(frozen=True)
class StaleList:
    total: int
    oldest: tuple[Item, ...]  # the oldest few, oldest first
    after_days: int
    label: str


@dataclass(frozen=True)
class Counts:
    issues_opened: int = 0
    issues_closed: int = 0
    prs_opened: int = 0
    prs_merged: int = 0


@dataclass(frozen=True)
class Times:
    """Seconds; None when nothing was measured."""

    response_median: float | None = None
    response_p90: float | None = None
    merge_median: float | None = None
    merge_p90: float | None = None


@dataclass(frozen=True)
class Previous:
    """The previous window: counts from GitHub's search counts, times as the previous digest recorded
    them, else as the state store recorded them when it covers that window (None when neither)."""

    since: datetime
    until: datetime
    counts: Counts
    times: Times | None = None
    times_from: str = "digest"  # "state": the state store's record of that window (engine/digest_history.py)


@dataclass(frozen=True)
class Activity:
    """What the adapter read for one window."""

    repository: str
    since: datetime
    until: datetime
    items: tuple[Item, ...]  # every issue and PR updated in [since, until)
    returning: frozenset[str] = frozenset()  # authors who opened an issue or PR before `since`
    previous: Previous | None = None
    stale: StaleList | None = None
    recorded: Recorded | None = None  # what the state store adds (engine/digest_history.py); None: no store


@dataclass(frozen=True)
class Waiting:
    item: Item
    age: float  # seconds since it was opened


@dataclass(frozen=True)
class Newcomer:
    login: str
    items: tuple[Item, ...]  # what they opened in the window, oldest first


@dataclass(frozen=True)
class Digest:
    repository: str
    since: datetime
    until: datetime
    window_days: int
    items: int  # items read (updated in the window)
    new_contributors: tuple[Newcomer, ...]
    unanswered: tuple[Waiting, ...]
    awaiting_review: tuple[Waiting, ...]
    counts: Counts
    times: Times
    opened_per_day: tuple[tuple[str, int, int], ...]  # (YYYY-MM-DD, issues, PRs)
    response_buckets: tuple[tuple[str, int], ...]
    previous: Previous | None = None
    stale: StaleList | None = None
    sections: tuple[str, ...] = field(default=())
    trend: tuple[TrendRow, ...] | None = None  # from the state store, oldest window first


def is_maintainer(association: str, bot: bool) -> bool:
    return not bot and association in MAINTAINERS


def first_response(item: Item) -> Response | None:
    for r in item.responses:
        if is_maintainer(r.association, r.bot) and r.login.lower() != item.author.lower():
            return r
    return None


def _within(when: datetime | None, since: datetime, until: datetime) -> bool:
    return when is not None and since <= when < until


def _counts(items: Iterable[Item], since: datetime, until: datetime) -> Counts:
    items = list(items)
    return Counts(
        issues_opened=sum(1 for i in items if not i.pull and _within(i.created_at, since, until)),
        issues_closed=sum(1 for i in items if not i.pull and not i.open and _within(i.closed_at, since, until)),
        prs_opened=sum(1 for i in items if i.pull and _within(i.created_at, since, until)),
        prs_merged=sum(1 for i in items if i.pull and _within(i.merged_at, since, until)),
    )


def _asks(item: Item) -> bool:
    """Someone outside the maintainers opened it: a response is owed."""
    return not item.author_bot and item.association not in MAINTAINERS


def _answered_at(item: Item, recorded: Recorded | None) -> datetime | None:
    """When a maintainer first responded: as read from GitHub, else, when the read stopped before the
    item's later comments or reviews, as the state store recorded it."""
    answer = first_response(item)
    if answer is not None:
        return answer.at
    return recorded.answered.get(item.number) if recorded is not None and item.more else None


def _previous(activity: Activity) -> Previous | None:
    """The previous window; its times, when no earlier digest recorded them, from the state store if
    it covers that window (GitHub's numbers are never replaced, only completed)."""
    p, recorded = activity.previous, activity.recorded
    if p is None or recorded is None or p.times is not None:
        return p
    responses = history.response_times(recorded, p.since, p.until)
    merges = history.merge_times(recorded, p.since, p.until)
    if responses is None and merges is None:
        return p
    times = Times(_median(responses), nearest_rank(responses, 0.9), _median(merges), nearest_rank(merges, 0.9))
    return Previous(p.since, p.until, p.counts, times, times_from="state")


def compute(activity: Activity, window_days: int, sections: tuple[str, ...]) -> Digest:
    since, until = activity.since, activity.until
    recorded = activity.recorded
    # Items opened after the window's end belong to the next digest.
    items = sorted((i for i in activity.items if i.created_at < until), key=lambda i: (i.created_at, i.number))

    response_times: list[float] = []
    for item in items:
        at = _answered_at(item, recorded)
        if _asks(item) and at is not None and _within(at, since, until):
            response_times.append(max(0.0, (at - item.created_at).total_seconds()))
    merge_times = [
        (i.merged_at - i.created_at).total_seconds()
        for i in items
        if i.pull and i.merged_at is not None and _within(i.merged_at, since, until)
    ]
    times = Times(
        _median(response_times), nearest_rank(response_times, 0.9), _median(merge_times), nearest_rank(merge_times, 0.9)
    )

    opened: dict[str, list[Item]] = {}
    for item in items:
        if _within(item.created_at, since, until) and _asks(item) and item.author.lower() not in activity.returning:
            opened.setdefault(item.author.lower(), []).append(item)
    newcomers = tuple(Newcomer(found[0].author, tuple(found)) for found in opened.values())

    unanswered = tuple(
        Waiting(i, (until - i.created_at).total_seconds())
        for i in items
        if i.open and not i.draft and _asks(i) and _answered_at(i, recorded) is None
    )
    awaiting = tuple(
        Waiting(i, (until - i.created_at).total_seconds())
        for i in items
        if i.pull and i.open and not i.draft and not [r for r in i.reviewers if r.lower() != i.author.lower()]
    )

    days = [(since + timedelta(days=d)).date() for d in range(window_days)]
    per_day = tuple(
        (
            day.isoformat(),
            sum(1 for i in items if not i.pull and i.created_at.date() == day and _within(i.created_at, since, until)),
            sum(1 for i in items if i.pull and i.created_at.date() == day and _within(i.created_at, since, until)),
        )
        for day in days
    )
    buckets = []
    low = 0.0
    for high, name in BUCKETS:
        buckets.append((name, sum(1 for t in response_times if low * 3600 <= t < high * 3600)))
        low = high
    return Digest(
        repository=activity.repository,
        since=since,
        until=until,
        window_days=window_days,
        items=len(items),
        new_contributors=newcomers,
        unanswered=unanswered,
        awaiting_review=awaiting,
        counts=_counts(items, since, until),
        times=times,
        opened_per_day=per_day,
        response_buckets=tuple(buckets),
        previous=_previous(activity),
        stale=activity.stale,
        sections=sections,
        trend=history.trend(recorded) if recorded is not None else None,
    )


def history_candidates(items: Iterable[Item], since: datetime, until: datetime) -> list[str]:
    """Authors whose history decides whether they are new: they opened something in the window, are
    neither bots nor maintainers, and nothing they opened before the window was read already."""
    items = list(items)
    known = {i.author.lower() for i in items if i.created_at < since}
    wanted: dict[str, str] = {}
    for i in sorted(items, key=lambda i: (i.created_at, i.number)):
        key = i.author.lower()
        if _within(i.created_at, since, until) and _asks(i) and key not in known:
            wanted.setdefault(key, i.author)
    return list(wanted.values())
