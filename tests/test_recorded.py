"""Recorded scenarios: each cassette pins the exact HTTP sequence of a scenario against the test
server (Authorization filtered). Replayed with --record-mode=none, a change that adds, drops or
reorders an API call fails here. Re-record after an intended change:

    .venv/bin/python -m pytest tests/test_recorded.py --record-mode=rewrite

The recorded figures are the ones docs/benchmarks.md reports (benchmarks/api_calls.py measures them live).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from .ghserver import RECORDING_PORT, Faults, GitHubTestServer
from .integration_helpers import Scenario, scenario
from .test_integration import EVERYTHING, LABEL_RULES, PATH_RULES, WELCOME


@pytest.fixture
def vcr_config() -> dict[str, Any]:
    return {
        "filter_headers": ["authorization"],
        "match_on": ["method", "scheme", "host", "port", "path", "query", "body"],
        "allow_playback_repeats": False,
    }


@pytest.fixture
def server(gh_server_factory: Callable[..., GitHubTestServer]) -> GitHubTestServer:
    return gh_server_factory(port=RECORDING_PORT)


def check_sequence(vcr: Any, client: Any) -> None:
    """The calls made, in order, are exactly the cassette's, and every recorded call was made."""
    made = [(method, path) for method, path, _ in client.log.entries]
    recorded = [(r.method, r.path.split("?")[0]) for r in vcr.requests]
    assert [(m, p.split("?")[0]) for m, p in made] == recorded
    if vcr.record_mode == "none":  # replaying: every recorded call was made again
        assert vcr.all_played


@pytest.mark.vcr
def test_issue_opened_three_label_rules(server: GitHubTestServer, vcr: Any) -> None:
    result, client = scenario(server, "issues.opened", LABEL_RULES).run()
    check_sequence(vcr, client)
    assert result.report.labels("add_labels") == ["typo", "documentation", "needs-triage"]


@pytest.mark.vcr
def test_first_timer_welcome(server: GitHubTestServer, vcr: Any) -> None:
    from dataclasses import replace

    s = scenario(server, "issues.opened", WELCOME)
    s.event = replace(s.event, author=replace(s.event.author, association="NONE"))  # type: ignore[type-var]
    result, client = s.run()
    check_sequence(vcr, client)
    assert result.report.comments == 1


def _pr(server: GitHubTestServer, files: int) -> Scenario:
    s = scenario(server, "pull_request.opened[1]", PATH_RULES)
    server.state.add_files(2, files, prefix="src/module")
    return s


@pytest.mark.vcr
def test_pull_request_250_files_five_path_rules(server: GitHubTestServer, vcr: Any) -> None:
    _, client = _pr(server, 250).run()
    check_sequence(vcr, client)
    assert (client.log.calls, client.log.writes) == (4, 1)


@pytest.mark.vcr
def test_pull_request_250_files_rerun(server: GitHubTestServer, vcr: Any) -> None:
    s = _pr(server, 250)
    for name in ("source", "python"):  # what the first run added
        server.state.add_label(name)
        server.state.issues[2].labels.append(name)
    result, client = s.run(fresh=False)
    check_sequence(vcr, client)
    assert (client.log.calls, client.log.writes) == (4, 0)
    assert result.plan.operations == ()


@pytest.mark.vcr
def test_every_operation_with_a_502_every_fifth_request(server: GitHubTestServer, vcr: Any) -> None:
    s = scenario(server, "pull_request.opened[1]", EVERYTHING)
    server.state.add_collaborator("hubot")
    server.faults = Faults(fail_every=5)
    result, client = s.run()
    check_sequence(vcr, client)
    assert [o.status for o in result.report.outcomes] == ["applied"] * 6
