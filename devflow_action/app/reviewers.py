"""Use case: suggested reviewers for a pull request that is opened, reopened or marked ready.

Reads, each only when needed: the changed files (100 a page); CODEOWNERS, from the checkout when it
is trusted as for the config, otherwise through the contents API at the base branch (on
``pull_request_target`` and forks never from the pull request's head, whose CODEOWNERS could name
anyone); the pull request's current reviewers on a re-run; the open pull requests when there are
more candidates than places. Then one ``request_reviewers`` call for everyone chosen.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from .. import plan as p
from ..config.model import Config
from ..engine.reviewers import candidates, choose, needs_load, open_requests
from ..events.model import Event, Facts
from ..github.errors import GitHubError, Stopped
from ..github.executor import Executor, Report
from ..github.facts import Observed
from ..github.port import IssueState
from ..language.codeowners import LOCATIONS, CodeOwners, parse_codeowners
from .context import RunContext
from .event import Result, is_fresh

REVIEWER_ACTIONS = frozenset({"opened", "reopened", "ready_for_review"})


def handle_reviewers(ctx: RunContext, config: Config, event: Event, workspace: Path) -> list[Result]:
    settings = config.reviewers
    if settings is None or event.name != "pull_request" or event.action not in REVIEWER_ACTIONS:
        return []
    if event.number is None or event.draft:
        return []
    plan = p.Plan(f"{event.key} (reviewers)", event.repository, event.number)
    author = event.author.login if event.author else ""
    organisation = event.repository.partition("/")[0]
    try:
        state = IssueState.from_event(event)
        teams: list[str] = []
        if not is_fresh(event, ctx.attempt, ctx.clock()):
            pull = ctx.port.get_pull(event.number)  # both lists as they are now: the payload's may be stale
            teams = [t["slug"] for t in pull.get("requested_teams") or []]
            state = replace(
                state,
                requested_reviewers=tuple(u["login"] for u in pull.get("requested_reviewers") or []),
                requested_teams=tuple(teams),
            )
        files = [f.filename for f in ctx.port.list_pull_files(event.number)]
        owners = read_codeowners(ctx, event, workspace) if settings.codeowners else None
        asked = [*(state.requested_reviewers or ()), *(f"@{organisation}/{t}" for t in teams)]
        found = candidates(settings, files, owners, author, organisation, asked)
        load = open_requests(ctx.port.list_open_pulls(), organisation, event.number) if needs_load(found) else {}
    except GitHubError as exc:
        stop = isinstance(exc, Stopped)
        report = Report(stopped=f"reviewers: {exc}") if stop else Report(refused=f"reviewers: {exc}")
        return [Result(plan, report, None)]
    op, why = choose(found, load)
    notes = found.notes + ((f"CODEOWNERS read from {owners.path}",) if owners else ())
    plan = replace(plan, operations=(op,) if op else (), rules=(why,), notes=notes)
    executor = Executor(ctx.port, event.number, state, ctx.dry_run, ctx.run_key, ctx.policy)
    return [Result(plan, executor.run(plan), Observed(Facts(), state))]


def read_codeowners(ctx: RunContext, event: Event, workspace: Path) -> CodeOwners | None:
    """The first of GitHub's three CODEOWNERS locations that exists. The checkout is read when the
    workspace is trusted as for the config (not ``pull_request_target``, not a fork); otherwise the
    base branch's file, through the contents API: never the pull request's head."""
    local = event.trusted and not event.from_fork and (workspace / ".git").exists()
    for location in LOCATIONS:
        if local:
            path = workspace / location
            data = path.read_bytes() if path.is_file() else None
        else:
            data = ctx.port.get_file(location, event.base)
        if data is not None:
            return parse_codeowners(data.decode("utf-8", errors="replace"), location)
    return None
