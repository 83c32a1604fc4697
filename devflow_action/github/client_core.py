"""What the client's feature mixins (``sweep_calls.SweepCalls``, ``client_review.ReviewCalls``) build
on: the attributes ``GhClient`` sets and its one ``request`` / ``pages``, declared once here so the
mixins are type-checked against the client they are mixed into."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .budget import CallBudget
from .retry import Policy


class ClientCore:
    owner: str
    repo: str
    policy: Policy
    budget: CallBudget
    graphql_url: str | None = None  # set by the action from GITHUB_GRAPHQL_URL; else derived
    base_url: str
    http: Any
    last_headers: Mapping[str, str]

    def request(
        self,
        verb: str,
        path: str,
        route: dict[str, Any] | None = None,
        query: dict[str, Any] | None = None,
        data: Any = None,
        *,
        retry: bool = True,
        expect: type | None = None,
    ) -> Any:
        """One call through the retry policy and the run's budget (``GhClient.request``)."""
        raise NotImplementedError

    def pages(self, path: str, route: dict[str, Any] | None = None, query: dict[str, Any] | None = None) -> list[Any]:
        """Every item of a paginated list (``GhClient.pages``)."""
        raise NotImplementedError
