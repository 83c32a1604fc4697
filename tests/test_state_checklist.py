"""The onboarding checklist with a state store (real Postgres and Redis, the action as the runner starts
it, the GitHub test server, real payloads): a person's tick recorded once survives the comment being
deleted; Devflow's own ticks still follow their checks; without a store the comment alone carries the
progress, as before; the service's workers record it and the admin's repository view shows it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from devflow_action.state import open_store

from .ghserver import GitHubTestServer
from .service_helpers import Stack, wait_until
from .test_action_e2e import TOKEN, Run, run_action
from .test_onboarding_e2e import BODY, CONFIG, checklist, first_timer, line
from .test_state_action import PASSWORD, only_masked

pytestmark = pytest.mark.integration
REPO = "Codertocat/Hello-World"


@pytest.fixture
def server(gh_server_factory: Any) -> GitHubTestServer:
    made: GitHubTestServer = gh_server_factory(token=TOKEN)
    return made


def opened_then_ticked_then_deleted(tmp_path: Path, server: GitHubTestServer, url: str | None) -> list[Run]:
    """A first-timer opens a pull request (CI passes); a maintainer ticks "tests" in Devflow's comment;
    a push (CI fails) records it; someone deletes the comment; the next push posts a new one."""
    inputs = {"orchestration-url": url} if url else {}
    opened = first_timer("pull_request.opened", BODY + "\nFixes #1\n")
    server.state.seed_from_payload(opened)
    server.state.add_status(opened["pull_request"]["head"]["sha"], "ci/tests", "success")
    runs = [run_action(tmp_path, server, "pull_request", opened, config=CONFIG, inputs=inputs)]
    (comment,) = checklist(server)
    comment.body = comment.body.replace("- [ ] The tests pass locally", "- [x] The tests pass locally")
    for run_id, comments in (("2", 1), ("3", 0)):
        pushed = first_timer("pull_request.synchronize", BODY + "\nFixes #1\n", comments=comments)
        server.state.seed_from_payload(pushed)
        server.state.add_status(pushed["pull_request"]["head"]["sha"], "ci/tests", "failure")
        runs.append(run_action(tmp_path, server, "pull_request", pushed, config=CONFIG, inputs=inputs,
                               env={"GITHUB_RUN_ID": run_id}))  # fmt: skip
        if run_id == "2":
            for c in checklist(server):
                del server.state.comments[c.id]  # deleted by someone
    assert all(r.code == 0 for r in runs), [r.stdout + r.stderr for r in runs]
    return runs


def test_a_persons_tick_recorded_in_the_store_survives_the_comment_being_deleted(
    tmp_path: Path, server: GitHubTestServer, make_url: Callable[..., str]
) -> None:
    url = make_url(password=PASSWORD)
    runs = opened_then_ticked_then_deleted(tmp_path, server, url)
    (posted,) = checklist(server)  # the third run's new comment
    assert line(posted.body, "tests").startswith("- [x] The tests pass locally")  # the maintainer's tick
    assert line(posted.body, "ci").startswith("- [ ] The checks pass — ❌ a check failed")  # follows CI
    assert line(posted.body, "issue").startswith("- [x] Link the issue this fixes — ✅ links #1")
    store = open_store(url)
    assert store is not None
    try:
        assert store.checklist_marks(REPO, 2, "Codertocat") == {
            "contributing": "", "ci": "", "description": "auto", "issue": "auto", "tests": "person",
        }  # fmt: skip
        assert store.checklist(REPO, 2, "Codertocat")["tests"] is True
    finally:
        store.close()
    assert "checklist progress of #2 (ci, contributing, description, issue, tests)" in runs[0].summary
    assert "checklist progress of #2 (ci, tests)" in runs[1].summary  # CI failed; the maintainer's tick
    for run in runs:
        only_masked(run, PASSWORD)


def test_without_a_store_the_deleted_comment_takes_the_persons_tick_with_it(
    tmp_path: Path, server: GitHubTestServer
) -> None:
    opened_then_ticked_then_deleted(tmp_path, server, None)
    (posted,) = checklist(server)
    assert line(posted.body, "tests").startswith("- [ ] The tests pass locally")  # as before: GitHub only


def test_the_services_workers_record_checklist_progress_and_the_admin_view_shows_it(stack: Stack) -> None:
    stack.serve_thread()
    stack.worker_thread()
    payload = first_timer("pull_request.opened")  # the description is filled in; no linked issue, CI unknown
    stack.gh.state.seed_from_payload(payload)
    stack.gh.state.set_file(".devflow.yml", CONFIG)
    delivery = str(uuid.uuid4())
    stack.post("pull_request", payload, delivery=delivery)
    wait_until(lambda: stack.delivery_status(delivery) == "done", 20, "the delivery to be done")
    assert stack.sql(
        "SELECT item, done, ticked_by FROM devflow.checklist_progress WHERE repository = %s AND number = 2"
        " ORDER BY item", REPO,
    ) == [("ci", False, ""), ("contributing", False, ""), ("description", True, "auto"), ("issue", False, ""),
          ("tests", False, "")]  # fmt: skip
    [repo] = stack.admin("GET", "/admin/api/repositories").json()["repositories"]
    assert (repo["checklist_done"], repo["checklist_items"]) == (1, 5)
    page = stack.admin("GET", f"/admin/repositories/{REPO}").text
    assert "onboarding checklist items done 1 of 5" in page
