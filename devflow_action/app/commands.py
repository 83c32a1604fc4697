"""Use case: the slash commands of a new comment (``issue_comment.created``) or review body
(``pull_request_review.submitted``). Edited and deleted comments run nothing.

Reads, each only when needed: whether Devflow already answered the comment (its reaction, on a
re-run or an old event only: the answer is written last, so a comment with it is fully handled),
the commenter's permission (when ``author_association`` cannot tell, once), the item's current state
(on a re-run). Then each command's operations go through the executor, in order, and the answer goes
last: 👍, or 😕 and a reply listing what was refused or failed and why.
"""

from __future__ import annotations

from dataclasses import replace

from .. import plan as p
from ..config.model import Config
from ..engine.commands import Decision, Verdict, decide, feedback, known_level, needs_permission_read
from ..events.model import Event, Facts
from ..events.normalize import from_item
from ..github.errors import GitHubError, Stopped
from ..github.executor import Executor, Report
from ..github.facts import Observed
from ..github.port import IssueState
from ..language.commands import parse
from .context import RunContext
from .event import Result, handle_event, is_fresh

COMMAND_EVENTS = {"issue_comment": "created", "pull_request_review": "submitted"}
ANSWERS = ("+1", "confused")


def handle_commands(ctx: RunContext, config: Config, event: Event) -> list[Result]:
    """The commands' result (and a re-run's results, for /retriage and /checklist); [] when the event
    carries no command."""
    if config.commands is None or COMMAND_EVENTS.get(event.name) != event.action or event.number is None:
        return []
    who = event.comment_author
    if who is None or who.bot or who.login == ctx.self_login or not event.comment:
        return []
    parsed = parse(event.comment, config.commands.names)
    if not parsed.invocations and not parsed.hints:
        return []
    reacts = event.name == "issue_comment" and event.comment_id is not None
    fresh = is_fresh(event, ctx.attempt, ctx.clock())
    plan = p.Plan(event.key, event.repository, event.number)
    try:
        if reacts and not fresh and _answered(ctx, event):
            note = "the commands of this comment were handled already (Devflow's reaction is on it)"
            return [Result(replace(plan, notes=(note,)), Report(), None)]
        level = known_level(who.association)
        if level is None:
            ask = needs_permission_read(event, config.commands, parsed)
            level = ctx.port.get_permission(who.login) if ask else "read"
        state = IssueState.from_event(event) if fresh else ctx.port.get_issue(event.number)
    except GitHubError as exc:
        why = f"stopped before running commands: {exc}" if isinstance(exc, Stopped) else f"GitHub refused a read: {exc}"
        report = Report(stopped=why) if isinstance(exc, Stopped) else Report(refused=why)
        return [Result(plan, report, None)]
    decisions = decide(event, config.commands, parsed, level)
    executor = Executor(ctx.port, event.number, state, ctx.dry_run, ctx.run_key, ctx.policy)
    report = Report()
    verdicts: list[tuple[Verdict, str]] = []
    reruns: list[Result] = []
    for decision in decisions:
        if report.stopped:  # the rest is work left for the re-run, which answers the comment
            verdicts.append(("left", report.stopped))
            continue
        verdict = _run(ctx, config, event, decision, executor, report, reruns)
        verdicts.append(verdict)
        if verdict[0] == "left":
            report.stopped = verdict[1]
    marker_id = f"{'review' if event.name == 'pull_request_review' else 'comment'}-{event.comment_id}"
    answer = feedback(event, event.comment_id if reacts else None, marker_id, decisions, verdicts, parsed.hints)
    if answer and not report.stopped:
        done = executor.run(replace(plan, operations=answer))
        report.outcomes += done.outcomes
        report.stopped = done.stopped
    ops = tuple(op for d in decisions for op in d.operations) + answer
    rules = tuple(_explain(d, v) for d, v in zip(decisions, verdicts, strict=True))
    result = Result(replace(plan, operations=ops, rules=rules, notes=parsed.hints), report, Observed(Facts(), state))
    return [result, *reruns]


def _answered(ctx: RunContext, event: Event) -> bool:
    assert event.comment_id is not None
    reactions = ctx.port.list_reactions(event.comment_id)
    return any(login == ctx.self_login and content in ANSWERS for login, content in reactions)


def _run(
    ctx: RunContext, config: Config, event: Event, decision: Decision, executor: Executor, report: Report,
    reruns: list[Result],
) -> tuple[Verdict, str]:  # fmt: skip
    if decision.refused is not None:
        return "refused", decision.refused
    if decision.rerun is not None:
        result = _rerun(ctx, config, event, decision.rerun)
        reruns.append(result)
        return _verdict(result.report)
    done = executor.run(p.Plan(event.key, event.repository, event.number, decision.operations))
    report.outcomes += done.outcomes
    return _verdict(done)


def _verdict(report: Report) -> tuple[Verdict, str]:
    if report.stopped:
        return "left", report.stopped
    if report.refused:
        return "failed", report.refused
    failed = [o for o in report.outcomes if o.status == "failed"]
    return ("failed", failed[0].detail) if failed else ("done", "")


def _rerun(ctx: RunContext, config: Config, event: Event, action: str) -> Result:
    """The rules again, for the item as it is now, as if ``action`` had just happened to it."""
    assert event.number is not None
    rules_only = replace(config, commands=None)
    try:
        if event.kind == "pull_request":
            item = from_item(event.repository, ctx.port.get_pull(event.number), action)
            return handle_event(ctx, rules_only, item, fresh=True)  # just read
        name = "issues"
        again = replace(event, name=name, action=action, trigger=name, comment=None, comment_author=None)
        return handle_event(ctx, rules_only, again, fresh=False)
    except GitHubError as exc:
        plan = p.Plan(f"{event.kind}.{action}", event.repository, event.number)
        if isinstance(exc, Stopped):
            return Result(plan, Report(stopped=f"stopped before the re-run: {exc}"), None)
        return Result(plan, Report(refused=f"GitHub refused a read for the re-run: {exc}"), None)


def _explain(decision: Decision, verdict: tuple[Verdict, str]) -> p.RuleResult:
    kind, why = verdict
    name = f"command {decision.invocation.text}"
    if kind == "done":
        return p.RuleResult(name, True, matched_conditions=("allowed",))
    if kind == "left":
        return p.RuleResult(name, False, False, reason=f"work left: {why}")
    return p.RuleResult(name, False, missing_conditions=(f"{kind}: {why}",))
