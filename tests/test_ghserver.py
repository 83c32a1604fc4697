"""Tests of the GitHub REST test server (tests/ghserver), driven by the real ghapi client and urllib."""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from ghapi.all import APIError, GhApi
from ghapi.page import parse_link_hdr as _parse_link_hdr

from tests.ghserver import (
    Faults,
    GitHubTestServer,
    State,
    check_server,
    load_contract,
    load_payload,
)
from tests.ghserver.api import HANDLERS

from . import githubdata

pytestmark = pytest.mark.integration
parse_link_hdr: Callable[[str], dict[str, tuple[str, dict[str, str]]]] = _parse_link_hdr
REPO = "/repos/octo-org/octo-repo"


def raw(
    server: GitHubTestServer, method: str, path: str, body: Any = None, token: str | None = "test-token"
) -> tuple[int, dict[str, str], Any]:
    """One request through urllib; returns (status, lower-cased headers, decoded JSON or None)."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(server.url + path, data=data, method=method)
    if token is not None:
        req.add_header("Authorization", f"token {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            status, headers, content = resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as exc:
        status, headers, content = exc.code, dict(exc.headers), exc.read()
    return status, {k.lower(): v for k, v in headers.items()}, json.loads(content) if content else None


def status_of(call: Callable[[], Any]) -> int:
    """The HTTP status of a ghapi call that is expected to fail."""
    with pytest.raises(APIError) as info:
        call()
    status: int = info.value.status_code
    return status


# -- contract ------------------------------------------------------------------------------------------
def test_the_contract_is_the_whole_description_and_every_handler_is_in_it() -> None:
    contract = load_contract()
    ids = {op.operation_id for op in contract.operations}
    assert len(ids) > 1000 and len({op.path for op in contract.operations}) > 800  # 1,223 operations, 811 paths
    assert set(HANDLERS) <= ids and len(HANDLERS) == 56
    assert {"issues/lock", "issues/unlock", "issues/set-labels", "search/issues-and-pull-requests"} <= set(HANDLERS)


def test_an_operation_without_a_handler_is_a_violation_and_501(gh_server: GitHubTestServer, gh_api: GhApi) -> None:
    assert "repos/list-tags" not in HANDLERS
    assert status_of(lambda: gh_api.repos.list_tags()) == 501
    violations = gh_server.take_violations()
    assert len(violations) == 1 and "repos/list-tags is in GitHub's description but not implemented" in violations[0]


def test_bad_body_is_a_violation_and_422(gh_server: GitHubTestServer) -> None:
    gh_server.state.add_issue("x")
    status, _, body = raw(gh_server, "POST", f"{REPO}/issues/1/labels", {"labels": "bug"})
    assert status == 422 and body["message"].startswith("Invalid request")
    assert gh_server.state.issues[1].labels == []
    violations = gh_server.take_violations()
    assert len(violations) == 1 and "issues/add-labels" in violations[0]


def test_per_page_over_100_and_undeclared_query_are_violations(gh_server: GitHubTestServer) -> None:
    gh_server.state.add_pull("p")
    assert raw(gh_server, "GET", f"{REPO}/pulls/1/files?per_page=500")[0] == 422
    assert raw(gh_server, "GET", f"{REPO}/pulls/1/files?perpage=50")[0] == 422
    assert raw(gh_server, "GET", f"{REPO}/issues?state=bogus")[0] == 422
    violations = gh_server.take_violations()
    assert len(violations) == 3
    assert "per_page=500" in violations[0] and "undeclared query parameter 'perpage'" in violations[1]


def test_unknown_route_or_method_is_a_violation_and_404(gh_server: GitHubTestServer) -> None:
    gh_server.state.add_issue("x")
    assert raw(gh_server, "GET", f"{REPO}/no/such/thing")[0] == 404
    assert raw(gh_server, "PUT", f"{REPO}/issues/1/locked", {"lock_reason": "spam"})[0] == 404  # a typo
    assert raw(gh_server, "POST", f"{REPO}/issues/1", {"title": "t"})[0] == 404  # wrong method
    violations = gh_server.take_violations()
    assert len(violations) == 3 and "method not allowed" in violations[2]


def test_check_server_fails_the_test_on_violations() -> None:
    server = GitHubTestServer()
    try:
        check_server(server)  # clean: passes
        server.violations.append("GET /x: no such route")
        with pytest.raises(pytest.fail.Exception, match="no such route"):
            check_server(server)
    finally:
        server.stop()


def test_auth_is_required(gh_server: GitHubTestServer) -> None:
    status, _, body = raw(gh_server, "GET", REPO, token=None)
    assert status == 401 and body["message"] == "Requires authentication"
    assert raw(gh_server, "GET", REPO, token="wrong")[0] == 401
    assert raw(gh_server, "GET", REPO)[0] == 200


# -- seeding -------------------------------------------------------------------------------------------
def test_seed_from_issues_opened(gh_server: GitHubTestServer, gh_api: GhApi) -> None:
    issue = gh_server.state.seed_from_payload(load_payload("issues.opened"))
    assert issue is not None and issue.number == 1
    api = gh_server.client()  # the repository changed: bind a client to Codertocat/Hello-World
    got = api.issues.get(1)
    assert got.title == "Spelling error in the README file"
    assert [label.name for label in got.labels] == ["bug"]
    assert got.user.login == "Codertocat" and got.author_association == "OWNER"
    assert "pull_request" not in got and got.html_url == "https://github.com/Codertocat/Hello-World/issues/1"
    assert api.repos.get().default_branch == "master"
    assert status_of(lambda: gh_api.issues.get(1)) == 404  # octo-org/octo-repo no longer exists


def test_seed_from_pull_request_opened(gh_server: GitHubTestServer) -> None:
    gh_server.state.seed_from_payload(load_payload("pull_request.opened[1]"))
    gh_server.state.add_files(2, 3)
    api = gh_server.client()
    pull = api.pulls.get(2)
    assert (pull.head.ref, pull.base.ref, pull.head.sha) == (
        "changes",
        "master",
        "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
    )
    assert pull.changed_files == 3 and pull.user.login == "Codertocat" and pull.draft is False
    as_issue = api.issues.get(2)
    assert as_issue.pull_request.url.endswith("/pulls/2") and as_issue.labels[0].name == "bug"


def test_every_issue_and_pull_payload_seeds_and_renders_per_spec(
    gh_server_factory: Callable[..., GitHubTestServer],
) -> None:
    server = gh_server_factory()
    names = [
        example.name
        for event in ("issues", "issue_comment", "pull_request", "pull_request_review")
        for example in githubdata.examples(event)
    ]
    assert len(names) > 60
    clients: dict[str, GhApi] = {}  # GhApi() takes ~140 ms to build: one per repository
    for name in names:
        server.state = State()
        item = server.state.seed_from_payload(load_payload(name))
        assert item is not None, name
        repo = server.state.repo
        api = clients.get(repo.full_name) or clients.setdefault(
            repo.full_name, server.client(owner=repo.owner, repo=repo.name)
        )
        got = api.issues.get(item.number)
        assert (got.number, got.user.login) == (item.number, item.user), name
        assert [label.name for label in got.labels] == item.labels, name
        if item.is_pull:
            assert api.pulls.get(item.number).head.sha == item.head_sha, name
            api.pulls.list_reviews(item.number)
        api.issues.list_comments(item.number)
    assert server.response_problems == []


# -- labels, comments, events --------------------------------------------------------------------------
def test_labels_and_events(gh_server: GitHubTestServer, gh_api: GhApi) -> None:
    state = gh_server.state
    state.add_label("bug", "d73a4a", "Something isn't working")
    state.add_issue("x", labels=["bug"])
    added = gh_api.issues.add_labels(1, labels=["triage", "BUG"])
    assert [label.name for label in added] == ["bug", "triage"]
    assert state.label("triage") is not None and state.label("triage").color == "ededed"  # type: ignore[union-attr]
    assert len(gh_server.writes) == 1
    assert [label.name for label in gh_api.issues.remove_label(1, "bug")] == ["triage"]
    status, _, body = raw(gh_server, "DELETE", f"{REPO}/issues/1/labels/nope")
    assert status == 404 and body["message"] == "Label does not exist"
    gh_server.state.actor = "devflow[bot]"
    assert [label.name for label in gh_api.issues.set_labels(1, labels=["a b", "c"])] == ["a b", "c"]
    events = [(e.event, e.label.name, e.actor.login) for e in gh_api.issues.list_events(1)]
    assert events == [
        ("labeled", "triage", "github-actions[bot]"),
        ("unlabeled", "bug", "github-actions[bot]"),
        ("unlabeled", "triage", "devflow[bot]"),
        ("labeled", "a b", "devflow[bot]"),
        ("labeled", "c", "devflow[bot]"),
    ]
    gh_api.issues.remove_all_labels(1)
    assert state.issues[1].labels == []


def test_set_labels_takes_every_form_github_does(gh_server: GitHubTestServer, gh_api: GhApi) -> None:
    gh_server.state.add_issue("x", labels=["bug", "triage"])
    assert gh_api.issues.set_labels(1, labels=[]) == []  # {"labels": []}: the schema's minItems is a spec gap
    assert gh_server.state.issues[1].labels == []
    assert gh_server.requests[-1].body == {"labels": []}
    assert [label["name"] for label in raw(gh_server, "PUT", f"{REPO}/issues/1/labels", ["a", "b"])[2]] == ["a", "b"]
    assert [label["name"] for label in raw(gh_server, "PUT", f"{REPO}/issues/1/labels", "c")[2]] == ["c"]
    body = {"labels": [{"name": "d"}]}
    assert [label["name"] for label in raw(gh_server, "PUT", f"{REPO}/issues/1/labels", body)[2]] == ["d"]
    assert raw(gh_server, "PUT", f"{REPO}/issues/1/labels", {"labels": "d"})[0] == 422
    assert raw(gh_server, "PUT", f"{REPO}/issues/1/labels", [])[0] == 422  # a bare list needs one label
    violations = gh_server.take_violations()
    assert len(violations) == 2 and all("(issues/set-labels)" in v for v in violations)
    assert gh_server.state.issues[1].labels == ["d"]


def test_lock_and_unlock(gh_server: GitHubTestServer, gh_api: GhApi) -> None:
    gh_server.state.add_issue("x")
    gh_server.state.add_pull("p")
    gh_api.issues.lock(1, lock_reason="too heated")
    gh_api.issues.lock(2)  # no body: no reason
    assert [(i.locked, i.active_lock_reason) for i in (gh_api.issues.get(1), gh_api.pulls.get(2))] == [
        (True, "too heated"),
        (True, None),
    ]
    assert status_of(lambda: gh_api.issues.lock(1, lock_reason="angry")) == 422
    violations = gh_server.take_violations()
    assert len(violations) == 1 and "(issues/lock)" in violations[0] and "'angry' is not one of" in violations[0]
    gh_api.issues.unlock(1)
    assert gh_api.issues.get(1).locked is False
    events = [(e.event, e.get("lock_reason")) for e in gh_api.issues.list_events(1)]
    assert events == [("locked", "too heated"), ("unlocked", None)]
    assert [(r.method, r.status) for r in gh_server.requests if r.path.endswith("/lock")] == [
        ("PUT", 204),
        ("PUT", 204),
        ("PUT", 422),
        ("DELETE", 204),
    ]


def test_ghapi_does_not_encode_slash_in_label_names(gh_server: GitHubTestServer, gh_api: GhApi) -> None:
    """ghapi's remove_label leaves '/' unencoded (and double-encodes '%2F'): use a raw call for such names."""
    gh_server.state.add_issue("x", labels=["area/ui"])
    assert status_of(lambda: gh_api.issues.remove_label(1, "area/ui")) == 404
    assert "no such route" in gh_server.take_violations()[0]
    assert status_of(lambda: gh_api.issues.remove_label(1, "area%2Fui")) == 404  # sent as area%252Fui
    route = {"owner": "octo-org", "repo": "octo-repo", "issue_number": 1, "name": "area/ui"}
    assert gh_api(f"{REPO}/issues/{{issue_number}}/labels/{{name}}", "DELETE", route=route) == []


def test_comments_and_timeline(gh_server: GitHubTestServer, gh_api: GhApi) -> None:
    gh_server.state.add_issue("x")
    gh_server.state.add_comment(1, "first", user="alice")
    made = gh_api.issues.create_comment(1, body="hello")
    assert made.user.login == "github-actions[bot]" and made.id > 0
    gh_api.issues.update_comment(made.id, body="edited")
    assert [c.body for c in gh_api.issues.list_comments(1)] == ["first", "edited"]
    gh_api.issues.add_labels(1, labels=["bug"])
    timeline = gh_api.issues.list_events_for_timeline(1)
    assert [t.event for t in timeline] == ["commented", "commented", "labeled"]
    gh_api.issues.delete_comment(made.id)
    assert status_of(lambda: gh_api.issues.get_comment(made.id)) == 404


def test_update_issue_assignees_and_state(gh_server: GitHubTestServer, gh_api: GhApi) -> None:
    gh_server.state.add_issue("x")
    gh_api.issues.add_assignees(1, assignees=["alice", "bob"])
    gh_api.issues.remove_assignees(1, assignees=["bob"])
    closed = gh_api.issues.update(1, state="closed", state_reason="not_planned", title="y")
    assert (closed.state, closed.state_reason, closed.title) == ("closed", "not_planned", "y")
    assert [a.login for a in closed.assignees] == ["alice"] and closed.closed_at
    kinds = [e.event for e in gh_api.issues.list_events(1)]
    assert kinds == ["assigned", "assigned", "unassigned", "renamed", "closed"]


# -- pagination ----------------------------------------------------------------------------------------
def test_files_pagination_link_headers(gh_server: GitHubTestServer, gh_api: GhApi) -> None:
    gh_server.state.add_pull("big")
    gh_server.state.add_files(1, 250)
    pages = []
    for page in (1, 2, 3):
        status, headers, body = raw(gh_server, "GET", f"{REPO}/pulls/1/files?per_page=100&page={page}")
        assert status == 200
        pages.append((len(body), parse_link_hdr(headers.get("link", ""))))
    base = f"{gh_server.url}{REPO}/pulls/1/files?per_page=100&page="
    assert pages[0][0] == 100 and {k: v[0] for k, v in pages[0][1].items()} == {
        "next": base + "2",
        "last": base + "3",
    }
    assert set(pages[1][1]) == {"next", "last", "first", "prev"} and pages[1][1]["prev"][0] == base + "1"
    assert pages[2][0] == 50 and set(pages[2][1]) == {"first", "prev"}
    assert len(gh_api.pulls.list_files(1)) == 30  # default per_page
    assert gh_api.last_page() == 9
    assert len(gh_api.pulls.list_files(1, per_page=100, page=3)) == 50


# -- fault injection -----------------------------------------------------------------------------------
def test_every_fifth_request_fails_without_changing_state(gh_server: GitHubTestServer, gh_api: GhApi) -> None:
    gh_server.state.add_issue("x")
    gh_server.faults = Faults(fail_every=5)
    statuses = []
    for n in range(10):
        status, _, _ = raw(gh_server, "POST", f"{REPO}/issues/1/labels", {"labels": [f"l{n}"]})
        statuses.append(status)
    assert statuses == [200, 200, 200, 200, 502] * 2
    assert gh_server.state.issues[1].labels == ["l0", "l1", "l2", "l3", "l5", "l6", "l7", "l8"]
    gh_server.faults = Faults(fail_at={len(gh_server.requests)})  # the next request
    assert status_of(lambda: gh_api.issues.get(1)) == 502
    assert gh_api.issues.get(1).number == 1


def test_apply_then_fail(gh_server: GitHubTestServer) -> None:
    gh_server.state.add_issue("x")
    gh_server.faults = Faults(fail_at={0, 1}, apply_then_fail=True)
    assert raw(gh_server, "POST", f"{REPO}/issues/1/comments", {"body": "hi"})[0] == 502
    assert raw(gh_server, "GET", f"{REPO}/issues/1/comments")[0] == 502  # reads just fail
    assert [c.body for c in gh_server.state.comments.values()] == ["hi"]  # the write happened
    assert [r.status for r in gh_server.requests] == [502, 502]


def test_rate_limit_403_then_reset(gh_server: GitHubTestServer) -> None:
    gh_server.faults = Faults(rate_limit_after=3, rate_limit_reset_in=120)
    assert [raw(gh_server, "GET", REPO)[0] for _ in range(3)] == [200] * 3
    status, headers, body = raw(gh_server, "GET", REPO)
    assert status == 403 and body["message"].startswith("API rate limit exceeded for")
    assert "documentation_url" in body
    assert headers["x-ratelimit-remaining"] == "0"
    assert int(time.time()) + 100 < int(headers["x-ratelimit-reset"]) <= int(time.time()) + 121
    gh_server.reset_rate_limit()
    status, headers, _ = raw(gh_server, "GET", REPO)
    assert status == 200 and headers["x-ratelimit-remaining"] == "4999" and headers["x-ratelimit-used"] == "1"


def test_rate_limit_429_with_retry_after(gh_server: GitHubTestServer) -> None:
    gh_server.faults = Faults(rate_limit_after=0, rate_limit_status=429, retry_after=7)
    status, headers, body = raw(gh_server, "GET", REPO)
    assert status == 429 and headers["retry-after"] == "7" and "secondary rate limit" in body["message"]


def test_latency(gh_server: GitHubTestServer) -> None:
    gh_server.faults.latency = 0.1
    start = time.perf_counter()
    raw(gh_server, "GET", "/rate_limit")
    assert time.perf_counter() - start >= 0.1


# -- search, contents, checks, pulls -------------------------------------------------------------------
def test_search(gh_server: GitHubTestServer, gh_api: GhApi) -> None:
    s = gh_server.state
    s.add_issue(
        "old bug",
        user="alice",
        labels=["bug"],
        created_at="2024-01-01T10:00:00Z",
        updated_at="2024-01-02T00:00:00Z",
    )
    s.add_issue("new feature", user="bob", labels=["enhancement"], created_at="2024-03-01T00:00:00Z")
    s.add_pull("a pr", user="alice", created_at="2024-02-01T00:00:00Z", state="closed")

    def numbers(q: str) -> list[int]:
        return [i.number for i in gh_api.search.issues_and_pull_requests(q=f"repo:octo-org/octo-repo {q}")["items"]]

    assert numbers("is:issue") == [2, 1] and numbers("is:pr is:closed") == [3]
    assert numbers("author:alice is:open") == [1] and numbers("label:bug") == [1] and numbers("-label:bug") == [3, 2]
    assert numbers("updated:<2024-02-01") == [1] and numbers("created:>=2024-02-01") == [3, 2]
    assert numbers('"new feature"') == [2] and numbers("created:2024-01-01..2024-01-31") == [1]
    result = gh_api.search.issues_and_pull_requests(q="repo:other/repo")
    assert result.total_count == 0 and result.incomplete_results is False
    page = gh_api.search.issues_and_pull_requests(q="repo:octo-org/octo-repo", per_page=2)
    assert page.total_count == 3 and len(page["items"]) == 2 and "next" in gh_api.recv_hdrs["link"]
    assert raw(gh_server, "GET", "/search/issues?q=reactions:>5")[0] == 422
    assert "unsupported search qualifier" in gh_server.take_violations()[0]


def test_contents_at_ref(gh_server: GitHubTestServer, gh_api: GhApi) -> None:
    gh_server.state.set_file(".github/devflow.yml", "rules: []\n")
    gh_server.state.set_file(".github/devflow.yml", "rules: [x]\n", ref="feature")
    got = gh_api.repos.get_content(".github/devflow.yml")
    assert got.encoding == "base64" and got.type == "file"
    import base64

    assert base64.b64decode(got.content) == b"rules: []\n"
    assert base64.b64decode(gh_api.repos.get_content(".github/devflow.yml", ref="feature").content) == b"rules: [x]\n"
    assert [e.name for e in gh_api.repos.get_content(".github")] == ["devflow.yml"]
    status, _, body = raw(gh_server, "GET", f"{REPO}/contents/missing.yml?ref=main")
    assert status == 404 and body["message"] == "Not Found"


def test_statuses_and_checks(gh_server: GitHubTestServer, gh_api: GhApi) -> None:
    pull = gh_server.state.add_pull("p")
    gh_server.state.add_status(pull.head_sha, "ci/lint", "success")
    gh_server.state.add_status(pull.head_sha, "ci/test", "pending")
    gh_server.state.add_check_run(pull.head_ref, "build", "completed", "failure")
    assert gh_api.repos.get_combined_status_for_ref(pull.head_sha).state == "pending"
    runs = gh_api.checks.list_for_ref(pull.head_ref)
    assert runs.total_count == 1 and runs.check_runs[0].conclusion == "failure"


def test_reviewers_reviews_and_merge(gh_server: GitHubTestServer, gh_api: GhApi) -> None:
    pull = gh_server.state.add_pull("p", user="alice")
    gh_api.pulls.request_reviewers(1, reviewers=["bob"], team_reviewers=["core"])
    assert status_of(lambda: gh_api.pulls.request_reviewers(1, reviewers=["alice"])) == 422
    requested = gh_api.pulls.list_requested_reviewers(1)
    assert [u.login for u in requested.users] == ["bob"] and [t.slug for t in requested.teams] == ["core"]
    gh_api.pulls.remove_requested_reviewers(1, reviewers=["bob"])
    gh_server.state.add_review(1, "bob", "APPROVED")
    assert [r.state for r in gh_api.pulls.list_reviews(1)] == ["APPROVED"]
    assert gh_api.pulls.merge(1, sha=pull.head_sha).merged is True
    assert status_of(lambda: gh_api.pulls.merge(1)) == 405
    assert gh_api.pulls.get(1).merged is True


# -- faithfulness and performance ----------------------------------------------------------------------
def test_responses_follow_the_spec(gh_server_factory: Callable[..., GitHubTestServer]) -> None:
    server = gh_server_factory(check_responses=True)
    assert server.check_responses
    server.state.seed_from_payload(load_payload("pull_request.opened[1]"))
    s = server.state
    s.add_files(2, 2, patch="@@ -1 +1 @@")
    s.add_issue("an issue", labels=["bug"], assignees=["alice"], milestone=None)
    s.add_comment(3, "hi")
    s.add_collaborator("alice", "write")
    s.add_review(2, "alice")
    s.add_status("master", "ci", "success")
    s.add_check_run("changes", "build")
    s.set_file("README.md", "hello")
    api = server.client()
    api.issues.add_labels(3, labels=["x"])
    api.pulls.request_reviewers(2, reviewers=["alice"])
    api.issues.add_assignees(3, assignees=["bob"])
    api.issues.update(3, state="closed")
    calls: list[Callable[[], Any]] = [
        lambda: api.repos.get(),
        lambda: api.rate_limit.get(),
        lambda: api.issues.get(2),
        lambda: api.issues.get(3),
        lambda: api.issues.list_for_repo(state="all"),
        lambda: api.issues.list_comments(3),
        lambda: api.issues.list_events(3),
        lambda: api.issues.list_events_for_timeline(3),
        lambda: api.issues.list_events_for_timeline(2),
        lambda: api.issues.list_labels_for_repo(),
        lambda: api.pulls.get(2),
        lambda: api.pulls.list(),
        lambda: api.pulls.list_files(2),
        lambda: api.pulls.list_commits(2),
        lambda: api.pulls.list_reviews(2),
        lambda: api.pulls.list_requested_reviewers(2),
        lambda: api.repos.get_combined_status_for_ref("master"),
        lambda: api.repos.list_commit_statuses_for_ref("master"),
        lambda: api.checks.list_for_ref("changes"),
        lambda: api.checks.list_suites_for_ref("changes"),
        lambda: api.repos.get_content("README.md"),
        lambda: api.repos.list_collaborators(),
        lambda: api.repos.get_collaborator_permission_level("alice"),
        lambda: api.repos.get_collaborator_permission_level("mallory"),
        lambda: api.issues.list_assignees(),
        lambda: api.search.issues_and_pull_requests(q="is:open"),
        lambda: api.apps.get_repo_installation(),
        lambda: api.apps.list_repos_accessible_to_installation(),
        lambda: api.issues.create(title="new"),
        lambda: api.issues.create_label(name="fresh"),
        lambda: api.issues.update_label("fresh", color="000000"),
        lambda: api.issues.create_comment(3, body="c"),
        lambda: api.pulls.merge(2),
    ]
    for call in calls:
        call()
    assert server.response_problems == []


def test_keep_alive_is_fast(gh_server: GitHubTestServer, gh_api: GhApi) -> None:
    gh_server.state.add_issue("x")
    start = time.perf_counter()
    for _ in range(50):
        gh_api.issues.add_labels(1, labels=["a"])
    assert time.perf_counter() - start < 1.0  # ~40 ms each with Nagle + delayed ACK
    assert gh_server.connections == 1


def test_fixed_port(gh_server_factory: Callable[..., GitHubTestServer]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = gh_server_factory(port=port, token="secret")
    assert server.url == f"http://127.0.0.1:{port}"
    assert server.client().repos.get().full_name == "octo-org/octo-repo"
