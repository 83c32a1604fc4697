"""End to end through the action's process: a slash command on a pull request that also re-evaluates
the auto-merge policy in the same run, and a completed check suite that enables auto-merge."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from .ghserver import check_server
from .githubdata import load_payload
from .test_action_e2e import TOKEN, fresh, no_secret, run_action
from .test_automerge import BOT, GraphQLServer, seed, status
from .test_commands import issue_json, now

CONFIG = """version: 1
commands: {}
automerge: {method: squash, labels: [automerge], checks: [build]}
"""


@pytest.fixture
def server() -> Iterator[GraphQLServer]:
    s = GraphQLServer(token=TOKEN).start()
    yield s
    s.stop()
    check_server(s)


def test_hold_on_a_pull_request_disables_auto_merge_in_the_same_run(tmp_path: Path, server: GraphQLServer) -> None:
    pull = seed(server)
    server.state.add_collaborator("maria", "write")
    first = run_action(tmp_path, server, "check_suite", load_payload("check_suite.completed"), config=CONFIG)
    assert first.code == 0, first.stdout + first.stderr
    assert pull.auto_merge is not None
    payload = load_payload("issue_comment.created[2]")
    payload["issue"] = {**issue_json(server, 2), "updated_at": now()}
    payload["comment"].update(body="/hold\n/lable x", author_association="COLLABORATOR")
    payload["comment"]["user"]["login"] = "maria"
    server.state.seed_from_payload(load_payload("issue_comment.created[2]"))
    server.state.comments[payload["comment"]["id"]].issue_number = 2
    server.clear_log()
    run = run_action(tmp_path, server, "issue_comment", payload, config=CONFIG)
    assert run.code == 0, run.stdout + run.stderr
    assert "hold" in pull.labels and pull.auto_merge is None
    assert [(r.user, r.content) for r in server.state.reactions] == [(BOT, "confused")]
    assert "waiting for 1 condition(s); auto-merge is disabled until they hold" in status(server)[0][1]
    assert "| command /hold | matched |" in run.summary and "| automerge | no |" in run.summary
    plans = json.loads(run.outputs["plans"])  # the command's plan and auto-merge's, not just the first
    assert len(plans) == 2 and plans[0] == json.loads(run.outputs["plan"])
    assert [r["name"] for r in plans[0]["rules"]] == ["command /hold"]  # /lable is no command: a reaction
    assert [r["name"] for r in plans[1]["rules"]] == ["automerge"]
    no_secret(run)


def test_events_without_work_say_so(tmp_path: Path, server: GraphQLServer) -> None:
    payload = fresh(load_payload("check_suite.completed[1]"))  # no pull request named (a fork's)
    run = run_action(tmp_path, server, "check_suite", payload, config=CONFIG)
    assert run.code == 0 and "nothing to do for this 'check_suite' event" in run.stdout
