"""API calls per scenario, measured live against the GitHub test server through the real client.

    .venv/bin/python -m benchmarks.api_calls        (or: python benchmarks/api_calls.py)

Prints Markdown tables: calls (writes) per scenario next to the lower bound (reads needed + one
write per kind of change), then the sweeps' calls per item, then per slash command, suggested-reviewers
run and auto-merge policy evaluation (review_calls.py). Run by hand; copy the tables to
docs/benchmarks.md.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from devflow_action.app.stale import stale
from devflow_action.app.sweep import SweepResult
from devflow_action.app.triage import triage
from tests.ghserver import GitHubTestServer
from tests.ghserver.bulk import add_issues
from tests.integration_helpers import Scenario, scenario
from tests.sweep_helpers import ago, sweep
from tests.test_integration import LABEL_RULES, PATH_RULES, WELCOME
from tests.test_sweep_stale import STALE, varied
from tests.test_sweep_triage import RULES as TRIAGE_RULES


def issue_three_rules(server: GitHubTestServer) -> tuple[Scenario, dict[str, object]]:
    return scenario(server, "issues.opened", LABEL_RULES), {}


def first_timer(server: GitHubTestServer) -> tuple[Scenario, dict[str, object]]:
    s = scenario(server, "issues.opened", WELCOME)
    s.event = replace(s.event, author=replace(s.event.author, association="NONE"))  # type: ignore[type-var]
    return s, {}


def pull(files: int, rerun: bool = False) -> Callable[[GitHubTestServer], tuple[Scenario, dict[str, object]]]:
    def make(server: GitHubTestServer) -> tuple[Scenario, dict[str, object]]:
        s = scenario(server, "pull_request.opened[1]", PATH_RULES)
        server.state.add_files(2, files, prefix="src/module")
        if rerun:
            s.run()
            server.clear_log()
        return s, {"fresh": not rerun}

    return make


SCENARIOS = [
    # name, setup, lower bound (reads, writes), why
    ("issue opened, 3 label rules match", issue_three_rules, (0, 1), "payload answers everything; one label write"),
    ("first-timer issue, welcome comment", first_timer, (1, 2), "1 read (association NONE) + label + comment"),
    ("PR with 250 files, 5 path rules", pull(250), (3, 1), "ceil(250/100) file pages + one label write"),
    ("same PR re-run", pull(250, rerun=True), (4, 0), "current state + file pages; nothing to write"),
    ("PR with 1,200 files", pull(1200), (12, 1), "ceil(1200/100) file pages + one label write"),
]


Sweep = Callable[[GitHubTestServer], tuple[SweepResult, int, int, str]]


def triage_backlog(n: int) -> Sweep:
    def run(server: GitHubTestServer) -> tuple[SweepResult, int, int, str]:
        add_issues(server.state, n, lambda i: {"title": f"Issue {i}", "created_at": ago(400, -i)})
        result, _ = sweep(server, triage, TRIAGE_RULES, max_operations=10 * n, max_calls=100_000)
        pages = -(-n // 100)
        return result, n, pages + n, f"{pages} searches + {n:,} writes"

    return run


def stale_pass(n: int, next_day: bool = False) -> Sweep:
    """Ages 0-199 days (tests/test_sweep_stale.py `varied`), after_days 60, close_after_days 14."""

    def run(server: GitHubTestServer) -> tuple[SweepResult, int, int, str]:
        due = len(varied(server, n))
        old = sum(1 for i in server.state.issues.values() if i.updated_at <= ago(14))  # before the 14-day window
        result, _ = sweep(server, stale, STALE, max_operations=10 * n, max_calls=100_000)
        if not next_day:
            pages = -(-old // 100) + 1  # the old items, then a page of marked items updated since
            return result, n, pages + 2 * due, f"{due:,} due: {pages} pages + {2 * due:,} writes"
        result, _ = sweep(server, stale, STALE, days_later=1, max_operations=10 * n, max_calls=100_000)
        pages = max(1, -(-(old - due) // 100)) + -(-due // 100)
        note = (
            f"{pages} pages (old items left, marked ones) + {result.writes} writes (newly due); above it: the "
            f"labels read and the comments listing that spares {due} history reads"
        )
        return result, n, pages + result.writes, note

    return run


SWEEPS: list[tuple[str, Sweep]] = [
    ("triage, 1,000 unlabelled issues (one label each)", triage_backlog(1000)),
    ("stale, 500 open issues, full pass", stale_pass(500)),
    ("stale, 500 open issues, the next day", stale_pass(500, next_day=True)),
    ("stale, 5,000 open issues, full pass", stale_pass(5000)),
]


def main() -> None:
    print("| scenario | API calls (writes) | lower bound: reads + writes | note |")
    print("| --- | --- | --- | --- |")
    for name, setup, (reads, writes), why in SCENARIOS:
        with GitHubTestServer() as server:
            s, options = setup(server)
            _, client = s.run(**options)  # type: ignore[arg-type]
            assert not server.violations, server.violations
            ok = "meets" if (client.log.calls, client.log.writes) == (reads + writes, writes) else "ABOVE"
            print(f"| {name} | {client.log.calls} ({client.log.writes}) | {reads} + {writes} ({ok}) | {why} |")

    print()
    print("| sweep | API calls (writes) | calls per item | lower bound | note |")
    print("| --- | --- | --- | --- | --- |")
    for name, run in SWEEPS:
        server = GitHubTestServer(check_responses=False, rate_limit=1_000_000).start()
        try:
            result, items, bound, what = run(server)
            assert not server.violations, server.violations
            assert result.complete, result.stopped
        finally:
            server.stop()
        print(f"| {name} | {result.calls:,} ({result.writes:,}) | {result.calls / items:.2f} | {bound:,} | {what} |")


if __name__ == "__main__":
    main()
    print()
    from benchmarks.review_calls import main as review_main  # commands, reviewers, auto-merge

    review_main()
