"""API calls per slash command, per suggested-reviewers run and per auto-merge policy evaluation,
measured live against the GitHub test server (REST, plus this repository's GraphQL handler for the
auto-merge mutations) through the real client. Printed by ``benchmarks/api_calls.py``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from devflow_action.app.automerge import handle_automerge
from devflow_action.app.commands import handle_commands
from devflow_action.app.context import RunContext
from devflow_action.app.reviewers import handle_reviewers
from devflow_action.config.loader import load_text
from devflow_action.events.normalize import normalize
from devflow_action.github.budget import CallBudget
from devflow_action.github.client import GhClient
from tests.githubdata import load_payload
from tests.integration_helpers import FAST
from tests.test_automerge import GraphQLServer, seed
from tests.test_commands import on_issue, on_pull
from tests.test_reviewers import CODEOWNERS, busy
from tests.test_reviewers import setup as pull_with_files

COMMANDS = "version: 1\ncommands: {}\n"
POLICY = "version: 1\nautomerge: {method: squash, labels: [automerge], checks: [build]}\n"
Run = Callable[[GraphQLServer], tuple[GhClient, Any]]


def _ctx(server: GraphQLServer, attempt: int = 1) -> tuple[GhClient, RunContext]:
    budget = CallBudget(100)
    client = GhClient("Codertocat/Hello-World", server.token, api_url=server.url, policy=FAST, budget=budget)
    client.graphql_url = f"{server.url}/graphql"
    return client, RunContext(client, budget, run_key="7", attempt=attempt, policy=FAST)


def command(body: str, association: str = "MEMBER", role: str | None = "write", pull: bool = False,
            rerun: bool = False) -> Run:  # fmt: skip
    def run(server: GraphQLServer) -> tuple[GhClient, Any]:
        comment = (on_pull if pull else on_issue)(server, body, association=association, role=role)
        config = load_text(COMMANDS)
        if rerun:
            client, ctx = _ctx(server)
            with client:
                handle_commands(ctx, config, normalize("issue_comment", comment.payload))
        server.clear_log()
        client, ctx = _ctx(server, attempt=2 if rerun else 1)
        with client:
            handle_commands(ctx, config, normalize("issue_comment", comment.payload))
        return client, None

    return run


def policy(rerun: bool = False, **options: Any) -> Run:
    def run(server: GraphQLServer) -> tuple[GhClient, Any]:
        seed(server, **options)
        payload = load_payload("check_suite.completed")
        event = normalize("check_suite", payload)
        for _ in range(2 if rerun else 1):
            server.clear_log()
            client, ctx = _ctx(server)
            with client:
                handle_automerge(ctx, load_text(POLICY), event, payload)
        return client, None

    return run


def reviewers(files: int, loaded: bool) -> Run:
    def run(server: GraphQLServer) -> tuple[GhClient, Any]:
        payload = pull_with_files(server, [f"web/f{i}.js" for i in range(files)] + ["docs/a/b.md"])
        server.state.set_file(".github/CODEOWNERS", CODEOWNERS, ref="master")
        if loaded:
            busy(server, "frontend-lead", 2)
        server.clear_log()
        client, ctx = _ctx(server)
        config = "version: 1\nreviewers: {count: 3}\n" if loaded else "version: 1\nreviewers: {count: 2}\n"
        with client:
            handle_reviewers(ctx, load_text(config), normalize("pull_request", payload), Path("/nonexistent"))
        return client, None

    return run


SCENARIOS: list[tuple[str, Run, tuple[int, int], str]] = [
    (
        "`/label docs` by the owner",
        command("/label docs", "OWNER", None),
        (0, 2),
        "label + 👍; the association answers",
    ),
    ("`/label docs` by a member", command("/label docs"), (1, 2), "1 permission read + label + 👍"),
    ("3 commands by a member", command("/label docs\n/assign\n/hold"), (1, 4), "one permission read for all three"),
    (
        "refused `/lgtm` (triage)",
        command("/lgtm", role="triage", pull=True),
        (2, 2),
        "permission + reply-marker check; 😕 + reply",
    ),
    ("re-run of a handled comment", command("/label docs", rerun=True), (1, 0), "Devflow's reaction is there: done"),
    (
        "policy: waiting (status comment posted)",
        policy(approved_by=None),
        (4, 1),
        "pull, reviews, status, check runs; comment",
    ),
    (
        "policy: conditions hold (auto-merge on)",
        policy(),
        (5, 2),
        "the 4 + the approver's permission; GraphQL mutation + comment",
    ),
    ("policy: mergeable now (merge)", policy(state="clean"), (5, 2), "5 reads; merge + comment"),
    ("policy: re-run after enabling", policy(rerun=True), (6, 0), "5 reads + the status comment; nothing to write"),
    (
        "reviewers, 250 files, 1 place, 3 owners",
        reviewers(250, False),
        (5, 1),
        "3 file pages, CODEOWNERS, open PRs; one request",
    ),
    ("reviewers, choice by load", reviewers(3, True), (3, 1), "files, CODEOWNERS, open PRs; one request"),
]


def main() -> None:
    print("| scenario | API calls (writes) | lower bound: reads + writes | note |")
    print("| --- | --- | --- | --- |")
    for name, setup, (reads, writes), why in SCENARIOS:
        with GraphQLServer() as server:
            client, _ = setup(server)
            assert not server.violations, server.violations
            ok = "met" if (client.log.calls, client.log.writes) == (reads + writes, writes) else "ABOVE"
            print(f"| {name} | {client.log.calls} ({client.log.writes}) | {reads} + {writes} ({ok}) | {why} |")
