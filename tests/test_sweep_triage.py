"""Manual triage (`command: triage`) through the real client against the GitHub test server: resumed
passes under `max-operations`, a rate limit in the middle of a page, dry runs, re-runs, numbers."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from devflow_action.app.triage import parse_numbers, triage
from devflow_action.exits import Exit, UsageError

from .ghserver import Faults, GitHubTestServer
from .ghserver.bulk import add_issues
from .sweep_helpers import ago, big_server, comments_with, labeled, sweep

pytestmark = pytest.mark.integration

RULES = """version: 1
rules:
  - name: everything needs triage
    on: issues.opened
    then: [{label: needs-triage}]
  - name: bugs
    on: issues.opened
    if: {title: {contains: crash}}
    then: [{label: bug}]
"""


def backlog(server: GitHubTestServer, count: int, title: str = "Issue {i}") -> None:
    """``count`` unlabelled open issues, oldest first, a minute apart."""
    add_issues(server.state, count, lambda i: {"title": title.format(i=i), "created_at": ago(400, -i)})


def test_300_unlabelled_issues_in_resumed_passes_of_50_each_labelled_exactly_once(
    gh_server_factory: Callable[..., GitHubTestServer],
) -> None:
    gh_server = big_server(gh_server_factory)
    backlog(gh_server, 300, "Issue {i}: app crash")
    codes = []
    while True:
        result, code = sweep(gh_server, triage, RULES, max_operations=50)
        codes.append(code)
        assert result.writes <= 50
        if code == Exit.OK:
            break
        assert code == Exit.STOPPED and result.stopped == "max-operations (50 writes) reached"
        assert len(codes) < 10
    # five runs stop at the cap with work left; the sixth labels the last 50 and reaches the end
    assert codes == [Exit.STOPPED] * 5 + [Exit.OK] and result.complete
    assert labeled(gh_server, "needs-triage") == dict.fromkeys(range(1, 301), 1)
    assert labeled(gh_server, "bug") == dict.fromkeys(range(1, 301), 1)
    assert len(gh_server.writes) == 300  # both labels in one request per issue
    again, code = sweep(gh_server, triage, RULES, max_operations=50)
    assert code == Exit.OK and again.writes == 0 and again.calls == 1  # one search: nothing matches any more


def test_progress_lines_count_the_matches_and_show_the_changes(gh_server: GitHubTestServer) -> None:
    backlog(gh_server, 3)
    gh_server.state.issues[2].title = "It crashes: crash"
    lines: list[str] = []
    sweep(gh_server, triage, RULES, lines=lines)
    assert lines == ["[1/3] #1 +needs-triage", "[2/3] #2 +needs-triage +bug", "[3/3] #3 +needs-triage"]


def test_items_the_rules_leave_unlabelled_are_done_not_redone_and_the_run_ends(gh_server: GitHubTestServer) -> None:
    backlog(gh_server, 60, "Question {i}")
    comment_only = """version: 1
rules:
  - name: ask for details
    on: issues.opened
    if: {title: {contains: question}}
    then: [{comment: "Thanks! Which version do you use?"}]
"""
    first, code = sweep(gh_server, triage, comment_only, max_operations=40)
    assert code == Exit.STOPPED and first.writes == 40
    second, code = sweep(gh_server, triage, comment_only, max_operations=40)
    assert code == Exit.OK and second.complete and second.writes == 20
    third, code = sweep(gh_server, triage, comment_only, max_operations=40)
    assert code == Exit.OK and third.writes == 0  # the hidden `triage` marker says each is done
    assert comments_with(gh_server, "Which version") == dict.fromkeys(range(1, 61), 1)
    assert all(
        re.search(r"<!-- devflow:run:triage:[0-9a-f]{16} -->", c.body) for c in gh_server.state.comments.values()
    )


def test_rate_limit_in_the_middle_of_a_search_page_stops_cleanly_and_the_next_run_resumes(
    gh_server_factory: Callable[..., GitHubTestServer],
) -> None:
    gh_server = big_server(gh_server_factory)
    backlog(gh_server, 150)
    gh_server.faults = Faults(rate_limit_after=37, rate_limit_reset_in=3600)  # the 38th core call is refused
    first, code = sweep(gh_server, triage, RULES, max_operations=500)
    assert code == Exit.STOPPED and first.stopped is not None and "rate limit" in first.stopped
    assert [i.status for i in first.items][-2:] == ["changed", "left"]  # the item in flight is left whole
    assert sorted(labeled(gh_server, "needs-triage")) == list(range(1, 38))
    gh_server.reset_rate_limit()
    gh_server.faults = Faults()
    second, code = sweep(gh_server, triage, RULES, max_operations=500)
    assert code == Exit.OK and second.complete
    assert labeled(gh_server, "needs-triage") == dict.fromkeys(range(1, 151), 1)


def test_the_search_rate_limit_is_waited_out_when_its_minute_is_nearly_over(gh_server: GitHubTestServer) -> None:
    from dataclasses import replace

    from .integration_helpers import FAST

    backlog(gh_server, 250)
    gh_server.search_limit.limit = 1  # GitHub allows 30 searches a minute; here one, then a wait
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        gh_server.search_limit.new_window()  # the minute passes

    result, code = sweep(gh_server, triage, RULES, dry_run=True, max_operations=500,
                         policy=replace(FAST, max_wait=61.0, sleep=sleep))  # fmt: skip
    assert code == Exit.OK and result.complete and len(result.items) == 250
    assert len(waits) == 2 and all(0 < w <= 62 for w in waits)  # before the 2nd and the 3rd search


def test_a_dry_run_shows_every_plan_and_writes_nothing(gh_server_factory: Callable[..., GitHubTestServer]) -> None:
    gh_server = big_server(gh_server_factory)
    backlog(gh_server, 120)
    lines: list[str] = []
    result, code = sweep(gh_server, triage, RULES, dry_run=True, max_operations=500, lines=lines)
    assert code == Exit.OK and gh_server.writes == [] and result.writes == 0
    assert len(lines) == 120 and lines[0] == "[1/120] #1 +needs-triage (dry run)"
    assert result.count("dry-run") == 120


def test_a_dry_run_stops_where_the_real_run_would(gh_server: GitHubTestServer) -> None:
    backlog(gh_server, 30)
    result, code = sweep(gh_server, triage, RULES, dry_run=True, max_operations=10)
    assert code == Exit.STOPPED and result.count("dry-run") == 10 and gh_server.writes == []


def test_a_rerun_after_a_complete_pass_changes_nothing(gh_server: GitHubTestServer) -> None:
    backlog(gh_server, 40)
    sweep(gh_server, triage, RULES)
    gh_server.clear_log()
    result, code = sweep(
        gh_server, triage, "version: 1\nrules:\n  - {name: n, on: issues.opened, then: [{label: x}]}\n"
    )
    assert code == Exit.OK and gh_server.writes == [] and result.items == []  # nothing is unlabelled any more


def test_more_than_1000_matches_are_all_seen_despite_the_search_window(
    gh_server_factory: Callable[..., GitHubTestServer],
) -> None:
    gh_server = big_server(gh_server_factory)
    backlog(gh_server, 1150)
    result, code = sweep(gh_server, triage, RULES, dry_run=True, max_operations=5000)
    assert code == Exit.OK and result.complete and result.total == 1150
    assert [i.ref for i in result.items] == [f"#{n}" for n in range(1, 1151)]
    searches = [r for r in gh_server.requests if r.path.startswith("/search/")]
    assert len(searches) == 12 and all("page=1&" in r.path or r.path.endswith("page=1") for r in searches)


def test_a_list_of_numbers_triages_exactly_those(gh_server: GitHubTestServer) -> None:
    backlog(gh_server, 6)
    _, code = sweep(gh_server, triage, RULES, query="#2, 5")
    assert code == Exit.OK and sorted(labeled(gh_server, "needs-triage")) == [2, 5]
    assert parse_numbers("12 #15,20") == [12, 15, 20] and parse_numbers("is:open 12") is None
    missing, code = sweep(gh_server, triage, RULES, query="99")
    assert code == Exit.USER and missing.items[0].status == "failed" and "404" in missing.items[0].detail


def test_limit_caps_the_items_examined(gh_server: GitHubTestServer) -> None:
    backlog(gh_server, 10)
    result, code = sweep(gh_server, triage, RULES, limit=4)
    assert code == Exit.OK and result.limited and len(result.items) == 4 and result.left == 6


def test_the_query_cannot_leave_the_repository(gh_server: GitHubTestServer) -> None:
    with pytest.raises(UsageError, match="may not use 'repo:'"):
        sweep(gh_server, triage, RULES, query="repo:someone/else is:open")


def test_a_label_a_rule_creates_gets_its_declared_color(gh_server: GitHubTestServer) -> None:
    backlog(gh_server, 2)
    declared = RULES + "labels:\n  needs-triage: {color: fbca04, description: Not looked at yet}\n  bug: {}\n"
    sweep(gh_server, triage, declared)
    label = gh_server.state.label("needs-triage")
    assert label is not None and (label.color, label.description) == ("fbca04", "Not looked at yet")
    posts = [r.path for r in gh_server.writes]
    assert posts[0] == "/repos/octo-org/octo-repo/labels"  # created once, first, then used
    assert posts.count("/repos/octo-org/octo-repo/labels") == 1


def test_a_token_that_cannot_write_stops_the_sweep_at_the_first_refusal(gh_server: GitHubTestServer) -> None:
    backlog(gh_server, 20)
    gh_server.read_only = True
    result, code = sweep(gh_server, triage, RULES)
    assert (
        code == Exit.USER and result.refused is not None and "Resource not accessible by integration" in result.refused
    )
    assert len(gh_server.writes) == 1 and [i.status for i in result.items] == ["failed"]


def test_a_refusal_about_one_item_fails_that_item_and_the_sweep_goes_on(gh_server: GitHubTestServer) -> None:
    backlog(gh_server, 3)
    gh_server.state.issues[2].locked = True  # Devflow's bot is no collaborator: it cannot comment there
    config = RULES + "  - {name: hello, on: issues.opened, then: [{comment: {body: Hi, once: true}}]}\n"
    result, code = sweep(gh_server, triage, config)
    assert (
        code == Exit.USER and result.complete and [i.status for i in result.items] == ["changed", "failed", "changed"]
    )
    assert "Unable to create comment because issue is locked" in result.items[1].detail
