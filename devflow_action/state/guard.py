"""What a run does when its state store fails: the GitHub work never depends on the backend.

``Guarded`` wraps a store (or stands for one that could not be opened). Not required: a failure is
noted once, the store is not asked again during the run (no second timeout), ledger claims let every
operation through, reads answer "nothing known" (the features work from GitHub alone), and
``problems`` / ``unrecorded`` tell the summary what was not recorded and why. Required
(``state-required``): a ledger claim that cannot be made raises ``StateUnavailable``, so the executor
writes nothing it could not record and the run stops with exit 2; a record that fails after the
writes is noted, and the entry point exits 2 too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from ..ledger import Ledger, StateUnavailable, Verdict
from .model import JSON, EventRecord, ItemTimes, RunRecord, StateStore, Status

T = TypeVar("T")


@dataclass
class Guarded:
    inner: StateStore | None  # None: it could not be opened (``problems`` says why)
    where: str  # the URL as shown, without its password
    required: bool = False
    problems: list[str] = field(default_factory=list)  # why something was not recorded (first first)
    unrecorded: list[str] = field(default_factory=list)  # what was not recorded
    recorded: list[str] = field(default_factory=list)  # what was

    @property
    def backend(self) -> str:
        return self.inner.backend if self.inner is not None else "unavailable"

    @property
    def ok(self) -> bool:
        return self.inner is not None and not self.problems

    def _call(self, what: str, call: Callable[[StateStore], T], default: T, *, strict: bool = False) -> T:
        if self.inner is None or self.problems:
            if strict and self.required:
                raise StateUnavailable(self.problems[0] if self.problems else "the state store is not open")
            self.unrecorded.append(what)
            return default
        try:
            return call(self.inner)
        except StateUnavailable as exc:
            self.problems.append(str(exc))
            self.unrecorded.append(what)
            if strict and self.required:
                raise
            return default

    # the event path
    def record_run(self, run: RunRecord) -> bool:
        e = run.event
        what = (
            f"the event {e.kind} #{e.number} with {len(run.rules)} rule result(s) "
            f"and {len(run.operations)} operation(s)"
        )
        added = self._call(what, lambda s: s.record_run(run), False)
        if self.ok:
            self.recorded.append(what if added else f"{what} (recorded before)")
        return added

    def ledger(self, event_key: str, attempt: int, repository: str, number: int | None) -> Ledger:
        inner = None
        if self.inner is not None and not self.problems:
            inner = self.inner.ledger(event_key, attempt, repository, number)
        return _GuardedLedger(self, inner)

    def recent_events(self, repository: str | None = None, limit: int = 20) -> list[EventRecord]:
        return self._call("reading events", lambda s: s.recent_events(repository, limit), [])

    # metrics, sweeps, onboarding, facts: reads answer "nothing known", writes are noted when lost
    def note_times(self, repository: str, number: int, times: ItemTimes) -> None:
        self._call(f"timestamps of #{number}", lambda s: s.note_times(repository, number, times), None)

    def item_times(self, repository: str, number: int) -> ItemTimes | None:
        return self._call("reading timestamps", lambda s: s.item_times(repository, number), None)

    # the digest's history: nothing known when the store fails (the digest is then GitHub's alone)
    def recording_since(self, repository: str) -> dict[str, datetime]:
        return self._call("reading the digest's history", lambda s: s.recording_since(repository), {})

    def times_between(self, repository: str, since: datetime, until: datetime) -> dict[int, ItemTimes]:
        return self._call("reading the digest's history", lambda s: s.times_between(repository, since, until), {})

    def count_events(self, repository: str, bounds: Sequence[datetime]) -> list[int]:
        return self._call("reading the digest's history", lambda s: s.count_events(repository, bounds), [])

    def get_cursor(self, repository: str, sweep: str) -> str | None:
        # strict: a required store that cannot say where to resume stops the run before any write
        return self._call(f"reading the {sweep} cursor", lambda s: s.get_cursor(repository, sweep), None, strict=True)

    def set_cursor(self, repository: str, sweep: str, cursor: str) -> None:
        what = f"the {sweep} sweep's cursor"
        self._call(what, lambda s: s.set_cursor(repository, sweep, cursor), None)
        if self.ok:
            self.recorded.append(what + ("" if cursor else " (cleared)"))

    def checklist(self, repository: str, number: int, contributor: str) -> dict[str, bool]:
        return self._call("reading checklist progress", lambda s: s.checklist(repository, number, contributor), {})

    def set_checklist_item(self, repository: str, number: int, contributor: str, item: str, done: bool) -> None:
        self._call(
            f"checklist item {item} of #{number}",
            lambda s: s.set_checklist_item(repository, number, contributor, item, done),
            None,
        )

    def checklist_marks(self, repository: str, number: int, contributor: str) -> dict[str, str]:
        return self._call(
            "reading checklist progress", lambda s: s.checklist_marks(repository, number, contributor), {}
        )

    def set_checklist(self, repository: str, number: int, contributor: str, marks: Mapping[str, str]) -> None:
        what = f"checklist progress of #{number} ({', '.join(sorted(marks))})"
        self._call(what, lambda s: s.set_checklist(repository, number, contributor, marks), None)
        if self.ok:
            self.recorded.append(what)

    def cache_fact(self, repository: str, number: int, name: str, value: JSON, ttl: int) -> None:
        self._call(f"cached fact {name}", lambda s: s.cache_fact(repository, number, name, value, ttl), None)

    def cached_fact(self, repository: str, number: int, name: str) -> JSON | None:
        return self._call("reading the facts cache", lambda s: s.cached_fact(repository, number, name), None)

    def status(self) -> Status:
        return self._call("reading the status", lambda s: s.status(), Status(self.backend, self.where))

    def close(self) -> None:
        if self.inner is not None:
            self.inner.close()


@dataclass
class _GuardedLedger:
    guard: Guarded
    inner: Ledger | None

    def claim(self, keys: Sequence[str]) -> Mapping[str, Verdict]:
        let_through: dict[str, Verdict] = dict.fromkeys(keys, "claimed")
        inner = self.inner
        return self.guard._call(
            f"the ledger for {_ops(keys)}", lambda s: inner.claim(keys) if inner else let_through, let_through,
            strict=True,
        )  # fmt: skip

    def done(self, keys: Sequence[str], outcome: str) -> None:
        if self.inner is not None:
            inner = self.inner
            self.guard._call(f"the ledger for {_ops(keys)}", lambda s: inner.done(keys, outcome), None, strict=True)

    def release(self, keys: Sequence[str]) -> None:
        if self.inner is not None:
            inner = self.inner
            self.guard._call(f"releasing {_ops(keys)}", lambda s: inner.release(keys), None)


def _ops(keys: Sequence[str]) -> str:
    return ", ".join(keys) if len(keys) <= 3 else f"{', '.join(keys[:3])} and {len(keys) - 3} more"
