"""API calls per scenario, measured live against the GitHub test server through the real client.

    .venv/bin/python -m benchmarks.api_calls        (or: python benchmarks/api_calls.py)

Prints Markdown tables: calls (writes) per scenario next to the lower bound (reads needed + one
write per kind of change), then the sweeps' calls per item, then what a sweep's cursor in the state
store saves a resumed run (with ``DEVFLOW_TEST_REDIS`` set: a real Redis holds the cursor; the rows
are skipped without it), then per slash command, suggested-reviewers run and auto-merge policy
evaluation (review_calls.py). Run by hand; copy the tables to docs/benchmarks.md.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from devflow_action.app.stale import stale
from devflow_action.app.sweep import SweepResult
from devflow_action.app.triage import triage
from tests.ghserver import GitHubTestServer
from tests.ghserver.bulk import add_issues
from tests.ghserver.state import utcnow
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


def resumable_stale(exempt_every: int) -> Callable[[GitHubTestServer], None]:
    """5,000 issues aged 0-199 days (`varied`, every 25th pinned); with ``exempt_every``, more of the
    oldest are assigned too (`exempt_assignees`): items every run without a cursor pages past again."""

    def seed(server: GitHubTestServer) -> None:
        varied(server, 5000)
        if exempt_every:
            for issue in sorted(server.state.issues.values(), key=lambda i: i.updated_at)[:2500:exempt_every]:
                issue.assignees.append("octocat")

    return seed


STALE_ASSIGNED = STALE.replace("exempt_labels: [pinned]", "exempt_labels: [pinned], exempt_assignees: true")
BUGS = "version: 1\nrules:\n  - {name: bugs, on: issues.opened, if: {title: {contains: crash}}, then: [{label: bug}]}\n"


def crashes(server: GitHubTestServer) -> None:
    add_issues(server.state, 5000, lambda i: {"title": "App crash" if i % 20 == 19 else f"Idea {i}",
                                              "created_at": ago(400, -i)})  # fmt: skip


RESUMED: list[tuple[str, Callable[..., Any], str, Callable[[GitHubTestServer], None], int]] = [
    ("stale, 5,000 open issues (3,407 due; every 25th pinned)", stale, STALE, resumable_stale(0), 1000),
    ("stale, 5,000 open issues, every other one of the 2,500 oldest assigned", stale, STALE_ASSIGNED,
     resumable_stale(2), 1000),
    ("triage, 5,000 unlabelled issues, 1 in 20 a crash (labelled), the rest left unlabelled", triage, BUGS,
     crashes, 100),
]  # fmt: skip


def resumed() -> None:
    """Each scenario on two identical servers, one run an hour stopped by max-operations until the pass
    is complete: without a store, and with the cursor in Redis."""
    from devflow_action.state import open_store
    from devflow_action.state.guard import Guarded

    base = os.environ.get("DEVFLOW_TEST_REDIS", "")
    if not base:
        print("(DEVFLOW_TEST_REDIS is not set: the resumed-run rows need a Redis for the cursor)")
        return
    print(
        "| sweep, runs stopped by max-operations | cap | run 2 without the store | run 2 resuming from the cursor "
        "| whole pass without (runs) | whole pass with (runs) |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for name, use_case, config, seed, cap in RESUMED:
        totals: list[tuple[list[int], Any]] = []
        for with_store in (False, True):
            prefix = f"devflow_bench_{uuid.uuid4().hex[:8]}:"
            inner = open_store(f"{base}?prefix={prefix}") if with_store else None
            store = Guarded(inner, "bench") if inner is not None else None
            server = GitHubTestServer(check_responses=False, rate_limit=1_000_000).start()
            calls: list[int] = []
            ends = []
            server.search_limit.limit = 10**9  # calls are counted here; the 30 searches a minute: docs/benchmarks.md
            try:
                seed(server)
                for hour in range(200):
                    later = timedelta(hours=hour)
                    server.state.now = lambda later=later: utcnow() + later  # type: ignore[misc]
                    result, _ = sweep(server, use_case, config, max_operations=cap, max_calls=100_000,
                                      days_later=hour / 24, store=store)  # fmt: skip
                    assert not result.refused, result.refused
                    calls.append(result.calls)
                    if result.complete:
                        break
                ends.append(sorted((n, sorted(i.labels), i.state) for n, i in server.state.issues.items()))
            finally:
                server.stop()
                if store is not None:
                    store.set_cursor("octo-org/octo-repo", use_case.__name__, "")
                    store.close()
            totals.append((calls, ends))
        (plain, end_plain), (kept, end_kept) = totals
        assert end_plain == end_kept, "the same end state with and without the store"
        print(f"| {name} | {cap:,} | {plain[1]:,} | {kept[1]:,} | {sum(plain):,} ({len(plain)}) "
              f"| {sum(kept):,} ({len(kept)}) |")  # fmt: skip


if __name__ == "__main__":
    main()
    print()
    resumed()
    print()
    from benchmarks.review_calls import main as review_main  # commands, reviewers, auto-merge

    review_main()
