"""Executor: applies a plan with the fewest calls, idempotently. Dry-run is decided here, once.

Against the observed state (the payload on a fresh first attempt, a read otherwise): all labels are
added in one request, only present labels are removed, a marked comment is skipped when its marker
is already there, and nothing is written when the state already matches. Every comment carries a
hidden marker (``once`` comments their own, others one keyed by the run), so a comment whose POST
failed ambiguously (a 502 after GitHub stored it) is found, not posted twice. A rate limit far from
its reset or the run's call budget stops the run cleanly; what was not applied is reported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from .. import plan as p
from ..ledger import Ledger, StateUnavailable
from . import ledgered
from .errors import Refused, Stopped, Unavailable
from .executor_review import REVIEW_OPS, apply_review
from .port import GitHubPort, IssueState
from .retry import Policy

Status = Literal["applied", "skipped", "failed", "left", "dry-run"]


@dataclass(frozen=True)
class Outcome:
    operation: dict[str, Any]
    status: Status
    detail: str = ""


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)
    stopped: str | None = None  # why the run stopped with work left
    refused: str | None = None  # why nothing could be done (GitHub refused a read the plan needed)

    def count(self, status: Status) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    def labels(self, kind: str) -> list[str]:
        out: list[str] = []
        for o in self.outcomes:
            if o.status in ("applied", "dry-run") and o.operation["type"] == kind:
                out += o.operation["labels"]
        return out

    @property
    def comments(self) -> int:
        return sum(1 for o in self.outcomes if o.status in ("applied", "dry-run") and o.operation["type"] == "comment")


class _Stop(Exception):
    pass


@dataclass
class Executor:
    port: GitHubPort
    number: int
    state: IssueState
    dry_run: bool = False
    run_key: str | None = None  # e.g. the workflow run id: keys markers of non-`once` comments
    policy: Policy = field(default_factory=Policy)
    ledger: Ledger | None = None  # the event's idempotency ledger (state store), or None: GitHub only
    _bodies: list[str] | None = None

    def run(self, plan: p.Plan) -> Report:
        report = Report()
        ops = list(_merge_patches(plan.operations))
        for i, op in enumerate(ops):
            if report.stopped:
                report.outcomes.append(Outcome(_json(op), "left", report.stopped))
                continue
            todo, note, claimed = op, "", list[str]()
            try:
                if self.ledger is not None:  # checked before the write, recorded after (ledgered.py)
                    todo, claimed, note = ledgered.claim(self.ledger, op, _json(op))
                status, detail = self._apply(todo, i) if todo is not None else ("skipped", note)
            except (Stopped, StateUnavailable) as exc:  # rate limit, budget, deadline, GitHub (or a
                report.stopped = str(exc)  # required state store) unavailable: work left
                status, detail = "left", str(exc)
            except Refused as exc:  # GitHub would say no again: this one failed, the rest goes on
                status, detail = "failed", str(exc)
            report.outcomes.append(Outcome(_json(todo or op), status, detail))
            if self.ledger is not None:
                try:
                    ledgered.settle(self.ledger, claimed, status)
                except StateUnavailable as exc:  # done on GitHub but not recorded: write nothing more
                    report.stopped = f"{exc} (the {op.type} before it was {status}, not recorded)"
        return report

    # one method per operation type --------------------------------------------------------------

    def _apply(self, op: p.Operation, index: int) -> tuple[Status, str]:
        s, n, port = self.state, self.number, self.port
        if isinstance(op, REVIEW_OPS):  # commands and auto-merge: executor_review.py
            return apply_review(self, op, index)
        if isinstance(op, p.AddLabels):
            missing = [label for label in op.labels if label not in s.labels]
            return self._write(
                missing, "labels already present", lambda: self._added(port.add_labels(n, missing), missing)
            )
        if isinstance(op, p.RemoveLabels):
            present = [label for label in op.labels if label in s.labels]
            return self._write(present, "labels already absent", lambda: self._removed(present))
        if isinstance(op, p.Comment):
            return self._comment(op, index)
        if isinstance(op, p.Assign):
            missing = [a for a in op.assignees if a not in s.assignees]
            return self._write(missing, "already assigned", lambda: port.add_assignees(n, missing))
        if isinstance(op, p.RequestReview):
            missing = [r for r in op.reviewers if r not in s.requested_reviewers]
            needed = missing or list(op.team_reviewers)
            return self._write(
                needed, "reviews already requested", lambda: port.request_reviewers(n, missing, op.team_reviewers)
            )
        if isinstance(op, p.Lock):
            return self._write(not s.locked, "already locked", lambda: port.lock(n, op.reason))
        fields = _patch_fields(op, s)
        return self._write(fields, "already so", lambda: port.update_issue(n, fields))

    def _write(self, needed: object, already: str, write: Callable[[], object]) -> tuple[Status, str]:
        """The one place that decides between skipping, a dry run, and writing."""
        if not needed:
            return "skipped", already
        if self.dry_run:
            return "dry-run", ""
        write()
        return "applied", ""

    def _added(self, labels: tuple[str, ...], missing: list[str]) -> None:
        self.state = _with(self.state, labels=labels or (*self.state.labels, *missing))

    def _removed(self, present: list[str]) -> None:
        for label in present:
            self.port.remove_label(self.number, label)
            self.state = _with(self.state, labels=tuple(x for x in self.state.labels if x != label))

    def _comment(self, op: p.Comment, index: int) -> tuple[Status, str]:
        marker = op.marker
        body = op.body
        if marker is None and self.run_key:
            marker = f"<!-- devflow:run:{self.run_key}:{index} -->"
            body = f"{body}\n\n{marker}"
        if marker is not None and self._has_marker(marker):
            return "skipped", "already posted"
        if self.dry_run:
            return "dry-run", ""
        for attempt in range(1, self.policy.attempts + 1):
            try:
                self.port.create_comment(self.number, body)
            except Unavailable:
                if attempt == self.policy.attempts or marker is None:
                    raise
                self.policy.sleep(min(self.policy.max_backoff, self.policy.initial * 2 ** (attempt - 1)))
                # The POST may have landed: read the comments again before trying once more.
                self._bodies = self.port.list_comment_bodies(self.number)
                if self._has_marker(marker):
                    return "applied", "posted (confirmed after an error)"
                continue
            if self._bodies is not None:
                self._bodies.append(body)
            self.state = _with(self.state, comments=self.state.comments + 1)
            return "applied", ""
        raise AssertionError("unreachable")

    def _has_marker(self, marker: str) -> bool:
        if self._bodies is None:
            # No comment yet means no marker: the read is skipped (fresh `opened` events mostly).
            self._bodies = [] if self.state.comments == 0 else self.port.list_comment_bodies(self.number)
        return any(marker in b for b in self._bodies)


def _with(state: IssueState, **changes: Any) -> IssueState:
    return replace(state, **changes)


def _patch_fields(op: p.Operation, state: IssueState) -> dict[str, object]:
    fields: dict[str, object] = {}
    for part in op.parts if isinstance(op, _Patch) else (op,):
        if isinstance(part, p.Close) and state.state != "closed":
            fields.update(state="closed", state_reason=part.reason)
        elif isinstance(part, p.Reopen) and state.state != "open":
            fields.update(state="open", state_reason="reopened")
        elif isinstance(part, p.SetMilestone) and state.milestone != part.number:
            fields["milestone"] = part.number
    return fields


@dataclass(frozen=True)
class _Patch:
    """Close/reopen and milestone changes sent as one PATCH of the issue."""

    parts: tuple[p.Operation, ...]
    type: str = "update_issue"


def _merge_patches(ops: tuple[p.Operation, ...]) -> list[Any]:
    patch = tuple(op for op in ops if isinstance(op, p.Close | p.Reopen | p.SetMilestone))
    rest: list[Any] = [op for op in ops if not isinstance(op, p.Close | p.Reopen | p.SetMilestone)]
    if len(patch) > 1:
        return [*rest, _Patch(patch)]
    return [*rest, *patch]


def _json(op: Any) -> dict[str, Any]:
    if isinstance(op, _Patch):
        return {"type": op.type, "operations": [p.operation_json(part) for part in op.parts]}
    return p.operation_json(op)
