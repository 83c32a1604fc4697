"""Use case: evaluate the auto-merge policy for the pull requests an event concerns.

Triggered by the pull request's own events (opened, pushed, labels, draft or ready, reopened), its
reviews, completed check suites and check runs, commit statuses, and by slash commands on it (labels
a workflow's token sets start no workflow, so the policy is evaluated in the same run). Reads: the
pull request; its reviews (when approvals are required) and the permission of approvers whose
association cannot tell (once each); the head's checks and statuses; Devflow's status comment (only
when the pull request has comments). Then the executor: auto-merge on, off, or a merge, and the
status comment edited in place.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from .. import plan as p
from ..config.model import Config
from ..config.review import AutomergeConfig
from ..engine.automerge import MARKER, PullFacts, decide, opted_in
from ..events.model import Event, Facts
from ..events.normalize import from_item
from ..github.errors import GitHubError, Stopped
from ..github.executor import Executor, Report
from ..github.facts import Observed
from ..github.port import IssueState
from ..language.commands import level_rank
from .context import RunContext
from .event import Result

PULL_ACTIONS = frozenset(
    {"opened", "reopened", "synchronize", "labeled", "unlabeled", "ready_for_review", "converted_to_draft", "edited"}
)
REVIEW_ACTIONS = frozenset({"submitted", "dismissed", "edited"})
CHECK_EVENTS = ("check_suite", "check_run")
WRITERS = frozenset({"OWNER"})  # author_association that means write access without a read
ASK = frozenset({"MEMBER", "COLLABORATOR"})


def pull_numbers(ctx: RunContext, event: Event, payload: dict[str, Any]) -> list[int]:
    """The pull requests whose policy this event may change."""
    if event.name == "pull_request" and event.action in PULL_ACTIONS and event.number is not None:
        return [event.number]
    if event.name == "pull_request_review" and event.action in REVIEW_ACTIONS and event.number is not None:
        return [event.number]
    if event.trigger in CHECK_EVENTS and payload.get("action") == "completed":
        run = payload.get(event.trigger)
        pulls = run.get("pull_requests") if isinstance(run, dict) else None
        return [int(pr["number"]) for pr in pulls or [] if isinstance(pr, dict) and isinstance(pr.get("number"), int)]
    if event.trigger == "status" and isinstance(payload.get("sha"), str) and payload.get("state") != "pending":
        return ctx.port.pulls_for_commit(payload["sha"])
    return []


def handle_automerge(ctx: RunContext, config: Config, event: Event, payload: dict[str, Any]) -> list[Result]:
    if config.automerge is None:
        return []
    try:
        numbers = pull_numbers(ctx, event, payload)
    except GitHubError as exc:
        return [_failed(p.Plan(f"{event.key} (automerge)", event.repository, None), exc)]
    results = []
    for number in numbers:
        result = evaluate_pull(ctx, config.automerge, event.repository, number)
        results.append(result)
        if result.report.stopped:
            break
    return results


def _failed(plan: p.Plan, exc: GitHubError) -> Result:
    if isinstance(exc, Stopped):
        return Result(plan, Report(stopped=f"auto-merge: {exc}"), None)
    return Result(plan, Report(refused=f"auto-merge: GitHub refused a read: {exc}"), None)


def evaluate_pull(ctx: RunContext, config: AutomergeConfig, repository: str, number: int) -> Result:
    plan = p.Plan("automerge", repository, number)
    try:
        raw = ctx.port.get_pull(number)
        pull = _pull(raw)
        if config.comment and pull.open and raw.get("comments"):  # Devflow's status comment, if any
            pull = replace(pull, status_comment=_status_comment(ctx, number))
        if not pull.open or not opted_in(config, pull, ctx.self_login):
            return Result(replace(plan, notes=(_why_not(pull),)), Report(), None)
        if config.approvals:
            pull = replace(pull, approvers=_approvers(ctx, number))
        if config.checks != ():
            pull = replace(pull, checks=ctx.port.check_states(pull.head_sha))
    except GitHubError as exc:
        return _failed(plan, exc)
    event = from_item(repository, raw, "synchronize")
    facts = Facts(
        now=ctx.clock(),
        approvals=len(pull.approvers or ()),
        checks=_combined(pull.checks),
        labels=pull.labels,
    )
    verdict = decide(config, pull, event, facts, ctx.self_login)
    plan = replace(plan, operations=verdict.operations, rules=(verdict.rule,))
    state = IssueState(pull.labels, "open", comments=int(raw.get("comments") or 0))
    executor = Executor(ctx.port, number, state, ctx.dry_run, ctx.run_key, ctx.policy)
    return Result(plan, executor.run(plan), Observed(facts, state))


def _why_not(pull: PullFacts) -> str:
    if not pull.open:
        return f"auto-merge: #{pull.number} is not open"
    return f"auto-merge: #{pull.number} has not opted in (its labels lack the required ones)"


def _pull(raw: dict[str, Any]) -> PullFacts:
    auto = raw.get("auto_merge") or None
    return PullFacts(
        number=int(raw["number"]),
        node_id=str(raw.get("node_id") or ""),
        head_sha=str((raw.get("head") or {}).get("sha") or ""),
        open=raw.get("state") == "open" and not raw.get("merged"),
        draft=bool(raw.get("draft")),
        mergeable=raw.get("mergeable"),
        mergeable_state=str(raw.get("mergeable_state") or "unknown"),
        labels=tuple(str(label["name"]) for label in raw.get("labels") or []),
        auto_merge=str(auto.get("merge_method")) if auto else None,
        auto_merge_by=str((auto.get("enabled_by") or {}).get("login")) if auto else None,
    )


def _status_comment(ctx: RunContext, number: int) -> tuple[int, str] | None:
    for ident, login, body in ctx.port.list_comments(number):
        if login == ctx.self_login and MARKER in body:
            return ident, body
    return None


def _approvers(ctx: RunContext, number: int) -> tuple[str, ...]:
    """People whose latest review approves, and who have write access (OWNER: yes; MEMBER and
    COLLABORATOR: one permission read each; anyone else: no)."""
    latest: dict[str, tuple[str, str]] = {}
    for login, state, association in ctx.port.list_review_details(number):
        if state in ("APPROVED", "CHANGES_REQUESTED", "DISMISSED"):
            latest[login] = (state, association)
    out = []
    for login, (state, association) in latest.items():
        if state != "APPROVED":
            continue
        if association in WRITERS or (
            association in ASK and level_rank(ctx.port.get_permission(login)) >= level_rank("write")
        ):
            out.append(login)
    return tuple(out)


def _combined(checks: Any) -> str | None:
    if checks is None:
        return None
    states = set(checks.values())
    return "failure" if "failure" in states else "pending" if "pending" in states or not states else "success"
