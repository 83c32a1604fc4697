"""In-memory state of one repository, plus seeding helpers for tests.

Issues and pull requests share one number space (a PR is an `Issue` with `is_pull=True`). Label names
are matched case-insensitively, as on GitHub. Timestamps come from `State.now`, which tests may
replace for deterministic output.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

DEFAULT_ACTOR = "github-actions[bot]"


def utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def parse_time(value: str | datetime | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def fake_sha(*parts: object) -> str:
    return hashlib.sha1("/".join(map(str, parts)).encode()).hexdigest()


@dataclass
class Repository:
    owner: str = "octo-org"
    name: str = "octo-repo"
    default_branch: str = "main"
    id: int = 1296269
    private: bool = False
    description: str | None = "A test repository"
    owner_type: str = "Organization"

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


@dataclass
class Label:
    name: str
    color: str = "ededed"
    description: str | None = None
    id: int = 0
    default: bool = False


@dataclass
class Milestone:
    number: int
    title: str
    id: int = 0
    state: str = "open"


@dataclass
class ChangedFile:
    filename: str
    status: str = "modified"  # added, removed, modified, renamed, copied, changed, unchanged
    additions: int = 1
    deletions: int = 0
    patch: str | None = None
    previous_filename: str | None = None

    @property
    def changes(self) -> int:
        return self.additions + self.deletions


@dataclass
class Comment:
    id: int
    issue_number: int
    body: str
    user: str
    created_at: datetime
    updated_at: datetime
    author_association: str = "NONE"


@dataclass
class Event:
    """An issue event; `event` is e.g. labeled, unlabeled, assigned, closed, review_requested."""

    id: int
    issue_number: int
    event: str
    actor: str
    created_at: datetime
    label: Label | None = None
    assignee: str | None = None
    reviewer: str | None = None
    team: str | None = None
    state_reason: str | None = None
    rename: tuple[str, str] | None = None
    commit_id: str | None = None
    lock_reason: str | None = None


@dataclass
class Review:
    id: int
    pull_number: int
    user: str
    state: str  # APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED, PENDING
    body: str
    commit_id: str
    submitted_at: datetime
    author_association: str = "NONE"


@dataclass
class CommitStatus:
    id: int
    sha: str
    context: str
    state: str  # error, failure, pending, success
    description: str | None
    target_url: str | None
    created_at: datetime


@dataclass
class CheckRun:
    id: int
    head_sha: str
    name: str
    status: str  # queued, in_progress, completed
    conclusion: str | None
    started_at: datetime
    completed_at: datetime | None
    app_slug: str = "github-actions"


@dataclass
class Discussion:
    """A discussion (GraphQL only): its own number space here, GitHub shares the issues' one."""

    number: int
    title: str
    body: str
    user: str
    category_id: str
    created_at: datetime
    updated_at: datetime
    id: int = 0
    closed: bool = False


@dataclass
class Issue:
    number: int
    title: str
    user: str
    body: str | None = None
    state: str = "open"
    state_reason: str | None = None
    locked: bool = False
    active_lock_reason: str | None = None
    author_association: str = "NONE"
    labels: list[str] = field(default_factory=list)
    assignees: list[str] = field(default_factory=list)
    milestone: Milestone | None = None
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)
    closed_at: datetime | None = None
    id: int = 0
    # pull request only
    is_pull: bool = False
    draft: bool = False
    head_ref: str = ""
    head_sha: str = ""
    base_ref: str = ""
    base_sha: str = ""
    requested_reviewers: list[str] = field(default_factory=list)
    requested_teams: list[str] = field(default_factory=list)
    files: list[ChangedFile] = field(default_factory=list)
    merged_at: datetime | None = None
    merged_by: str | None = None
    merge_commit_sha: str | None = None
    mergeable: bool | None = True
    commits: int = 1
    mergeable_state: str | None = None  # None: clean when mergeable, else dirty; or behind, blocked...
    auto_merge: dict[str, Any] | None = None  # GitHub's auto-merge request, as the REST API shows it


class State:
    """Everything the server knows; mutate it directly or through the `add_*` / `seed_*` helpers."""

    def __init__(self, repository: Repository | None = None, actor: str = DEFAULT_ACTOR) -> None:
        self.repo = repository or Repository()
        self.actor = actor  # identity behind the token: author of writes and of label events
        self.now: Callable[[], datetime] = utcnow
        self.labels: dict[str, Label] = {}  # key: lower-cased name
        self.issues: dict[int, Issue] = {}
        self.comments: dict[int, Comment] = {}
        self.events: list[Event] = []
        self.reviews: list[Review] = []
        self.statuses: list[CommitStatus] = []
        self.check_runs: list[CheckRun] = []
        self.branches: dict[str, str] = {self.repo.default_branch: fake_sha("branch", "main")}
        self.contents: dict[tuple[str, str], bytes] = {}  # (sha, path) -> bytes
        self.collaborators: dict[str, str] = {}  # login -> admin/maintain/write/triage/read
        self.associations: dict[str, str] = {}  # login -> author_association for new writes
        self.user_ids: dict[str, int] = {}
        self.discussions: dict[int, Discussion] = {}
        self.discussion_categories: dict[str, str] = {}  # node id -> name
        self.reactions: list[Any] = []  # handlers_review.Reaction
        self._ids = itertools.count(1001)

    # -- ids and users -----------------------------------------------------------------------------
    def next_id(self) -> int:
        return next(self._ids)

    def user_id(self, login: str, known: int | None = None) -> int:
        if known is not None:
            self.user_ids.setdefault(login, known)
        if login not in self.user_ids:
            self.user_ids[login] = 5000 + len(self.user_ids)
        return self.user_ids[login]

    def association(self, login: str) -> str:
        if login in self.associations:
            return self.associations[login]
        if login.lower() == self.repo.owner.lower():
            return "OWNER"
        return "COLLABORATOR" if login in self.collaborators else "NONE"

    # -- lookups -----------------------------------------------------------------------------------
    def label(self, name: str) -> Label | None:
        return self.labels.get(name.lower())

    def next_number(self) -> int:
        return max(self.issues, default=0) + 1

    def resolve_ref(self, ref: str | None) -> str:
        """Branch (`main`, `heads/main`, `refs/heads/main`) or sha -> sha."""
        ref = ref or self.repo.default_branch
        for prefix in ("refs/heads/", "heads/", "refs/tags/", "tags/"):
            if ref.startswith(prefix):
                ref = ref[len(prefix) :]
                break
        return self.branches.get(ref, ref)

    # -- seeding helpers ---------------------------------------------------------------------------
    def add_label(
        self, name: str, color: str = "ededed", description: str | None = None, default: bool = False
    ) -> Label:
        existing = self.label(name)
        if existing:
            return existing
        label = Label(name=name, color=color, description=description, id=self.next_id(), default=default)
        self.labels[name.lower()] = label
        return label

    def add_issue(self, title: str = "An issue", user: str = "octocat", **fields: Any) -> Issue:
        labels = fields.pop("labels", [])
        for key in ("created_at", "updated_at", "closed_at", "merged_at"):
            if key in fields:
                fields[key] = parse_time(fields[key])
        now = self.now()
        fields.setdefault("created_at", now)
        fields.setdefault("updated_at", fields["created_at"])
        fields.setdefault("author_association", self.association(user))
        issue = Issue(number=fields.pop("number", None) or self.next_number(), title=title, user=user, **fields)
        issue.id = issue.id or self.next_id()
        self.user_id(user)
        for name in labels:
            issue.labels.append(self.add_label(name).name)
        self.issues[issue.number] = issue
        return issue

    def add_pull(self, title: str = "A pull request", user: str = "octocat", **fields: Any) -> Issue:
        fields["is_pull"] = True
        pull = self.add_issue(title, user, **fields)
        pull.head_ref = pull.head_ref or f"feature-{pull.number}"
        pull.head_sha = pull.head_sha or fake_sha("head", pull.number)
        pull.base_ref = pull.base_ref or self.repo.default_branch
        pull.base_sha = pull.base_sha or self.resolve_ref(pull.base_ref)
        self.branches.setdefault(pull.head_ref, pull.head_sha)
        return pull

    def add_file(self, number: int, filename: str, status: str = "modified", **fields: Any) -> ChangedFile:
        changed = ChangedFile(filename=filename, status=status, **fields)
        self.issues[number].files.append(changed)
        return changed

    def add_files(self, number: int, count: int, prefix: str = "src/file", **fields: Any) -> list[ChangedFile]:
        return [self.add_file(number, f"{prefix}{i:04d}.py", **fields) for i in range(count)]

    def add_comment(self, number: int, body: str, user: str = "octocat", created_at: Any = None) -> Comment:
        when = parse_time(created_at) or self.now()
        comment = Comment(self.next_id(), number, body, user, when, when, self.association(user))
        self.comments[comment.id] = comment
        self.user_id(user)
        return comment

    def add_event(self, number: int, event: str, actor: str | None = None, **fields: Any) -> Event:
        entry = Event(self.next_id(), number, event, actor or self.actor, self.now(), **fields)
        self.events.append(entry)
        return entry

    def add_review(self, number: int, user: str, state: str = "APPROVED", body: str = "") -> Review:
        pull = self.issues[number]
        review = Review(self.next_id(), number, user, state, body, pull.head_sha, self.now(), self.association(user))
        self.reviews.append(review)
        return review

    def add_status(self, ref: str, context: str, state: str = "success", description: str | None = None) -> None:
        sha = self.resolve_ref(ref)
        self.statuses.append(CommitStatus(self.next_id(), sha, context, state, description, None, self.now()))

    def add_check_run(
        self, ref: str, name: str, status: str = "completed", conclusion: str | None = "success"
    ) -> CheckRun:
        now = self.now()
        run = CheckRun(
            self.next_id(),
            self.resolve_ref(ref),
            name,
            status,
            conclusion,
            now,
            now if status == "completed" else None,
        )
        self.check_runs.append(run)
        return run

    def set_file(self, path: str, content: str | bytes, ref: str | None = None) -> None:
        if ref is not None and ref not in self.branches and len(ref) != 40:
            self.branches[ref] = fake_sha("branch", ref)
        data = content.encode() if isinstance(content, str) else content
        self.contents[(self.resolve_ref(ref), path.strip("/"))] = data

    def add_collaborator(self, login: str, permission: str = "write") -> None:
        self.collaborators[login] = permission
        self.user_id(login)

    # -- payload seeding ---------------------------------------------------------------------------
    def seed_from_payload(self, payload: dict[str, Any]) -> Issue | None:
        """Create the repository and the issue / PR (labels, user, association) of a webhook payload."""
        from .seed import seed_from_payload

        return seed_from_payload(self, payload)

    # -- views -------------------------------------------------------------------------------------
    def issue_comments(self, number: int) -> list[Comment]:
        return sorted((c for c in self.comments.values() if c.issue_number == number), key=lambda c: c.id)

    def issue_events(self, number: int) -> list[Event]:
        return [e for e in self.events if e.issue_number == number]

    def labels_on(self, issue: Issue) -> list[Label]:
        return [label for label in (self.label(name) for name in issue.labels) if label is not None]

    def events_of(self, number: int, kinds: Iterable[str]) -> list[Event]:
        wanted = set(kinds)
        return [e for e in self.issue_events(number) if e.event in wanted]
