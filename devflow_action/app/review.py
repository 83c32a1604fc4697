"""Use case: everything after the rules for one event: slash commands, suggested reviewers and the
auto-merge policy. Each part decides from the event whether it has work; none reads anything
otherwise. A part that stops (rate limit, budget) leaves the rest for the re-run.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..config.model import Config
from ..events.model import Event
from .automerge import evaluate_pull, handle_automerge
from .commands import handle_commands
from .context import RunContext
from .event import Result
from .reviewers import handle_reviewers

# Events that only these features handle (rules never run on them).
REVIEW_TRIGGERS = frozenset({"check_suite", "check_run", "status"})


def handle_review(
    ctx: RunContext, config: Config, event: Event, payload: dict[str, Any], workspace: Path
) -> list[Result]:
    results: list[Result] = []
    parts: list[Callable[[], list[Result]]] = [
        lambda: handle_commands(ctx, config, event),
        lambda: handle_reviewers(ctx, config, event, workspace),
        lambda: handle_automerge(ctx, config, event, payload),
    ]
    for part in parts:
        if any(r.report.stopped for r in results):
            break
        results += part()
    commanded = event.name == "issue_comment" and event.kind == "pull_request" and event.number is not None
    relabelled = any(
        o.status == "applied" and o.operation["type"] in ("add_labels", "remove_labels")
        for r in results
        for o in r.report.outcomes
    )
    if config.automerge is not None and commanded and relabelled and not any(r.report.stopped for r in results):
        # Labels a command set with the workflow's token start no workflow: evaluate the policy now.
        assert event.number is not None
        results.append(evaluate_pull(ctx, config.automerge, event.repository, event.number))
    return results
