"""The digest's cost over 1,000 and 5,000 items, measured live against the GitHub test server (GraphQL
checked against GitHub's schema) through the real client, with 50 ms added to every call.

    .venv/bin/python -m benchmarks.digest        (or: python benchmarks/digest.py)

Prints a Markdown table: calls (writes), GraphQL rate-limit points as GitHub computes them, and wall
time, for the first run (which creates the digest issue) and the next one (which updates it), next to
the target ceil(N/100) + 3. Run by hand; copy the table to docs/benchmarks.md.
"""

from __future__ import annotations

import math
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from devflow_action.config.loader import load_text
from devflow_action.digest_command import make
from devflow_action.github.budget import CallBudget
from tests.ghserver import GitHubTestServer
from tests.integration_helpers import FAST

NOW = datetime(2024, 3, 11, 9, 0, tzinfo=UTC)
SINCE = datetime(2024, 3, 4, tzinfo=UTC)
CONFIG = "version: 1\ndigest: {post: {issue_title: Weekly contributor digest}}\nstale: {after_days: 30}\n"
LATENCY = 0.05


def seed(server: GitHubTestServer, items: int, seed: int = 7) -> None:
    """`items` issues and PRs (60/40) opened in the window by 30 % of as many authors (a third of them
    with an earlier issue), 2 comments each, a maintainer answering two in three, PRs half reviewed."""
    rng = random.Random(seed)
    st = server.state
    st.now = lambda: NOW
    st.add_collaborator("maint", "write")
    authors = [f"user{n}" for n in range(max(1, items * 3 // 10))]
    for login in authors[: len(authors) // 3]:
        old = SINCE - timedelta(days=rng.randint(30, 300))
        st.add_issue("older issue", login, created_at=old, updated_at=old, state="closed", closed_at=old)
    for n in range(items):
        created = SINCE + timedelta(seconds=rng.randint(0, 7 * 86400 - 7200))
        add = st.add_pull if n % 5 in (1, 3) else st.add_issue
        item = add(f"item {n}", rng.choice(authors), created_at=created, updated_at=created + timedelta(hours=1))
        st.add_comment(item.number, "+1", rng.choice(authors), created_at=created + timedelta(minutes=30))
        if n % 3:
            st.add_comment(item.number, "thanks", "maint", created_at=created + timedelta(hours=1))
        if item.is_pull and n % 2:
            st.add_review(item.number, "maint", "APPROVED").submitted_at = created + timedelta(hours=1)


def measure(items: int) -> list[str]:
    rows = []
    with GitHubTestServer() as server:
        seed(server, items)
        server.faults.latency = LATENCY
        env = {"GITHUB_API_URL": server.url, "GITHUB_GRAPHQL_URL": f"{server.url}/graphql"}
        target = math.ceil(items / 100) + 3
        for run in ("first run (creates the issue)", "next run (updates it)"):
            points = server.graphql.points
            budget = CallBudget(1000)
            started = time.perf_counter()
            result = make(load_text(CONFIG), "octo-org/octo-repo", server.token, env, budget, dry_run=False,
                          policy=FAST, clock=lambda: NOW)  # fmt: skip
            wall = time.perf_counter() - started
            assert result.digest is not None and not server.violations, server.violations
            assert result.digest.items == items, (result.digest.items, items)
            counted = result.digest.counts.issues_opened + result.digest.counts.prs_opened
            ok = "meets" if budget.calls <= target else "ABOVE"
            rows.append(
                f"| {items:,} items, {run} | {budget.calls} ({budget.writes}) | {server.graphql.points - points} | "
                f"{wall:.1f} s | {target} ({ok}) | {counted:,} |"
            )
    return rows


def main() -> None:
    print(
        "| scenario | API calls (writes) | GraphQL points | wall time, 50 ms a call | target ceil(N/100)+3 "
        "| items counted |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for items in (1000, 5000):
        for row in measure(items):
            print(row)


if __name__ == "__main__":
    main()
