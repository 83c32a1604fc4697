"""The GitHub test server's listing and search behaviour that sweeps rely on: paging with `Link`
headers, the search API's 1,000-result window and its own rate limit, the core hourly limit."""

from __future__ import annotations

import time

import pytest

from .ghserver import GitHubTestServer
from .ghserver.bulk import add_issues
from .sweep_helpers import ago
from .test_ghserver import raw

pytestmark = pytest.mark.integration
REPO = "/repos/octo-org/octo-repo"
Q = "/search/issues?q=repo%3Aocto-org%2Focto-repo+is%3Aopen&per_page=100"


def test_search_serves_the_first_1000_results_only(gh_server_factory) -> None:  # type: ignore[no-untyped-def]
    server = gh_server_factory(check_responses=False)
    add_issues(server.state, 1100)
    status, headers, body = raw(server, "GET", Q + "&page=10")
    assert status == 200 and body["total_count"] == 1100 and len(body["items"]) == 100
    assert 'rel="next"' not in headers["link"]  # page 10 is the last one served
    status, _, body = raw(server, "GET", Q + "&page=11")
    assert status == 422 and body["message"] == "Only the first 1000 search results are available"
    _, headers, _ = raw(server, "GET", Q + "&page=1")
    assert 'page=10>; rel="last"' in headers["link"]


def test_search_has_its_own_rate_limit_apart_from_the_core_one(gh_server: GitHubTestServer) -> None:
    gh_server.search_limit.limit = 3
    for _ in range(3):
        assert raw(gh_server, "GET", Q)[0] == 200
    status, headers, body = raw(gh_server, "GET", Q)
    assert status == 403 and body["message"].startswith("API rate limit exceeded")
    assert (headers["x-ratelimit-resource"], headers["x-ratelimit-remaining"]) == ("search", "0")
    assert int(headers["x-ratelimit-reset"]) <= int(time.time()) + 60
    status, headers, _ = raw(gh_server, "GET", REPO)
    assert status == 200 and headers["x-ratelimit-used"] == "1"  # searches never counted against core
    _, _, limits = raw(gh_server, "GET", "/rate_limit")
    assert limits["resources"]["search"]["remaining"] == 0
    gh_server.search_limit.new_window()
    assert raw(gh_server, "GET", Q)[0] == 200


def test_the_core_limit_stops_at_rate_limit_until_the_window_resets(gh_server_factory) -> None:  # type: ignore[no-untyped-def]
    server = gh_server_factory(rate_limit=3)
    assert [raw(server, "GET", REPO)[0] for _ in range(4)] == [200, 200, 200, 403]
    _, headers, _ = raw(server, "GET", REPO)
    assert headers["x-ratelimit-remaining"] == "0" and int(headers["x-ratelimit-reset"]) > time.time() + 3000
    server.reset_rate_limit()
    assert raw(server, "GET", REPO)[0] == 200


def test_issues_listed_by_update_since_a_time_page_with_link_headers(gh_server: GitHubTestServer) -> None:
    add_issues(gh_server.state, 5, lambda i: {"updated_at": ago(10 - i)})
    since = ago(8).strftime("%Y-%m-%dT%H:%M:%SZ")
    status, headers, body = raw(gh_server, "GET", f"{REPO}/issues?sort=updated&direction=asc&since={since}&per_page=2")
    assert status == 200 and [i["number"] for i in body] == [3, 4]
    assert 'page=2>; rel="next"' in headers["link"] and "since=" in headers["link"]


def test_thousands_of_issues_seed_in_well_under_a_second(gh_server: GitHubTestServer) -> None:
    start = time.perf_counter()
    add_issues(gh_server.state, 5000, lambda i: {"updated_at": ago(i / 10)})
    assert time.perf_counter() - start < 2.0 and len(gh_server.state.issues) == 5000
