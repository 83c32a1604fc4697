"""The GraphQL adapter's answers to GitHub's failures, through the test server: the same policy as REST
(retries, rate-limit waits, budget, deadline), GraphQL's own errors in Devflow's terms."""

from __future__ import annotations

import time

import pytest

from devflow_action.github.budget import CallBudget
from devflow_action.github.errors import BudgetExhausted, DeadlineReached, RateLimited, Refused, Unavailable
from devflow_action.github.graphql import GraphQLClient
from devflow_action.github.retry import Policy

from .ghserver import GitHubTestServer
from .integration_helpers import FAST

QUERY = 'query Viewer { viewer { login } repository(owner: "octo-org", name: "octo-repo") { id } }'
TOKEN = "ghs_graphqlSecretToken0123456789abcdef"


def client(server: GitHubTestServer, policy: Policy = FAST, budget: CallBudget | None = None) -> GraphQLClient:
    return GraphQLClient(server.token, f"{server.url}/graphql", policy=policy, budget=budget or CallBudget(50))


def test_an_answer_is_the_data(gh_server: GitHubTestServer) -> None:
    with client(gh_server) as gql:
        assert gql.execute(QUERY) == {"viewer": {"login": "github-actions[bot]"}, "repository": {"id": "R_1296269"}}


def test_rate_limited_with_a_far_reset_stops_at_once(gh_server: GitHubTestServer) -> None:
    gh_server.faults.rate_limit_after = 0
    gh_server.faults.rate_limit_reset_in = 3600
    with client(gh_server) as gql, pytest.raises(RateLimited) as info:
        gql.execute(QUERY)
    assert 3500 < info.value.reset_in <= 3600
    assert len(gh_server.requests) == 1


def test_rate_limited_with_a_near_reset_is_waited_out(gh_server: GitHubTestServer) -> None:
    gh_server.faults.rate_limit_after = 0
    gh_server.faults.rate_limit_reset_in = 1
    started = time.monotonic()

    def sleep(seconds: float) -> None:  # the limit lifts at its reset
        gh_server.faults.rate_limit_after = None
        time.sleep(seconds)

    with client(gh_server, Policy(initial=0.01, max_backoff=0.05, max_wait=5.0, sleep=sleep)) as gql:
        assert gql.execute(QUERY)["viewer"]["login"] == "github-actions[bot]"
    assert time.monotonic() - started >= 1.0
    assert [r.status for r in gh_server.requests] == [200, 200]  # GraphQL says it in a 200


def test_a_rate_limit_wait_never_passes_the_deadline(gh_server: GitHubTestServer) -> None:
    gh_server.faults.rate_limit_after = 0
    gh_server.faults.rate_limit_reset_in = 20
    with client(gh_server, Policy(max_wait=60), CallBudget(50, deadline=5.0)) as gql, pytest.raises(DeadlineReached):
        gql.execute(QUERY)


def test_server_errors_are_retried_then_unavailable(gh_server: GitHubTestServer) -> None:
    gh_server.faults.fail_at = {0, 1}
    with client(gh_server) as gql:
        assert gql.execute(QUERY)["repository"]["id"] == "R_1296269"
    gh_server.faults.fail_every = 1
    with client(gh_server) as gql, pytest.raises(Unavailable, match="502 after 5 attempts"):
        gql.execute(QUERY)


def test_the_budget_counts_every_attempt(gh_server: GitHubTestServer) -> None:
    gh_server.faults.fail_every = 1
    with client(gh_server, budget=CallBudget(3)) as gql, pytest.raises(BudgetExhausted):
        gql.execute(QUERY)
    assert len(gh_server.requests) == 3


@pytest.mark.parametrize(
    ("kind", "status", "hint"),
    [("FORBIDDEN", 403, "issues: write"), ("INSUFFICIENT_SCOPES", 403, "issues: write"), ("NOT_FOUND", 404, "")],
)
def test_graphql_refusals_are_refused_without_retrying(gh_server: GitHubTestServer, kind: str, status: int,
                                                       hint: str) -> None:  # fmt: skip
    gh_server.graphql.faults.error_type = kind
    with client(gh_server) as gql, pytest.raises(Refused) as info:
        gql.execute(QUERY)
    assert info.value.status == status and hint in info.value.hint
    assert len(gh_server.requests) == 1


def test_a_missing_repository_is_refused_as_not_found(gh_server: GitHubTestServer) -> None:
    with client(gh_server) as gql, pytest.raises(Refused, match="Could not resolve to a Repository"):
        gql.execute('query R { repository(owner: "nobody", name: "nothing") { id } }')


def test_bad_credentials_are_refused_and_the_token_never_shows(gh_server_factory: object) -> None:
    server: GitHubTestServer = gh_server_factory(token=TOKEN)  # type: ignore[operator]
    url = f"{server.url}/graphql"
    with GraphQLClient("ghs_wrongToken0123456789abcdefghij", url, policy=FAST) as gql, pytest.raises(Refused) as info:
        gql.execute(QUERY)
    assert info.value.status == 401 and "ghs_" not in str(info.value)


def test_a_mutation_counts_as_a_write(gh_server: GitHubTestServer) -> None:
    budget = CallBudget(10)
    with client(gh_server, budget=budget) as gql:
        gql.execute(
            'mutation M($repo: ID!) { createIssue(input: {repositoryId: $repo, title: "t"}) { issue { number } } }',
            {"repo": "R_1296269"},
            write=True,
        )
    assert (budget.calls, budget.writes) == (1, 1)
    assert [r.path for r in gh_server.writes] == ["/graphql"]
