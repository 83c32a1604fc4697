"""The plan: what Devflow would do for one event, and why. Immutable and JSON-serialisable.

The JSON form is a contract read by the executor, the action's outputs and `devflow plan`:
``{"operations": [...], "rules": [...], "skipped": null, ...}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class AddLabels:
    labels: tuple[str, ...]
    type: str = field(default="add_labels", init=False)


@dataclass(frozen=True)
class RemoveLabels:
    labels: tuple[str, ...]
    type: str = field(default="remove_labels", init=False)


@dataclass(frozen=True)
class Comment:
    body: str  # includes the marker when there is one
    marker: str | None = None  # hidden HTML comment that makes a `once` comment idempotent
    # The rule that asked for it: part of the run marker that keeps a re-run from posting it again.
    # Not part of equality, so two rules posting the same text still post it once.
    rule: str = field(default="", compare=False)
    type: str = field(default="comment", init=False)


@dataclass(frozen=True)
class Assign:
    assignees: tuple[str, ...]
    type: str = field(default="assign", init=False)


@dataclass(frozen=True)
class RequestReview:
    reviewers: tuple[str, ...] = ()
    team_reviewers: tuple[str, ...] = ()
    type: str = field(default="request_review", init=False)


@dataclass(frozen=True)
class Close:
    reason: str = "completed"
    type: str = field(default="close", init=False)


@dataclass(frozen=True)
class Reopen:
    type: str = field(default="reopen", init=False)


@dataclass(frozen=True)
class Lock:
    reason: str | None = None
    type: str = field(default="lock", init=False)


@dataclass(frozen=True)
class SetMilestone:
    number: int
    type: str = field(default="milestone", init=False)


@dataclass(frozen=True)
class Unassign:
    assignees: tuple[str, ...]
    type: str = field(default="unassign", init=False)


@dataclass(frozen=True)
class React:
    """A reaction on the comment that carried slash commands (``+1`` done, ``confused`` refused)."""

    comment_id: int
    content: str
    type: str = field(default="reaction", init=False)


@dataclass(frozen=True)
class Reply:
    """A short answer to a comment's commands (why one was refused or failed); ``marker`` names the
    comment it answers, so it is posted once."""

    body: str  # includes the marker
    marker: str
    type: str = field(default="reply", init=False)


@dataclass(frozen=True)
class UpsertComment:
    """Keep one comment, found by its hidden marker, up to date: edit ``comment_id`` in place, or post
    it when there is none yet (the onboarding checklist, the auto-merge status)."""

    body: str  # includes the marker
    marker: str
    comment_id: int | None = None
    type: str = field(default="upsert_comment", init=False)


@dataclass(frozen=True)
class EnableAutomerge:
    """GitHub's auto-merge on the pull request (GraphQL ``enablePullRequestAutoMerge``); ``sha``: the
    head it was decided for. When GitHub answers that the pull request can merge now, it is merged."""

    pull_request_id: str  # the pull request's node id
    method: str  # merge, squash, rebase
    sha: str
    type: str = field(default="enable_automerge", init=False)


@dataclass(frozen=True)
class DisableAutomerge:
    pull_request_id: str
    type: str = field(default="disable_automerge", init=False)


@dataclass(frozen=True)
class Merge:
    """Merge now (REST); ``sha`` makes GitHub refuse when the head moved since the decision."""

    method: str
    sha: str
    type: str = field(default="merge", init=False)


Operation = (
    AddLabels
    | RemoveLabels
    | Comment
    | Assign
    | RequestReview
    | Close
    | Reopen
    | Lock
    | SetMilestone
    | Unassign
    | React
    | Reply
    | UpsertComment
    | EnableAutomerge
    | DisableAutomerge
    | Merge
)
OPERATION_TYPES: dict[str, type[Operation]] = {
    cls.type: cls
    for cls in (
        AddLabels, RemoveLabels, Comment, Assign, RequestReview, Close, Reopen, Lock, SetMilestone, Unassign, React,
        Reply, UpsertComment, EnableAutomerge, DisableAutomerge, Merge,
    )
}  # fmt: skip


@dataclass(frozen=True)
class RuleResult:
    """Whether a rule fired, and why: the conditions that held and those that did not."""

    name: str
    matched: bool
    evaluated: bool = True
    matched_conditions: tuple[str, ...] = ()
    missing_conditions: tuple[str, ...] = ()
    reason: str | None = None  # why the rule was not evaluated (a fact it needs is missing)

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "matched": self.matched,
            "evaluated": self.evaluated,
            "matched_conditions": list(self.matched_conditions),
            "missing_conditions": list(self.missing_conditions),
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Plan:
    event: str
    repository: str
    number: int | None
    operations: tuple[Operation, ...] = ()
    rules: tuple[RuleResult, ...] = ()
    notes: tuple[str, ...] = ()
    skipped: str | None = None

    @property
    def empty(self) -> bool:
        return not self.operations

    def as_json(self) -> dict[str, Any]:
        return {
            "event": self.event,
            "repository": self.repository,
            "number": self.number,
            "operations": [operation_json(op) for op in self.operations],
            "rules": [r.as_json() for r in self.rules],
            "notes": list(self.notes),
            "skipped": self.skipped,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Plan:
        ops = []
        for item in data.get("operations", []):
            kind: Any = OPERATION_TYPES[item["type"]]
            args = {k: tuple(v) if isinstance(v, list) else v for k, v in item.items() if k != "type"}
            ops.append(kind(**args))
        rules = tuple(
            RuleResult(
                r["name"],
                r["matched"],
                r.get("evaluated", True),
                tuple(r.get("matched_conditions", ())),
                tuple(r.get("missing_conditions", ())),
                r.get("reason"),
            )
            for r in data.get("rules", [])
        )
        return cls(
            data.get("event", ""),
            data.get("repository", ""),
            data.get("number"),
            tuple(ops),
            rules,
            tuple(data.get("notes", ())),
            data.get("skipped"),
        )


def operation_json(op: Operation) -> dict[str, Any]:
    out: dict[str, Any] = {"type": op.type}
    for name in op.__dataclass_fields__:
        if name != "type":
            value = getattr(op, name)
            out[name] = list(value) if isinstance(value, tuple) else value
    return out
