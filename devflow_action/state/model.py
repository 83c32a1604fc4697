"""What the state records, and the one interface every backend implements (``StateStore``).

Plain frozen data: the application layer builds these records from an event and its result, and a
backend (Postgres or Redis) stores them. Nothing here imports a driver.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from ..ledger import Ledger
from ..plan import RuleResult

JSON = Any  # a value json.dumps accepts


@dataclass(frozen=True)
class EventRecord:
    event_key: str  # "delivery:<X-GitHub-Delivery>" or "run:<GITHUB_RUN_ID>"
    repository: str  # owner/name
    kind: str  # the event rules see, with its action: issues.opened, pull_request.synchronize
    recorded_at: datetime
    attempt: int = 1  # GITHUB_RUN_ATTEMPT (or the worker's retry): one record per attempt
    item: str | None = None  # issue | pull_request
    number: int | None = None
    actor: str = ""  # who caused the event (the payload's sender)
    occurred_at: datetime | None = None  # when the item last changed, per the payload


@dataclass(frozen=True)
class OperationRecord:
    operation: dict[str, Any]  # the plan's JSON form of the operation
    status: str  # applied | skipped | failed | left | dry-run
    detail: str = ""


@dataclass(frozen=True)
class ItemTimes:
    """Timestamps for metrics; a store keeps the earliest first response and never forgets one."""

    opened_at: datetime | None = None
    first_response_at: datetime | None = None
    first_responder: str | None = None
    closed_at: datetime | None = None
    merged_at: datetime | None = None


@dataclass(frozen=True)
class RunRecord:
    event: EventRecord
    rules: tuple[RuleResult, ...] = ()
    operations: tuple[OperationRecord, ...] = ()
    times: ItemTimes | None = None  # what this event tells about the item's timeline


@dataclass(frozen=True)
class Status:
    backend: str
    where: str  # the URL as shown (no password)
    applied: tuple[str, ...] = ()  # migrations applied (Postgres)
    pending: tuple[str, ...] = ()  # migrations not applied yet
    counts: Mapping[str, int] = field(default_factory=dict)


class StateStore(Protocol):
    """One interface, two backends. Every method raises ``ledger.StateUnavailable`` when the backend
    cannot answer; the run's guard (``state.guard``) decides what that means for the run."""

    @property
    def backend(self) -> str: ...  # "postgresql" | "redis"

    # the event path: events, rule results, operations, and the ledger
    def record_run(self, run: RunRecord) -> bool: ...  # False: this attempt was recorded before
    def ledger(self, event_key: str, attempt: int, repository: str, number: int | None) -> Ledger: ...
    def recent_events(self, repository: str | None = None, limit: int = 20) -> list[EventRecord]: ...

    # metrics: first response, close and merge times (the digest reads them)
    def note_times(self, repository: str, number: int, times: ItemTimes) -> None: ...
    def item_times(self, repository: str, number: int) -> ItemTimes | None: ...

    # the digest's history (docs/digest.md, "With a state store"): since when each event kind has
    # been recorded (kind -> the earliest ``recorded_at``: what the store can vouch for), the items
    # whose first response or merge fell in [since, until) (by number), and the events recorded in
    # each window [bounds[i], bounds[i + 1]) (bounds ascending, each at 00:00 UTC)
    def recording_since(self, repository: str) -> dict[str, datetime]: ...
    def times_between(self, repository: str, since: datetime, until: datetime) -> dict[int, ItemTimes]: ...
    def count_events(self, repository: str, bounds: Sequence[datetime]) -> list[int]: ...

    # sweeps: where the last pass stopped
    def get_cursor(self, repository: str, sweep: str) -> str | None: ...
    def set_cursor(self, repository: str, sweep: str, cursor: str) -> None: ...

    # onboarding: a contributor's checklist on a pull request
    def checklist(self, repository: str, number: int, contributor: str) -> dict[str, bool]: ...
    def set_checklist_item(self, repository: str, number: int, contributor: str, item: str, done: bool) -> None: ...
    # item id -> who ticked it: "person" (in Devflow's comment), "auto" (a check Devflow verified), "body"
    # (the pull request's description); "" when not ticked. A person's tick is kept for good (engine.checklist).
    def checklist_marks(self, repository: str, number: int, contributor: str) -> dict[str, str]: ...
    def set_checklist(self, repository: str, number: int, contributor: str, marks: Mapping[str, str]) -> None: ...

    # facts cache: data read from GitHub, kept for ``ttl`` seconds
    def cache_fact(self, repository: str, number: int, name: str, value: JSON, ttl: int) -> None: ...
    def cached_fact(self, repository: str, number: int, name: str) -> JSON | None: ...

    def status(self) -> Status: ...
    def close(self) -> None: ...
