"""Suggested reviewers: CODEOWNERS read as GitHub reads it, and one request per pull request to the
least loaded owners, against the GitHub test server."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from devflow_action.app.context import RunContext
from devflow_action.app.event import Result
from devflow_action.app.reviewers import handle_reviewers
from devflow_action.config.loader import load_text
from devflow_action.events.normalize import normalize
from devflow_action.github.budget import CallBudget
from devflow_action.github.client import GhClient
from devflow_action.language.codeowners import parse_codeowners

from .ghserver import GitHubTestServer
from .githubdata import load_payload
from .integration_helpers import FAST

# In the style of large projects' files: a default owner, language globs, anchored and unanchored
# directories, teams, an e-mail owner, a line without owners, and lines GitHub rejects.
CODEOWNERS = """\
# Default owners for everything in the repo, unless a later match takes precedence.
*                       @Codertocat/core
*.js                    @frontend-lead
*.md                    @docs-writer @Codertocat/docs
/build/                 @release-bot[bot] @ops-lead
docs/*                  docs@example.com
apps/                   @apps-lead
/apps/github            @gh-lead
**/migrations           @db-lead
src/vendor/
!src/generated/         @nobody
lib/[ab]*.py            @nobody
/scripts/*.sh           @ops-lead # shell only, at the root
"""

EXPECTED = [
    # path, owners (the last matching line wins)
    ("README.md", ("@docs-writer", "@Codertocat/docs")),
    ("setup.py", ("@Codertocat/core",)),
    ("web/app.js", ("@frontend-lead",)),
    ("build/release.yml", ("@release-bot[bot]", "@ops-lead")),
    ("src/build/x.py", ("@Codertocat/core",)),  # /build/ is anchored at the root
    ("docs/intro.md", ("docs@example.com",)),  # docs/* after *.md wins
    ("docs/guide/deep.md", ("@docs-writer", "@Codertocat/docs")),  # * in docs/* does not cross /
    ("apps/web/main.py", ("@apps-lead",)),
    ("services/apps/api.py", ("@apps-lead",)),  # apps/ has no leading slash: at any depth
    ("apps/github/hook.py", ("@gh-lead",)),
    ("db/migrations/0001.sql", ("@db-lead",)),
    ("src/vendor/lib.js", ()),  # a pattern without owners: no owners
    ("src/generated/x.py", ("@Codertocat/core",)),  # the ! line is skipped
    ("scripts/deploy.sh", ("@ops-lead",)),
    ("tools/scripts/deploy.sh", ("@Codertocat/core",)),
    ("Scripts/deploy.sh", ("@Codertocat/core",)),  # case-sensitive
]


@pytest.mark.parametrize(("path", "owners"), EXPECTED)
def test_codeowners_table(path: str, owners: tuple[str, ...]) -> None:
    assert parse_codeowners(CODEOWNERS).owners(path) == owners


def test_lines_github_rejects_are_skipped_with_the_reason() -> None:
    problems = parse_codeowners(CODEOWNERS + "src/ alice\n", ".github/CODEOWNERS").problems
    assert problems == (
        ".github/CODEOWNERS:11: negation ('!') is not supported by GitHub; the line is skipped",
        ".github/CODEOWNERS:12: character ranges ('[ ]') are not supported by GitHub; the line is skipped",
        ".github/CODEOWNERS:14: invalid owner 'alice' (write @login, @org/team or an e-mail); skipped",
    )


# --- against the test server ----------------------------------------------------------------------

CONFIG = "version: 1\nreviewers: {count: 2}\n"


def setup(server: GitHubTestServer, files: list[str], action: str = "opened") -> dict[str, Any]:
    """pull_request.opened[1]: #2 by Codertocat, octocat already asked; base master."""
    payload = load_payload("pull_request.opened[1]")
    payload["action"] = action
    payload["pull_request"]["updated_at"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    server.state.seed_from_payload(payload)
    for name in files:
        server.state.add_file(2, name)
    return payload


def run(server: GitHubTestServer, payload: dict[str, Any], config: str = CONFIG, workspace: Path | None = None,
        attempt: int = 1, event: str = "pull_request") -> list[Result]:  # fmt: skip
    ev = normalize(event, payload)
    budget = CallBudget(50)
    with GhClient(ev.repository, server.token, api_url=server.url, policy=FAST, budget=budget) as client:
        ctx = RunContext(client, budget, run_key="7", attempt=attempt, policy=FAST)
        return handle_reviewers(ctx, load_text(config), ev, workspace or Path("/nonexistent"))


def calls(server: GitHubTestServer) -> list[str]:
    return [f"{r.method} {r.path.replace('/repos/Codertocat/Hello-World', '')}" for r in server.requests]


def busy(server: GitHubTestServer, login: str, pulls: int) -> None:
    for _ in range(pulls):
        server.state.add_pull(user="someone", requested_reviewers=[login])


def test_least_loaded_owners_are_asked_in_one_call(gh_server: GitHubTestServer) -> None:
    payload = setup(gh_server, ["web/app.js", "web/util.js", "docs/guide/a.md"])
    gh_server.state.set_file(".github/CODEOWNERS", CODEOWNERS, ref="master")
    busy(gh_server, "frontend-lead", 3)
    busy(gh_server, "docs-writer", 1)
    gh_server.clear_log()
    [result] = run(gh_server, payload)
    pull = gh_server.state.issues[2]
    # octocat was asked already: one more of frontend-lead (2 files, 3 open requests), docs-writer
    # (1 file, 1 request) and the docs team (1 file, none).
    assert (pull.requested_reviewers, pull.requested_teams) == (["octocat"], ["docs"])
    assert calls(gh_server) == [
        "GET /pulls/2/files?per_page=100&page=1",
        "GET /contents/.github/CODEOWNERS?ref=master",
        "GET /pulls?state=open&per_page=100&page=1",
        "POST /pulls/2/requested_reviewers",
    ]
    assert result.plan.rules[0].matched_conditions == ("@Codertocat/docs owns 1 changed file(s)",)


def test_without_more_candidates_than_places_no_load_is_read(gh_server: GitHubTestServer) -> None:
    payload = setup(gh_server, ["web/app.js"])
    gh_server.state.set_file("CODEOWNERS", "*.js @frontend-lead\n", ref="master")
    gh_server.clear_log()
    run(gh_server, payload)
    assert gh_server.state.issues[2].requested_reviewers == ["octocat", "frontend-lead"]
    assert calls(gh_server) == [
        "GET /pulls/2/files?per_page=100&page=1",
        "GET /contents/.github/CODEOWNERS?ref=master",  # the three locations, in GitHub's order
        "GET /contents/CODEOWNERS?ref=master",
        "POST /pulls/2/requested_reviewers",
    ]


def test_the_author_away_people_bots_and_emails_are_never_asked(gh_server: GitHubTestServer) -> None:
    payload = setup(gh_server, ["build/x", "docs/a.md", "src/a.py"])
    owners = "* @Codertocat\n/build/ @release-bot[bot] @ops-lead\ndocs/* docs@example.com @bob\n"
    gh_server.state.set_file("docs/CODEOWNERS", owners, ref="master")
    [result] = run(gh_server, payload, "version: 1\nreviewers: {count: 3, away: ['@bob']}\n")
    assert gh_server.state.issues[2].requested_reviewers == ["octocat", "ops-lead"]
    assert result.plan.notes == (
        "release-bot[bot] not asked: a bot",
        "docs@example.com not asked: an e-mail address cannot be asked for a review through the API",
        "bob not asked: away",
        "Codertocat not asked: the author",
        "CODEOWNERS read from docs/CODEOWNERS",
    )


def test_config_paths_add_owners_and_teams_of_other_organisations_are_skipped(gh_server: GitHubTestServer) -> None:
    payload = setup(gh_server, ["docs/a.md"])
    config = 'version: 1\nreviewers:\n  count: 3\n  codeowners: false\n  paths: {"docs/**": [alice, "@Codertocat/docs", "@other/x"]}\n'
    [result] = run(gh_server, payload, config)
    pull = gh_server.state.issues[2]
    assert (pull.requested_reviewers, pull.requested_teams) == (["octocat", "alice"], ["docs"])
    assert "@other/x not asked: a team of another organisation than Codertocat" in result.plan.notes
    assert not any("/contents/" in c for c in calls(gh_server))  # codeowners: false reads nothing


def test_enough_reviewers_already_means_no_write(gh_server: GitHubTestServer) -> None:
    payload = setup(gh_server, ["web/app.js"])
    gh_server.state.set_file("CODEOWNERS", "*.js @frontend-lead\n", ref="master")
    [result] = run(gh_server, payload, "version: 1\nreviewers: {count: 1}\n")
    assert gh_server.writes == [] and result.plan.rules[0].missing_conditions == ("enough reviewers are asked already",)


def test_a_rerun_reads_the_current_reviewers_and_writes_nothing(gh_server: GitHubTestServer) -> None:
    payload = setup(gh_server, ["web/app.js"])
    gh_server.state.set_file("CODEOWNERS", "*.js @frontend-lead\n", ref="master")
    run(gh_server, payload)
    gh_server.clear_log()
    run(gh_server, payload, attempt=2)
    assert gh_server.writes == [] and calls(gh_server)[0] == "GET /pulls/2"


def test_a_rerun_asks_again_a_team_whose_request_was_withdrawn_since_the_event(gh_server: GitHubTestServer) -> None:
    """The payload still lists the team; GitHub no longer does: the re-run goes by what GitHub says now."""
    payload = setup(gh_server, ["docs/a.md"])
    config = 'version: 1\nreviewers:\n  count: 3\n  codeowners: false\n  paths: {"docs/**": ["@Codertocat/docs"]}\n'
    payload["pull_request"]["requested_teams"] = [{"slug": "docs", "name": "docs", "id": 1}]
    gh_server.clear_log()
    run(gh_server, payload, config, attempt=2)
    assert gh_server.state.issues[2].requested_teams == ["docs"]
    assert calls(gh_server).count("GET /pulls/2") == 1 and "GET /pulls/2/requested_reviewers" not in calls(gh_server)


def test_pull_request_target_reads_codeowners_from_the_base_not_the_checkout(
    gh_server: GitHubTestServer, tmp_path: Path
) -> None:
    payload = setup(gh_server, ["web/app.js"])
    (tmp_path / ".git").mkdir()
    (tmp_path / "CODEOWNERS").write_text("* @mallory\n")  # the pull request's own file
    gh_server.state.set_file("CODEOWNERS", "*.js @frontend-lead\n", ref="master")
    run(gh_server, payload, workspace=tmp_path, event="pull_request_target")
    assert gh_server.state.issues[2].requested_reviewers == ["octocat", "frontend-lead"]


def test_a_trusted_checkout_is_read_without_calls(gh_server: GitHubTestServer, tmp_path: Path) -> None:
    payload = setup(gh_server, ["web/app.js"])
    (tmp_path / ".git").mkdir()
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "CODEOWNERS").write_text("*.js @frontend-lead\n")
    gh_server.clear_log()
    run(gh_server, payload, workspace=tmp_path)
    assert calls(gh_server) == ["GET /pulls/2/files?per_page=100&page=1", "POST /pulls/2/requested_reviewers"]


@pytest.mark.parametrize("action", ["synchronize", "closed"])
def test_other_actions_and_drafts_ask_no_one(gh_server: GitHubTestServer, action: str) -> None:
    payload = setup(gh_server, ["web/app.js"], action=action)
    assert run(gh_server, payload) == [] and gh_server.requests == []
    payload = setup(gh_server, ["web/app.js"])
    payload["pull_request"]["draft"] = True
    assert run(gh_server, payload) == []
