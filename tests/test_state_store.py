"""The store's contract, on both backends (real servers): records, the ledger's semantics, metrics
timestamps, sweep cursors, checklist progress, the facts cache."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from devflow_action.ledger import StateUnavailable
from devflow_action.plan import RuleResult
from devflow_action.state import open_store
from devflow_action.state.model import EventRecord, ItemTimes, OperationRecord, RunRecord, StateStore

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(make_url: Callable[..., str]) -> Iterator[StateStore]:
    s = open_store(make_url())
    assert s is not None
    yield s
    s.close()


def run_record(key: str = "run:1", attempt: int = 1, number: int = 7, at: datetime = T0) -> RunRecord:
    return RunRecord(
        EventRecord(key, "octo/repo", "issues.opened", at, attempt, "issue", number, "alice", at),
        (RuleResult("bugs", True, matched_conditions=("title matches 'bug'",)),
         RuleResult("docs", False, missing_conditions=("files any 'docs/**'",))),
        (OperationRecord({"type": "add_labels", "labels": ["bug"]}, "applied"),),
    )  # fmt: skip


def test_an_event_is_recorded_once_per_attempt(store: StateStore) -> None:
    assert store.record_run(run_record()) is True
    assert store.record_run(run_record()) is False  # a replay of the same attempt
    assert store.record_run(run_record(attempt=2, at=T0 + timedelta(minutes=1))) is True
    events = store.recent_events("octo/repo")
    assert [(e.event_key, e.attempt, e.kind, e.number, e.actor) for e in events] == [
        ("run:1", 2, "issues.opened", 7, "alice"),
        ("run:1", 1, "issues.opened", 7, "alice"),
    ]
    assert store.recent_events("someone/else") == []


def test_text_with_nul_bytes_from_a_payload_is_recorded(store: StateStore) -> None:
    record = run_record()
    bad = RunRecord(
        record.event, (RuleResult("r\x00", True),), (OperationRecord({"type": "comment", "body": "a\x00b"}, "applied"),)
    )
    assert store.record_run(bad) is True


def test_ledger_claims_once_and_remembers_what_was_done(store: StateStore) -> None:
    first = store.ledger("run:1", 1, "octo/repo", 7)
    assert first.claim(["add_labels:bug", "comment:abc"]) == {"add_labels:bug": "claimed", "comment:abc": "claimed"}
    other = store.ledger("run:1", 1, "octo/repo", 7)  # a second run of the same attempt, racing
    assert other.claim(["add_labels:bug"]) == {"add_labels:bug": "busy"}
    first.done(["add_labels:bug"], "applied")
    first.release(["comment:abc"])  # its write failed: free for a re-run
    assert other.claim(["add_labels:bug", "comment:abc"]) == {"add_labels:bug": "done", "comment:abc": "claimed"}


def test_a_claim_left_by_an_earlier_attempt_is_taken_over(store: StateStore) -> None:
    crashed = store.ledger("run:1", 1, "octo/repo", 7)
    crashed.claim(["add_labels:bug"])
    rerun = store.ledger("run:1", 2, "octo/repo", 7)
    assert rerun.claim(["add_labels:bug"]) == {"add_labels:bug": "claimed"}
    rerun.done(["add_labels:bug"], "applied")
    crashed.done(["add_labels:bug"], "applied")  # the old owner can no longer touch it
    assert store.ledger("run:1", 3, "octo/repo", 7).claim(["add_labels:bug"]) == {"add_labels:bug": "done"}


def test_a_stale_claim_of_the_same_attempt_is_taken_over_after_the_claim_ttl(store: StateStore, backend: str) -> None:
    crashed = store.ledger("delivery:d1", 1, "octo/repo", 7)
    crashed.claim(["comment:abc"])
    other = store.ledger("delivery:d1", 1, "octo/repo", 7)
    assert other.claim(["comment:abc"]) == {"comment:abc": "busy"}
    _age_claims(store, backend)
    assert other.claim(["comment:abc"]) == {"comment:abc": "claimed"}


def _age_claims(store: Any, backend: str) -> None:
    """As if CLAIM_TTL had passed: Postgres compares claimed_at, Redis lets the key expire."""
    if backend == "postgresql":
        store.conn.execute("UPDATE devflow.ledger SET claimed_at = claimed_at - interval '1 hour'")
    else:
        for key in store.r.scan_iter(match=f"{store.p}ledger:*"):
            store.r.delete(key)  # what EX does once the TTL passes
    # the TTL itself is the contract on Redis: a claim key carries it
    if backend == "redis":
        ledger = store.ledger("delivery:d2", 1, "octo/repo", 7)
        ledger.claim(["x"])
        assert 0 < store.r.ttl(f"{store.p}ledger:delivery:d2:x") <= 900


def test_first_response_keeps_the_earliest_and_its_responder(store: StateStore) -> None:
    store.note_times("octo/repo", 7, ItemTimes(opened_at=T0))
    store.note_times("octo/repo", 7, ItemTimes(first_response_at=T0 + timedelta(hours=3), first_responder="bob"))
    store.note_times("octo/repo", 7, ItemTimes(first_response_at=T0 + timedelta(hours=1), first_responder="carol"))
    store.note_times("octo/repo", 7, ItemTimes(first_response_at=T0 + timedelta(hours=2), first_responder="dave"))
    store.note_times("octo/repo", 7, ItemTimes(closed_at=T0 + timedelta(days=1), merged_at=T0 + timedelta(days=1)))
    store.note_times("octo/repo", 7, ItemTimes(merged_at=T0 + timedelta(days=9)))
    times = store.item_times("octo/repo", 7)
    assert times == ItemTimes(T0, T0 + timedelta(hours=1), "carol", T0 + timedelta(days=1), T0 + timedelta(days=1))
    assert store.item_times("octo/repo", 8) is None


def test_times_arrive_with_the_run_record(store: StateStore) -> None:
    record = run_record()
    store.record_run(RunRecord(record.event, times=ItemTimes(opened_at=T0 - timedelta(days=2))))
    times = store.item_times("octo/repo", 7)
    assert times is not None and times.opened_at == T0 - timedelta(days=2)


def test_sweep_cursor_is_kept_per_repository_and_sweep(store: StateStore) -> None:
    assert store.get_cursor("octo/repo", "stale") is None
    store.set_cursor("octo/repo", "stale", "page-3")
    store.set_cursor("octo/repo", "stale", "page-4")
    store.set_cursor("octo/repo", "triage", "x")
    assert (store.get_cursor("octo/repo", "stale"), store.get_cursor("other/repo", "stale")) == ("page-4", None)


def test_checklist_progress_per_contributor_and_pull_request(store: StateStore) -> None:
    store.set_checklist_item("octo/repo", 7, "alice", "tests", True)
    store.set_checklist_item("octo/repo", 7, "alice", "contributing", False)
    store.set_checklist_item("octo/repo", 7, "alice", "contributing", True)
    store.set_checklist_item("octo/repo", 8, "alice", "tests", False)
    store.set_checklist_item("octo/repo", 7, "bob", "tests", False)
    assert store.checklist("octo/repo", 7, "alice") == {"contributing": True, "tests": True}
    assert store.checklist("octo/repo", 8, "alice") == {"tests": False}
    assert store.checklist("octo/repo", 9, "alice") == {}


def test_facts_cache_answers_until_its_ttl(store: Any, backend: str) -> None:
    store.cache_fact("octo/repo", 7, "files", [{"filename": "a.py", "additions": 1}], ttl=60)
    assert store.cached_fact("octo/repo", 7, "files") == [{"filename": "a.py", "additions": 1}]
    assert store.cached_fact("octo/repo", 7, "reviews") is None
    if backend == "postgresql":
        store.conn.execute("UPDATE devflow.facts_cache SET expires_at = now() - interval '1 second'")
    else:
        assert 0 < store.r.ttl(f"{store.p}fact:octo/repo#7:files") <= 60
        store.r.delete(f"{store.p}fact:octo/repo#7:files")
    assert store.cached_fact("octo/repo", 7, "files") is None


def test_a_stopped_backend_is_state_unavailable_naming_the_url_without_its_password(
    make_url: Callable[..., str], server_address: tuple[str, int]
) -> None:
    from .tcpproxy import Proxy

    proxy = Proxy(*server_address)
    store = open_store(make_url(password="hunter2-pw", port=proxy.port))
    assert store is not None
    proxy.cut()
    with pytest.raises(StateUnavailable) as info:
        store.record_run(run_record())
    assert "failed recording the event" in str(info.value) and "hunter2-pw" not in str(info.value)
    assert ":***@" in str(info.value)
    store.close()
