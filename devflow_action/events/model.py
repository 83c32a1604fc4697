"""What rules read: one immutable Event per delivery, and Facts fetched beyond the payload."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Kind = Literal["issue", "pull_request"]

# author_association values that answer "is this the author's first contribution?" without an API call.
FIRST_TIMER_ASSOCIATIONS = frozenset({"FIRST_TIMER", "FIRST_TIME_CONTRIBUTOR"})
RETURNING_ASSOCIATIONS = frozenset({"OWNER", "MEMBER", "COLLABORATOR", "CONTRIBUTOR"})


@dataclass(frozen=True)
class Author:
    login: str
    association: str = "NONE"  # GitHub's author_association: OWNER, MEMBER, CONTRIBUTOR, NONE, ...
    bot: bool = False

    @property
    def first_contribution(self) -> bool | None:
        """True/False when the association tells; None when only an API call can (association NONE)."""
        if self.association in FIRST_TIMER_ASSOCIATIONS:
            return True
        if self.association in RETURNING_ASSOCIATIONS:
            return False
        return None


@dataclass(frozen=True)
class Event:
    """A GitHub event reduced to what rules read. ``name`` is the event rules see: a
    ``pull_request_target`` run has ``name="pull_request"``, ``trigger="pull_request_target"``, and
    ``trusted=False``."""

    name: str
    action: str | None
    trigger: str
    repository: str  # owner/name
    kind: Kind | None = None
    number: int | None = None
    title: str = ""
    body: str = ""
    comment: str | None = None  # body of the comment or review the event is about
    comment_author: Author | None = None
    comment_id: int | None = None  # id of that comment or review (reactions, replies)
    labels: tuple[str, ...] = ()
    author: Author | None = None
    sender: str = ""
    assignees: tuple[str, ...] = ()
    base: str | None = None
    head: str | None = None
    head_repository: str | None = None  # a pull request's head repository; "" when unknown (a deleted fork)
    head_sha: str | None = None
    # pending review requests: logins and team slugs; None when the payload does not say (not a PR object)
    requested_reviewers: tuple[str, ...] | None = None
    requested_teams: tuple[str, ...] | None = None
    milestone: int | None = None  # milestone number
    locked: bool = False
    draft: bool | None = None
    state: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    closed_at: datetime | None = None
    merged_at: datetime | None = None  # pull requests: when merged (the state's metrics read it)
    additions: int | None = None
    deletions: int | None = None
    changed_files: int | None = None
    comments: int | None = None  # the payload's comment count
    trusted: bool = True
    skipped: str | None = None  # why rules do not run for this event, or None
    delivery: str | None = None  # the webhook's X-GitHub-Delivery id (service mode), else None

    @property
    def key(self) -> str:
        return f"{self.name}.{self.action}" if self.action else self.name

    @property
    def from_fork(self) -> bool:
        """Whether the pull request's head is in another repository, or whether it cannot be told (the
        fork was deleted): either way its files are not to be trusted. Events without a pull request
        object (issues, comments) have no head, so they are not."""
        return self.head_repository is not None and self.head_repository != self.repository


@dataclass(frozen=True)
class FileChange:
    filename: str
    additions: int = 0
    deletions: int = 0


@dataclass(frozen=True)
class Activity:
    """One entry of an item's timeline, reduced to what the stale sweep reads (``engine.stale``)."""

    kind: str  # GitHub's timeline event: commented, committed, labeled, reviewed, ...
    actor: str = ""
    bot: bool = False
    at: datetime | None = None
    label: str = ""  # labeled / unlabeled: the label's name
    body: str = ""  # commented: the comment's text


@dataclass(frozen=True)
class RepoLabel:
    """A label as it exists in the repository (``sync-labels`` compares these with the config)."""

    name: str
    color: str = ""
    description: str | None = None


@dataclass(frozen=True)
class OwnComment:
    """A comment Devflow's own identity wrote on the item: the tracked checklist is found among these
    (by its hidden marker) and edited in place, never posted twice."""

    id: int
    body: str


@dataclass(frozen=True)
class Facts:
    """Data beyond the payload, fetched before evaluation (None: not known). The engine does no I/O."""

    now: datetime | None = None
    files: tuple[FileChange, ...] | None = None
    first_contribution: bool | None = None
    approvals: int | None = None
    checks: str | None = None  # combined state of the head commit: success, failure, pending
    labels: tuple[str, ...] | None = None  # current labels, when newer than the payload's
    devflow_labels: frozenset[str] | None = None  # labels on the item that Devflow itself added
    own_comments: tuple[OwnComment, ...] | None = None  # comments Devflow's identity wrote, oldest first
    # The onboarding checklist's progress the state store recorded for the pull request and its author:
    # (item id, who ticked it: "person", "auto" or "body"), ticked items only; None without a store.
    checklist_progress: tuple[tuple[str, str], ...] | None = None

    def current_labels(self, event: Event) -> tuple[str, ...]:
        return self.labels if self.labels is not None else event.labels
