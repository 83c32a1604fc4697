"""Use case: manual triage. The rules run over the items a search selects (default ``is:open no:label``,
always scoped to the repository) or over a list of numbers, each as if its ``opened`` event had
just arrived.

Resuming needs no store: the cursor is GitHub's own state. An item whose plan adds a label leaves an
``no:label`` search at once; any other item, once done, plans no write any more (labels present,
``once`` comments found by their markers, other comments by a marker keyed ``triage`` rather than by
the run). So every run searches from the oldest match, passes over the done items for the price of
their share of a search page, and goes on where the last run stopped. With a state store a stopped run
saves its place (``app/sweep_cursor.py``) and the next searches from there, after the items before it
that changed since. Calls: one search per 100
items, the facts the rules declare, one read of the item when a rule may comment (the search index
can lag behind a comment just posted), and the writes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, cast

from ..config.model import Config
from ..engine import evaluate, has_work, required_facts
from ..events.model import Event
from ..events.normalize import from_item
from ..exits import UsageError
from ..github.errors import Refused, Stopped
from ..github.executor import Executor
from ..github.facts import collect
from ..github.port import GitHubPort
from .context import RunContext
from .labels import LabelKeeper, declares_looks, keeping
from .sweep import (
    DEFAULT_MAX_OPERATIONS,
    ItemResult,
    Listing,
    Paced,
    Progress,
    Sweep,
    SweepResult,
    item_failed,
    item_result,
    writes_needed,
)
from .sweep_cursor import Keeper, Mark, keeper, second_before, section, stamp_before, volatile

DEFAULT_QUERY = "is:open no:label"
RUN_KEY = "triage"  # keys the markers of non-`once` comments: a later triage finds them, never repeats them
_NUMBERS = re.compile(r"^\s*#?\d+(?:[\s,]+#?\d+)*\s*$")
_FORBIDDEN = re.compile(r"(?:^|\s)-?(repo|org|user|sort):", re.I)


def parse_numbers(query: str) -> list[int] | None:
    """``"12, 15 #20"`` → [12, 15, 20]; None when the query is a search."""
    if not _NUMBERS.match(query):
        return None
    return list(dict.fromkeys(int(n) for n in re.findall(r"\d+", query)))


def may_comment(config: Config, event: Event) -> bool:
    return any(a.name == "comment" for r in config.rules if r.triggered_by(event) for a in r.actions)


def triage(
    ctx: RunContext,
    config: Config,
    repository: str,
    *,
    query: str | None = None,
    max_operations: int = DEFAULT_MAX_OPERATIONS,
    limit: int | None = None,
    progress: Progress | None = None,
    write_interval: float = 0.0,
) -> SweepResult:
    q = (query or "").strip() or DEFAULT_QUERY
    bad = _FORBIDDEN.search(q)
    if bad:
        raise UsageError(f"the triage query may not use '{bad.group(1)}:' (it is always this repository, oldest first)")
    sweep = Sweep(ctx, "triage", max_operations=max_operations, limit=limit, progress=progress)
    gate = Paced(ctx.port, ctx, write_interval)
    paced = cast(GitHubPort, gate)
    try:
        known = ctx.port.list_labels() if declares_looks(config) else None
    except (Stopped, Refused) as exc:
        return sweep.stops(exc)
    port = keeping(paced, config, known)
    creations = port.creations if isinstance(port, LabelKeeper) else (lambda labels: 0)
    now = ctx.clock()

    def handle(raw: Mapping[str, Any]) -> ItemResult:
        event = from_item(repository, raw)
        ref, title = f"#{event.number}", event.title
        if event.number is None or not has_work(config, event):
            return ItemResult(ref, title, detail=f"no rule runs on {event.key}")
        try:
            observed = collect(
                event,
                required_facts(config, event),
                port,
                fresh=not may_comment(config, event),
                now=now,
                self_login=ctx.self_login,
            )
        except Refused as exc:
            if not item_failed(exc):
                raise
            return ItemResult(ref, title, status="failed", detail=str(exc))
        plan = evaluate(event, config, observed.facts)
        needed = writes_needed(plan.operations, observed.state, creations)
        if not sweep.fits(needed):
            return sweep.cap_reached(ref, title, needed)
        executor = Executor(port, event.number, observed.state, ctx.dry_run, RUN_KEY, ctx.policy)
        report = executor.run(plan)
        sweep.spend(needed)
        gate.check(sweep)
        if report.stopped:
            sweep.result.stopped = report.stopped
        matched = [r.name for r in plan.rules if r.matched]
        return item_result(ref, title, report, ctx.dry_run, "rules: " + ", ".join(matched) if matched else "")

    def handle_number(number: int) -> ItemResult:
        try:
            raw = ctx.port.get_item(number)
        except Refused as exc:
            if not item_failed(exc):
                raise
            return ItemResult(f"#{number}", status="failed", detail=str(exc))
        return handle(raw)

    numbers = parse_numbers(q)
    if numbers is not None:
        sweep.result.total = len(numbers)
        return sweep.finish(sweep.drive(numbers, handle_number))
    cursors = None
    blocked = resumable(config, q)
    if blocked:
        if ctx.store is not None and not ctx.dry_run:
            sweep.result.notes.append(f"not resumed from the state store: {blocked}")
    else:
        cursors = keeper(ctx, repository, "triage", section(config), q, RUN_KEY)
    resume = cursors.load() if cursors else None
    listings = []
    if resume is not None:
        # items before the cursor that changed since the run that passed them: listed again first
        before, upto, since = resume.position, second_before(resume.position), resume.since
        listings.append(Listing(
            lambda cursor, page: ctx.port.search_issues_page(
                f"{q} updated:>={since} created:{cursor}..{upto}" if cursor else
                f"{q} updated:>={since} created:<{before}", "created", "asc", page
            ),
            "created_at",
        ))  # fmt: skip
    start = resume.position if resume else None
    rest = Listing(
        lambda cursor, page: ctx.port.search_issues_page(
            f"{q} created:>={cursor}" if cursor else q, "created", "asc", page
        ),
        "created_at",
        cursor=start,
    )
    listings.append(rest)
    mark = Mark("created_at")

    def counted() -> Any:
        seen: set[int] = set()
        for items in listings:
            items.seen = seen
            for item in items:
                sweep.result.total = sum(listing.total or 0 for listing in listings)
                mark.start(item)
                yield item

    def tracked(raw: Mapping[str, Any]) -> ItemResult:
        result = handle(raw)
        # written or nothing to write: done until the item is updated (then it is listed again)
        mark.done(result.status in ("changed", "unchanged"))
        return result

    complete = sweep.drive(counted(), tracked)
    result = sweep.finish(complete)
    if cursors is not None:
        _keep(cursors, result, mark, stamp_before(now))
    return result


def _keep(cursors: Keeper, result: SweepResult, mark: Mark, since: str) -> None:
    if result.complete:
        cursors.clear()
    elif mark.position:
        cursors.save(mark.position, since)
    result.notes += cursors.notes


def resumable(config: Config, query: str) -> str:
    """Why a triage with this config cannot be resumed from a cursor ("" when it can): its rules (or
    the checklist) read something that can change while the item is not updated."""
    found = [
        d
        for rule in config.rules
        if rule.events & {"issues", "issues.opened", "pull_request", "pull_request.opened"}
        for d in volatile(rule.condition)
    ]
    if found:
        return f"the rules read {', '.join(dict.fromkeys(found))}, which can change while an item is not updated"
    issues_only = any(term in query.split() for term in ("is:issue", "type:issue"))
    if config.onboarding is not None and config.onboarding.checklist and not issues_only:
        return "the onboarding checklist follows CI and edits of its comment, which do not update a pull request"
    return ""
