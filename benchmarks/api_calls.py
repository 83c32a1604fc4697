"""API calls per scenario, measured live against the GitHub test server through the real client.

    .venv/bin/python -m benchmarks.api_calls        (or: python benchmarks/api_calls.py)

Prints Markdown tables: calls (writes) per scenario (then per slash command, suggested-reviewers
run and auto-merge policy evaluation: review_calls.py) next to the lower bound (reads needed + one
write per kind of change). Run by hand; copy the table to docs/benchmarks.md.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.ghserver import GitHubTestServer
from tests.integration_helpers import Scenario, scenario
from tests.test_integration import LABEL_RULES, PATH_RULES, WELCOME


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


if __name__ == "__main__":
    main()
    print()
    from benchmarks.review_calls import main as review_main  # commands, reviewers, auto-merge

    review_main()
