"""Running sweeps against the GitHub test server through the real client, and reading what they did."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from devflow_action.app.context import RunContext
from devflow_action.app.sweep import SweepResult
from devflow_action.config.loader import load_text
from devflow_action.exits import Exit
from devflow_action.github.budget import CallBudget
from devflow_action.github.client import CallLog, GhClient
from devflow_action.github.retry import Policy
from devflow_action.sweep_render import exit_code, progress_line

from .ghserver import GitHubTestServer
from .integration_helpers import FAST

REPO = "octo-org/octo-repo"
NOW = datetime.now(UTC).replace(microsecond=0)


def ago(days: float = 0, minutes: float = 0) -> datetime:
    return NOW - timedelta(days=days, minutes=minutes)


def sweep(
    server: GitHubTestServer,
    use_case: Callable[..., SweepResult],
    config_text: str,
    *,
    days_later: float = 0,
    max_calls: int = 5000,
    dry_run: bool = False,
    lines: list[str] | None = None,
    policy: Policy = FAST,
    store: Any = None,
    **options: Any,
) -> tuple[SweepResult, Exit]:
    """One run of a sweep use case; ``days_later`` moves the sweep's clock (not GitHub's) forward;
    ``store``: the run's state store (None: GitHub only)."""
    budget = CallBudget(max_calls)
    client = client_for(server, budget)
    client.policy = policy
    ctx = RunContext(
        client, budget, clock=lambda: datetime.now(UTC) + timedelta(days=days_later), dry_run=dry_run, policy=policy,
        store=store,
    )  # fmt: skip
    config = load_text(config_text)
    args = (ctx, config) if use_case.__name__ == "sync_labels" else (ctx, config, REPO)

    def progress(i: int, total: int | None, item: Any) -> None:
        if lines is not None:
            lines.append(progress_line(use_case.__name__, i, total, item))

    result = use_case(*args, progress=progress, **options)
    return result, exit_code([result])


def big_server(factory: Callable[..., GitHubTestServer]) -> GitHubTestServer:
    """A server for hundreds of items: requests are still checked against the contract, but not the
    server's own answers (its self-check costs ~3 ms a page; the small tests and test_ghserver keep it)."""
    return factory(check_responses=False)


def client_for(server: GitHubTestServer, budget: CallBudget) -> GhClient:
    """The server's client with a fresh budget, as a new run would have (closed when the server stops).
    One client per server because ghapi takes ~0.6 s to build one."""
    client = next((c for c in server._clients if isinstance(c, GhClient)), None)
    if client is None:
        client = GhClient(REPO, server.token, api_url=server.url, policy=FAST, budget=budget)
        server._clients.append(client)
    client.budget = budget
    client.log = CallLog(budget)
    return client


def labeled(server: GitHubTestServer, label: str) -> Counter[int]:
    """How many times each issue got ``label`` (its `labeled` events)."""
    return Counter(
        e.issue_number for e in server.state.events if e.event == "labeled" and e.label and e.label.name == label
    )


def comments_with(server: GitHubTestServer, text: str) -> Counter[int]:
    return Counter(c.issue_number for c in server.state.comments.values() if text in c.body)


def closed(server: GitHubTestServer) -> Counter[int]:
    return Counter(e.issue_number for e in server.state.events if e.event == "closed")
