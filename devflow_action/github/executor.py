"""Executor: applies a plan with the fewest calls, idempotently. Dry-run is decided here, once.

Against the observed state (the payload on a fresh first attempt, a read otherwise): all labels are
added in one request, only present labels are removed, a marked comment is skipped when its marker
is already there, and nothing is written when the state already matches. Every comment carries a
hidden marker (``once`` comments their own, others one naming the run, the rule and the text, never
the comment's place in a plan that shrinks as a re-run finds work done), so a comment whose POST
failed ambiguously (a 502 after GitHub stored it) is found, not posted twice. Only comments written
as Devflow's identity count: anyone can type a marker into their own comment. A rate limit far from
its reset or the run's call budget stops the run cleanly; what was not applied is reported.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from .. import plan as p
from ..ledger import Ledger, StateUnavailable
from . import ledgered
from .budget import CallBudget
from .errors import MalformedAnswer, Refused, Stopped, Unavailable
from .executor_review import REVIEW_OPS, apply_review
from .facts import DEFAULT_SELF_LOGIN
from .port import GitHubPort, IssueState
from .retry import Policy

Status = Literal["applied", "skipped", "failed", "left", "dry-run"]


@dataclass(frozen=True)
class Outcome:
    operation: dict[str, Any]  # as planned
    status: Status
    detail: str = ""
    labels: tuple[str, ...] = ()  # the labels it added or removed (would have, in a dry run): not those already so


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
                out += o.labels
        return out

    @property
    def comments(self) -> int:
        return sum(1 for o in self.outcomes if o.status in ("applied", "dry-run") and _posts(o.operation))


def _posts(op: dict[str, Any]) -> bool:
    return op["type"] == "comment" or (op["type"] == "upsert_comment" and op.get("comment_id") is None)


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
    self_login: str = DEFAULT_SELF_LOGIN  # whose comments count when looking for a marker
    budget: CallBudget | None = None  # its deadline bounds the pause before a comment is looked for
    _bodies: list[str] | None = None  # bodies of the comments Devflow wrote on the item

    def run(self, plan: p.Plan) -> Report:
        report = Report()
        ops = list(_merge_patches(plan.operations))
        for op in ops:
            if report.stopped:
                report.outcomes.append(Outcome(_json(op), "left", report.stopped))
                continue
            todo, note, claimed = op, "", list[str]()
            labels: tuple[str, ...] = ()
            try:
                if self.ledger is not None:  # checked before the write, recorded after (ledgered.py)
                    todo, claimed, note = ledgered.claim(self.ledger, op, _json(op))
                status, detail, labels = self._apply(todo) if todo is not None else ("skipped", note, ())
            except (Stopped, StateUnavailable) as exc:  # rate limit, budget, deadline, GitHub (or a
                report.stopped = str(exc)  # required state store) unavailable: work left
                status, detail = "left", str(exc)
            except Refused as exc:  # GitHub would say no again: this one failed, the rest goes on
                status, detail = "failed", str(exc)
            report.outcomes.append(Outcome(_json(todo or op), status, detail, labels))
            if self.ledger is not None:
                try:
                    ledgered.settle(self.ledger, claimed, status)
                except StateUnavailable as exc:  # done on GitHub but not recorded: write nothing more
                    report.stopped = f"{exc} (the {op.type} before it was {status}, not recorded)"
        return report

    # one method per operation type --------------------------------------------------------------

    def _apply(self, op: p.Operation) -> tuple[Status, str, tuple[str, ...]]:
        s, n, port = self.state, self.number, self.port
        if isinstance(op, REVIEW_OPS):  # commands and auto-merge: executor_review.py
            return (*apply_review(self, op), ())
        if isinstance(op, p.AddLabels):
            missing = [label for label in op.labels if label not in s.labels]
            added = lambda: self._added(port.add_labels(n, missing), missing)  # noqa: E731
            return (*self._write(missing, "labels already present", added), tuple(missing))
        if isinstance(op, p.RemoveLabels):
            present = [label for label in op.labels if label in s.labels]
            return (*self._write(present, "labels already absent", lambda: self._removed(present)), tuple(present))
        if isinstance(op, p.Comment):
            return (*self._comment(op), ())
        if isinstance(op, p.Assign):
            missing = [a for a in op.assignees if a not in s.assignees]
            return (*self._write(missing, "already assigned", lambda: port.add_assignees(n, missing)), ())
        if isinstance(op, p.RequestReview):
            return (*self._request_review(op), ())
        if isinstance(op, p.Lock):
            return (*self._write(not s.locked, "already locked", lambda: port.lock(n, op.reason)), ())
        fields = _patch_fields(op, s)
        return (*self._write(fields, "already so", lambda: port.update_issue(n, fields)), ())

    def _write(self, needed: object, already: str, write: Callable[[], object]) -> tuple[Status, str]:
        """The one place that decides between skipping, a dry run, and writing."""
        if not needed:
            return "skipped", already
        if self.dry_run:
            return "dry-run", ""
        write()
        return "applied", ""

    def _request_review(self, op: p.RequestReview) -> tuple[Status, str]:
        """Only reviewers and teams not already pending are requested. A re-run's state (read from the
        issue endpoint) does not know them: they are read then, once, and only for a plan that asks."""
        pending_users, pending_teams = self.state.requested_reviewers, self.state.requested_teams
        if pending_users is None or pending_teams is None:
            pending_users, pending_teams = self.port.list_requested_reviewers(self.number)
        known_users = {x.casefold() for x in pending_users}  # logins and slugs are case-insensitive
        known_teams = {x.casefold() for x in pending_teams}
        users = [r for r in op.reviewers if r.casefold() not in known_users]
        teams = [t for t in op.team_reviewers if t.casefold() not in known_teams]
        self.state = _with(self.state, requested_reviewers=pending_users, requested_teams=pending_teams)

        def write() -> None:
            self.port.request_reviewers(self.number, users, teams)
            self.state = _with(
                self.state, requested_reviewers=(*pending_users, *users), requested_teams=(*pending_teams, *teams)
            )

        return self._write(users or teams, "reviews already requested", write)

    def _added(self, labels: tuple[str, ...], missing: list[str]) -> None:
        self.state = _with(self.state, labels=labels or (*self.state.labels, *missing))

    def _removed(self, present: list[str]) -> None:
        for label in present:
            self.port.remove_label(self.number, label)
            self.state = _with(self.state, labels=tuple(x for x in self.state.labels if x != label))

    def _comment(self, op: p.Comment) -> tuple[Status, str]:
        marker = op.marker
        body = op.body
        if marker is None and self.run_key:
            marker = run_marker(self.run_key, op)
            body = f"{body}\n\n{marker}"
        if marker is not None and self._has_marker(marker):
            return "skipped", "already posted"
        if self.dry_run:
            return "dry-run", ""
        attempt = 0
        while True:
            attempt += 1
            try:
                self.port.create_comment(self.number, body)
            except (Unavailable, MalformedAnswer):
                if attempt >= self.policy.attempts or marker is None:
                    raise
                pause = min(self.policy.max_backoff, self.policy.initial * 2 ** (attempt - 1))
                if self.budget is not None:
                    self.budget.check_time(pause)
                self.policy.sleep(pause)
                # The POST may have landed: read the comments again before trying once more.
                self._bodies = self._own_bodies()
                if self._has_marker(marker):
                    return "applied", "posted (confirmed after an error)"
                continue
            if self._bodies is not None:
                self._bodies.append(body)
            self.state = _with(self.state, comments=self.state.comments + 1)
            return "applied", ""

    def _has_marker(self, marker: str) -> bool:
        if self._bodies is None:
            # No comment yet means no marker: the read is skipped (fresh `opened` events mostly).
            self._bodies = [] if self.state.comments == 0 else self._own_bodies()
        return any(marker in b for b in self._bodies)

    def _own_bodies(self) -> list[str]:
        me = self.self_login.lower()  # logins are case-insensitive
        return [body for _, login, body in self.port.list_comments(self.number) if login.lower() == me]


def run_marker(run_key: str, op: p.Comment) -> str:
    """The hidden marker of a comment without ``once``: the run (or webhook delivery) and a hash of
    the rule, the action and the text. The same operation in a re-run of the same run has the same
    marker wherever it sits in the plan; another run (a new event) comments anew."""
    digest = hashlib.sha256(f"{op.rule}\0comment\0{op.body}".encode()).hexdigest()[:16]
    return f"<!-- devflow:run:{re.sub(r'[^A-Za-z0-9_.-]', '-', run_key)}:{digest} -->"


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
