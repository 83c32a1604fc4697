"""One event, end to end against GitHub: facts → engine → executor. Used by the action and tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..config.model import Config
from ..events.model import Event
from ..plan import Plan
from ..rules.engine import SIZE_ACTIONS, evaluate, required_facts
from .executor import Executor, Report
from .facts import DEFAULT_SELF_LOGIN, Observed, collect
from .port import GitHubPort
from .retry import Policy


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
    observed = collect(event, required_facts(config, event), port, fresh=fresh, now=now, self_login=self_login)
    plan = evaluate(event, config, observed.facts)
    executor = Executor(port, event.number, observed.state, dry_run, run_key, policy or Policy())
    return Result(plan, executor.run(plan), observed)
