"""An in-memory GitHubPort that records every call, for executor and facts unit tests (the real HTTP
client is exercised against the HTTP test server in the integration tests)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn

import httpx2

from devflow_action.events.model import Activity, FileChange, RepoLabel
from devflow_action.github.errors import GitHubError
from devflow_action.github.port import IssueState, Page
from devflow_action.github.retry import Policy, translate


def http_error(status: int, headers: dict[str, str] | None = None) -> httpx2.HTTPStatusError:
    request = httpx2.Request("POST", "https://api.github.test/repos/o/r/issues/1/comments")
    response = httpx2.Response(status, headers=headers or {}, json={"message": "boom"}, request=request)
    return httpx2.HTTPStatusError(f"{status}", request=request, response=response)


def port_error(status: int, headers: dict[str, str] | None = None) -> GitHubError:
    """What the real client raises once its policy gives up on that answer (the port's contract)."""
    return translate(http_error(status, headers), Policy())


class _ElsewhereTested:
    """Port calls of the sweeps, commands, reviewers and auto-merge: their tests run the real client
    against the HTTP test server. Here a call fails the test: the event path must not make it."""

    def _elsewhere(self, name: str) -> NoReturn:
        raise AssertionError(f"{name} is not part of the event path under test")

    def get_permission(self, login: str) -> str:
        self._elsewhere("get_permission")

    def list_reactions(self, comment_id: int) -> list[tuple[str, str]]:
        self._elsewhere("list_reactions")

    def list_open_pulls(self) -> list[dict[str, Any]]:
        self._elsewhere("list_open_pulls")

    def pulls_for_commit(self, sha: str) -> list[int]:
        self._elsewhere("pulls_for_commit")

    def list_review_details(self, number: int) -> list[tuple[str, str, str]]:
        self._elsewhere("list_review_details")

    def check_states(self, sha: str) -> dict[str, str]:
        self._elsewhere("check_states")

    def list_issues_page(self, query: Mapping[str, str], page: int) -> Page:
        self._elsewhere("list_issues_page")

    def list_comments_page(self, query: Mapping[str, str], page: int) -> Page:
        self._elsewhere("list_comments_page")

    def search_issues_page(self, q: str, sort: str, order: str, page: int) -> Page:
        self._elsewhere("search_issues_page")

    def get_item(self, number: int) -> Mapping[str, Any]:
        self._elsewhere("get_item")

    def timeline(self, number: int) -> list[Activity]:
        self._elsewhere("timeline")

    def list_labels(self) -> list[RepoLabel]:
        self._elsewhere("list_labels")

    def create_label(self, name: str, color: str | None, description: str | None) -> None:
        self._elsewhere("create_label")

    def update_label(
        self, name: str, *, new_name: str | None = None, color: str | None = None, description: str | None = None
    ) -> None:
        self._elsewhere("update_label")

    def delete_label(self, name: str) -> None:
        self._elsewhere("delete_label")

    def add_labels_detailed(self, number: int, labels: Sequence[str]) -> list[RepoLabel]:
        self._elsewhere("add_labels_detailed")

    def add_reaction(self, comment_id: int, content: str) -> None:
        self._elsewhere("add_reaction")

    def remove_assignees(self, number: int, assignees: Sequence[str]) -> None:
        self._elsewhere("remove_assignees")

    def merge_pull(self, number: int, method: str, sha: str) -> None:
        self._elsewhere("merge_pull")

    def enable_automerge(self, pull_request_id: str, method: str, sha: str) -> None:
        self._elsewhere("enable_automerge")

    def disable_automerge(self, pull_request_id: str) -> None:
        self._elsewhere("disable_automerge")


@dataclass
class FakeGitHub(_ElsewhereTested):
    labels: list[str] = field(default_factory=list)
    state: str = "open"
    assignees: list[str] = field(default_factory=list)
    milestone: int | None = None
    locked: bool = False
    comments: list[str] = field(default_factory=list)  # bodies, all written as `login`
    login: str = "github-actions[bot]"
    files: list[FileChange] = field(default_factory=list)
    authored: int = 1
    events: list[tuple[str, str, str]] = field(default_factory=list)
    contents: dict[tuple[str | None, str], bytes] = field(default_factory=dict)  # (ref, path); None: default branch
    requested_reviewers: list[str] = field(default_factory=list)
    requested_teams: list[str] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    sent: list[tuple[str, object]] = field(default_factory=list)  # each write and what it sent
    asked: list[tuple[str, object]] = field(default_factory=list)  # reads that take more than the item's number
    numbers: set[int | None] = field(default_factory=set)  # the items calls were about
    # fault injection: call index (0-based) -> (status, applied first?)
    faults: dict[int, tuple[int, bool]] = field(default_factory=dict)

    def _call(self, name: str, write: bool = False, sent: object = None, number: int | None = None) -> bool:
        """Record the call; raise an injected fault. Returns False when the write must not apply."""
        index = len(self.calls)
        self.calls.append(name)
        if name not in ("count_authored", "checks_state", "get_file"):  # the calls about one item
            self.numbers.add(number)  # None when a caller forgot it
        if write:
            self.sent.append((name, sent))
        if index in self.faults:
            status, applied = self.faults[index]
            if not applied:
                raise port_error(status)
            self._pending_error: GitHubError | None = port_error(status)
        return True

    def _maybe_fail_after(self) -> None:
        error = getattr(self, "_pending_error", None)
        if error is not None:
            self._pending_error = None
            raise error

    def get_issue(self, number: int) -> IssueState:
        self._call("get_issue", number=number)
        return IssueState(
            tuple(self.labels), self.state, tuple(self.assignees), self.milestone, self.locked, len(self.comments)
        )

    def list_pull_files(self, number: int) -> list[FileChange]:
        for _ in range(max(1, -(-len(self.files) // 100))):
            self._call("list_pull_files", number=number)
        return list(self.files)

    def count_authored(self, login: str, limit: int) -> int:
        self._call("count_authored")
        self.asked.append(("count_authored", (login, limit)))
        return min(self.authored, limit)

    def list_comments(self, number: int) -> list[tuple[int, str, str]]:
        """Every comment as written by ``login`` (Devflow's identity unless a test says otherwise); ids
        count from 1."""
        self._call("list_comments", number=number)
        return [(i, self.login, body) for i, body in enumerate(self.comments, 1)]

    def list_reviews(self, number: int) -> list[tuple[str, str]]:
        self._call("list_reviews", number=number)
        return []

    def checks_state(self, sha: str) -> str:
        self._call("checks_state")
        return "success"

    def label_events(self, number: int) -> list[tuple[str, str, str]]:
        self._call("label_events", number=number)
        return list(self.events)

    def get_file(self, path: str, ref: str | None) -> bytes | None:
        self._call("get_file")
        self.asked.append(("get_file", (path, ref)))
        return self.contents.get((ref, path))

    def list_requested_reviewers(self, number: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
        self._call("list_requested_reviewers", number=number)
        return tuple(self.requested_reviewers), tuple(self.requested_teams)

    def get_pull(self, number: int) -> dict[str, object]:
        raise NotImplementedError("the fake has no pull request objects: use the GitHub test server")

    def list_pulls_for_head(self, head: str) -> list[dict[str, object]]:
        raise NotImplementedError("the fake has no pull request objects: use the GitHub test server")

    def add_labels(self, number: int, labels: Sequence[str]) -> tuple[str, ...]:
        self._call("add_labels", True, list(labels), number=number)
        self.labels += [label for label in labels if label not in self.labels]
        self._maybe_fail_after()
        return tuple(self.labels)

    def remove_label(self, number: int, label: str) -> None:
        self._call("remove_label", True, label, number=number)
        if label in self.labels:
            self.labels.remove(label)
        self._maybe_fail_after()

    def create_comment(self, number: int, body: str) -> None:
        self._call("create_comment", True, body, number=number)
        self.comments.append(body)
        self._maybe_fail_after()

    def update_comment(self, comment_id: int, body: str) -> None:
        self._call("update_comment", True)
        self.comments[comment_id - 1] = body
        self._maybe_fail_after()

    def add_assignees(self, number: int, assignees: Sequence[str]) -> None:
        self._call("add_assignees", True, list(assignees), number=number)
        self.assignees += [a for a in assignees if a not in self.assignees]

    def request_reviewers(self, number: int, reviewers: Sequence[str], team_reviewers: Sequence[str]) -> None:
        self._call("request_reviewers", True, (list(reviewers), list(team_reviewers)), number=number)
        self.requested_reviewers += [r for r in reviewers if r not in self.requested_reviewers]
        self.requested_teams += [t for t in team_reviewers if t not in self.requested_teams]

    def update_issue(self, number: int, fields: dict[str, object]) -> None:
        self._call("update_issue", True, fields, number=number)
        if "state" in fields:
            self.state = str(fields["state"])
        if "milestone" in fields:
            self.milestone = fields["milestone"]  # type: ignore[assignment]

    def lock(self, number: int, reason: str | None) -> None:
        self._call("lock", True, reason, number=number)
        self.locked = True
