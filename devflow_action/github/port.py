"""The narrow port to GitHub: the few calls Devflow makes. The HTTP client (client.py) implements it; nothing
outside ``devflow_action.github`` talks to GitHub."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ..events.model import Activity, Event, FileChange, RepoLabel


@dataclass(frozen=True)
class IssueState:
    """What an issue or pull request looks like now: the base for an idempotent apply."""

    labels: tuple[str, ...]
    state: str
    assignees: tuple[str, ...] = ()
    milestone: int | None = None
    locked: bool = False
    comments: int = 0
    # Pending review requests (logins, team slugs); None when not known: the issue endpoint a re-run
    # reads does not carry them, so the executor reads them only if the plan requests a review.
    requested_reviewers: tuple[str, ...] | None = None
    requested_teams: tuple[str, ...] | None = None

    @classmethod
    def from_event(cls, event: Event) -> IssueState:
        return cls(
            labels=event.labels,
            state=event.state or "open",
            assignees=event.assignees,
            milestone=event.milestone,
            locked=event.locked,
            comments=event.comments or 0,
            requested_reviewers=event.requested_reviewers,
            requested_teams=event.requested_teams,
        )


@dataclass(frozen=True)
class Page:
    """One page of a listing or a search: the items as the REST API returns them (``from_item`` reads
    them), whether another page follows, and what the API says about the whole."""

    items: tuple[Mapping[str, Any], ...]
    more: bool
    total: int | None = None  # search: total_count
    last_page: int | None = None  # from the Link header's rel="last", when there is one


class GitHubPort(Protocol):
    # reads
    def get_issue(self, number: int) -> IssueState: ...
    def list_pull_files(self, number: int) -> list[FileChange]: ...
    def count_authored(self, login: str, limit: int) -> int: ...
    def list_comments(self, number: int) -> list[tuple[int, str, str]]: ...  # (id, author, body), oldest first
    def list_reviews(self, number: int) -> list[tuple[str, str]]: ...  # (login, state), oldest first
    def checks_state(self, sha: str) -> str: ...
    def label_events(self, number: int) -> list[tuple[str, str, str]]: ...  # (event, label, actor), oldest first
    def get_file(self, path: str, ref: str | None) -> bytes | None: ...
    def list_requested_reviewers(self, number: int) -> tuple[tuple[str, ...], tuple[str, ...]]: ...  # logins, teams
    def get_pull(self, number: int) -> dict[str, Any]: ...  # the REST API's pull request object
    def list_pulls_for_head(self, head: str) -> list[dict[str, Any]]: ...  # open pull requests of owner:branch
    # reads of commands, reviewers and auto-merge (client_review.py)
    def get_permission(self, login: str) -> str: ...  # read, triage, write, maintain, admin or none
    def list_reactions(self, comment_id: int) -> list[tuple[str, str]]: ...  # (login, content)
    def list_open_pulls(self) -> list[dict[str, Any]]: ...
    def pulls_for_commit(self, sha: str) -> list[int]: ...
    def list_review_details(self, number: int) -> list[tuple[str, str, str]]: ...  # (login, state, association)
    def check_states(self, sha: str) -> dict[str, str]: ...  # check or status name -> success/failure/pending

    # writes
    def add_labels(self, number: int, labels: Sequence[str]) -> tuple[str, ...]: ...
    def remove_label(self, number: int, label: str) -> None: ...
    def create_comment(self, number: int, body: str) -> None: ...
    def update_comment(self, comment_id: int, body: str) -> None: ...
    def add_assignees(self, number: int, assignees: Sequence[str]) -> None: ...
    def request_reviewers(self, number: int, reviewers: Sequence[str], team_reviewers: Sequence[str]) -> None: ...
    def update_issue(self, number: int, fields: dict[str, object]) -> None: ...
    def lock(self, number: int, reason: str | None) -> None: ...

    # sweeps: listings one page at a time (the sweep owns the cursor), history, repository labels
    def list_issues_page(self, query: Mapping[str, str], page: int) -> Page: ...
    def list_comments_page(self, query: Mapping[str, str], page: int) -> Page: ...  # the repository's
    def search_issues_page(self, q: str, sort: str, order: str, page: int) -> Page: ...
    def get_item(self, number: int) -> Mapping[str, Any]: ...
    def timeline(self, number: int) -> list[Activity]: ...
    def list_labels(self) -> list[RepoLabel]: ...
    def create_label(self, name: str, color: str | None, description: str | None) -> None: ...
    def update_label(
        self, name: str, *, new_name: str | None = None, color: str | None = None, description: str | None = None
    ) -> None: ...
    def delete_label(self, name: str) -> None: ...
    def add_labels_detailed(self, number: int, labels: Sequence[str]) -> list[RepoLabel]: ...

    # writes of commands, reviewers and auto-merge (client_review.py)
    def add_reaction(self, comment_id: int, content: str) -> None: ...
    def remove_assignees(self, number: int, assignees: Sequence[str]) -> None: ...
    def merge_pull(self, number: int, method: str, sha: str) -> None: ...
    def enable_automerge(self, pull_request_id: str, method: str, sha: str) -> None: ...  # GraphQL
    def disable_automerge(self, pull_request_id: str) -> None: ...  # GraphQL
