"""Slash commands against the GitHub test server: every command allowed and refused, the answer
(reaction, reply), permissions from author_association or one read, edited comments, re-runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx2
import pytest

from devflow_action.app.commands import handle_commands
from devflow_action.app.context import RunContext
from devflow_action.app.event import Result
from devflow_action.config.loader import load_text
from devflow_action.events.normalize import normalize
from devflow_action.github.budget import CallBudget
from devflow_action.github.client import GhClient

from .ghserver import GitHubTestServer
from .githubdata import load_payload
from .integration_helpers import FAST

ON = "version: 1\ncommands: {}\n"
BOT = "github-actions[bot]"  # the test server's token identity, Devflow's default self login


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Comment:
    server: GitHubTestServer
    payload: dict[str, Any]
    number: int

    def run(self, config: str = ON, attempt: int = 1) -> list[Result]:
        event = normalize(self.kind, self.payload)
        budget = CallBudget(100)
        with GhClient(event.repository, self.server.token, api_url=self.server.url, policy=FAST, budget=budget) as c:
            ctx = RunContext(c, budget, run_key="7", attempt=attempt, policy=FAST)
            return handle_commands(ctx, load_text(config), event)

    @property
    def kind(self) -> str:
        return "pull_request_review" if "review" in self.payload else "issue_comment"

    @property
    def item(self) -> Any:
        return self.server.state.issues[self.number]

    def refresh(self) -> None:
        """The payload's issue as the server shows it now (a test changed the item before the event)."""
        self.payload["issue"] = {**issue_json(self.server, self.number), "updated_at": now()}

    def reactions(self) -> list[tuple[str, str]]:
        return [(r.user, r.content) for r in self.server.state.reactions]

    def replies(self) -> list[str]:
        return [c.body for c in self.server.state.issue_comments(self.number) if c.user == BOT]

    def calls(self) -> list[str]:
        return [
            f"{r.method} {r.path.split('?')[0].replace('/repos/Codertocat/Hello-World', '')}"
            for r in self.server.requests
        ]


def on_issue(server: GitHubTestServer, body: str, login: str = "maria", association: str = "MEMBER",
             role: str | None = "triage") -> Comment:  # fmt: skip
    """A new comment by ``login`` on issue #1 (the real issue_comment.created payload, its text and
    author changed); ``role``: the commenter's permission on the server."""
    payload = load_payload("issue_comment.created[2]")
    payload["issue"]["updated_at"] = now()
    payload["comment"].update(body=body, author_association=association)
    payload["comment"]["user"]["login"] = login
    server.state.seed_from_payload(payload)
    if role is not None:
        server.state.add_collaborator(login, role)
    return Comment(server, payload, 1)


def on_pull(server: GitHubTestServer, body: str, login: str = "maria", association: str = "MEMBER",
            role: str | None = "write") -> Comment:  # fmt: skip
    """A new comment on pull request #2: the issue_comment payload with the issue GitHub (the server)
    shows for the pull request of pull_request.opened[1]."""
    server.state.seed_from_payload(load_payload("pull_request.opened[1]"))
    comment = on_issue(server, body, login, association, role)
    server.state.comments[comment.payload["comment"]["id"]].issue_number = 2
    comment.number = 2
    comment.refresh()
    server.clear_log()
    return comment


def issue_json(server: GitHubTestServer, number: int) -> dict[str, Any]:
    answer = httpx2.get(f"{server.url}/repos/Codertocat/Hello-World/issues/{number}",
                        headers={"Authorization": f"token {server.token}"})  # fmt: skip
    got: dict[str, Any] = answer.json()
    return got


# --- each command, allowed ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "check"),
    [
        ("/label docs", lambda i: i.labels == ["bug", "docs"]),
        ('/label "good first issue" docs', lambda i: i.labels == ["bug", "good first issue", "docs"]),
        ("/unlabel bug", lambda i: i.labels == []),
        ("/assign", lambda i: i.assignees == ["Codertocat", "maria"]),
        ("/assign @hubot", lambda i: i.assignees == ["Codertocat", "hubot"]),
        ("/unassign @Codertocat", lambda i: i.assignees == []),
        ("/good-first-issue", lambda i: i.labels == ["bug", "good first issue", "help wanted"]),
        ("/help-wanted", lambda i: i.labels == ["bug", "help wanted"]),
        ("/close", lambda i: i.state == "closed"),
        ("/hold", lambda i: i.labels == ["bug", "hold"]),
    ],
)
def test_each_issue_command_runs_for_triage_and_answers_thumbs_up(gh_server: GitHubTestServer, body: str,
                                                                  check: Any) -> None:  # fmt: skip
    comment = on_issue(gh_server, body, role="write" if body == "/hold" else "triage")
    [result] = comment.run()
    assert check(comment.item), (comment.item.labels, comment.item.assignees)
    assert comment.reactions() == [(BOT, "+1")] and comment.replies() == []
    assert result.plan.rules[0].matched


def test_reopen_by_the_author_without_triage(gh_server: GitHubTestServer) -> None:
    comment = on_issue(gh_server, "/reopen", login="Codertocat", association="NONE", role=None)
    comment.item.state = "closed"
    comment.payload["issue"]["state"] = "closed"
    comment.run()
    assert comment.item.state == "open" and comment.reactions() == [(BOT, "+1")]
    assert "/collaborators/Codertocat/permission" not in " ".join(comment.calls())  # the author needs no read


@pytest.mark.parametrize(
    ("body", "check"),
    [
        (
            "/review @octocat @Codertocat/docs",
            lambda i: (i.requested_reviewers[-1], i.requested_teams) == ("octocat", ["docs"]),
        ),
        ("/lgtm", lambda i: "lgtm" in i.labels),
        ("/approve", lambda i: "approved" in i.labels),
        ("/hold\n/unhold", lambda i: "hold" not in i.labels),
    ],
)
def test_pull_request_commands_run_for_write(gh_server: GitHubTestServer, body: str, check: Any) -> None:
    comment = on_pull(gh_server, body)
    comment.run()
    assert check(comment.item)
    assert comment.reactions() == [(BOT, "+1")]


def test_cancel_removes_what_lgtm_added(gh_server: GitHubTestServer) -> None:
    comment = on_pull(gh_server, "/lgtm cancel")
    comment.item.labels.append(gh_server.state.add_label("lgtm").name)
    comment.refresh()
    comment.run()
    assert "lgtm" not in comment.item.labels


def test_retriage_runs_the_rules_as_when_the_issue_was_opened(gh_server: GitHubTestServer) -> None:
    config = ON + "rules:\n  - {name: triage, on: issues.opened, then: [{label: needs-triage}]}\n"
    comment = on_issue(gh_server, "/retriage")
    results = comment.run(config)
    assert comment.item.labels == ["bug", "needs-triage"] and comment.reactions() == [(BOT, "+1")]
    assert [r.plan.event for r in results] == ["issue_comment.created", "issues.opened"]


def test_checklist_evaluates_a_pull_request_as_after_a_push(gh_server: GitHubTestServer) -> None:
    config = ON + "rules:\n  - {name: pushed, on: pull_request.synchronize, then: [{label: checked}]}\n"
    comment = on_pull(gh_server, "/checklist", role="triage")
    comment.run(config)
    assert "checked" in comment.item.labels


# --- refused --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "role", "why"),
    [
        ("/label docs", "read", "refused: needs triage permission (you have read)"),
        ("/close", "read", "refused: needs triage permission, or to be the author (you have read)"),
        ("/lgtm", "triage", "refused: needs write permission (you have triage)"),
        ("/hold", "triage", "refused: needs write permission (you have triage)"),
    ],
)
def test_refused_commands_change_nothing_and_say_why(gh_server: GitHubTestServer, body: str, role: str,
                                                     why: str) -> None:  # fmt: skip
    comment = on_pull(gh_server, body, role=role)
    before = (list(comment.item.labels), comment.item.state)
    comment.run()
    assert (comment.item.labels, comment.item.state) == before
    assert comment.reactions() == [(BOT, "confused")]
    [reply] = comment.replies()
    assert reply.startswith(f"@maria some commands were not run:\n- `{body}`: {why}")
    assert "<!-- devflow:commands:comment-492700400 -->" in reply


def test_contributors_are_refused_without_a_permission_read(gh_server: GitHubTestServer) -> None:
    comment = on_issue(gh_server, "/label docs", association="CONTRIBUTOR", role=None)
    comment.run()
    assert comment.item.labels == ["bug"] and comment.reactions() == [(BOT, "confused")]
    assert comment.calls() == ["POST /issues/comments/492700400/reactions", "POST /issues/1/comments"]


def test_commands_on_an_issue_that_only_work_on_pull_requests(gh_server: GitHubTestServer) -> None:
    comment = on_issue(gh_server, "/review @octocat", role="admin")
    comment.run()
    assert "- `/review @octocat`: refused: works on pull requests only" in comment.replies()[0]


def test_label_restrictions_name_who_may_set_which_labels(gh_server: GitHubTestServer) -> None:
    config = "version: 1\ncommands:\n  label: {labels: {docs: triage, security: maintain}}\n"
    comment = on_issue(gh_server, "/label docs\n/label security\n/label wontfix", role="write")
    comment.run(config)
    assert comment.item.labels == ["bug", "docs"]
    reply = comment.replies()[0]
    assert "- `/label security`: refused: 'security' needs maintain permission (you have write)" in reply
    assert "- `/label wontfix`: refused: 'wontfix' is not a label /label may set (allowed: docs, security)" in reply


def test_a_command_turned_off_is_ignored(gh_server: GitHubTestServer) -> None:
    comment = on_issue(gh_server, "/close", role="admin")
    assert comment.run("version: 1\ncommands: {close: false}\n") == []
    assert comment.item.state == "open" and gh_server.requests == []


def test_the_author_cannot_lgtm_their_own_pull_request(gh_server: GitHubTestServer) -> None:
    comment = on_pull(gh_server, "/lgtm", login="Codertocat", association="OWNER", role=None)
    comment.run()
    assert "lgtm" not in comment.item.labels
    assert "refused: the author of a pull request cannot /lgtm it" in comment.replies()[0]


def test_a_failed_command_is_answered_with_githubs_reason(gh_server: GitHubTestServer) -> None:
    comment = on_pull(gh_server, "/review @Codertocat-bot\n/label ok")
    comment.item.user = "Codertocat-bot"  # GitHub refuses a review request to the author (422)
    comment.run()
    reply = comment.replies()[0]
    assert (
        "- `/review @Codertocat-bot`: failed: GitHub answered 422: Review cannot be requested from pull request author."
        in reply
    )
    assert "ok" in comment.item.labels and comment.reactions() == [(BOT, "confused")]


def test_near_miss_gets_a_hint_in_the_reply(gh_server: GitHubTestServer) -> None:
    comment = on_issue(gh_server, "/lable docs")
    comment.run()
    assert comment.item.labels == ["bug"] and comment.reactions() == [(BOT, "confused")]
    assert "- `/lable` is not a command (did you mean `/label`?)" in comment.replies()[0]


# --- where commands are not run -------------------------------------------------------------------


def test_commands_in_quotes_and_code_are_not_run(gh_server: GitHubTestServer) -> None:
    comment = on_issue(gh_server, "> /close\n```\n/label x\n```\nuse `/close` to close", role="admin")
    assert comment.run() == [] and gh_server.requests == []


def test_an_edited_comment_runs_nothing(gh_server: GitHubTestServer) -> None:
    payload = load_payload("issue_comment.edited")
    payload["comment"]["body"] = "/close"
    gh_server.state.seed_from_payload(payload)
    comment = Comment(gh_server, payload, 1)
    assert comment.run() == [] and gh_server.requests == [] and comment.item.state == "open"


def test_without_a_commands_section_nothing_runs(gh_server: GitHubTestServer) -> None:
    comment = on_issue(gh_server, "/close", role="admin")
    assert comment.run("version: 1\n") == [] and gh_server.requests == []


def test_review_bodies_carry_commands_and_get_a_reply_only(gh_server: GitHubTestServer) -> None:
    payload = load_payload("pull_request_review.submitted[1]")
    payload["pull_request"]["updated_at"] = now()
    payload["review"].update(body="Nice.\n/hold\n/label shipit", author_association="COLLABORATOR")
    payload["review"]["user"]["login"] = "maria"
    gh_server.state.seed_from_payload(payload)
    gh_server.state.add_collaborator("maria", "triage")
    comment = Comment(gh_server, payload, 2)
    comment.run()
    assert comment.item.labels == ["bug", "shipit"] and comment.reactions() == []  # no reactions on reviews
    assert "<!-- devflow:commands:review-237895671 -->" in comment.replies()[0]


# --- permissions, idempotency ---------------------------------------------------------------------


def test_one_permission_read_serves_every_command_of_a_comment(gh_server: GitHubTestServer) -> None:
    comment = on_issue(gh_server, "/label docs\n/assign\n/good-first-issue")
    comment.run()
    assert comment.calls() == [
        "GET /collaborators/maria/permission",
        "POST /issues/1/labels",
        "POST /issues/1/assignees",
        "POST /issues/1/labels",
        "POST /issues/comments/492700400/reactions",
    ]


def test_owners_need_no_permission_read(gh_server: GitHubTestServer) -> None:
    comment = on_issue(gh_server, "/close", login="Codertocat", association="OWNER", role=None)
    comment.run()
    assert comment.calls() == ["PATCH /issues/1", "POST /issues/comments/492700400/reactions"]


def test_a_rerun_of_a_handled_comment_writes_nothing(gh_server: GitHubTestServer) -> None:
    comment = on_issue(gh_server, "/label docs\n/lable x")
    comment.run()
    writes = len(gh_server.writes)
    gh_server.state.issues[1].labels.remove("docs")  # someone took it off since: the command is not re-run
    gh_server.clear_log()
    comment.run(attempt=2)
    assert comment.calls() == ["GET /issues/comments/492700400/reactions"] and len(gh_server.writes) == 0
    assert writes == 3 and comment.item.labels == ["bug"]


def test_a_rerun_after_a_stop_finishes_and_answers_once(gh_server: GitHubTestServer) -> None:
    from .ghserver import Faults

    comment = on_issue(gh_server, "/label docs\n/close")
    gh_server.faults = Faults(rate_limit_after=2, rate_limit_reset_in=3600)  # permission read, label; then stop
    [result] = comment.run()
    assert result.report.stopped and comment.reactions() == [] and comment.item.state == "open"
    gh_server.faults = Faults()
    gh_server.reset_rate_limit()
    comment.run(attempt=2)
    assert comment.item.state == "closed" and comment.item.labels == ["bug", "docs"]
    assert comment.reactions() == [(BOT, "+1")]
