"""Use case: checks completed (``check_suite`` or ``workflow_run``, action ``completed``): bring the
onboarding checklist of the pull requests they ran for up to date, so its `ci` item follows CI.

The payload names the pull requests (``pull_requests``); for a fork's pull request GitHub leaves that
list empty, and the open pull request is looked up by its head branch (one read). Each pull request is
read once (the payload of a check has none of its text), then evaluated like a ``synchronize`` with
only the checklist: rules do not run again for a check.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..config.model import Config
from ..events.normalize import from_item
from .context import RunContext
from .event import Result, handle_event

# Events whose completion re-evaluates the checklist, and the payload key holding the run.
COMPLETION_EVENTS = {"check_suite": "check_suite", "workflow_run": "workflow_run"}
MAX_PULLS = 5  # a commit in more open pull requests than this is not a contributor's branch


def pull_numbers(event_name: str, payload: dict[str, Any], ctx: RunContext) -> list[int]:
    """The pull requests a completed check suite or workflow run belongs to."""
    run = payload.get(COMPLETION_EVENTS[event_name])
    if payload.get("action") != "completed" or not isinstance(run, dict):
        return []
    numbers = [int(pr["number"]) for pr in run.get("pull_requests") or [] if isinstance(pr, dict) and "number" in pr]
    if numbers:
        return numbers[:MAX_PULLS]
    owner = ((run.get("head_repository") or {}).get("owner") or {}).get("login")
    branch = run.get("head_branch")
    repository = (payload.get("repository") or {}).get("full_name")
    head_repo = (run.get("head_repository") or {}).get("full_name")
    if not owner or not branch or head_repo == repository:
        return []  # a run on a branch of this repository with no pull request
    pulls = ctx.port.list_pulls_for_head(f"{owner}:{branch}")
    return [int(pr["number"]) for pr in pulls if pr.get("head", {}).get("sha") == run.get("head_sha")][:MAX_PULLS]


def handle_completion(ctx: RunContext, config: Config, event_name: str, payload: dict[str, Any]) -> list[Result]:
    """One result per pull request whose checklist was evaluated; none without an onboarding checklist."""
    if config.onboarding is None or not config.onboarding.checklist:
        return []
    checklist_only = replace(config, rules=(), size=None)
    repository = str((payload.get("repository") or {}).get("full_name") or "")
    results = []
    for number in pull_numbers(event_name, payload, ctx):
        item = ctx.port.get_pull(number)
        event = from_item(repository, item, action="synchronize")
        results.append(handle_event(ctx, checklist_only, event, fresh=True))  # the item was just read
    return results
