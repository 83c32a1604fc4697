"""Use case: one event, end to end. Facts → engine → executor, against the port in the context."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ..config.model import Config
from ..engine import evaluate, has_work, required_facts
from ..events.model import Event
from ..github.errors import GitHubError, Stopped
from ..github.executor import Executor, Report
from ..github.facts import Observed, collect
from ..plan import Plan
from . import checklist_state
from .context import RunContext
from .labels import keeping
from .record import ledger_for, record

FRESH_FOR = timedelta(minutes=5)  # an event older than this may be stale: read the item before writing


@dataclass(frozen=True)
class Result:
    plan: Plan
    report: Report
    observed: Observed | None


def is_fresh(event: Event, attempt: int, now: datetime) -> bool:
    """Whether the payload can stand for the item's current state: the first attempt of a run for an
    event that just happened. Otherwise (a re-run, an old event) the item is read once first."""
    return attempt <= 1 and (event.updated_at is None or now - event.updated_at <= FRESH_FOR)


def handle_event(ctx: RunContext, config: Config, event: Event, *, fresh: bool | None = None) -> Result:
    """No rule triggered by the event: no call at all. Otherwise the declared facts, then the plan,
    then the writes the observed state still needs. ``fresh`` overrides the freshness heuristic.
    With a state store, the writes go through the event's ledger and the run is recorded."""
    result = _handle(ctx, config, event, fresh)
    record(ctx, event, result)
    return result


def _handle(ctx: RunContext, config: Config, event: Event, fresh: bool | None) -> Result:
    if not has_work(config, event):
        return Result(evaluate(event, config), Report(), None)
    assert event.number is not None
    now = ctx.clock()
    if fresh is None:
        fresh = is_fresh(event, ctx.attempt, now)
    try:
        observed = collect(
            event, required_facts(config, event), ctx.port, fresh=fresh, now=now, self_login=ctx.self_login
        )
    except GitHubError as exc:
        # Nothing was decided, nothing written. A stop leaves the whole plan for a re-run; a refusal
        # (bad token, no permission) is the user's to fix.
        plan = evaluate(event, config)
        if isinstance(exc, Stopped):
            return Result(plan, Report(stopped=f"stopped before planning: {exc}"), None)
        return Result(plan, Report(refused=f"GitHub refused a read before planning: {exc}"), None)
    # with a store: the checklist progress recorded for this pull request and its author
    facts, progress = checklist_state.read(ctx, config, event, observed.facts)
    plan = evaluate(event, config, facts)
    # a label the plan creates gets the color and description `labels:` declares (app/labels.py)
    port = keeping(ctx.port, config)
    executor = Executor(
        port,
        event.number,
        observed.state,
        ctx.dry_run,
        ctx.run_key,
        ctx.policy,
        ledger_for(ctx, event),
        ctx.self_login,
        ctx.budget,
    )
    report = executor.run(plan)
    checklist_state.write(ctx, config, event, facts, report, progress)
    return Result(plan, report, observed)
