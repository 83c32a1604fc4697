"""The stale sweep through the real client against the GitHub test server: a full pass within budget,
runs under GITHUB_TOKEN's hourly 1,000 calls, marking then closing, people coming back, exemptions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from devflow_action.app.stale import stale
from devflow_action.exits import Exit

from .ghserver import GitHubTestServer
from .ghserver.bulk import add_issues
from .sweep_helpers import ago, big_server, closed, comments_with, labeled, sweep

pytestmark = pytest.mark.integration

STALE = "version: 1\nstale: {after_days: 60, close_after_days: 14, exempt_labels: [pinned]}\n"
MARK, CLOSE = "<!-- devflow:stale -->", "<!-- devflow:stale-close -->"


def varied(server: GitHubTestServer, count: int, span: int = 200) -> set[int]:
    """``count`` open issues last updated 0 to ``span`` days ago (a few minutes apart), every 25th
    pinned; returns the numbers due for marking (not updated for 60 days, not pinned)."""
    add_issues(
        server.state,
        count,
        lambda i: {"created_at": ago(400), "updated_at": ago((i * 7) % span, minutes=i),
                   "labels": ["pinned"] if i % 25 == 0 else []},
    )  # fmt: skip
    return {n for n, issue in server.state.issues.items() if issue.updated_at <= ago(60) and not issue.labels}


def premark(server: GitHubTestServer, numbers: set[int], days: int) -> None:
    """Items Devflow marked ``days`` ago: the label, its `labeled` event and the comment."""
    state = server.state
    for n in numbers:
        state.issues[n].labels.append(state.add_label("stale").name)
        state.add_event(n, "labeled", label=state.label("stale")).created_at = ago(days)
        state.add_comment(n, f"Marked stale.\n\n{MARK}", user=state.actor, created_at=ago(days))
        state.issues[n].updated_at = ago(days)


def test_a_full_pass_over_500_open_issues_takes_at_most_800_calls_and_marks_every_due_one(
    gh_server_factory: Callable[..., GitHubTestServer],
) -> None:
    gh_server = big_server(gh_server_factory)
    due = varied(gh_server, 500)
    result, code = sweep(gh_server, stale, STALE, max_operations=1000)
    assert code == Exit.OK and result.complete
    assert labeled(gh_server, "stale") == dict.fromkeys(due, 1)
    assert comments_with(gh_server, MARK) == dict.fromkeys(due, 1)
    assert result.calls <= 800  # actions/stale: 1,444 calls, and 32 items never looked at
    # the writes, the labels read, 5 pages of 100 old items, 1 page of marked ones updated since
    assert result.calls == 2 * len(due) + 1 + 5 + 1
    again, code = sweep(gh_server, stale, STALE, max_operations=1000)
    assert code == Exit.OK and again.writes == 0  # a re-run changes nothing


def test_500_issues_under_a_1000_call_hourly_budget_every_run_exits_0_or_2_and_none_is_handled_twice(
    gh_server_factory: Callable[..., GitHubTestServer],
) -> None:
    gh_server = big_server(gh_server_factory)
    from .ghserver import Faults

    due = varied(gh_server, 500, span=365)
    some = sorted(due)[:80]
    to_close, waiting = set(some[::2]), set(some[1::2])
    premark(gh_server, to_close, days=20)  # due to close
    premark(gh_server, waiting, days=5)  # not yet: its history is read each run, nothing written
    to_mark = due - set(some)
    # GITHUB_TOKEN's 1,000 calls an hour, of which the event-driven runs take 300
    gh_server.faults = Faults(rate_limit_after=700, rate_limit_reset_in=3600)
    codes, stops = [], []
    for hour in range(12):  # a run an hour, as a schedule would
        result, code = sweep(gh_server, stale, STALE, max_operations=300, days_later=hour / 24)
        codes.append(code)
        stops.append(result.stopped)
        assert code in (Exit.OK, Exit.STOPPED)
        if code == Exit.OK:
            break
        if "rate limit" in (result.stopped or ""):
            gh_server.reset_rate_limit()  # the next hour
    assert codes[-1] == Exit.OK and len(codes) > 2
    assert any("rate limit" in (s or "") for s in stops) and any("max-operations" in (s or "") for s in stops)
    assert labeled(gh_server, "stale") == dict.fromkeys(due, 1)  # the marked ones: their one seeded event
    assert comments_with(gh_server, MARK) == dict.fromkeys(due, 1)
    assert closed(gh_server) == dict.fromkeys(to_close, 1)
    assert comments_with(gh_server, CLOSE) == dict.fromkeys(to_close, 1)
    assert all(gh_server.state.issues[n].state == "open" for n in to_mark | waiting)


def test_the_budget_runs_out_in_the_middle_of_a_page_and_the_next_hour_continues(
    gh_server_factory: Callable[..., GitHubTestServer],
) -> None:
    gh_server = big_server(gh_server_factory)
    from .ghserver import Faults

    due = varied(gh_server, 300)
    gh_server.faults = Faults(rate_limit_after=151, rate_limit_reset_in=3600)
    first, code = sweep(gh_server, stale, STALE, max_operations=1000)
    assert code == Exit.STOPPED and "rate limit" in (first.stopped or "")
    assert 0 < len(labeled(gh_server, "stale")) < len(due)
    gh_server.reset_rate_limit()
    gh_server.faults = Faults()
    _, code = sweep(gh_server, stale, STALE, max_operations=1000, days_later=1 / 24)  # an hour later
    assert code == Exit.OK
    assert labeled(gh_server, "stale") == dict.fromkeys(due, 1)
    assert comments_with(gh_server, MARK) == dict.fromkeys(due, 1)  # the item in flight got its comment too


def test_marked_items_are_closed_after_close_after_days_and_people_coming_back_unmark_them(
    gh_server: GitHubTestServer,
) -> None:
    add_issues(gh_server.state, 4, lambda i: {"created_at": ago(300), "updated_at": ago(100, minutes=i)})
    sweep(gh_server, stale, STALE)
    assert labeled(gh_server, "stale") == dict.fromkeys(range(1, 5), 1)
    state = gh_server.state
    state.add_comment(1, "Still happening on 2.3!", user="alice")  # a person: unmarks
    state.add_comment(2, "Bump", user="renovate[bot]")  # a bot: does not count
    state.add_comment(3, "Reminder <!-- devflow:run:triage:0 -->", user="maintainer")  # Devflow's own text
    for n in (1, 2, 3):
        state.issues[n].updated_at = state.now()
    waiting, code = sweep(gh_server, stale, STALE, days_later=5)
    assert code == Exit.OK
    assert [(i.ref, i.changes) for i in waiting.items if i.changes] == [("#1", ("-stale",))]
    assert state.issues[1].labels == [] and state.issues[2].labels == ["stale"]
    reads = [r.path.split("?")[0].rsplit("/", 2)[-2:] for r in gh_server.requests if r.method == "GET"]
    # #4's last update is its marking comment (one listing of the repository's comments shows it); the
    # others were updated since, and only their history says by whom
    assert [r for r in reads if r[1] in ("timeline", "comments")] == [
        ["issues", "comments"], ["1", "timeline"], ["2", "timeline"], ["3", "timeline"],
    ]  # fmt: skip
    _, code = sweep(gh_server, stale, STALE, days_later=15)
    assert code == Exit.OK
    assert sorted(closed(gh_server)) == [2, 3, 4] and state.issues[1].state == "open"
    assert state.issues[2].state_reason == "not_planned"
    assert comments_with(gh_server, CLOSE) == dict.fromkeys([2, 3, 4], 1)


def test_a_run_stopped_between_the_label_and_its_comment_posts_the_comment_next_time(
    gh_server: GitHubTestServer,
) -> None:
    add_issues(gh_server.state, 1, lambda i: {"created_at": ago(300), "updated_at": ago(), "labels": ["stale"]})
    gh_server.state.add_event(1, "labeled", label=gh_server.state.label("stale"))  # by Devflow, just now
    result, code = sweep(gh_server, stale, STALE, days_later=1)
    assert code == Exit.OK and result.items[0].changes == ("comment",)
    assert comments_with(gh_server, MARK) == {1: 1} and gh_server.state.issues[1].state == "open"
    again, _ = sweep(gh_server, stale, STALE, days_later=2)
    assert again.writes == 0


def test_exemptions_labels_assignees_milestones_drafts_and_conditions(gh_server: GitHubTestServer) -> None:
    from .ghserver.state import Milestone

    old: dict[str, Any] = {"created_at": ago(300), "updated_at": ago(100)}
    s = gh_server.state
    s.add_issue("pinned", labels=["Pinned"], **old)  # exempt_labels match ignoring case
    s.add_issue("assigned", assignees=["octocat"], **old)
    s.add_issue("milestone", milestone=Milestone(1, "v1"), **old)
    s.add_pull("draft", draft=True, **old)
    s.add_issue("security report", **old)
    s.add_issue("plain", **old)
    s.add_pull("plain pr", **old)
    config = """version: 1
stale:
  after_days: 30
  exempt_labels: [pinned]
  exempt_assignees: true
  exempt_milestones: true
  exempt_draft: true
  exempt_if: {title: {contains: security}}
"""
    result, _ = sweep(gh_server, stale, config)
    assert sorted(labeled(gh_server, "stale")) == [6, 7]
    assert [i.detail for i in result.items[:5]] == [
        "exempt: exempt: label 'Pinned'", "exempt: exempt: assigned", "exempt: exempt: has a milestone",
        "exempt: exempt: draft", "exempt: exempt: title contains 'security'",
    ]  # fmt: skip
    only_prs, _ = sweep(gh_server, stale, config.replace("after_days: 30", "after_days: 30\n  only_prs: true"),
                        dry_run=True)  # fmt: skip
    assert only_prs.writes == 0 and gh_server.state.issues[6].labels == ["stale"]


def test_the_stale_label_is_the_repositorys_own_spelling(gh_server: GitHubTestServer) -> None:
    gh_server.state.add_label("Stale", color="bbbbbb")
    add_issues(gh_server.state, 2, lambda i: {"created_at": ago(300), "updated_at": ago(100, minutes=i)})
    sweep(gh_server, stale, STALE)
    assert [i.labels for i in gh_server.state.issues.values()] == [["Stale"], ["Stale"]]
    assert len(gh_server.state.labels) == 1


def test_a_dry_run_writes_nothing(gh_server_factory: Callable[..., GitHubTestServer]) -> None:
    gh_server = big_server(gh_server_factory)
    varied(gh_server, 120)
    result, code = sweep(gh_server, stale, STALE, dry_run=True, max_operations=1000)
    assert code == Exit.OK and gh_server.writes == [] and result.count("dry-run") > 0


def test_items_updated_in_the_last_minute_wait_for_the_next_run(gh_server: GitHubTestServer) -> None:
    add_issues(gh_server.state, 1, lambda i: {"created_at": ago(300), "labels": ["stale"],
                                              "updated_at": datetime.now(UTC) - timedelta(seconds=5)})  # fmt: skip
    result, _ = sweep(gh_server, stale, STALE)
    assert result.items == [] and gh_server.writes == []


def test_items_waiting_to_close_cost_one_comments_listing_not_a_read_each(
    gh_server_factory: Callable[..., GitHubTestServer],
) -> None:
    gh_server = big_server(gh_server_factory)
    add_issues(gh_server.state, 250, lambda i: {"created_at": ago(300), "updated_at": ago(100, minutes=i)})
    sweep(gh_server, stale, STALE, max_operations=1000)
    gh_server.state.add_comment(7, "I still need this", user="alice")
    gh_server.state.issues[7].updated_at = gh_server.state.now()
    gh_server.clear_log()
    result, code = sweep(gh_server, stale, STALE, days_later=5)
    assert code == Exit.OK and [(i.ref, i.changes) for i in result.items if i.changes] == [("#7", ("-stale",))]
    timelines = [r.path.split("?")[0] for r in gh_server.requests if r.path.split("?")[0].endswith("/timeline")]
    assert timelines == ["/repos/octo-org/octo-repo/issues/7/timeline"]  # not one read per waiting item
    # labels, the old-items listing (empty), ~3 pages of marked items, ~3 of comments (more when a page
    # is all one second: this test marks 250 items in about one), #7's history, the unmark
    assert result.calls <= 1 + 1 + 4 + 4 + 1 + 1
