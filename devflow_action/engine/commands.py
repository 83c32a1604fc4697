"""Slash commands: what each invocation does, whether its author may, and the answer. Pure.

``decide`` turns the parsed commands of one comment into operations, one ``Decision`` per command,
given the commenter's permission level (read from ``author_association`` where it answers, otherwise
from one permission read the application makes). ``feedback`` turns what happened to those
operations into the answer: a 👍 reaction when everything was done, 😕 and a short reply saying why
when something was refused or failed. A command left by a stopped run gets no answer: the re-run
does it, then answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from .. import plan as p
from ..config.review import CommandsConfig
from ..events.model import Event
from ..language.commands import COMMANDS, Invocation, Parsed, level_rank

Verdict = Literal["done", "refused", "failed", "left"]
REPLY_MARKER = "<!-- devflow:commands:{} -->"
# author_association values that answer the permission question without an API call.
KNOWN_LEVELS = {"OWNER": "admin"}
ASK_ASSOCIATIONS = frozenset({"MEMBER", "COLLABORATOR"})  # triage or write or more: only a read can tell


@dataclass(frozen=True)
class Decision:
    invocation: Invocation
    operations: tuple[p.Operation, ...] = ()
    refused: str | None = None  # why the command is not run
    rerun: str | None = None  # retriage/checklist: the action to evaluate the item as ("opened", ...)


def known_level(association: str) -> str | None:
    """The commenter's level when ``author_association`` tells it; None when a read must tell."""
    if association in KNOWN_LEVELS:
        return KNOWN_LEVELS[association]
    return None if association in ASK_ASSOCIATIONS else "read"


def needs_permission_read(event: Event, config: CommandsConfig, parsed: Parsed) -> bool:
    """Whether deciding needs the commenter's permission from GitHub (one call, then cached)."""
    who = event.comment_author
    if who is None or known_level(who.association) is not None:
        return False
    for inv in parsed.invocations:
        policy = config.get(inv.name)
        if policy is None:
            continue
        if policy.permission == "author" and _is_author(event):
            continue
        return True
    return False


def _is_author(event: Event) -> bool:
    return bool(event.author and event.comment_author and event.author.login == event.comment_author.login)


def _may(needed: str, level: str, event: Event) -> bool:
    if needed == "author":
        return _is_author(event) or level_rank(level) >= level_rank("triage")
    return level_rank(level) >= level_rank(needed)


def _needs(needed: str, level: str) -> str:
    if needed == "author":
        return f"needs triage permission, or to be the author (you have {level})"
    return f"needs {needed} permission (you have {level})"


def _logins(args: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(a.lstrip("@") for a in args if a.lstrip("@")))


def decide(event: Event, config: CommandsConfig, parsed: Parsed, level: str) -> tuple[Decision, ...]:
    return tuple(_decide_one(event, config, inv, level) for inv in parsed.invocations)


def _decide_one(event: Event, config: CommandsConfig, inv: Invocation, level: str) -> Decision:
    policy = config.get(inv.name)
    assert policy is not None  # the parser only returns commands that are on
    info = COMMANDS[inv.name]
    if info.pr_only and event.kind != "pull_request":
        return Decision(inv, refused="works on pull requests only")
    if not _may(policy.permission, level, event):
        return Decision(inv, refused=_needs(policy.permission, level))
    commenter = event.comment_author.login if event.comment_author else ""
    name, args = inv.name, inv.args
    cancel = args[:1] == ("cancel",)
    if name in ("label", "unlabel"):
        return _labels(event, config, inv, level)
    if name in ("assign", "unassign"):
        people = _logins(args) or (commenter,)
        return Decision(inv, (p.Assign(people) if name == "assign" else p.Unassign(people),))
    if name == "good-first-issue":
        return Decision(inv, (p.AddLabels((config.label_of(name), config.label_of("help-wanted"))),))
    if name == "close":
        return Decision(inv, (p.Close(),))
    if name == "reopen":
        return Decision(inv, (p.Reopen(),))
    if name == "review":
        return _review(event, inv)
    if name in ("lgtm", "approve") and _is_author(event) and not cancel:
        return Decision(inv, refused=f"the author of a pull request cannot /{name} it")
    if name in ("retriage", "checklist"):
        edited = "synchronize" if event.kind == "pull_request" else "edited"
        return Decision(inv, rerun="opened" if name == "retriage" else edited)
    label = config.label_of(name)
    remove = name == "unhold" or cancel
    return Decision(inv, (p.RemoveLabels((label,)) if remove else p.AddLabels((label,)),))


def _labels(event: Event, config: CommandsConfig, inv: Invocation, level: str) -> Decision:
    policy = config.get(inv.name)
    assert policy is not None
    if not inv.args:
        return Decision(inv, refused=f'name the labels: /{inv.name} bug "good first issue"')
    problems = []
    for label in inv.args:
        needed = policy.label_permission(label)
        if needed is None:
            allowed = ", ".join(name for name, _ in policy.labels or ())
            problems.append(f"'{label}' is not a label /{inv.name} may set (allowed: {allowed})")
        elif not _may(needed, level, event):
            problems.append(f"'{label}' {_needs(needed, level)}")
    if problems:
        return Decision(inv, refused="; ".join(problems))
    op: p.Operation = p.AddLabels(inv.args) if inv.name == "label" else p.RemoveLabels(inv.args)
    return Decision(inv, (op,))


def _review(event: Event, inv: Invocation) -> Decision:
    if not inv.args:
        return Decision(inv, refused="name reviewers: /review @login or @org/team")
    owner = event.repository.partition("/")[0].casefold()
    users, teams = [], []
    for arg in inv.args:
        name = arg.lstrip("@")
        if "/" in name:
            org, _, slug = name.partition("/")
            if org.casefold() != owner:
                return Decision(inv, refused=f"@{name} is a team of another organisation than {owner}")
            teams.append(slug)
        elif event.author is not None and name.casefold() == event.author.login.casefold():
            return Decision(inv, refused=f"@{name} wrote the pull request and cannot review it")
        else:
            users.append(name)
    return Decision(inv, (p.RequestReview(tuple(dict.fromkeys(users)), tuple(dict.fromkeys(teams))),))


def _shown(inv: Invocation) -> str:
    return "`" + inv.text.replace("`", "'") + "`"


def feedback(
    event: Event,
    comment_id: int | None,
    marker_id: str,
    decisions: Sequence[Decision],
    verdicts: Sequence[tuple[Verdict, str]],
    hints: Sequence[str] = (),
) -> tuple[p.Operation, ...]:
    """The answer to a comment: a reaction on it (when it is an issue comment) and, when a command was
    refused or failed or a near miss was found, one reply. Nothing while work is left."""
    if any(v == "left" for v, _ in verdicts):
        return ()
    lines = []
    for decision, (verdict, why) in zip(decisions, verdicts, strict=True):
        if verdict in ("refused", "failed"):
            lines.append(f"- {_shown(decision.invocation)}: {'refused' if verdict == 'refused' else 'failed'}: {why}")
    lines += [f"- {hint}" for hint in hints]
    ops: list[p.Operation] = []
    if comment_id is not None and (decisions or hints):
        ops.append(p.React(comment_id, "confused" if lines else "+1"))
    if lines:
        who = event.comment_author.login if event.comment_author else ""
        marker = REPLY_MARKER.format(marker_id)
        text = "\n".join([f"@{who} some commands were not run:" if who else "Some commands were not run:", *lines])
        ops.append(p.Reply(f"{text}\n\n{marker}", marker))
    return tuple(ops)
