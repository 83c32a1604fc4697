"""What the digest reads from the store, on both backends (real servers): since when each event kind
has been recorded, the items whose first response or merge fell in a period, and the events recorded
per window; and that a store failing mid-read answers "nothing known" through the run's guard."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from devflow_action.state import open_store
from devflow_action.state.guard import Guarded
from devflow_action.state.model import EventRecord, ItemTimes, RunRecord, StateStore

DAY = timedelta(days=1)
MONDAY = datetime(2024, 3, 4, tzinfo=UTC)


@pytest.fixture
def store(make_url: Callable[..., str]) -> Iterator[StateStore]:
    s = open_store(make_url())
    assert s is not None
    yield s
    s.close()


def event(key: str, kind: str, at: datetime, repository: str = "octo/repo", number: int = 1) -> RunRecord:
    return RunRecord(EventRecord(key, repository, kind, at, 1, "issue", number, "alice", at))


def test_recording_since_is_the_first_record_of_each_kind_per_repository(store: StateStore) -> None:
    assert store.recording_since("octo/repo") == {}
    store.record_run(event("run:2", "issue_comment.created", MONDAY + 2 * DAY))
    store.record_run(event("run:1", "issue_comment.created", MONDAY + DAY))  # recorded out of order
    store.record_run(event("run:3", "issues.opened", MONDAY + 3 * DAY))
    store.record_run(event("run:1", "issue_comment.created", MONDAY))  # a replay: not a new record
    store.record_run(event("run:4", "issues.opened", MONDAY - 9 * DAY, repository="other/repo"))
    assert store.recording_since("octo/repo") == {
        "issue_comment.created": MONDAY + DAY,
        "issues.opened": MONDAY + 3 * DAY,
    }


def test_events_are_counted_per_window(store: StateStore) -> None:
    for n, at in enumerate([MONDAY - DAY, MONDAY, MONDAY + timedelta(hours=23), MONDAY + 8 * DAY, MONDAY + 14 * DAY]):
        store.record_run(event(f"run:{n}", "issues.opened", at))
    store.record_run(event("run:x", "issues.opened", MONDAY, repository="other/repo"))
    bounds = [MONDAY, MONDAY + 7 * DAY, MONDAY + 14 * DAY]
    assert store.count_events("octo/repo", bounds) == [2, 1]  # the day before and the day after are outside
    assert store.count_events("octo/repo", [MONDAY - DAY, MONDAY + 21 * DAY]) == [5]
    assert store.count_events("nobody/here", bounds) == [0, 0]


def test_items_are_found_by_when_their_first_response_or_merge_fell(store: StateStore) -> None:
    opened = MONDAY - 30 * DAY  # long before the period: what a window's read from GitHub does not see
    answered = ItemTimes(opened_at=opened, first_response_at=MONDAY + DAY, first_responder="maint")
    merged = ItemTimes(opened_at=opened, first_response_at=opened + DAY, first_responder="maint",
                       closed_at=MONDAY + 2 * DAY, merged_at=MONDAY + 2 * DAY)  # fmt: skip
    store.note_times("octo/repo", 1, answered)
    store.note_times("octo/repo", 2, merged)
    store.note_times("octo/repo", 3, ItemTimes(opened_at=MONDAY + DAY))  # opened in it, never answered
    store.note_times("octo/repo", 4, ItemTimes(opened_at=opened, first_response_at=MONDAY + 7 * DAY))  # at the end
    store.note_times("other/repo", 1, answered)
    assert store.times_between("octo/repo", MONDAY, MONDAY + 7 * DAY) == {1: answered, 2: merged}
    # an earlier response recorded later moves the item out of the period
    store.note_times("octo/repo", 1, ItemTimes(first_response_at=MONDAY - DAY, first_responder="octo-org"))
    assert list(store.times_between("octo/repo", MONDAY, MONDAY + 7 * DAY)) == [2]


def test_a_store_that_fails_mid_read_answers_nothing_known_and_says_what_was_not_read(
    make_url: Callable[..., str], server_address: tuple[str, int]
) -> None:
    from .tcpproxy import Proxy

    proxy = Proxy(*server_address)
    inner = open_store(make_url(port=proxy.port))
    assert inner is not None
    inner.record_run(event("run:1", "issues.opened", MONDAY))
    guard = Guarded(inner, "the store")
    assert guard.recording_since("octo/repo") == {"issues.opened": MONDAY}
    proxy.cut()
    assert guard.count_events("octo/repo", [MONDAY, MONDAY + 7 * DAY]) == []
    assert guard.times_between("octo/repo", MONDAY, MONDAY + 7 * DAY) == {}
    assert guard.recording_since("octo/repo") == {}
    assert guard.unrecorded == ["reading the digest's history"] * 3 and len(guard.problems) == 1
    guard.close()
