"""The one object a use case receives: where to read and write, how much it may spend, what time it is."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ..github.budget import CallBudget
from ..github.facts import DEFAULT_SELF_LOGIN
from ..github.port import GitHubPort
from ..github.retry import Policy

if TYPE_CHECKING:  # the default path (no state) never loads the state package
    from ..state.model import StateStore


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class RunContext:
    port: GitHubPort
    budget: CallBudget = field(default_factory=CallBudget)
    clock: Callable[[], datetime] = _utcnow
    run_key: str | None = None  # the workflow run id, or the delivery id: keys idempotency markers
    attempt: int = 1  # GITHUB_RUN_ATTEMPT: a re-run reads the item before deciding
    dry_run: bool = False
    self_login: str = DEFAULT_SELF_LOGIN  # the identity Devflow writes as (see docs/rules.md)
    policy: Policy = field(default_factory=Policy)
    store: StateStore | None = None  # when an orchestration URL is set (docs/state.md); None: GitHub only
