"""Scenarios for integration tests: a seeded GitHub test server, the real client, apply_event."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from devflow_action.app.context import RunContext
from devflow_action.app.event import Result, handle_event
from devflow_action.config.loader import load_text
from devflow_action.events.model import Event
from devflow_action.events.normalize import normalize
from devflow_action.github.budget import CallBudget
from devflow_action.github.client import GhClient
from devflow_action.github.retry import Policy

from .ghserver import GitHubTestServer
from .githubdata import parse_name

FAST = Policy(initial=0.01, max_backoff=0.05, max_wait=5.0)


@dataclass
class Scenario:
    server: GitHubTestServer
    event: Event
    config_text: str

    def run(self, *, fresh: bool = True, dry_run: bool = False, max_calls: int = 200, run_key: str | None = "7",
            policy: Policy = FAST) -> tuple[Result, GhClient]:  # fmt: skip
        budget = CallBudget(max_calls)
        client = GhClient(self.event.repository, self.server.token, api_url=self.server.url, policy=policy,
                          budget=budget)  # fmt: skip
        with client:
            ctx = RunContext(client, budget, run_key=run_key, dry_run=dry_run, policy=policy)
            result = handle_event(ctx, load_text(self.config_text), self.event, fresh=fresh)
        return result, client

    @property
    def issue(self) -> Any:
        assert self.event.number is not None
        return self.server.state.issues[self.event.number]

    def labels(self) -> list[str]:
        return list(self.issue.labels)

    def comments(self) -> list[str]:
        return [c.body for c in self.server.state.comments.values() if c.issue_number == self.event.number]

    def calls(self) -> list[str]:
        return [f"{r.method} {r.path.split('?')[0]}" for r in self.server.requests]


def scenario(server: GitHubTestServer, payload_name: str, config_text: str, event_name: str | None = None) -> Scenario:
    """The server seeded from a real payload (`"issues.opened"`, see githubdata) and its event."""
    example = parse_name(payload_name)
    payload = example.payload()
    server.state.seed_from_payload(payload)
    return Scenario(server, normalize(event_name or example.event, payload), config_text)
