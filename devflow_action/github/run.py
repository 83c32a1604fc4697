"""One event, end to end against GitHub: facts → engine → executor. Used by the action and tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import httpx2

from ..config.model import Config
from ..events.model import Event
from ..plan import Plan
from ..rules.engine import SIZE_ACTIONS, evaluate, required_facts
from .executor import Executor, Report
from .facts import DEFAULT_SELF_LOGIN, Observed, collect
from .port import GitHubPort
from .retry import BudgetExhausted, Policy, RateLimited


@dataclass(frozen=True)
class Result:
    plan: Plan
    report: Report
    observed: Observed | None


def has_work(config: Config, event: Event) -> bool:
    if event.skipped or event.number is None:
        return False
    sizes = config.size is not None and event.name == "pull_request" and event.action in SIZE_ACTIONS
    return sizes or any(rule.triggered_by(event) for rule in config.rules)


def apply_event(
    config: Config,
    event: Event,
    port: GitHubPort,
    *,
    fresh: bool,
    now: datetime,
    dry_run: bool = False,
    run_key: str | None = None,
    self_login: str = DEFAULT_SELF_LOGIN,
    policy: Policy | None = None,
) -> Result:
    """No rule triggered by the event: no call at all. Otherwise the declared facts, then the plan,
    then the writes the observed state still needs."""
    if not has_work(config, event):
        return Result(evaluate(event, config), Report(), None)
    assert event.number is not None
    try:
        observed = collect(event, required_facts(config, event), port, fresh=fresh, now=now, self_login=self_login)
    except (RateLimited, BudgetExhausted, httpx2.HTTPError) as exc:
        # Nothing was decided, nothing written: the whole plan is work left for a re-run.
        reason = str(exc) if isinstance(exc, RateLimited | BudgetExhausted) else f"reading from GitHub failed: {exc}"
        return Result(evaluate(event, config), Report(stopped=f"stopped before planning: {reason}"), None)
    plan = evaluate(event, config, observed.facts)
    executor = Executor(port, event.number, observed.state, dry_run, run_key, policy or Policy())
    return Result(plan, executor.run(plan), observed)
