"""The auto-merge policy: which conditions hold for a pull request, and what to do. Pure.

Conditions (each shown in the status comment, held or missing, like Mergify's checklist): open and
not a draft; the required labels; none of the hold labels; approvals from people with write access;
the required checks passed (by name, or every check when none are named: then at least one must
have run); no merge conflict; up to date with the base when GitHub says the branch is behind (it
says so when branch protection requires it); and the ``if`` conditions in the rules' language.

When every condition holds: GitHub's auto-merge is enabled (it merges once GitHub's own requirements
are met), or, when GitHub already reports the pull request mergeable (``clean``) or ``native`` is
off, the pull request is merged with the configured method and the head the decision saw. When a
condition stops holding, auto-merge that Devflow enabled is disabled; auto-merge a person enabled is
theirs and is left alone. One status comment, found by its marker, is kept up to date in place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .. import plan as p
from ..config.review import AutomergeConfig
from ..events.model import Event, Facts
from ..language.tree import Explanation
from ..language.tree import evaluate as evaluate_tree

MARKER = "<!-- devflow:automerge -->"
TITLE = "**Devflow auto-merge**"


@dataclass(frozen=True)
class PullFacts:
    """A pull request as the REST API shows it, plus what was read beside it."""

    number: int
    node_id: str
    head_sha: str
    open: bool
    draft: bool
    mergeable: bool | None  # None: GitHub is still computing it
    mergeable_state: str  # clean, behind, blocked, dirty, unstable, has_hooks, draft, unknown
    labels: tuple[str, ...]
    auto_merge: str | None  # the method of GitHub's auto-merge when it is on
    auto_merge_by: str | None
    approvers: tuple[str, ...] | None = None  # latest approvals by people with write access; None: not read
    checks: Mapping[str, str] | None = None  # check or status name -> success/failure/pending; None: not read
    status_comment: tuple[int, str] | None = None  # Devflow's status comment: (id, body)


@dataclass(frozen=True)
class Verdict:
    conditions: tuple[tuple[str, bool], ...]
    operations: tuple[p.Operation, ...]
    rule: p.RuleResult

    @property
    def holds(self) -> bool:
        return all(ok for _, ok in self.conditions)


def _code(text: str) -> str:
    return "`" + text.replace("`", "'") + "`"


def conditions(config: AutomergeConfig, pull: PullFacts, event: Event, facts: Facts) -> list[tuple[str, bool]]:
    out = [("open", pull.open), ("not a draft", not pull.draft)]
    labels = {label.casefold() for label in pull.labels}
    out += [(f"label {_code(name)}", name.casefold() in labels) for name in config.labels]
    out += [(f"no label {_code(name)}", name.casefold() not in labels) for name in config.hold_labels]
    if config.approvals:
        got = pull.approvers or ()
        who = f": {', '.join(got)}" if got else ""
        out.append((f"{config.approvals} approval(s) from people with write access (has {len(got)}{who})",
                    len(got) >= config.approvals))  # fmt: skip
    checks = pull.checks or {}
    if config.checks is None:
        failing = sorted(name for name, state in checks.items() if state != "success")
        shown = f" ({', '.join(_code(n) + ' ' + checks[n] for n in failing)})" if failing else ""
        text = "every check passed" + (shown if checks else " (none has run yet)")
        out.append((text, bool(checks) and not failing))
    for name in config.checks or ():
        state = checks.get(name)
        out.append((f"check {_code(name)} passed" + ("" if state in ("success", None) else f" (it is {state})")
                    + (" (it has not run)" if state is None else ""), state == "success"))  # fmt: skip
    out.append(("no merge conflict", pull.mergeable is not False and pull.mergeable_state != "dirty"))
    out.append(("up to date with the base branch", pull.mergeable_state != "behind"))
    if config.condition is not None:
        why = Explanation([], [], set())
        evaluate_tree(config.condition, event, facts, why)
        out += [(text, True) for text in why.matched] + [(text, False) for text in why.missing]
        out += [(f"{fact} (not known)", False) for fact in sorted(why.unknown)]
    return out


def opted_in(config: AutomergeConfig, pull: PullFacts, self_login: str) -> bool:
    """Whether the policy speaks about this pull request: it carries the required labels, or Devflow
    spoke about it before (its status comment, or auto-merge it enabled)."""
    labels = {label.casefold() for label in pull.labels}
    return (
        all(name.casefold() in labels for name in config.labels)
        or pull.status_comment is not None
        or (pull.auto_merge is not None and pull.auto_merge_by == self_login)
    )


def decide(config: AutomergeConfig, pull: PullFacts, event: Event, facts: Facts, self_login: str) -> Verdict:
    found = conditions(config, pull, event, facts)
    held = tuple(text for text, ok in found if ok)
    missing = tuple(text for text, ok in found if not ok)
    ops: list[p.Operation] = []
    if not missing:
        if pull.auto_merge is not None or (config.native and pull.mergeable_state != "clean"):
            if pull.auto_merge is None:
                ops.append(p.EnableAutomerge(pull.node_id, config.method, pull.head_sha))
            method = pull.auto_merge or config.method  # the same words on a re-run: the comment is not edited
            action = f"GitHub's auto-merge is enabled ({method}): it merges once GitHub's requirements are met"
        else:
            ops.append(p.Merge(config.method, pull.head_sha))
            action = f"every condition holds: merging ({config.method})"
    else:
        action = f"waiting for {len(missing)} condition(s)"
        if pull.auto_merge is not None and pull.auto_merge_by == self_login:
            ops.append(p.DisableAutomerge(pull.node_id))
            action += "; auto-merge is disabled until they hold"
    if config.comment and pull.open:
        body = status_body(found, action)
        current = pull.status_comment
        if current is None or current[1] != body:
            ops.append(p.UpsertComment(body, MARKER, current[0] if current else None))
    rule = p.RuleResult("automerge", not missing, True, held, missing)
    return Verdict(tuple(found), tuple(ops), rule)


def status_body(found: list[tuple[str, bool]], action: str) -> str:
    lines = [f"{TITLE}: {action}", ""]
    lines += [f"- [{'x' if ok else ' '}] {text}" for text, ok in found]
    return "\n".join([*lines, "", MARKER])
