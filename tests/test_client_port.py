"""Every method of the GitHub port through the real ghapi client against the contract-checked test
server: state seeded in the server, read back through the port; writes checked in the server's state."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest

from devflow_action.events.model import FileChange
from devflow_action.github.budget import CallBudget
from devflow_action.github.client import GhClient
from devflow_action.github.errors import DeadlineReached, MalformedAnswer, RateLimited, Refused, Unavailable

from .ghserver import Faults, GitHubTestServer, State, check_server
from .ghserver.api import HANDLERS, Reply
from .ghserver.state import Milestone
from .integration_helpers import FAST

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def _shared() -> Iterator[tuple[GitHubTestServer, GhClient]]:
    """One server and one client for the module (a client takes ~0.15 s to build), reset per test."""
    server = GitHubTestServer().start()
    budget = CallBudget(500)  # per test (reset below): a pagination that never ends stops at the budget
    with GhClient(server.state.repo.full_name, server.token, api_url=server.url, policy=FAST, budget=budget) as c:
        yield server, c
    server.stop()


@pytest.fixture
def gh_server(_shared: tuple[GitHubTestServer, GhClient]) -> Iterator[GitHubTestServer]:
    server, _ = _shared
    server.state, server.faults, server.token = State(), Faults(), "test-token"
    for found in (server.violations, server.errors, server.response_problems):
        found.clear()
    server.clear_log()
    server.reset_rate_limit()
    yield server
    check_server(server)  # contract violations, handler errors, off-contract answers of this test


@pytest.fixture
def client(_shared: tuple[GitHubTestServer, GhClient], gh_server: GitHubTestServer) -> GhClient:
    c = _shared[1]
    c.budget.calls = c.budget.writes = 0
    c.log.entries.clear()
    return c


def sent(server: GitHubTestServer) -> list[str]:
    return [
        f"{r.method} {r.path.split('?')[0].removeprefix('/repos/octo-org/octo-repo')} {r.status}"
        for r in server.requests
    ]


# --- reads ---------------------------------------------------------------------------------------


def test_get_issue_reads_labels_assignees_milestone_lock_and_comment_count(
    gh_server: GitHubTestServer, client: GhClient
) -> None:
    state = gh_server.state
    issue = state.add_issue("Crash", labels=["bug", "p1"], assignees=["octocat", "hubot"], state="closed", locked=True)
    issue.milestone = Milestone(3, "v3", id=8003)
    state.add_comment(issue.number, "one")
    state.add_comment(issue.number, "two")
    got = client.get_issue(issue.number)
    assert (got.labels, got.state, got.assignees) == (("bug", "p1"), "closed", ("octocat", "hubot"))
    assert (got.milestone, got.locked, got.comments) == (3, True, 2)
    # the issue endpoint does not carry pending review requests: unknown, not "none"
    assert (got.requested_reviewers, got.requested_teams) == (None, None)


def test_get_issue_without_milestone_or_comments(gh_server: GitHubTestServer, client: GhClient) -> None:
    issue = gh_server.state.add_issue("Plain")
    got = client.get_issue(issue.number)
    assert (got.labels, got.state, got.assignees, got.milestone, got.locked, got.comments) == (
        (),
        "open",
        (),
        None,
        False,
        0,
    )


def test_list_pull_files_keeps_additions_and_deletions(gh_server: GitHubTestServer, client: GhClient) -> None:
    pull = gh_server.state.add_pull()
    gh_server.state.add_file(pull.number, "src/a.py", additions=7, deletions=2)
    gh_server.state.add_file(pull.number, "docs/b.md", additions=0, deletions=5)
    assert client.list_pull_files(pull.number) == [FileChange("src/a.py", 7, 2), FileChange("docs/b.md", 0, 5)]


def test_count_authored_counts_open_and_closed_items_of_that_author_up_to_the_limit(
    gh_server: GitHubTestServer, client: GhClient
) -> None:
    state = gh_server.state
    state.add_issue("mine", user="alice")
    state.add_issue("mine, closed", user="alice", state="closed")
    state.add_pull("my pull", user="alice")
    state.add_issue("someone else's", user="bob")
    assert client.count_authored("alice", 10) == 3
    assert client.count_authored("alice", 2) == 2  # one page of `limit` items: the count stops there
    assert client.count_authored("carol", 2) == 0
    assert all("creator=" in r.path and "state=all" in r.path for r in gh_server.requests)


def test_list_comments_reads_every_page_in_order(gh_server: GitHubTestServer, client: GhClient) -> None:
    issue = gh_server.state.add_issue()
    for i in range(130):
        gh_server.state.add_comment(issue.number, f"comment {i}")
    other = gh_server.state.add_issue()
    gh_server.state.add_comment(other.number, "elsewhere")
    bodies = [body for _, _, body in client.list_comments(issue.number)]
    assert bodies == [f"comment {i}" for i in range(130)]
    assert sent(gh_server) == [f"GET /issues/{issue.number}/comments 200"] * 2


def test_list_reviews_oldest_first_with_their_states(gh_server: GitHubTestServer, client: GhClient) -> None:
    pull = gh_server.state.add_pull()
    gh_server.state.add_review(pull.number, "alice", "CHANGES_REQUESTED")
    gh_server.state.add_review(pull.number, "bob", "COMMENTED")
    gh_server.state.add_review(pull.number, "alice", "APPROVED")
    assert client.list_reviews(pull.number) == [
        ("alice", "CHANGES_REQUESTED"),
        ("bob", "COMMENTED"),
        ("alice", "APPROVED"),
    ]


def test_list_reviews_of_a_pull_without_reviews_is_empty(gh_server: GitHubTestServer, client: GhClient) -> None:
    assert client.list_reviews(gh_server.state.add_pull().number) == []


@pytest.mark.parametrize(
    ("statuses", "runs", "combined"),
    [
        ([], [], "pending"),  # nothing reported yet
        ([("ci", "success")], [], "success"),
        ([("ci", "pending")], [], "pending"),
        ([("ci", "failure")], [], "failure"),
        ([("ci", "error")], [], "failure"),
        ([("ci", "failure"), ("ci", "success")], [], "success"),  # the latest status of a context counts
        ([], [("build", "completed", "success")], "success"),
        ([], [("build", "completed", "neutral"), ("lint", "completed", "skipped")], "success"),
        ([], [("build", "completed", "failure")], "failure"),
        ([], [("build", "completed", "timed_out")], "failure"),
        ([], [("build", "completed", "cancelled")], "failure"),
        ([], [("build", "in_progress", None)], "pending"),
        ([], [("build", "queued", None), ("lint", "completed", "failure")], "failure"),  # a failure is final
        ([("ci", "success")], [("build", "in_progress", None)], "pending"),
        ([("ci", "pending")], [("build", "completed", "success")], "pending"),
        ([("ci", "success")], [("build", "completed", "success")], "success"),
        ([("ci", "failure")], [("build", "completed", "success")], "failure"),
    ],
)
def test_checks_state_combines_commit_statuses_and_check_runs(
    gh_server: GitHubTestServer,
    client: GhClient,
    statuses: list[tuple[str, str]],
    runs: list[tuple[str, str, str | None]],
    combined: str,
) -> None:
    pull = gh_server.state.add_pull()
    for context, state in statuses:
        gh_server.state.add_status(pull.head_sha, context, state)
    for name, status, conclusion in runs:
        gh_server.state.add_check_run(pull.head_sha, name, status, conclusion)
    gh_server.state.add_status("main", "ci", "failure")  # another commit's: not this one's
    assert client.checks_state(pull.head_sha) == combined
    assert sent(gh_server) == [
        f"GET /commits/{pull.head_sha}/status 200",
        f"GET /commits/{pull.head_sha}/check-runs 200",
    ]


def test_label_events_record_who_added_and_removed_each_label(gh_server: GitHubTestServer, client: GhClient) -> None:
    state = gh_server.state
    issue = state.add_issue(labels=["bug"])
    state.add_event(issue.number, "labeled", "alice", label=state.label("bug"))
    state.add_event(issue.number, "assigned", "alice", assignee="alice")  # not a label event
    client.add_labels(issue.number, ["triage"])  # through the API: a `labeled` event by the token's user
    client.remove_label(issue.number, "bug")
    state.add_event(issue.number, "unlabeled", "bob", label=state.label("triage"))
    assert client.label_events(issue.number) == [
        ("labeled", "bug", "alice"),
        ("labeled", "triage", "github-actions[bot]"),
        ("unlabeled", "bug", "github-actions[bot]"),
        ("unlabeled", "triage", "bob"),
    ]


def test_label_events_name_the_tokens_identity(gh_server_factory: Callable[..., GitHubTestServer]) -> None:
    server = gh_server_factory(actor="devflow-app[bot]")
    issue = server.state.add_issue()
    with GhClient(server.state.repo.full_name, server.token, api_url=server.url, policy=FAST) as c:
        c.add_labels(issue.number, ["a"])
        assert c.label_events(issue.number) == [("labeled", "a", "devflow-app[bot]")]


def test_get_file_at_a_ref_or_the_default_branch(gh_server: GitHubTestServer, client: GhClient) -> None:
    state = gh_server.state
    state.set_file(".devflow.yml", "version: 1\n")
    state.set_file(".devflow.yml", b"version: 1\nrules: []\n", ref="release")
    state.set_file("docs/dir/page.md", "x")
    state.set_file("config dir/a b.yml", "spaced")
    assert client.get_file(".devflow.yml", None) == b"version: 1\n"
    assert gh_server.requests[-1].path == "/repos/octo-org/octo-repo/contents/.devflow.yml"  # no `ref=` at all
    assert client.get_file(".devflow.yml", "release") == b"version: 1\nrules: []\n"
    assert gh_server.requests[-1].path == "/repos/octo-org/octo-repo/contents/.devflow.yml?ref=release"
    assert client.get_file("config dir/a b.yml", None) == b"spaced"
    assert client.get_file("docs/dir", None) is None  # a directory
    assert client.get_file("missing.yml", None) is None  # 404: no such file
    assert sent(gh_server)[-1] == "GET /contents/missing.yml 404"


def test_list_requested_reviewers_gives_logins_and_team_slugs(gh_server: GitHubTestServer, client: GhClient) -> None:
    pull = gh_server.state.add_pull(requested_reviewers=["alice", "bob"], requested_teams=["docs"])
    assert client.list_requested_reviewers(pull.number) == (("alice", "bob"), ("docs",))
    assert client.list_requested_reviewers(gh_server.state.add_pull().number) == ((), ())


# --- writes --------------------------------------------------------------------------------------


def test_add_labels_answers_every_label_now_on_the_item(gh_server: GitHubTestServer, client: GhClient) -> None:
    issue = gh_server.state.add_issue(labels=["bug"])
    assert client.add_labels(issue.number, ["triage", "area/ui"]) == ("bug", "triage", "area/ui")
    assert gh_server.requests[0].body == {"labels": ["triage", "area/ui"]}


def test_remove_label_with_a_slash_in_its_name(gh_server: GitHubTestServer, client: GhClient) -> None:
    issue = gh_server.state.add_issue(labels=["area/ui", "bug"])
    client.remove_label(issue.number, "area/ui")
    assert gh_server.state.issues[issue.number].labels == ["bug"]


def test_removing_a_label_github_answers_404_for_counts_as_done(gh_server: GitHubTestServer, client: GhClient) -> None:
    issue = gh_server.state.add_issue(labels=["bug"])
    client.remove_label(issue.number, "wontfix")  # no exception: the label is gone, which was the point
    assert sent(gh_server) == [f"DELETE /issues/{issue.number}/labels/wontfix 404"]


def test_a_refusal_other_than_404_on_label_removal_is_raised(gh_server: GitHubTestServer, client: GhClient) -> None:
    issue = gh_server.state.add_issue(labels=["bug"])
    gh_server.token = "rotated"  # the client's token is no longer valid: 401
    with pytest.raises(Refused) as refused:
        client.remove_label(issue.number, "bug")
    assert refused.value.status == 401 and gh_server.state.issues[issue.number].labels == ["bug"]


def test_create_comment(gh_server: GitHubTestServer, client: GhClient) -> None:
    issue = gh_server.state.add_issue()
    client.create_comment(issue.number, "Thanks!\n\n<!-- devflow:welcome -->")
    assert [c.body for c in gh_server.state.issue_comments(issue.number)] == ["Thanks!\n\n<!-- devflow:welcome -->"]
    assert gh_server.state.issue_comments(issue.number)[0].user == "github-actions[bot]"


def test_add_assignees(gh_server: GitHubTestServer, client: GhClient) -> None:
    issue = gh_server.state.add_issue(assignees=["octocat"])
    gh_server.state.add_collaborator("hubot")
    client.add_assignees(issue.number, ["hubot"])
    assert gh_server.state.issues[issue.number].assignees == ["octocat", "hubot"]


@pytest.mark.parametrize(
    ("users", "teams", "body"),
    [
        (["alice"], [], {"reviewers": ["alice"]}),
        ([], ["docs"], {"team_reviewers": ["docs"]}),
        (["alice", "bob"], ["docs"], {"reviewers": ["alice", "bob"], "team_reviewers": ["docs"]}),
    ],
)
def test_request_reviewers_sends_only_what_is_asked(
    gh_server: GitHubTestServer, client: GhClient, users: list[str], teams: list[str], body: dict[str, list[str]]
) -> None:
    pull = gh_server.state.add_pull()
    client.request_reviewers(pull.number, users, teams)
    assert gh_server.requests[0].body == body
    assert (pull.requested_reviewers, pull.requested_teams) == (users, teams)


def test_update_issue_patches_the_given_fields(gh_server: GitHubTestServer, client: GhClient) -> None:
    issue = gh_server.state.add_issue()
    client.update_issue(issue.number, {"state": "closed", "state_reason": "not_planned", "milestone": 2})
    got = gh_server.state.issues[issue.number]
    assert (got.state, got.state_reason, got.milestone and got.milestone.number) == ("closed", "not_planned", 2)


@pytest.mark.parametrize("reason", ["spam", None])
def test_lock_with_and_without_a_reason(gh_server: GitHubTestServer, client: GhClient, reason: str | None) -> None:
    issue = gh_server.state.add_issue()
    try:
        client.lock(issue.number, reason)
    finally:  # a missing route is a contract violation: checked here, where xfail sees it
        violations = gh_server.take_violations()
    assert violations == []
    assert (issue.locked, issue.active_lock_reason) == (True, reason)
    assert gh_server.requests[0].body == ({"lock_reason": reason} if reason else None)
    assert [(e.event, e.lock_reason) for e in gh_server.state.issue_events(issue.number)] == [("locked", reason)]


# --- the client's own plumbing -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operation", "answer", "read"),
    [
        ("issues/get", [], lambda c: c.get_issue(1)),  # an array where an object is due
        ("issues/list-comments", {"message": "x"}, lambda c: c.list_comments(1)),  # and the reverse
        ("issues/list-for-repo", "<html>", lambda c: c.count_authored("a", 2)),
        ("repos/get-combined-status-for-ref", [], lambda c: c.checks_state("abc")),
        ("checks/list-for-ref", [], lambda c: c.checks_state("abc")),
        ("pulls/list-requested-reviewers", [], lambda c: c.list_requested_reviewers(1)),
        ("repos/get-content", "a file, as text", lambda c: c.get_file("a.yml", None)),
        ("repos/get-content", {"type": "file", "content": "abc"}, lambda c: c.get_file("a.yml", None)),  # not base64
    ],
)
def test_an_answer_of_the_wrong_shape_is_retried_then_reported_as_malformed(
    gh_server: GitHubTestServer,
    client: GhClient,
    monkeypatch: pytest.MonkeyPatch,
    operation: str,
    answer: object,
    read: Callable[[GhClient], object],
) -> None:
    gh_server.state.add_issue()
    monkeypatch.setitem(HANDLERS, operation, lambda ctx: Reply(200, answer))
    with pytest.raises(MalformedAnswer) as info:
        read(client)
    gh_server.response_problems.clear()  # off-contract on purpose
    kind = "array" if operation in ("issues/list-comments", "issues/list-for-repo") else "object"
    if operation == "repos/get-content":  # a JSON answer of the wrong kind: not retried, said what it is
        assert str(info.value) in (
            "GitHub's answer for a file is not a JSON object",
            "GitHub's answer for a file has invalid base64 content",
        )
        assert len(gh_server.requests) == 1
    else:
        assert (
            str(info.value) == f"GitHub's answer is malformed (expected a JSON {kind}) after {FAST.attempts} attempts"
        )
        assert [r.status for r in gh_server.requests].count(200) >= FAST.attempts
        assert len({r.path for r in gh_server.requests[-FAST.attempts :]}) == 1  # the same request, again


def test_a_truncated_answer_is_retried_then_reported_as_malformed(
    gh_server: GitHubTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    issue = gh_server.state.add_issue()
    original = gh_server.handle

    def truncated(method: str, target: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        status, out_headers, payload = original(method, target, headers, body)
        return status, out_headers, payload[: len(payload) // 2]

    monkeypatch.setattr(gh_server, "handle", truncated)
    policy = replace(FAST, attempts=2)
    with GhClient(gh_server.state.repo.full_name, gh_server.token, api_url=gh_server.url, policy=policy) as c:
        with pytest.raises(MalformedAnswer) as info:
            c.get_issue(issue.number)
        assert str(info.value) == "GitHub's answer is malformed (JSONDecodeError) after 2 attempts"
        assert c.log.entries == [("GET", f"/repos/octo-org/octo-repo/issues/{issue.number}", 200)] * 2


def test_a_request_github_does_not_answer_in_time_is_cut_and_retried(gh_server: GitHubTestServer) -> None:
    gh_server.state.add_issue()
    gh_server.faults.latency = 0.3
    repo, policy = gh_server.state.repo.full_name, replace(FAST, attempts=2)
    with (
        GhClient(repo, gh_server.token, api_url=gh_server.url, policy=policy, timeout=0.1) as c,
        pytest.raises(Unavailable, match=r"did not answer in time \(ReadTimeout\) after 2 attempts"),
    ):
        c.get_issue(1)


def test_one_connection_serves_every_call_of_a_run(gh_server: GitHubTestServer) -> None:
    issue = gh_server.state.add_issue()
    before = gh_server.connections
    with GhClient(gh_server.state.repo.full_name, gh_server.token, api_url=gh_server.url, policy=FAST) as c:
        c.get_issue(issue.number)
        c.add_labels(issue.number, ["a"])
        c.list_comments(issue.number)
    assert gh_server.connections - before == 1


def spy_headers(server: GitHubTestServer, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, str]]:
    seen: list[dict[str, str]] = []
    original = server.handle

    def spy(method: str, target: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        seen.append(headers)
        return original(method, target, headers, body)

    monkeypatch.setattr(server, "handle", spy)
    return seen


def test_requests_name_devflow_and_carry_the_token(
    gh_server: GitHubTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = spy_headers(gh_server, monkeypatch)
    with GhClient(gh_server.state.repo.full_name, gh_server.token, api_url=gh_server.url, policy=FAST) as c:
        c.list_reviews(gh_server.state.add_pull().number)
    assert seen[0]["user-agent"].startswith("devflow-action/")
    assert seen[0]["authorization"] == "token test-token"


def test_without_a_token_no_credentials_are_sent_not_even_from_the_environment(
    gh_server: GitHubTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "from-the-environment")
    seen = spy_headers(gh_server, monkeypatch)
    with (
        GhClient(gh_server.state.repo.full_name, "", api_url=gh_server.url, policy=FAST) as c,
        pytest.raises(Refused, match="401"),
    ):
        c.get_issue(gh_server.state.add_issue().number)
    assert "authorization" not in seen[0]


def test_an_api_url_with_a_trailing_slash(gh_server: GitHubTestServer) -> None:
    issue = gh_server.state.add_issue(labels=["bug"])
    with GhClient(gh_server.state.repo.full_name, gh_server.token, api_url=gh_server.url + "/", policy=FAST) as c:
        assert c.get_issue(issue.number).labels == ("bug",)


def test_the_default_api_is_githubs() -> None:
    with GhClient("octo-org/octo-repo", "t") as c:  # nothing is sent
        assert c.base_url == "https://api.github.com"
        assert (c.budget.max_calls, c.timeout) == (500, 30.0)


def test_a_redirect_is_followed(gh_server: GitHubTestServer, monkeypatch: pytest.MonkeyPatch) -> None:
    # GitHub answers 301 for a renamed repository or a transferred issue
    gh_server.state.add_issue(labels=["moved"])
    moved = gh_server.state.add_issue(labels=["here"])
    original = HANDLERS["issues/get"]

    def redirect(ctx: Any) -> Reply:
        if ctx.params["issue_number"] == 1:
            return Reply(
                301,
                {"message": "Moved Permanently"},
                {"location": f"{gh_server.url}/repos/octo-org/octo-repo/issues/{moved.number}"},
            )
        return original(ctx)

    monkeypatch.setitem(HANDLERS, "issues/get", redirect)
    with GhClient(gh_server.state.repo.full_name, gh_server.token, api_url=gh_server.url, policy=FAST) as c:
        assert c.get_issue(1).labels == ("here",)


def test_a_request_never_waits_past_the_runs_deadline(gh_server: GitHubTestServer) -> None:
    gh_server.state.add_issue()
    gh_server.faults.latency = 1.0
    budget = CallBudget(deadline=0.3)
    started = time.monotonic()
    with (
        GhClient(
            gh_server.state.repo.full_name, gh_server.token, api_url=gh_server.url, policy=FAST, budget=budget
        ) as c,
        pytest.raises(DeadlineReached),
    ):
        c.get_issue(1)  # the 30 s timeout would let this answer arrive; the deadline does not
    assert time.monotonic() - started < 1.0  # the answer comes after 1 s


def test_a_refused_connection_is_retried_by_the_policy_alone() -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    started = time.monotonic()
    with (
        GhClient("octo-org/octo-repo", "t", api_url=f"http://127.0.0.1:{port}", policy=replace(FAST, attempts=3)) as c,
        pytest.raises(Unavailable, match=r"cannot reach GitHub \(ConnectError\) after 3 attempts"),
    ):
        c.get_issue(1)
    # ghapi's transport would retry a refused connection itself, sleeping 0.5 s each time
    assert time.monotonic() - started < 1.0
    assert c.log.entries == [("GET", "/repos/octo-org/octo-repo/issues/1", 0)] * 3  # 0: no answer


def test_a_rate_limit_wait_past_the_runs_deadline_stops_instead_of_sleeping(gh_server: GitHubTestServer) -> None:
    gh_server.state.add_issue()
    gh_server.faults = Faults(rate_limit_after=0, rate_limit_status=429, retry_after=5)
    slept: list[float] = []
    policy = replace(FAST, sleep=slept.append)
    budget = CallBudget(deadline=2.0)
    with (
        GhClient(
            gh_server.state.repo.full_name, gh_server.token, api_url=gh_server.url, policy=policy, budget=budget
        ) as c,
        pytest.raises(RateLimited),  # a wait past the deadline is not begun: the rate limit stops the run
    ):
        c.get_issue(1)
    assert slept == [] and len(gh_server.requests) == 1


def test_each_call_is_logged_and_only_writes_count_as_writes(gh_server: GitHubTestServer) -> None:
    state = gh_server.state
    pull = state.add_pull(labels=["bug"])
    state.add_collaborator("hubot")
    state.set_file(".devflow.yml", "version: 1\n")
    n, sha = pull.number, pull.head_sha
    repo = "/repos/octo-org/octo-repo"
    with GhClient(state.repo.full_name, gh_server.token, api_url=gh_server.url, policy=FAST) as c:
        reads: list[Callable[[], object]] = [
            lambda: c.get_issue(n), lambda: c.list_pull_files(n), lambda: c.count_authored("octocat", 2),
            lambda: c.list_comments(n), lambda: c.list_reviews(n), lambda: c.checks_state(sha),
            lambda: c.label_events(n), lambda: c.get_file(".devflow.yml", None),
            lambda: c.list_requested_reviewers(n),
        ]  # fmt: skip
        writes: list[Callable[[], object]] = [
            lambda: c.add_labels(n, ["a"]), lambda: c.remove_label(n, "a"), lambda: c.create_comment(n, "hi"),
            lambda: c.add_assignees(n, ["hubot"]), lambda: c.request_reviewers(n, ["hubot"], []),
            lambda: c.update_issue(n, {"state": "closed"}),
        ]  # fmt: skip
        for read in reads:
            read()
        assert (c.log.calls, c.log.writes) == (10, 0)
        for write in writes:
            write()
        assert (c.log.calls, c.log.writes) == (16, 6)
        assert [(verb, path.removeprefix(repo), status) for verb, path, status in c.log.entries] == [
            ("GET", f"/issues/{n}", 200),
            ("GET", f"/pulls/{n}/files", 200),
            ("GET", "/issues", 200),
            ("GET", f"/issues/{n}/comments", 200),
            ("GET", f"/pulls/{n}/reviews", 200),
            ("GET", f"/commits/{sha}/status", 200),
            ("GET", f"/commits/{sha}/check-runs", 200),
            ("GET", f"/issues/{n}/events", 200),
            ("GET", "/contents/.devflow.yml", 200),
            ("GET", f"/pulls/{n}/requested_reviewers", 200),
            ("POST", f"/issues/{n}/labels", 200),
            ("DELETE", f"/issues/{n}/labels/a", 200),
            ("POST", f"/issues/{n}/comments", 200),
            ("POST", f"/issues/{n}/assignees", 200),
            ("POST", f"/pulls/{n}/requested_reviewers", 200),
            ("PATCH", f"/issues/{n}", 200),
        ]


def test_lock_sends_put_with_the_reason_only_when_there_is_one(gh_server: GitHubTestServer, client: GhClient) -> None:
    # What goes over the wire; what GitHub does with it: test_lock_with_and_without_a_reason.
    issue = gh_server.state.add_issue()
    for reason in ("spam", None):
        with contextlib.suppress(Refused):  # the subset has no lock route yet: 404 (branch data)
            client.lock(issue.number, reason)
    gh_server.take_violations()
    assert [(r.method, r.path, r.body) for r in gh_server.requests] == [
        ("PUT", f"/repos/octo-org/octo-repo/issues/{issue.number}/lock", {"lock_reason": "spam"}),
        ("PUT", f"/repos/octo-org/octo-repo/issues/{issue.number}/lock", None),
    ]
    assert client.log.entries[-1][0] == "PUT"


def test_check_runs_past_the_first_page_count(gh_server: GitHubTestServer, client: GhClient) -> None:
    pull = gh_server.state.add_pull()
    for i in range(40):  # more than GitHub's default page of 30
        gh_server.state.add_check_run(pull.head_sha, f"job {i}")
    gh_server.state.add_check_run(pull.head_sha, "job 40", conclusion="failure")
    assert client.checks_state(pull.head_sha) == "failure"


def test_an_empty_file_and_an_empty_comment_read_as_empty(gh_server: GitHubTestServer, client: GhClient) -> None:
    gh_server.state.set_file(".devflow.yml", "")
    assert client.get_file(".devflow.yml", None) == b""
    issue = gh_server.state.add_issue()
    gh_server.state.add_comment(issue.number, "")
    assert [body for _, _, body in client.list_comments(issue.number)] == [""]


def test_a_review_by_a_deleted_account_has_no_login(gh_server: GitHubTestServer, client: GhClient) -> None:
    pull = gh_server.state.add_pull()
    gh_server.state.add_review(pull.number, "alice", "APPROVED")
    gh_server.state.reviews[-1].user = None  # type: ignore[assignment]  # GitHub answers "user": null
    assert client.list_reviews(pull.number) == [("", "APPROVED")]
