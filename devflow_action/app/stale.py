"""Use case: the stale sweep (``stale:``). Decisions are the engine's (``engine.stale``); this walks the
items and applies them.

Two listings, both sorted by last update, oldest first, with ``since`` as the cursor:

1. open items updated before the window start (``now`` minus the shorter of ``after_days`` and
   ``close_after_days``): everything that can be marked or closed; a budget-limited run handles the
   oldest first. Marking or closing an item moves it out of this listing (its update time becomes
   now, or it is closed), so the next run finds exactly what is left: nothing redone, nothing skipped.
2. open items carrying the stale label updated since the window start: for each, the history says
   whether a person came back (unmark), or the marking was the last thing that happened (wait, or
   close when due). Items this run changed are past the end of it.

With a state store, a stopped run saves where the first listing resumes (``app/sweep_cursor.py``): at
the first item that was left, failed, or decided in a way time alone can change (not idle long enough
yet, waiting to close); the second listing is read whole every run.

Calls: one read for the repository's labels (the stale label's spelling, declared colors), one per
100 items listed, one history read per marked item updated within the window, and the writes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, cast

from .. import plan as p
from ..config.model import Config
from ..engine.stale import QUIET_SLACK, StaleDecision, decide, quiet_since_marking, stale_facts, window_start
from ..events.model import Activity, Event, Facts
from ..events.normalize import from_item
from ..github.errors import Refused, Stopped
from ..github.executor import Executor
from ..github.facts import collect
from ..github.port import GitHubPort, IssueState
from ..github.sweep_calls import comment_activity
from .context import RunContext
from .labels import LabelKeeper, keeping
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
from .sweep_cursor import Mark, keeper, section, volatile

RECENT = timedelta(seconds=60)  # items updated this close to the run's start are left for the next run


def stale(
    ctx: RunContext,
    config: Config,
    repository: str,
    *,
    max_operations: int | None = None,
    limit: int | None = None,
    progress: Progress | None = None,
    write_interval: float = 0.0,
) -> SweepResult:
    cfg = config.stale
    cap = max_operations or (cfg.operations_per_run if cfg else None) or DEFAULT_MAX_OPERATIONS
    sweep = Sweep(ctx, "stale", max_operations=cap, limit=limit, progress=progress)
    if cfg is None:
        sweep.result.notes.append("the configuration has no `stale:` section: nothing to do")
        return sweep.finish(True)
    now = ctx.clock()
    try:
        existing = ctx.port.list_labels()
    except (Stopped, Refused) as exc:
        return sweep.stops(exc)
    # the repository's spelling of the label: GitHub matches names ignoring case
    label = next((e.name for e in existing if e.name.casefold() == cfg.label.casefold()), cfg.label)
    gate = Paced(ctx.port, ctx, write_interval)
    port = keeping(cast(GitHubPort, gate), config, existing)
    creations = port.creations if isinstance(port, LabelKeeper) else (lambda labels: 0)
    start = window_start(cfg, now)
    # With a state store, the first listing resumes where the last run stopped (app/sweep_cursor.py). Its
    # fingerprint holds what decides: the section, and the repository's spelling of the labels it names
    # (a label renamed or deleted changes items without updating them).
    exempt = {n.casefold() for n in cfg.exempt_labels}
    spelled = sorted(e.name for e in existing if e.name.casefold() in exempt)
    cursors = keeper(ctx, repository, "stale", section(config, "stale"), label, spelled)
    resume = cursors.load() if cursors else None
    mark = Mark("updated_at")
    # Decisions that hold until the item is updated (an update lists it again): a cursor may pass them.
    final = {"skip"} | ({"exempt"} if not volatile(cfg.exempt_if) else set())
    if cfg.close_after_days is None:
        final.add("wait")  # marked, closing off: nothing more ever happens to it on its own
    verdict = [""]

    def done(complete: bool, position: str | None) -> SweepResult:
        result = sweep.finish(complete)
        if cursors is not None:
            if result.complete:
                cursors.clear()
            elif position:
                cursors.save(position)
            result.notes += cursors.notes
        return result

    quiet: set[int] = set()  # marked items whose last update was their marking comment

    def decision(event: Event) -> StaleDecision:
        facts: Facts | None = None
        history: list[Activity] | None = None
        while True:
            d = decide(event, cfg, label=label, now=now, self_login=ctx.self_login, history=history, facts=facts,
                       quiet=event.number in quiet)  # fmt: skip
            assert event.number is not None
            if d.verdict == "needs_facts" and facts is None:
                facts = collect(event, stale_facts(cfg), ctx.port, fresh=True, now=now, self_login=ctx.self_login).facts
            elif d.verdict == "needs_history" and history is None:
                history = ctx.port.timeline(event.number)
            else:
                return d

    def handle(raw: Mapping[str, Any]) -> ItemResult:
        event = from_item(repository, raw)
        ref, title = f"#{event.number}", event.title
        try:
            d = decision(event)
        except Refused as exc:
            if not item_failed(exc):
                raise
            return ItemResult(ref, title, status="failed", detail=str(exc))
        detail = f"{d.verdict}: {d.reason}"
        verdict[0] = "" if d.operations else d.verdict
        if not d.operations or event.number is None:
            return ItemResult(ref, title, detail=detail)
        state = IssueState.from_event(event)
        needed = writes_needed(d.operations, state, creations)
        if not sweep.fits(needed):
            return sweep.cap_reached(ref, title, needed)
        plan = p.Plan("stale", repository, event.number, d.operations)
        report = Executor(port, event.number, state, ctx.dry_run, None, ctx.policy).run(plan)
        sweep.spend(needed)
        gate.check(sweep)
        if report.stopped:
            sweep.result.stopped = report.stopped
        return item_result(ref, title, report, ctx.dry_run, detail)

    def since(cursor: str | None) -> dict[str, str]:
        return {"since": cursor} if cursor else {}

    def after(moment: datetime) -> Callable[[Mapping[str, Any]], bool]:
        # sorted by update: from the first item updated after `moment`, all are later still
        def end(raw: Mapping[str, Any]) -> bool:
            value = raw.get("updated_at")
            return isinstance(value, str) and datetime.fromisoformat(value.replace("Z", "+00:00")) > moment

        return end

    def due_item(raw: Mapping[str, Any]) -> ItemResult:
        mark.start(raw)
        verdict[0] = ""
        result = handle(raw)
        # changed: marked or closed, so out of this listing (or listed again, after its update)
        mark.done(result.status == "changed" or (result.status == "unchanged" and verdict[0] in final))
        return result

    seen: set[int] = set()
    due = Listing(
        lambda cursor, page: ctx.port.list_issues_page(
            {"state": "open", "sort": "updated", "direction": "asc", **since(cursor)}, page
        ),
        "updated_at",
        cursor=resume.position if resume else None,
        seen=seen,
        end=after(start),
    )
    if not sweep.drive(due, due_item):
        return done(False, mark.position)
    # the whole first listing was seen: everything up to the window start needs nothing until updated,
    # but for the first item that was not final
    reached = mark.first_open or stamp(start)
    marked = Listing(
        lambda cursor, page: ctx.port.list_issues_page(
            {"state": "open", "labels": label, "sort": "updated", "direction": "asc", **since(cursor)}, page
        ),
        "updated_at",
        cursor=stamp(start),
        seen=seen,
        end=after(now - RECENT),
    )
    try:
        recent = list(marked)  # collected first: one comments listing can then spare most history reads
        quiet.update(_quiet(ctx.port, repository, recent))
    except (Stopped, Refused) as exc:
        sweep.stops(exc)
        return done(False, reached)
    # the second listing is read whole each run: its items' decisions depend on time (close when due)
    return done(sweep.drive(recent, handle), reached)


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _quiet(port: GitHubPort, repository: str, recent: list[Mapping[str, Any]]) -> set[int]:
    """The marked items whose last update was Devflow's marking comment, from the repository's comments
    updated since the earliest of their update times: fewer calls than one history read per item, and
    not even started when GitHub's Link header says the comments would take as many pages."""
    events = [from_item(repository, raw) for raw in recent]
    times = [e.updated_at for e in events if e.updated_at is not None and e.number is not None]
    if len(times) < 2:
        return set()
    query = {"sort": "updated", "direction": "asc", "since": stamp(min(times) - QUIET_SLACK)}
    first = port.list_comments_page(query, 1)
    if (first.last_page or 1) >= len(times):
        return set()
    listing = Listing(
        lambda cursor, page: port.list_comments_page({**query, **({"since": cursor} if cursor else {})}, page),
        "updated_at",
        ident="id",
        first=first,
    )
    comments: dict[int, list[Activity]] = {}
    for raw in listing:
        number, comment = comment_activity(raw)
        if number is not None:
            comments.setdefault(number, []).append(comment)
    return {e.number for e in events if e.number is not None and quiet_since_marking(e, comments.get(e.number, []))}
