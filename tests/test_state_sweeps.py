"""Sweeps with a state store (real Postgres and Redis, the GitHub test server through the real client): a
run stopped with work left saves a cursor, the next resumes from it with fewer calls and ends where a
run without a store ends; a changed config or query starts over; an item that changed before the
cursor, or whose decision time alone changes, is not skipped; a complete pass clears the cursor; the
action with a failing or a required, unreachable store."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from devflow_action.app.stale import stale
from devflow_action.app.sweep import SweepResult
from devflow_action.app.triage import triage
from devflow_action.exits import Exit
from devflow_action.state import open_store
from devflow_action.state.guard import Guarded

from .ghserver import GitHubTestServer
from .ghserver.bulk import add_issues
from .ghserver.state import utcnow
from .sweep_helpers import REPO, ago, big_server, comments_with, labeled, sweep
from .tcpproxy import Proxy
from .test_action_e2e import TOKEN, run_action
from .test_state_action import DOWN, PASSWORD, only_masked
from .test_sweep_stale import MARK, premark

pytestmark = pytest.mark.integration

STALE = "version: 1\nstale: {after_days: 60, close_after_days: 14, exempt_labels: [pinned]}\n"
BUGS = """version: 1
rules:
  - name: bugs
    on: issues.opened
    if: {title: {contains: crash}}
    then: [{label: bug}]
"""


@pytest.fixture
def store(make_url: Callable[..., str]) -> Iterator[Guarded]:
    """The run's store as the action hands it to a sweep (guarded)."""
    inner = open_store(make_url())
    assert inner is not None
    guarded = Guarded(inner, "the test store")
    yield guarded
    guarded.close()


def cursor_of(store: Guarded, sweep_name: str) -> dict[str, Any] | None:
    raw = store.get_cursor(REPO, sweep_name)
    return json.loads(raw) if raw else None


def pinned_then_due(server: GitHubTestServer) -> None:
    """500 old pinned issues (exempt: every run without a cursor pages past them), then 60 due ones."""
    add_issues(server.state, 560, lambda i: {"created_at": ago(800), "updated_at": ago(700 - i / 2),
                                             "labels": ["pinned"] if i < 500 else []})  # fmt: skip


def until_done(server: GitHubTestServer, run: Callable[[], SweepResult], most: int = 20) -> list[SweepResult]:
    results = [run()]
    while not results[-1].complete:
        assert len(results) < most, results[-1].stopped
        results.append(run())
    return results


def test_a_stopped_stale_run_leaves_a_cursor_and_the_next_resumes_from_it_with_fewer_calls(
    gh_server_factory: Callable[..., GitHubTestServer], store: Guarded
) -> None:
    plain, kept = big_server(gh_server_factory), big_server(gh_server_factory)
    for server in (plain, kept):
        pinned_then_due(server)
    first, code = sweep(kept, stale, STALE, max_operations=40, store=store)
    assert code == Exit.STOPPED and first.count("changed") == 20
    left = kept.state.issues[521]  # the 500 pinned, 20 marked: the 21st due one was left
    cursor = cursor_of(store, "stale")
    assert cursor is not None and cursor["position"] == left.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert "cursor saved in the state store: the next run starts at " in first.notes[-1]
    sweep(plain, stale, STALE, max_operations=40)

    without, _ = sweep(plain, stale, STALE, max_operations=40)
    resumed, _ = sweep(kept, stale, STALE, max_operations=40, store=store)
    assert resumed.notes[0].startswith("resumed from the state store's cursor at ")
    # both mark the next 20; without the cursor the run pages past the 500 pinned issues again
    assert [i.ref for i in resumed.items if i.status == "changed"] == [
        i.ref for i in without.items if i.status == "changed"
    ]
    assert without.calls - resumed.calls == 5

    rest_plain = until_done(plain, lambda: sweep(plain, stale, STALE, max_operations=40)[0])
    rest_kept = until_done(kept, lambda: sweep(kept, stale, STALE, max_operations=40, store=store)[0])
    due = dict.fromkeys(range(501, 561), 1)
    assert labeled(plain, "stale") == labeled(kept, "stale") == due  # nothing skipped, nothing twice
    assert comments_with(plain, MARK) == comments_with(kept, MARK) == due
    assert sum(r.calls for r in rest_kept) < sum(r.calls for r in rest_plain)
    assert store.get_cursor(REPO, "stale") == ""  # the complete pass cleared it
    assert "the pass is complete: cursor cleared" in rest_kept[-1].notes[-1]


def test_a_changed_stale_config_starts_over(gh_server_factory: Callable[..., GitHubTestServer], store: Guarded) -> None:
    server = big_server(gh_server_factory)
    pinned_then_due(server)
    sweep(server, stale, STALE, max_operations=40, store=store)
    server.clear_log()
    changed = STALE.replace("exempt_labels: [pinned]", "exempt_labels: [pinned, roadmap]")
    again, _ = sweep(server, stale, changed, max_operations=40, store=store)
    assert again.notes[0] == "the configuration or the query changed since the cursor was saved: started over"
    listings = [r.path for r in server.requests if r.path.startswith(f"/repos/{REPO}/issues?")]
    assert "since=" not in listings[0]  # from the oldest item
    assert again.count("changed") == 20


def test_an_item_whose_decision_time_alone_changes_is_not_passed_by_the_cursor(
    gh_server: GitHubTestServer, store: Guarded
) -> None:
    """#2 is not idle long enough when the first run passes it; by the next run it is, and no update
    of its own would list it again: the cursor stays at it, not at #3, which was left."""
    add_issues(gh_server.state, 3, lambda i: {"created_at": ago(300),
                                               "updated_at": [ago(100), ago(60, minutes=-60), ago(40)][i]})  # fmt: skip
    premark(gh_server, {3}, days=40)  # due to close
    first, code = sweep(gh_server, stale, STALE, max_operations=2, store=store)
    assert code == Exit.STOPPED and [i.status for i in first.items] == ["changed", "unchanged", "left"]
    cursor = cursor_of(store, "stale")
    assert cursor is not None and cursor["position"] == ago(60, minutes=-60).strftime("%Y-%m-%dT%H:%M:%SZ")
    later, _ = sweep(gh_server, stale, STALE, max_operations=2, days_later=0.1, store=store)
    assert later.items[0].ref == "#2" and later.items[0].changes == ("+stale", "comment")
    until_done(gh_server, lambda: sweep(gh_server, stale, STALE, max_operations=2, days_later=0.1, store=store)[0])
    assert labeled(gh_server, "stale") == {1: 1, 2: 1, 3: 1} and gh_server.state.issues[3].state == "closed"


def crashes(server: GitHubTestServer) -> None:
    """600 unlabelled issues a minute apart, every 40th a crash (the rules label those only)."""
    add_issues(server.state, 600, lambda i: {"created_at": ago(400, -i),
                                             "title": "App crash" if i % 40 == 39 else f"Idea {i}"})  # fmt: skip


def test_a_stopped_triage_resumes_from_its_cursor_and_triages_again_an_item_changed_before_it(
    gh_server_factory: Callable[..., GitHubTestServer], store: Guarded
) -> None:
    plain, kept = big_server(gh_server_factory), big_server(gh_server_factory)
    for server in (plain, kept):
        crashes(server)
    later = timedelta()

    def run(server: GitHubTestServer, with_store: bool) -> SweepResult:
        return sweep(server, triage, BUGS, max_operations=5, days_later=later.total_seconds() / 86400,
                     store=store if with_store else None)[0]  # fmt: skip

    first = run(kept, True)
    run(plain, False)
    assert first.stopped and first.items[-1].ref == "#240" and first.items[-1].status == "left"
    cursor = cursor_of(store, "triage")
    assert cursor is not None and cursor["position"] == kept.state.issues[240].created_at.strftime("%Y-%m-%dT%H:%M:%SZ")

    # an hour later: a person took the label off #40 (before the cursor), so it matches the query again
    later = timedelta(hours=1)
    for server in (plain, kept):
        server.state.now = lambda: utcnow() + later
        issue = server.state.issues[40]
        issue.labels.clear()
        issue.updated_at = server.state.now()
    without, resumed = run(plain, False), run(kept, True)
    assert [i.ref for i in resumed.items if i.status == "changed"] == ["#40", "#240", "#280", "#320", "#360"]
    assert [i.ref for i in without.items if i.status == "changed"] == ["#40", "#240", "#280", "#320", "#360"]
    assert resumed.calls < without.calls

    rest_plain = until_done(plain, lambda: run(plain, False))
    rest_kept = until_done(kept, lambda: run(kept, True))
    bugs = {n: 1 for n in range(40, 601, 40)} | {40: 2}
    assert labeled(plain, "bug") == labeled(kept, "bug") == bugs
    assert sum(r.calls for r in rest_kept) <= sum(r.calls for r in rest_plain)
    assert store.get_cursor(REPO, "triage") == ""


def test_a_changed_triage_query_starts_over(gh_server_factory: Callable[..., GitHubTestServer], store: Guarded) -> None:
    server = big_server(gh_server_factory)
    crashes(server)
    sweep(server, triage, BUGS, max_operations=5, store=store)
    again, _ = sweep(server, triage, BUGS, max_operations=5, store=store, query="is:open no:label crash")
    assert again.notes[0] == "the configuration or the query changed since the cursor was saved: started over"
    assert again.items[0].ref == "#240"  # the crashes from the oldest: the first five are labelled


def test_rules_that_read_time_are_never_resumed_past(gh_server: GitHubTestServer, store: Guarded) -> None:
    add_issues(gh_server.state, 4, lambda i: {"created_at": ago(10 - i)})
    rules = BUGS.replace("if: {title: {contains: crash}}", "if: {age_days: {at_least: 8}}")
    result, code = sweep(gh_server, triage, rules, max_operations=1, store=store)
    assert code == Exit.STOPPED
    assert result.notes == [
        "not resumed from the state store: the rules read age_days at least 8, which can change while an item "
        "is not updated"
    ]
    assert store.get_cursor(REPO, "triage") is None


# --- the action ------------------------------------------------------------------------------------

SCHEDULED = STALE + "labels: {stale: {color: ededed}}\n"


@pytest.fixture
def server(gh_server_factory: Any) -> GitHubTestServer:
    s: GitHubTestServer = gh_server_factory(token=TOKEN)
    return s


def schedule() -> dict[str, Any]:
    from .ghserver.seed import load_payload

    return load_payload("workflow_dispatch")  # GitHub publishes no `schedule` payload; only the name is read


def test_a_store_failing_mid_sweep_leaves_the_github_work_done_and_says_what_was_not_recorded(
    tmp_path: Path, server: GitHubTestServer, make_url: Callable[..., str], server_address: tuple[str, int]
) -> None:
    add_issues(server.state, 6, lambda i: {"created_at": ago(300), "updated_at": ago(100 - i)})
    proxy = Proxy(*server_address)
    real = server.handle

    def stop_the_store_at_the_first_request(*args: Any) -> Any:
        proxy.cut()
        return real(*args)

    server.handle = stop_the_store_at_the_first_request  # type: ignore[method-assign,assignment]
    run = run_action(tmp_path, server, "schedule", schedule(), config=STALE,
                     inputs={"orchestration-url": make_url(password=PASSWORD, port=proxy.port), "max-operations": "4"},
                     env={"DEVFLOW_WRITE_INTERVAL": "0"})  # fmt: skip
    assert run.code == 2, run.stdout + run.stderr  # stopped at max-operations: work left
    assert labeled(server, "stale") == {1: 1, 2: 1}  # the GitHub work did not depend on the store
    warnings = [line for line in run.stdout.splitlines() if line.startswith("::warning::Devflow: the state store")]
    assert len(warnings) == 1 and "not recorded: reading the stale cursor; the stale sweep's cursor" in warnings[0]
    assert "- not recorded: the stale sweep's cursor" in run.summary
    assert "The GitHub work above did not depend on it and was done." in run.summary
    only_masked(run, PASSWORD)


def test_a_sweep_with_the_store_records_its_cursor_and_says_so(
    tmp_path: Path, server: GitHubTestServer, make_url: Callable[..., str]
) -> None:
    add_issues(server.state, 6, lambda i: {"created_at": ago(300), "updated_at": ago(100 - i)})
    inputs = {"orchestration-url": make_url(password=PASSWORD), "max-operations": "4"}
    run = run_action(tmp_path, server, "schedule", schedule(), config=STALE, inputs=inputs,
                     env={"DEVFLOW_WRITE_INTERVAL": "0"})  # fmt: skip
    assert run.code == 2, run.stdout + run.stderr
    assert "State: recorded in " in run.summary and "the stale sweep's cursor" in run.summary
    assert "- cursor saved in the state store: the next run starts at " in run.summary
    again = run_action(tmp_path, server, "schedule", schedule(), config=STALE, inputs=inputs,
                       env={"DEVFLOW_WRITE_INTERVAL": "0"})  # fmt: skip
    assert "- resumed from the state store's cursor at " in again.summary
    assert labeled(server, "stale") == {1: 1, 2: 1, 3: 1, 4: 1}
    only_masked(again, PASSWORD)


def test_a_required_unreachable_store_stops_a_sweep_before_anything_is_written(
    tmp_path: Path, server: GitHubTestServer
) -> None:
    add_issues(server.state, 3, lambda i: {"created_at": ago(300), "updated_at": ago(100 - i)})
    run = run_action(tmp_path, server, "schedule", schedule(), config=STALE,
                     inputs={"orchestration-url": DOWN, "state-required": "true"})  # fmt: skip
    assert run.code == 2, run.stdout + run.stderr
    assert server.requests == [] and labeled(server, "stale") == {}
    assert "failed connecting" in run.stdout
    only_masked(run, PASSWORD)
