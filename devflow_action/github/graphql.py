"""GitHub's GraphQL API under the same retry policy, call budget, deadline and redaction as REST.

``GITHUB_GRAPHQL_URL`` names the endpoint (GitHub sets it on every runner; GitHub Enterprise Server has
its own); the default is github.com's. GraphQL reports most failures inside a 200 answer, so each
answer is read here and turned into Devflow's errors (``errors.py``) before anything above sees it:

- ``RATE_LIMITED``: waited out when the reset is near, otherwise ``RateLimited`` (exit 2);
- ``FORBIDDEN`` / ``INSUFFICIENT_SCOPES`` / ``NOT_FOUND`` and other refusals: ``Refused`` (exit 1);
- GitHub's own failures (a query that timed out on its side, ``SERVICE_UNAVAILABLE``): retried, then
  ``Unavailable`` (exit 2);
- a query GitHub rejects as invalid for its schema: ``QueryRejected``, a bug in Devflow (exit 3).

Partial data (``data`` and ``errors`` together) is never returned: a digest counts every item or says
that it stopped, so the errors decide as above. HTTP failures (5xx, 401, 403/429 rate limits) are
classified by ``retry.py`` exactly as for REST.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx2

from .. import __version__
from ..redact import one_line, redact
from .budget import CallBudget
from .errors import Refused
from .retry import Malformed, Policy, Throttled, Transient, call

DEFAULT_URL = "https://api.github.com/graphql"
DEFAULT_RESET_WAIT = 60.0  # GitHub's advice when a rate limit gives no reset time
_NAME = re.compile(r"^\s*(query|mutation)\s+(\w+)")
_REFUSALS = {"FORBIDDEN": 403, "INSUFFICIENT_SCOPES": 403, "NOT_FOUND": 404}
_HINTS = {
    403: "the token lacks a permission: grant the workflow `issues: write` (and `discussions: write` to post to a "
    "discussion)",
    404: "not found, or the token cannot see it",
}
_TRANSIENT = {"SERVICE_UNAVAILABLE", "INTERNAL", "INTERNAL_ERROR", "TIMEOUT"}


class QueryRejected(Exception):
    """GitHub rejected a query as invalid for its schema: a bug in Devflow (or a GitHub Enterprise Server
    too old for the query), never the user's to fix."""


def operation_name(document: str) -> str:
    m = _NAME.match(document)
    return m.group(2) if m else "anonymous"


def _message(error: Any) -> str:
    text = error.get("message") if isinstance(error, dict) else None
    return redact(one_line(text)) if isinstance(text, str) else ""


def _reset_in(response: httpx2.Response, policy: Policy) -> float:
    headers = response.headers
    try:
        if "retry-after" in headers:
            return max(0.0, float(headers["retry-after"]))
        if "x-ratelimit-reset" in headers:
            return max(0.0, float(headers["x-ratelimit-reset"]) - policy.clock())
    except ValueError:
        pass
    return DEFAULT_RESET_WAIT


def check_errors(errors: Any, response: httpx2.Response, policy: Policy) -> None:
    """Raise the Devflow error for a GraphQL ``errors`` list (it is never ignored, even beside data)."""
    if not isinstance(errors, list) or not errors:
        raise Malformed("GraphQL errors are not a list")
    types = [str(e.get("type") or "") if isinstance(e, dict) else "" for e in errors]
    first = _message(errors[0])
    if "RATE_LIMITED" in types:
        raise Throttled(_reset_in(response, policy))
    for kind, error in zip(types, errors, strict=True):
        if kind in _REFUSALS:
            status = _REFUSALS[kind]
            raise Refused(status, _message(error), _HINTS.get(status, ""))
    codes = [e.get("extensions", {}).get("code") for e in errors if isinstance(e, dict)]
    if any(codes) and not any(types):  # schema validation: the query itself is wrong
        raise QueryRejected(f"GitHub rejected a GraphQL query: {first}")
    if any(t and t not in _TRANSIENT for t in types):
        kind = next(t for t in types if t and t not in _TRANSIENT)
        raise Refused(422, f"{kind}: {first}")
    raise Transient(first or "GraphQL error without a message")


@dataclass
class GraphQLClient:
    """One persistent HTTP client for GraphQL; every request spends from the run's ``CallBudget``."""

    token: str
    url: str = DEFAULT_URL
    policy: Policy = field(default_factory=Policy)
    budget: CallBudget = field(default_factory=CallBudget)
    timeout: float = 30.0
    log: list[tuple[str, int]] = field(default_factory=list)  # (operation name, HTTP status or 0)

    def __post_init__(self) -> None:
        headers = {"User-Agent": f"devflow-action/{__version__}", "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"bearer {self.token}"
        self.http = httpx2.Client(timeout=self.timeout, headers=headers, follow_redirects=False)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> GraphQLClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def execute(
        self, document: str, variables: Mapping[str, Any] | None = None, *, write: bool = False, retry: bool = True
    ) -> dict[str, Any]:
        """The ``data`` of one query or mutation, complete, or a Devflow error.

        ``retry=False`` is for a mutation that is not idempotent (creating an issue): a 5xx or a timeout
        may have applied it, so only rate limits (never applied) are waited out; the caller re-checks."""
        name = operation_name(document)
        body = {"query": document, "variables": dict(variables or {})}
        return call(lambda: self._once(name, body, write), self.policy, self.budget, retry_server_errors=retry)

    def _once(self, name: str, body: dict[str, Any], write: bool) -> dict[str, Any]:
        self.budget.spend(write=write)
        left = self.budget.time_left()
        timeout = self.timeout if left is None else max(0.1, min(self.timeout, left))
        try:
            response = self.http.post(self.url, json=body, timeout=timeout)
        except httpx2.TransportError:
            self.log.append((name, 0))
            raise
        self.log.append((name, response.status_code))
        response.raise_for_status()
        try:
            answer = response.json()
        except (ValueError, UnicodeDecodeError):
            raise Malformed("not JSON") from None
        if not isinstance(answer, dict):
            raise Malformed("expected a JSON object")
        if answer.get("errors") is not None:
            check_errors(answer["errors"], response, self.policy)
        data = answer.get("data")
        if not isinstance(data, dict):
            raise Malformed("no data in the GraphQL answer")
        return data
