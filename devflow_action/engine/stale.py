"""Stale decisions: mark, close, unmark or leave one open item. Pure: ``now`` and the history are passed in.

The listing's ``updated_at`` decides most items without a read: an unmarked item not updated for
``after_days`` is marked; a marked one not updated for ``close_after_days`` is closed (the marking
itself was an update, so nothing happened since). Only a marked item updated more recently is
ambiguous — its update may be Devflow's own marking, a bot, or a person coming back — and only for
it is the history read (``needs_history``). In the history, activity is a person's: bots, Devflow's
identity and comments carrying Devflow's hidden markers do not count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from .. import plan as p
from ..config.model import StaleConfig
from ..events.model import Activity, Event, Facts
from ..language.tree import Explanation, leaves
from ..language.tree import evaluate as evaluate_tree

MARK_MARKER = "<!-- devflow:stale -->"
CLOSE_MARKER = "<!-- devflow:stale-close -->"
DEVFLOW_MARKER = "<!-- devflow:"
# Timeline entries that are activity when a person makes them ("subscribed", "mentioned",
# "referenced" and the like are not).
ACTIVITY_KINDS = frozenset(
    {
        "commented", "committed", "reviewed", "labeled", "unlabeled", "reopened", "renamed", "assigned",
        "milestoned", "ready_for_review", "head_ref_force_pushed",
    }
)  # fmt: skip

QUIET_SLACK = timedelta(seconds=2)  # an item's update time and the comment that caused it
Verdict = Literal["mark", "close", "unmark", "wait", "active", "exempt", "skip", "needs_history", "needs_facts"]


@dataclass(frozen=True)
class StaleDecision:
    verdict: Verdict
    reason: str
    operations: tuple[p.Operation, ...] = ()


def stale_facts(cfg: StaleConfig) -> frozenset[str]:
    """Facts beyond the listing that ``exempt_if`` needs (read only for items about to change)."""
    if cfg.exempt_if is None:
        return frozenset()
    return frozenset(f for leaf in leaves(cfg.exempt_if) for f in leaf.facts)


def window_start(cfg: StaleConfig, now: datetime) -> datetime:
    """Items updated after this can be neither marked nor closed on the listing alone: only a
    marked one among them may need a decision (its history says which)."""
    days = min(cfg.after_days, cfg.after_days if cfg.close_after_days is None else cfg.close_after_days)
    return now - timedelta(days=days)


def label_on(event: Event, label: str) -> str | None:
    """The stale label as spelled on the item (GitHub matches label names ignoring case)."""
    key = label.casefold()
    return next((name for name in event.labels if name.casefold() == key), None)


def quiet_since_marking(event: Event, comments: Sequence[Activity]) -> bool:
    """Whether the item's last update was Devflow's marking comment (``comments``: the item's recent
    comments, from one listing of the repository's comments): its update time is that comment's and
    no comment came after. Nothing happened since the marking, so its history need not be read."""
    if event.updated_at is None:
        return False
    marks = [c.at for c in comments if c.at is not None and MARK_MARKER in c.body]
    if not marks or abs(event.updated_at - max(marks)) > QUIET_SLACK:
        return False
    # any other comment as late as the marking (the same second included) may be a reply: not quiet
    return not any(c.at is not None and c.at >= max(marks) and MARK_MARKER not in c.body for c in comments)


def decide(
    event: Event,
    cfg: StaleConfig,
    *,
    label: str,
    now: datetime,
    self_login: str,
    history: Sequence[Activity] | None = None,
    facts: Facts | None = None,
    quiet: bool = False,
) -> StaleDecision:
    """``label``: the stale label as the repository spells it. ``history``: the item's timeline, when
    an earlier call answered ``needs_history``; ``facts``: for ``exempt_if``, after ``needs_facts``;
    ``quiet``: ``quiet_since_marking`` holds, so no history is needed to know nothing happened."""
    if event.state != "open" or event.number is None or event.updated_at is None:
        return StaleDecision("skip", "not an open item")
    if cfg.only_issues and event.kind == "pull_request":
        return StaleDecision("skip", "pull requests are not swept (only_issues)")
    if cfg.only_prs and event.kind != "pull_request":
        return StaleDecision("skip", "issues are not swept (only_prs)")
    marked = label_on(event, label)
    idle = (now - event.updated_at).days
    if marked is None:
        if event.updated_at > now - timedelta(days=cfg.after_days):
            return StaleDecision("active", f"updated {idle} days ago")
        exempt = _exempt(event, cfg, facts, now)
        if exempt is not None:
            return exempt
        ops: list[p.Operation] = [p.AddLabels((label,))]
        if cfg.comment is not None:
            ops.append(_comment(cfg.comment.render(event), MARK_MARKER))
        return StaleDecision("mark", f"no activity for {idle} days", tuple(ops))
    closable = cfg.close_after_days is not None and event.updated_at <= now - timedelta(days=cfg.close_after_days)
    if not closable and cfg.close_after_days is None and event.updated_at <= now - timedelta(days=cfg.after_days):
        return StaleDecision("wait", f"stale, not updated for {idle} days (closing is off)")
    exempt = _exempt(event, cfg, facts, now)
    if exempt is not None:
        return exempt
    if closable:
        return StaleDecision("close", f"stale, not updated for {idle} days", _closing(event, cfg, set()))
    if history is None and quiet:
        return StaleDecision("wait", "stale; nothing happened since its marking")
    if history is None:
        return StaleDecision("needs_history", "stale and updated since: who updated it?")
    return _from_history(event, cfg, marked, history, now, self_login)


def _from_history(
    event: Event, cfg: StaleConfig, marked: str, history: Sequence[Activity], now: datetime, self_login: str
) -> StaleDecision:
    key = marked.casefold()
    labelled = [a for a in history if a.kind == "labeled" and a.label.casefold() == key and a.at is not None]
    since = labelled[-1].at if labelled else event.created_at
    by_devflow = bool(labelled) and labelled[-1].actor == self_login
    # at or after the marking: the same second can hold the marking and a reply to it
    after = [a for a in history if a.at is not None and (since is None or a.at >= since)]
    for a in after:
        if a.at is not None and _counts(a, key, self_login):
            when = a.at.date().isoformat()
            return StaleDecision("unmark", f"{a.kind} by @{a.actor} on {when}", (p.RemoveLabels((marked,)),))
    said = {m for a in after if a.kind == "commented" for m in (MARK_MARKER, CLOSE_MARKER) if m in a.body}
    days = (now - since).days if since is not None else 0
    if cfg.close_after_days is not None and since is not None and since <= now - timedelta(days=cfg.close_after_days):
        return StaleDecision("close", f"stale for {days} days with no activity", _closing(event, cfg, said))
    if by_devflow and cfg.comment is not None and MARK_MARKER not in said:
        # a run stopped between the label and its comment: post the comment now
        ops = (_comment(cfg.comment.render(event), MARK_MARKER),)
        return StaleDecision("wait", f"stale for {days} days; its comment was missing", ops)
    return StaleDecision("wait", f"stale for {days} days, no activity since")


def _counts(a: Activity, stale_key: str, self_login: str) -> bool:
    if a.kind not in ACTIVITY_KINDS or a.bot or (a.actor and a.actor == self_login):
        return False
    if a.kind == "commented" and DEVFLOW_MARKER in a.body:
        return False  # Devflow's own comment, posted under another identity (a personal token)
    return not (a.kind in ("labeled", "unlabeled") and a.label.casefold() == stale_key)


def _closing(event: Event, cfg: StaleConfig, said: set[str]) -> tuple[p.Operation, ...]:
    ops: list[p.Operation] = []
    if cfg.close_comment is not None and CLOSE_MARKER not in said:
        ops.append(_comment(cfg.close_comment.render(event), CLOSE_MARKER))
    ops.append(p.Close(cfg.close_reason if event.kind != "pull_request" else "completed"))
    return tuple(ops)


def _comment(text: str, marker: str) -> p.Comment:
    # The marker is in the body for the history to find; the plan's own `marker` stays None, so the
    # executor does not read the comments first: the history read decides repeats (see _from_history).
    return p.Comment(f"{text}\n\n{marker}")


def _exempt(event: Event, cfg: StaleConfig, facts: Facts | None, now: datetime) -> StaleDecision | None:
    keys = {n.casefold() for n in cfg.exempt_labels}
    hit = next((n for n in event.labels if n.casefold() in keys), None)
    if hit is not None:
        return StaleDecision("exempt", f"exempt: label '{hit}'")
    if cfg.exempt_assignees and event.assignees:
        return StaleDecision("exempt", "exempt: assigned")
    if cfg.exempt_milestones and event.milestone is not None:
        return StaleDecision("exempt", "exempt: has a milestone")
    if cfg.exempt_draft and event.kind == "pull_request" and event.draft:
        return StaleDecision("exempt", "exempt: draft")
    if cfg.exempt_if is None:
        return None
    if facts is None and stale_facts(cfg):
        return StaleDecision("needs_facts", "exempt_if needs facts")
    why = Explanation([], [], set())
    value = evaluate_tree(cfg.exempt_if, event, facts or Facts(now=now), why)
    if value is None:  # a fact is missing: never act on what cannot be checked
        return StaleDecision("exempt", f"exempt: exempt_if could not be evaluated ({', '.join(sorted(why.unknown))})")
    if value:
        return StaleDecision("exempt", "exempt: " + "; ".join(why.matched))
    return None
