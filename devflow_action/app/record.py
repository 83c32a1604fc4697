"""Use case step: what a processed event leaves in the state store (when there is one).

The event (keyed by its webhook delivery or its workflow run), every rule result, every operation
with its outcome, and what the event tells about the item's timeline for metrics (opened, first
response by someone other than the author, closed, merged). A dry run records nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from ..events.model import Event
from ..ledger import Ledger
from .context import RunContext

if TYPE_CHECKING:
    from ..state.model import ItemTimes
    from .event import Result

RESPONSE_EVENTS = frozenset({"issue_comment", "pull_request_review"})


def event_key(event: Event, run_key: str | None) -> str | None:
    """What identifies the event across re-runs and replays: the webhook's delivery id, else the
    workflow run id (a re-run keeps it; ``GITHUB_RUN_ATTEMPT`` tells the attempts apart)."""
    if event.delivery:
        return f"delivery:{event.delivery}"
    return f"run:{run_key}" if run_key else None


def ledger_for(ctx: RunContext, event: Event) -> Ledger | None:
    """The event's idempotency ledger: only with a store, outside dry runs, for a keyed event."""
    key = event_key(event, ctx.run_key)
    if ctx.store is None or ctx.dry_run or key is None:
        return None
    return ctx.store.ledger(key, ctx.attempt, event.repository, event.number)


def times_of(event: Event, self_login: str, now: datetime) -> ItemTimes:
    """A first response is the digest's (engine/digest.py): a comment or review by a maintainer (not a
    bot, not the author, not Devflow itself) on an item opened by someone else than a maintainer or a
    bot, so the digest can read past windows' response times from the store like its own."""
    from ..engine.digest import is_maintainer
    from ..state.model import ItemTimes

    responder, author = event.comment_author, event.author
    responded = (
        event.name in RESPONSE_EVENTS
        and responder is not None
        and is_maintainer(responder.association, responder.bot)
        and responder.login != self_login
        and author is not None
        and not is_maintainer(author.association, author.bot)
        and not author.bot
        and responder.login != author.login
    )
    return ItemTimes(
        opened_at=event.created_at,
        first_response_at=(event.updated_at or now) if responded else None,
        first_responder=responder.login if responded and responder else None,
        closed_at=event.closed_at if event.action == "closed" else None,
        merged_at=event.merged_at,
    )


def record(ctx: RunContext, event: Event, result: Result) -> None:
    if ctx.store is None or ctx.dry_run:
        return
    from ..state.model import EventRecord, OperationRecord, RunRecord  # only with a store

    now = ctx.clock()
    key = event_key(event, ctx.run_key) or f"local:{now.isoformat()}"
    actor = event.comment_author.login if event.comment_author else event.sender
    ctx.store.record_run(
        RunRecord(
            EventRecord(key, event.repository, event.key, now, ctx.attempt, event.kind, event.number, actor,
                        event.updated_at),
            result.plan.rules,
            tuple(OperationRecord(o.operation, o.status, o.detail) for o in result.report.outcomes),
            times_of(event, ctx.self_login, now) if event.number is not None else None,
        )
    )  # fmt: skip
