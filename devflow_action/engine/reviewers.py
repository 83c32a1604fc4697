"""Suggested reviewers: who owns the changed files, and who of them to ask. Pure.

Owners come from CODEOWNERS (the last matching line per file, as GitHub reads it) and from the
config's ``reviewers.paths`` (the last matching entry); each candidate is weighed by the number of
changed files they own. The author, people marked away and bots are never asked; people and teams
already asked count toward ``count``. Among the rest the least loaded go first (open review requests
on other pull requests), then those owning more files, then by name, so the choice is stable.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import plan as p
from ..config.review import ReviewersConfig
from ..language.codeowners import CodeOwners

Load = Mapping[str, int]  # "alice" or "@org/team" -> open review requests elsewhere


@dataclass(frozen=True)
class Candidates:
    weights: dict[str, int] = field(default_factory=dict)  # "alice" / "@org/team" -> files owned
    notes: tuple[str, ...] = ()
    needed: int = 0  # reviewers still to ask


def candidates(
    config: ReviewersConfig,
    files: Sequence[str],
    codeowners: CodeOwners | None,
    author: str,
    organisation: str,
    requested: Sequence[str],
) -> Candidates:
    weights: dict[str, int] = {}
    notes: list[str] = list(codeowners.problems) if codeowners else []
    skipped: dict[str, str] = {}
    for path in files:
        owners: list[str] = list(codeowners.owners(path)) if codeowners else []
        for entry in config.paths:
            if entry.globs.match(path):
                owners = [*owners, *entry.owners]
        for owner in dict.fromkeys(owners):
            who, why = _who(owner, organisation)
            if who is None:
                skipped.setdefault(owner, why)
                continue
            key = who.casefold()
            if key == author.casefold():
                skipped.setdefault(who, "the author")
            elif key in config.away:
                skipped.setdefault(who, "away")
            elif who.endswith("[bot]"):
                skipped.setdefault(who, "a bot")
            else:
                weights[who] = weights.get(who, 0) + 1
    notes += [f"{who} not asked: {why}" for who, why in skipped.items()]
    asked = {r.casefold() for r in requested}
    weights = {who: n for who, n in weights.items() if who.casefold() not in asked}
    return Candidates(weights, tuple(notes), max(0, config.count - len(asked)))


def _who(owner: str, organisation: str) -> tuple[str | None, str]:
    """A CODEOWNERS owner as a login or ``@org/team``, or None and why it cannot be asked."""
    if not owner.startswith("@") and "@" in owner:
        return None, "an e-mail address cannot be asked for a review through the API"
    if "/" in owner:
        org = owner.lstrip("@").partition("/")[0]
        if org.casefold() != organisation.casefold():
            return None, f"a team of another organisation than {organisation}"
        return "@" + owner.lstrip("@"), ""
    return owner.lstrip("@"), ""


def needs_load(found: Candidates) -> bool:
    """Only a choice among more candidates than places needs their open review requests."""
    return len(found.weights) > found.needed > 0


def choose(found: Candidates, load: Load) -> tuple[p.RequestReview | None, p.RuleResult]:
    # GitHub's logins and team names ignore case: CODEOWNERS may spell them otherwise than the API does
    folded = {who.casefold(): n for who, n in load.items()}
    order = sorted(found.weights, key=lambda w: (folded.get(w.casefold(), 0), -found.weights[w], w.casefold()))
    picked = order[: found.needed]
    why = tuple(
        f"{w} owns {found.weights[w]} changed file(s)"
        + (f", {folded[w.casefold()]} open review request(s)" if w.casefold() in folded else "")
        for w in picked
    )
    if not picked:
        reason = "enough reviewers are asked already" if found.needed == 0 else "no owner of the changed files to ask"
        return None, p.RuleResult("reviewers", False, missing_conditions=(reason,))
    users = tuple(w for w in picked if not w.startswith("@"))
    teams = tuple(w.partition("/")[2] for w in picked if w.startswith("@"))
    return p.RequestReview(users, teams), p.RuleResult("reviewers", True, matched_conditions=why)


def open_requests(pulls: Sequence[Mapping[str, Any]], organisation: str, number: int) -> dict[str, int]:
    """Open review requests per person and team, on the open pull requests other than ``number``."""
    load: dict[str, int] = {}
    for pull in pulls:
        if pull.get("number") == number:
            continue
        for user in pull.get("requested_reviewers") or []:
            login = str(user.get("login", ""))
            load[login] = load.get(login, 0) + 1
        for team in pull.get("requested_teams") or []:
            key = f"@{organisation}/{team.get('slug', '')}"
            load[key] = load.get(key, 0) + 1
    return load
