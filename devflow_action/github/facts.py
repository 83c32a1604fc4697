"""Facts provider: fetches only the facts the engine declared, each at most once per run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..events.model import Event, Facts, OwnComment
from .port import GitHubPort, IssueState

# The identity a workflow's GITHUB_TOKEN acts as; labels it added are Devflow's (see docs/rules.md).
DEFAULT_SELF_LOGIN = "github-actions[bot]"


@dataclass(frozen=True)
class Observed:
    facts: Facts
    state: IssueState


def collect(
    event: Event,
    needed: frozenset[str],
    port: GitHubPort,
    *,
    fresh: bool,
    now: datetime,
    self_login: str = DEFAULT_SELF_LOGIN,
) -> Observed:
    """``fresh``: first attempt of a run for an event that just happened, so the payload is current.
    Otherwise (re-run, manual triage, old event) the item is read once before anything is decided."""
    number = event.number
    assert number is not None
    state = IssueState.from_event(event) if fresh else port.get_issue(number)
    files = approvals = checks = first = owned = None
    is_pr = event.kind == "pull_request"
    if "files" in needed and is_pr:
        files = tuple(port.list_pull_files(number))
    if "first_contribution" in needed and event.author is not None:
        known = event.author.first_contribution
        # The current item counts itself: a first-timer has authored exactly one.
        first = known if known is not None else port.count_authored(event.author.login, 2) <= 1
    if "approvals" in needed and is_pr:
        latest: dict[str, str] = {}
        for login, review_state in port.list_reviews(number):
            if review_state in ("APPROVED", "CHANGES_REQUESTED", "DISMISSED"):
                latest[login] = review_state
        approvals = sum(1 for s in latest.values() if s == "APPROVED")
    if "checks" in needed and is_pr and event.head_sha:
        checks = port.checks_state(event.head_sha)
    if "devflow_labels" in needed:
        last_actor: dict[str, str] = {}
        for kind, label, actor in port.label_events(number):
            if kind == "labeled":
                last_actor[label] = actor
        owned = frozenset(label for label in state.labels if last_actor.get(label) == self_login)
    own = None
    if "own_comments" in needed:
        # No comment at all on a fresh event (a pull request just opened): nothing to read.
        listed = [] if fresh and state.comments == 0 else port.list_comments(number)
        own = tuple(OwnComment(ident, body) for ident, login, body in listed if login.lower() == self_login.lower())
    facts = Facts(
        now=now,
        files=files,
        first_contribution=first,
        approvals=approvals,
        checks=checks,
        labels=None if fresh else state.labels,
        devflow_labels=owned,
        own_comments=own,
    )
    return Observed(facts, state)
