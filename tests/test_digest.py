"""The digest end to end through the GitHub test server's GraphQL endpoint (every query checked against
GitHub's schema): numbers against the week worked out by hand in tests/digest_fixture.py, posting in
place, dry runs, races, and GitHub's GraphQL failures."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from devflow_action.app.digest import DigestResult
from devflow_action.config.loader import load_text
from devflow_action.digest_command import make
from devflow_action.engine.digest_render import MARKER, as_json
from devflow_action.github.activity import Reader, Setup, Target
from devflow_action.github.budget import CallBudget
from devflow_action.github.digest_post import publish
from devflow_action.github.graphql import GraphQLClient

from .digest_fixture import CONFIG, EXPECTED, NOW, D, H, seed
from .ghserver import GitHubTestServer
from .integration_helpers import FAST

REPO = "octo-org/octo-repo"


def run(server: GitHubTestServer, config: str = CONFIG, *, now: datetime = NOW, dry_run: bool = False,
        max_calls: int = 100) -> tuple[DigestResult, CallBudget]:  # fmt: skip
    env = {"GITHUB_API_URL": server.url, "GITHUB_GRAPHQL_URL": f"{server.url}/graphql"}
    budget = CallBudget(max_calls)
    result = make(load_text(config), REPO, server.token, env, budget, dry_run=dry_run, policy=FAST, clock=lambda: now)
    return result, budget


def digests(server: GitHubTestServer) -> list[Any]:
    return [i for i in server.state.issues.values() if i.body and MARKER in i.body]


@pytest.fixture
def week(gh_server: GitHubTestServer) -> GitHubTestServer:
    seed(gh_server)
    return gh_server


def test_digest_numbers_match_the_week_computed_by_hand(week: GitHubTestServer) -> None:
    result, budget = run(week)
    assert result.stopped is None and result.refused is None
    assert result.digest is not None
    got = as_json(result.digest)
    assert (got["since"], got["until"], got["items"]) == (EXPECTED["since"], EXPECTED["until"], EXPECTED["items"])
    assert got["counts"] == EXPECTED["counts"]
    assert got["times"] == EXPECTED["times"]
    assert got["previous"]["counts"] == EXPECTED["previous_counts"]
    assert got["previous"]["times"] is None  # no earlier digest covered the previous window
    assert {n["login"]: [i["number"] for i in n["items"]] for n in got["new_contributors"]} == EXPECTED[
        "new_contributors"
    ]
    assert [(u["number"], u["age_s"]) for u in got["unanswered"]] == EXPECTED["unanswered"]
    assert [(a["number"], a["requested"]) for a in got["awaiting_review"]] == EXPECTED["awaiting_review"]
    assert [(d["day"], d["issues"], d["prs"]) for d in got["opened_per_day"]] == EXPECTED["opened_per_day"]
    assert [b["responses"] for b in got["response_buckets"]] == EXPECTED["response_buckets"]
    assert (got["stale"]["total"], [i["number"] for i in got["stale"]["oldest"]]) == EXPECTED["stale"]
    # one page (issues and PRs together), one call of history searches, create + re-check
    assert [r.operation for r in week.graphql_log] == [
        "DigestPage",
        "DigestHistory",
        "DigestCreateIssue",
        "DigestRecheck",
    ]
    assert (budget.calls, budget.writes) == (4, 1)


def test_new_contributors_come_from_history_not_from_author_association(week: GitHubTestServer) -> None:
    result, _ = run(week, dry_run=True)
    assert result.digest is not None
    new = {n.login for n in result.digest.new_contributors}
    # bob's PR says FIRST_TIME_CONTRIBUTOR, but he opened #11 in January
    assert week.state.issues[2].author_association == "FIRST_TIME_CONTRIBUTOR" and "bob" not in new
    # carol's merged PR made her a CONTRIBUTOR, yet it is her first
    assert week.state.issues[3].author_association == "CONTRIBUTOR" and "carol" in new
    # bots and maintainers are never listed, even when new
    assert not new & {"renovate", "renovate[bot]", "octo-org", "maint"}


def test_a_pull_request_merged_in_the_window_counts_whenever_it_was_opened(week: GitHubTestServer) -> None:
    result, _ = run(week, dry_run=True)
    assert result.digest is not None
    assert result.digest.counts.prs_merged == 2  # #3, opened in the window, and #4, opened on 02-20
    del week.state.issues[4]
    result, _ = run(week, dry_run=True)
    assert result.digest is not None and result.digest.counts.prs_merged == 1


def test_dry_run_writes_nothing_and_says_where_it_would_post(week: GitHubTestServer) -> None:
    result, budget = run(week, dry_run=True)
    assert week.writes == [] and budget.writes == 0 and digests(week) == []
    assert result.would_post == "the issue 'Weekly contributor digest'"
    assert result.markdown.startswith(MARKER)


def test_second_run_updates_the_same_issue_and_an_item_answered_in_between_leaves_unanswered(
    week: GitHubTestServer,
) -> None:
    first, _ = run(week)
    assert first.published is not None and first.published.action == "created"
    assert [u.item.number for u in first.digest.unanswered] == [2, 10, 8]  # type: ignore[union-attr]
    number = first.published.number
    # between the runs a maintainer answers #10 (opened 03-06 12:00), the next morning
    week.state.add_comment(10, "thanks, planned", "maint", created_at="2024-03-11T10:00:00Z")
    week.state.issues[10].updated_at = NOW + timedelta(hours=1)
    week.clear_log()
    second, budget = run(week, now=NOW + timedelta(days=1))  # window 03-05 .. 03-12
    assert second.published is not None and (second.published.action, second.published.number) == ("updated", number)
    assert [d.number for d in digests(week)] == [number]  # one digest issue, never a second
    assert second.digest is not None
    assert [u.item.number for u in second.digest.unanswered] == [2, 8]
    # responses in 03-05 .. 03-12: #1 2 h, #3 6 h, #10 4 d 22 h (the new one), #7 8 d
    assert second.digest.times.response_median == (6 * H + 4 * D + 22 * H) / 2
    assert second.digest.times.response_p90 == 8 * D
    # the previous window (02-26 .. 03-04) has no digest of its own: its times are unknown, not made up
    assert second.digest.previous is not None and second.digest.previous.times is None
    assert second.markdown in (week.state.issues[number].body or "")
    assert (budget.calls, budget.writes) == (3, 1)  # page, history, update: finding it cost nothing extra


def test_a_weekly_run_compares_with_the_times_the_previous_digest_recorded(week: GitHubTestServer) -> None:
    first, _ = run(week)
    assert first.digest is not None
    second, _ = run(week, now=NOW + timedelta(days=7))  # window 03-11 .. 03-18, right after the first
    assert second.digest is not None and second.digest.previous is not None
    assert second.digest.previous.times == first.digest.times
    assert second.digest.previous.counts.issues_opened == EXPECTED["counts"]["issues_opened"]  # search counts
    assert "| time to first response, median | — | 6.0 h |" in second.markdown


def test_overlapping_runs_settle_on_one_open_digest_issue(week: GitHubTestServer) -> None:
    """Run A read before run B created the issue, so A creates one too: A re-reads the recent issues,
    sees B's lower number, closes its own as a duplicate and updates B's."""
    b, _ = run(week)
    assert b.published is not None
    with GraphQLClient(week.token, f"{week.url}/graphql", policy=FAST) as gql:
        reader = Reader(gql, "octo-org", "octo-repo")
        _, seen_by_a = reader.window(datetime(2024, 3, 4).astimezone(), None)
        stale_setup = Setup(seen_by_a.repository_id or "R_1296269", "github-actions[bot]")  # found nothing
        a = publish(gql, reader, stale_setup, Target("issue", "Weekly contributor digest"), "A's body\n" + MARKER, None)
    assert (a.action, a.number) == ("joined", b.published.number)
    mine = [i for i in digests(week) if i.title == "Weekly contributor digest"]
    assert [(i.number, i.state) for i in mine] == [(b.published.number, "open"), (b.published.number + 1, "closed")]
    assert week.state.issues[b.published.number].body == "A's body\n" + MARKER


def test_an_issue_copying_the_marker_is_not_taken_for_the_digest(week: GitHubTestServer) -> None:
    forged = week.state.add_issue("Weekly contributor digest", "mallory", body=f"{MARKER}\nmine now")
    result, _ = run(week)
    assert result.published is not None and result.published.number != forged.number
    assert forged.body == f"{MARKER}\nmine now"


def test_the_digest_issue_itself_is_not_counted_as_activity(week: GitHubTestServer) -> None:
    first, _ = run(week, now=NOW)
    second, _ = run(week, now=NOW + timedelta(days=7))
    assert first.digest is not None and second.digest is not None
    assert second.digest.counts.issues_opened == 0  # the digest issue opened on 03-11 is Devflow's own


def test_a_graphql_rate_limit_stops_the_digest_with_nothing_posted(week: GitHubTestServer) -> None:
    week.faults.rate_limit_after = 1  # the page query passes, the history query is rate limited
    week.faults.rate_limit_reset_in = 3600
    result, _ = run(week)
    assert result.stopped is not None and result.stopped.startswith("GitHub rate limit exhausted; it resets in")
    assert result.digest is None and digests(week) == [] and week.writes == []


def test_partial_data_is_never_used_it_is_retried_then_stops(week: GitHubTestServer) -> None:
    week.graphql.faults.partial_every = 1
    result, budget = run(week)
    assert result.stopped is not None and "GitHub failed to answer" in result.stopped
    assert result.digest is None and digests(week) == []
    assert budget.calls == FAST.attempts


def test_partial_data_once_is_retried_and_the_digest_is_complete(week: GitHubTestServer) -> None:
    week.graphql.faults.partial_every = 2  # the second query's first answer is partial
    result, _ = run(week, dry_run=True)
    assert result.stopped is None and result.digest is not None
    assert result.digest.counts.issues_opened == EXPECTED["counts"]["issues_opened"]


def test_a_forbidden_answer_is_refused_with_the_permission_to_grant(week: GitHubTestServer) -> None:
    week.graphql.faults.error_type = "FORBIDDEN"
    result, budget = run(week)
    assert result.refused is not None and "issues: write" in result.refused
    assert budget.calls == 1 and digests(week) == []


def test_every_item_is_read_at_one_call_per_hundred_issues_and_hundred_pull_requests(
    gh_server: GitHubTestServer,
) -> None:
    st = gh_server.state
    st.now = lambda: NOW
    when = NOW - timedelta(days=2)
    for n in range(150):
        st.add_issue(f"issue {n}", f"user{n % 40}", created_at=when, updated_at=when)
    for n in range(120):
        st.add_pull(f"pull {n}", f"user{n % 40}", created_at=when, updated_at=when)
    for n in range(200):  # older pull requests: the read stops at the first page that reaches them
        old = NOW - timedelta(days=40)
        st.add_pull(f"old {n}", "olduser", created_at=old, updated_at=old)
    result, budget = run(gh_server, "version: 1\n", dry_run=True)
    assert result.digest is not None and result.digest.items == 270
    assert (result.digest.counts.issues_opened, result.digest.counts.prs_opened) == (150, 120)
    assert [r.operation for r in gh_server.graphql_log] == ["DigestPage"] * 2 + ["DigestHistory"]
    assert budget.calls == 3


def test_a_query_github_would_reject_is_a_recorded_violation(gh_server: GitHubTestServer) -> None:
    from devflow_action.github.graphql import QueryRejected

    with GraphQLClient(gh_server.token, f"{gh_server.url}/graphql", policy=FAST) as gql:
        for query in (
            'query A { repository(owner: "octo-org", name: "octo-repo") { issues(first: 101) { totalCount } } }',
            'query B { repository(owner: "octo-org", name: "octo-repo") { issues { totalCount } } }',
            'query C { repository(owner: "octo-org", name: "octo-repo") { stars } }',
            'query D($n: Int!) { repository(owner: "octo-org", name: "octo-repo") { issues(first: $n) { totalCount } } }',
        ):
            with pytest.raises(QueryRejected):
                gql.execute(query, {"n": "three"} if "$n" in query else None)
    found = gh_server.take_violations()
    assert len(found) == 4
    assert "exceeds the `first` limit of 100" in found[0]
    assert "You must provide a `first` or `last`" in found[1]
    assert "Cannot query field 'stars'" in found[2]
    assert "variables" in found[3]


def test_the_digest_goes_to_one_discussion_updated_in_place(week: GitHubTestServer) -> None:
    week.state.discussion_categories["DIC_1"] = "Digests"
    config = CONFIG.replace("post: {issue_title: Weekly contributor digest}", "post: {discussion_category: Digests}")
    first, _ = run(week, config)
    second, _ = run(week, config, now=NOW + timedelta(days=1))
    assert first.published is not None and second.published is not None
    assert (first.published.kind, first.published.action, second.published.action) == (
        "discussion",
        "created",
        "updated",
    )
    assert list(week.state.discussions) == [first.published.number]
    assert week.state.discussions[first.published.number].body == second.markdown
    assert digests(week) == []


def test_a_missing_discussion_category_is_refused_with_the_fix(week: GitHubTestServer) -> None:
    config = CONFIG.replace("post: {issue_title: Weekly contributor digest}", "post: {discussion_category: Nope}")
    result, _ = run(week, config)
    assert result.refused is not None and "no discussion category named 'Nope'" in result.refused
    assert week.state.discussions == {}


def test_without_a_stale_section_the_digest_says_so_and_asks_nothing_about_it(week: GitHubTestServer) -> None:
    result, _ = run(week, CONFIG.replace("stale: {label: stale, after_days: 30, exempt_labels: [pinned]}\n", ""),
                    dry_run=True)  # fmt: skip
    assert result.digest is not None and result.digest.stale is None
    assert "No `stale` section is configured." in result.markdown
    history = [r for r in week.graphql_log if r.operation == "DigestHistory"]
    assert "stale" not in history[0].variables
