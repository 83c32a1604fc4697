"""GitHub's native auto-merge, which only GraphQL can turn on and off.

Two mutations, sent to ``GITHUB_GRAPHQL_URL`` through the client's HTTP connection, its retry
policy and its call budget (``retry.call``), like every REST call. GraphQL reports refusals inside a
200 answer: they become ``Refused`` here, with GitHub's message, so the executor treats them like a
REST 4xx; a ``RATE_LIMITED`` error is a ``RateLimited`` stop. The documents are checked against
GitHub's published schema by the tests (tests/test_automerge.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..redact import one_line, redact
from .errors import RateLimited, Refused
from .retry import Malformed

ENABLE = """mutation EnableAutoMerge($pullRequestId: ID!, $mergeMethod: PullRequestMergeMethod!, $sha: GitObjectID) {
  enablePullRequestAutoMerge(input: {pullRequestId: $pullRequestId, mergeMethod: $mergeMethod, expectedHeadOid: $sha}) {
    pullRequest { number autoMergeRequest { mergeMethod enabledAt } }
  }
}"""
DISABLE = """mutation DisableAutoMerge($pullRequestId: ID!) {
  disablePullRequestAutoMerge(input: {pullRequestId: $pullRequestId}) {
    pullRequest { number autoMergeRequest { mergeMethod } }
  }
}"""
METHODS = {"merge": "MERGE", "squash": "SQUASH", "rebase": "REBASE"}
# GitHub's answer when a pull request can be merged now: there is nothing to wait for.
CLEAN_STATUS = "clean status"


def graphql_url(api_url: str) -> str:
    """GitHub's GraphQL endpoint for a REST base URL (github.com, or GitHub Enterprise Server's
    ``https://HOST/api/v3`` → ``https://HOST/api/graphql``). The action passes ``GITHUB_GRAPHQL_URL``."""
    base = api_url.rstrip("/")
    if base.endswith("/api/v3"):
        return base[: -len("/v3")] + "/graphql"
    return base + "/graphql"


def _message(errors: list[Any]) -> str:
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    text = first.get("message")
    return redact(one_line(text)) if isinstance(text, str) else "GraphQL error without a message"


def read_answer(answer: Any) -> dict[str, Any]:
    """The ``data`` of a GraphQL answer, or the Devflow error its ``errors`` stand for."""
    if not isinstance(answer, dict):
        raise Malformed("expected a JSON object")
    errors = answer.get("errors")
    if errors:
        if not isinstance(errors, list):
            raise Malformed("GraphQL errors are not a list")
        kinds = {str(e.get("type") or "") for e in errors if isinstance(e, dict)}
        if "RATE_LIMITED" in kinds:
            raise RateLimited(60.0)
        status = 404 if "NOT_FOUND" in kinds else 403 if kinds & {"FORBIDDEN", "INSUFFICIENT_SCOPES"} else 422
        raise Refused(status, _message(errors))
    data = answer.get("data")
    if not isinstance(data, dict):
        raise Malformed("no data in the GraphQL answer")
    return data


def enable_variables(pull_request_id: str, method: str, sha: str) -> dict[str, Any]:
    return {"pullRequestId": pull_request_id, "mergeMethod": METHODS[method], "sha": sha}


Post = Callable[[str, dict[str, Any]], dict[str, Any]]  # (document, variables) -> data


def enable(post: Post, pull_request_id: str, method: str, sha: str) -> None:
    post(ENABLE, enable_variables(pull_request_id, method, sha))


def disable(post: Post, pull_request_id: str) -> None:
    post(DISABLE, {"pullRequestId": pull_request_id})
