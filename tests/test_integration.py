"""The real client against the contract-checked GitHub test server: every operation type, the
fewest calls, faults (502s, a comment that lands despite a 502, a rate limit mid-run) and re-runs."""

from __future__ import annotations

from dataclasses import replace

import pytest

from .ghserver import Faults, GitHubTestServer
from .integration_helpers import Scenario, scenario

LABEL_RULES = """version: 1
rules:
  - name: typo
    on: issues.opened
    if: {title: {matches: '(?i)spelling|typo'}}
    then: [{label: typo}]
  - name: docs
    on: issues.opened
    if: {title: {contains: readme}}
    then: [{label: documentation}]
  - name: triage
    on: issues.opened
    if: {labels: {none: [wontfix]}}
    then: [{label: needs-triage}]
"""

WELCOME = """version: 1
rules:
  - name: welcome
    on: issues.opened
    if: {author: {first_contribution: true}}
    then:
      - comment: {template: welcome, once: true}
      - label: first-contribution
"""

PATH_RULES = """version: 1
rules:
""" + "".join(
    f"  - name: {name}\n    on: pull_request\n    if: {{files: {{any: ['{glob}']}}}}\n    then: [{{label: {name}}}]\n"
    for name, glob in [("source", "src/**"), ("docs", "docs/**"), ("ci", ".github/**"), ("tests", "tests/**"),
                       ("python", "**/*.py")]
)  # fmt: skip

EVERYTHING = """version: 1
rules:
  - name: all operations
    on: pull_request.opened
    then:
      - unlabel: bug
      - label: [reviewing, "area/ui"]
      - comment: {body: "Thanks, @{{ author }}!", once: true}
      - assign: [octocat]
      - request_review: {reviewers: [hubot], team_reviewers: [docs]}
      - milestone: 4
      - close: {reason: not_planned}
"""


def test_issue_matched_by_three_label_rules_is_one_write(gh_server: GitHubTestServer) -> None:
    s = scenario(gh_server, "issues.opened", LABEL_RULES)
    result, client = s.run()
    assert s.calls() == ["POST /repos/Codertocat/Hello-World/issues/1/labels"]
    assert s.labels() == ["bug", "typo", "documentation", "needs-triage"]
    assert (client.log.calls, client.log.writes) == (1, 1)
    assert result.report.count("applied") == 1


def test_first_timer_gets_one_welcome_with_one_read(gh_server: GitHubTestServer) -> None:
    s = scenario(gh_server, "issues.opened", WELCOME)
    s.event = replace(s.event, author=replace(s.event.author, association="NONE"))  # type: ignore[type-var]
    s.issue.author_association = "NONE"
    s.run()
    assert s.calls() == [
        "GET /repos/Codertocat/Hello-World/issues",  # has this author opened anything before? (one call)
        "POST /repos/Codertocat/Hello-World/issues/1/labels",
        "POST /repos/Codertocat/Hello-World/issues/1/comments",
    ]
    (comment,) = s.comments()
    assert comment.startswith("Thanks for opening your first issue here, @Codertocat!")
    assert comment.endswith("<!-- devflow:welcome -->")


def test_returning_author_is_not_welcomed(gh_server: GitHubTestServer) -> None:
    s = scenario(gh_server, "issues.opened", WELCOME)
    s.event = replace(s.event, author=replace(s.event.author, association="NONE"))  # type: ignore[type-var]
    gh_server.state.add_issue("An older issue", user="Codertocat")
    s.run()
    assert s.calls() == ["GET /repos/Codertocat/Hello-World/issues"]
    assert s.comments() == []


def _pull_with_files(server: GitHubTestServer, config: str, count: int) -> Scenario:
    s = scenario(server, "pull_request.opened[1]", config)
    server.state.add_files(2, count, prefix="src/module")
    return s


@pytest.mark.parametrize(("files", "reads"), [(250, 3), (1200, 12)])
def test_pull_request_files_are_read_100_per_page_and_labelled_in_one_write(
    gh_server: GitHubTestServer, files: int, reads: int
) -> None:
    s = _pull_with_files(gh_server, PATH_RULES, files)
    s.run()
    assert s.calls() == ["GET /repos/Codertocat/Hello-World/pulls/2/files"] * reads + [
        "POST /repos/Codertocat/Hello-World/issues/2/labels"
    ]
    assert all("per_page=100" in r.path for r in gh_server.requests[:reads])
    assert s.labels() == ["bug", "source", "python"]


def test_rerun_of_a_labelled_pull_request_writes_nothing(gh_server: GitHubTestServer) -> None:
    s = _pull_with_files(gh_server, PATH_RULES, 250)
    s.run()
    gh_server.clear_log()
    result, client = s.run(fresh=False)
    assert (
        s.calls()
        == ["GET /repos/Codertocat/Hello-World/issues/2"] + ["GET /repos/Codertocat/Hello-World/pulls/2/files"] * 3
    )
    assert client.log.writes == 0 and result.plan.operations == ()


def test_every_operation_type_through_the_real_client(gh_server: GitHubTestServer) -> None:
    s = scenario(gh_server, "pull_request.opened[1]", EVERYTHING)
    gh_server.state.add_collaborator("hubot")
    result, client = s.run()
    assert [o.status for o in result.report.outcomes] == ["applied"] * 6
    issue = s.issue
    assert issue.labels == ["reviewing", "area/ui"]
    assert s.comments() == ["Thanks, @Codertocat!\n\n<!-- devflow:all-operations-2 -->"]
    assert issue.assignees == ["Codertocat", "octocat"]  # the payload's assignee stays
    assert issue.requested_reviewers == ["octocat", "hubot"] and issue.requested_teams == ["docs"]  # octocat: payload
    assert (issue.state, issue.state_reason, issue.milestone.number) == ("closed", "not_planned", 4)
    assert client.log.writes == 6  # add, remove, comment, assign, reviewers, one PATCH for milestone + close
    # a label with a '/' is removed through a correctly encoded URL
    assert "DELETE /repos/Codertocat/Hello-World/issues/2/labels/bug" in s.calls()


def test_reopen(gh_server: GitHubTestServer) -> None:
    s = scenario(
        gh_server,
        "issues.reopened",
        "version: 1\nrules:\n  - name: r\n    on: issues\n    then: [{reopen: true}]\n",
    )
    s.issue.state = "closed"
    s.event = replace(s.event, state="closed")
    s.run()
    assert s.issue.state == "open"


def test_502_on_every_fifth_request_applies_every_operation_exactly_once(gh_server: GitHubTestServer) -> None:
    gh_server.faults = Faults(fail_every=5)
    s = scenario(gh_server, "pull_request.opened[1]", EVERYTHING)
    gh_server.state.add_collaborator("hubot")
    gh_server.state.add_files(2, 450, prefix="docs/page")
    s.config_text = EVERYTHING.replace("    then:\n", "    if: {files: {any: ['docs/**']}}\n    then:\n")
    result, _ = s.run()
    assert [o.status for o in result.report.outcomes] == ["applied"] * 6
    assert any(r.status == 502 for r in gh_server.requests)
    assert s.issue.labels == ["reviewing", "area/ui"] and len(s.comments()) == 1
    assert s.issue.assignees == ["Codertocat", "octocat"] and s.issue.state == "closed"


def test_comment_that_lands_despite_a_502_is_not_duplicated(gh_server: GitHubTestServer) -> None:
    s = scenario(
        gh_server,
        "issues.opened",
        "version: 1\nrules:\n  - name: r\n    on: issues\n    then: [{comment: hello}]\n",
    )
    gh_server.faults = Faults(fail_at={0}, apply_then_fail=True)
    result, _ = s.run(run_key="99")
    assert s.comments() == ["hello\n\n<!-- devflow:run:99:0 -->"]
    assert s.calls() == [
        "POST /repos/Codertocat/Hello-World/issues/1/comments",  # stored, but answered 502
        "GET /repos/Codertocat/Hello-World/issues/1/comments",  # look before trying again: it is there
    ]
    assert result.report.outcomes[0].status == "applied"


def test_rate_limit_mid_run_stops_cleanly_and_a_rerun_completes(gh_server: GitHubTestServer) -> None:
    s = scenario(gh_server, "pull_request.opened[1]", EVERYTHING)
    gh_server.state.add_collaborator("hubot")
    gh_server.faults = Faults(rate_limit_after=3, rate_limit_reset_in=3600)
    first, _ = s.run()
    assert [o.status for o in first.report.outcomes] == ["applied", "applied", "applied", "left", "left", "left"]
    assert first.report.stopped is not None and "rate limit" in first.report.stopped
    gh_server.reset_rate_limit()
    gh_server.faults = Faults()
    gh_server.clear_log()
    again, client = s.run(fresh=False)  # the job re-run
    assert [o.status for o in again.report.outcomes] == ["skipped", "applied", "applied", "applied"]  # comment found
    assert client.log.writes == 3
    assert len(s.comments()) == 1 and s.issue.labels == ["reviewing", "area/ui"]
    assert s.issue.state == "closed" and s.issue.assignees == ["Codertocat", "octocat"]


def test_rate_limit_with_a_near_reset_is_waited_out(gh_server: GitHubTestServer) -> None:
    s = scenario(gh_server, "issues.opened", LABEL_RULES)
    gh_server.faults = Faults(rate_limit_after=0, rate_limit_status=429, retry_after=0)
    calls = 0

    def reset_after_first(_: float) -> None:
        nonlocal calls
        calls += 1
        gh_server.reset_rate_limit()
        gh_server.faults = Faults()

    from .integration_helpers import FAST

    result, _ = s.run(policy=replace(FAST, sleep=reset_after_first))
    assert calls == 1 and result.report.count("applied") == 1


def test_dry_run_writes_nothing(gh_server: GitHubTestServer) -> None:
    s = scenario(gh_server, "issues.opened", LABEL_RULES)
    result, client = s.run(dry_run=True)
    assert client.log.calls == 0 and s.labels() == ["bug"]
    assert result.report.labels("add_labels") == ["typo", "documentation", "needs-triage"]


def test_call_budget_stops_before_the_rate_limit(gh_server: GitHubTestServer) -> None:
    s = _pull_with_files(gh_server, PATH_RULES, 450)
    result, client = s.run(max_calls=3)
    assert client.log.calls == 3 and client.log.writes == 0
    assert result.report.stopped == "stopped before planning: the run's API call budget (3 calls) is spent"


LOCK = """version: 1
rules:
  - name: lock
    on: issues.opened
    then:
      - lock: {reason: resolved}
"""


def test_lock_is_one_contract_checked_write_and_a_rerun_writes_nothing(gh_server: GitHubTestServer) -> None:
    s = scenario(gh_server, "issues.opened", LOCK)
    result, _ = s.run()
    assert [o.status for o in result.report.outcomes] == ["applied"]
    assert s.calls() == ["PUT /repos/Codertocat/Hello-World/issues/1/lock"]
    assert gh_server.requests[0].body == {"lock_reason": "resolved"} and gh_server.requests[0].status == 204
    assert (s.issue.locked, s.issue.active_lock_reason) == (True, "resolved")
    gh_server.clear_log()
    _, client = s.run(fresh=False)
    assert s.calls() == ["GET /repos/Codertocat/Hello-World/issues/1"] and client.log.writes == 0
