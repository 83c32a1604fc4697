"""The tracked onboarding checklist end to end: the action as the runner starts it, against the GitHub
test server. One comment, posted when a first-timer opens a pull request and edited in place after
that; a re-run writes nothing; a person's tick is never undone; completed checks tick the CI item."""

from __future__ import annotations

from typing import Any

import pytest

from .ghserver import GitHubTestServer
from .ghserver.seed import load_payload
from .test_action_e2e import TOKEN, fresh, no_secret, run_action

CONFIG = """version: 1
onboarding:
  checklist:
    - {id: contributing, text: Read CONTRIBUTING.md}
    - {id: description, text: Describe what and why, check: template}
    - {id: issue, text: Link the issue this fixes, check: linked_issue}
    - {id: ci, text: The checks pass, check: ci}
    - {id: tests, text: The tests pass locally, run: pytest -q}
"""
BODY = """## What and why

Fixes the spelling of 'commit'.

## How it was tested

<!-- The commands you ran. -->
Read the page again.
"""
MARKER = "<!-- devflow:checklist -->"


@pytest.fixture
def server(gh_server_factory: Any) -> GitHubTestServer:
    made: GitHubTestServer = gh_server_factory(token=TOKEN)
    return made


def first_timer(name: str, body: str = BODY, comments: int = 0) -> dict[str, Any]:
    payload = fresh(load_payload(name))
    pull = payload["pull_request"]
    pull["author_association"] = "FIRST_TIME_CONTRIBUTOR"
    pull["body"] = body
    pull["comments"] = comments  # what GitHub's payload says: the comments on the pull request now
    return payload


def checklist(gh: GitHubTestServer) -> list[Any]:
    return [c for c in gh.state.issue_comments(2) if MARKER in c.body]


def line(body: str, ident: str) -> str:
    return next(x for x in body.splitlines() if f"devflow:item:{ident}" in x)


def requests(gh: GitHubTestServer) -> list[str]:
    return [f"{r.method} {r.path.split('?')[0]}" for r in gh.requests]


def test_opened_posts_one_checklist_then_synchronize_edits_it_in_place(tmp_path: Any, server: GitHubTestServer) -> None:
    opened = first_timer("pull_request.opened")
    server.state.seed_from_payload(opened)
    run = run_action(tmp_path, server, "pull_request", opened, config=CONFIG)
    assert run.code == 0, run.stdout + run.stderr
    (comment,) = checklist(server)
    assert comment.user == "github-actions[bot]"
    assert line(comment.body, "description").startswith("- [x] Describe what and why — ✅ filled in")
    assert line(comment.body, "issue").startswith("- [ ] Link the issue this fixes — ❌")
    assert line(comment.body, "ci").startswith("- [ ] The checks pass — ⏳ checks are running")
    # A pull request just opened has no comment: nothing to read before posting.
    assert "GET /repos/Codertocat/Hello-World/issues/2/comments" not in requests(server)
    assert [r.method for r in server.writes] == ["POST"]
    assert run.outputs["comments"] == "1"

    server.clear_log()
    sha = opened["pull_request"]["head"]["sha"]
    server.state.add_status(sha, "ci/tests", "success")
    pushed = first_timer("pull_request.synchronize", BODY + "\nFixes #1\n", comments=1)
    server.state.seed_from_payload(pushed)
    run = run_action(tmp_path, server, "pull_request", pushed, config=CONFIG)
    assert run.code == 0, run.stdout + run.stderr
    (edited,) = checklist(server)
    assert edited.id == comment.id and len(server.state.issue_comments(2)) == 1
    assert line(edited.body, "issue").startswith("- [x] Link the issue this fixes — ✅ links #1")
    assert line(edited.body, "ci").startswith("- [x] The checks pass — ✅ all checks passed")
    # One read (the comments) and one write (the edit) beyond the checks the CI item needs.
    assert [r for r in requests(server) if "/status" not in r and "/check-runs" not in r] == [
        "GET /repos/Codertocat/Hello-World/issues/2/comments",
        f"PATCH /repos/Codertocat/Hello-World/issues/comments/{comment.id}",
    ]
    assert run.outputs["comments"] == "0" and run.outputs["operations"] == "1"
    no_secret(run)

    server.clear_log()
    again = run_action(tmp_path, server, "pull_request", pushed, config=CONFIG, env={"GITHUB_RUN_ATTEMPT": "2"})
    assert again.code == 0, again.stdout + again.stderr
    assert server.writes == [] and again.outputs["operations"] == "0"


def test_a_persons_tick_survives_and_devflow_unticks_only_its_own(tmp_path: Any, server: GitHubTestServer) -> None:
    opened = first_timer("pull_request.opened", BODY + "\nFixes #1\n")
    server.state.seed_from_payload(opened)
    server.state.add_status(opened["pull_request"]["head"]["sha"], "ci/tests", "success")
    assert run_action(tmp_path, server, "pull_request", opened, config=CONFIG).code == 0
    (comment,) = checklist(server)
    assert line(comment.body, "ci").startswith("- [x]")
    # A maintainer ticks "tests" in the comment (GitHub rewrites the box in the body).
    comment.body = comment.body.replace("- [ ] The tests pass locally", "- [x] The tests pass locally")
    # CI fails on the next push: Devflow's own tick goes, the maintainer's stays.
    pushed = first_timer("pull_request.synchronize", BODY + "\nFixes #1\n", comments=1)
    server.state.seed_from_payload(pushed)
    server.state.add_status(pushed["pull_request"]["head"]["sha"], "ci/tests", "failure")
    run = run_action(tmp_path, server, "pull_request", pushed, config=CONFIG)
    assert run.code == 0, run.stdout + run.stderr
    (edited,) = checklist(server)
    assert line(edited.body, "tests").startswith("- [x] The tests pass locally")
    assert line(edited.body, "ci").startswith("- [ ] The checks pass — ❌ a check failed")
    assert "ci: failed (a check failed: see the Checks tab)" in run.stdout


def test_items_ticked_in_the_description_follow_it(tmp_path: Any, server: GitHubTestServer) -> None:
    ticked = BODY + "\n- [x] Read CONTRIBUTING.md\n- [ ] The tests pass locally <!-- devflow:item:tests -->\n"
    opened = first_timer("pull_request.opened", ticked)
    server.state.seed_from_payload(opened)
    assert run_action(tmp_path, server, "pull_request", opened, config=CONFIG).code == 0
    (comment,) = checklist(server)
    assert line(comment.body, "contributing").startswith("- [x] Read CONTRIBUTING.md — ticked in the description")
    assert line(comment.body, "tests").startswith("- [ ] The tests pass locally")
    # The contributor unticks one item and ticks the other (by its marker) in their description.
    edited_body = ticked.replace("- [x] Read", "- [ ] Read").replace("- [ ] The tests", "- [x] The tests")
    pushed = first_timer("pull_request.synchronize", edited_body, comments=1)
    server.state.seed_from_payload(pushed)
    assert run_action(tmp_path, server, "pull_request", pushed, config=CONFIG).code == 0
    (comment,) = checklist(server)
    assert line(comment.body, "contributing").startswith("- [ ] Read CONTRIBUTING.md")
    assert line(comment.body, "tests").startswith("- [x] The tests pass locally — ticked in the description")


def test_a_comment_forging_the_marker_is_not_taken_for_devflows(tmp_path: Any, server: GitHubTestServer) -> None:
    opened = first_timer("pull_request.synchronize", comments=1)
    server.state.seed_from_payload(opened)
    forged = server.state.add_comment(2, f"- [x] Describe what and why <!-- devflow:item:description -->\n{MARKER}")
    run = run_action(tmp_path, server, "pull_request", opened, config=CONFIG)
    assert run.code == 0, run.stdout + run.stderr
    assert server.state.comments[forged.id].body.endswith(MARKER) and forged.user == "octocat"
    assert len(checklist(server)) == 2 and [r.method for r in server.writes] == ["POST"]


def test_returning_contributors_get_no_checklist_and_cost_no_call(tmp_path: Any, server: GitHubTestServer) -> None:
    payload = fresh(load_payload("pull_request.opened"))  # author_association OWNER
    server.state.seed_from_payload(payload)
    run = run_action(tmp_path, server, "pull_request", payload, config=CONFIG)
    assert run.code == 0 and server.requests == []


def test_completed_checks_tick_the_ci_item(tmp_path: Any, server: GitHubTestServer) -> None:
    opened = first_timer("pull_request.opened")
    server.state.seed_from_payload(opened)
    assert run_action(tmp_path, server, "pull_request", opened, config=CONFIG).code == 0
    (comment,) = checklist(server)
    assert line(comment.body, "ci").startswith("- [ ] The checks pass — ⏳")
    suite = load_payload("check_suite.completed")  # names pull request #2 of the same repository
    sha = server.state.issues[2].head_sha
    suite["check_suite"]["head_sha"] = suite["check_suite"]["pull_requests"][0]["head"]["sha"] = sha
    server.state.add_check_run(sha, "tests", "completed", "success")
    server.clear_log()
    run = run_action(tmp_path, server, "check_suite", suite, config=CONFIG)
    assert run.code == 0, run.stdout + run.stderr
    (edited,) = checklist(server)
    assert edited.id == comment.id and line(edited.body, "ci").startswith("- [x] The checks pass — ✅")
    assert requests(server)[0] == "GET /repos/Codertocat/Hello-World/pulls/2"
    assert [r.method for r in server.writes] == ["PATCH"]


def test_extends_paths_of_a_fork_pull_request_come_from_the_base_branch(
    tmp_path: Any, server: GitHubTestServer
) -> None:
    payload = first_timer("pull_request.opened")
    payload["pull_request"]["head"]["repo"]["full_name"] = "mallory/Hello-World"
    server.state.seed_from_payload(payload)
    server.state.set_file(".devflow.yml", "version: 1\nextends: [.github/team.yml]\n", ref="master")
    server.state.set_file(".github/team.yml", CONFIG, ref="master")
    workspace = tmp_path / "workspace"
    (workspace / ".github").mkdir(parents=True)
    (workspace / ".github" / "team.yml").write_text(
        "version: 1\nrules:\n  - {name: pwn, on: pull_request, then: [{close: true}]}\n"
    )
    run = run_action(
        tmp_path, server, "pull_request_target", payload, config="version: 1\nextends: [.github/team.yml]\n"
    )
    assert run.code == 0, run.stdout + run.stderr
    assert server.state.issues[2].state == "open" and len(checklist(server)) == 1
    assert requests(server)[:2] == [
        "GET /repos/Codertocat/Hello-World/contents/.devflow.yml",
        "GET /repos/Codertocat/Hello-World/contents/.github/team.yml",
    ]
    assert all("ref=master" in r.path for r in server.requests[:2])


class HeadLookup:
    """The one read `pull_numbers` may make: the open pull requests of a fork's branch."""

    def __init__(self, pulls: list[dict[str, Any]]) -> None:
        self.pulls = pulls
        self.asked: list[str] = []

    def list_pulls_for_head(self, head: str) -> list[dict[str, Any]]:
        self.asked.append(head)
        return self.pulls


def test_check_completion_finds_its_pull_requests() -> None:
    from devflow_action.app.checks import pull_numbers
    from devflow_action.app.context import RunContext

    suite = load_payload("check_suite.completed")
    lookup = HeadLookup([])
    assert pull_numbers("check_suite", suite, RunContext(port=lookup)) == [2] and lookup.asked == []  # type: ignore[arg-type]
    # A run of a fork's branch: GitHub lists no pull request; the open one with that head commit is found.
    run = load_payload("workflow_run.completed")  # head_repository octo-org/octo-repo: not this repository
    sha = run["workflow_run"]["head_sha"]
    lookup = HeadLookup([{"number": 7, "head": {"sha": sha}}, {"number": 8, "head": {"sha": "0" * 40}}])
    assert pull_numbers("workflow_run", run, RunContext(port=lookup)) == [7]  # type: ignore[arg-type]
    assert lookup.asked == ["octo-org:main"]
    run["workflow_run"]["head_repository"]["full_name"] = run["repository"]["full_name"]
    lookup = HeadLookup([{"number": 7, "head": {"sha": sha}}])
    assert pull_numbers("workflow_run", run, RunContext(port=lookup)) == [] and lookup.asked == []  # type: ignore[arg-type]
    suite["action"] = "requested"
    assert pull_numbers("check_suite", suite, RunContext(port=lookup)) == []  # type: ignore[arg-type]
