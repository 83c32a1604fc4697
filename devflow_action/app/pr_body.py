"""Use case: ``devflow pr-body``, a pull request description ready for ``gh pr create --body-file -``.

It starts from the repository's pull request template, writes the branch's commits into its first
section (and the issues they close), notes the ``devflow check`` results in its testing section, and
ticks the checklist lines whose local step passed for the commit checked out. Nothing is run or sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..config.model import Config
from ..local import git
from .check import saved

TEMPLATES = (
    ".github/pull_request_template.md",
    ".github/PULL_REQUEST_TEMPLATE.md",
    "pull_request_template.md",
    "PULL_REQUEST_TEMPLATE.md",
    "docs/pull_request_template.md",
    "docs/PULL_REQUEST_TEMPLATE.md",
)
DEFAULT_TEMPLATE = "## What and why\n\n## How it was tested\n"
_HEADING = re.compile(r"^#{1,6}\s")
_HINT = re.compile(r"<!--.*?-->", re.S)
_ITEM = re.compile(r"^(\s*[-*]\s+\[)[ xX](\]\s+)(.*)$")
_ITEM_MARKER = re.compile(r"<!--\s*devflow:item:([A-Za-z0-9][A-Za-z0-9_.-]*)")
_CLOSES = re.compile(r"(?i)\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\b:?\s+((?:[\w.-]+/[\w.-]+)?#\d+)")
_SUMMARY = re.compile(r"(?i)what|why|summary|descri|change|motivation")
_TESTING = re.compile(r"(?i)test")


@dataclass(frozen=True)
class Body:
    text: str
    template: str | None  # the file it started from; None: Devflow's default
    notes: tuple[str, ...]  # for the contributor (standard error), never part of the body


def compose(config: Config, repo: git.Repository) -> Body:
    notes: list[str] = []
    template, found = DEFAULT_TEMPLATE, None
    for name in TEMPLATES:
        path = repo.root / name
        if path.is_file():
            template, found = path.read_text(encoding="utf-8", errors="replace"), name
            break
    if found is None:
        notes.append("no pull request template in the repository: using a plain one")
    start = git.base(repo)
    commits = git.commits_since(repo, start) if start else []
    if not commits:
        notes.append(f"no commits on this branch since {repo.default_branch}: the description is left to you")
    results = saved(repo)
    if results is None and config.onboarding and any(i.run for i in config.onboarding.checklist):
        notes.append("no `devflow check` results for this commit: run `devflow check` to tick the local steps")
    lines = template.splitlines()
    lines = _fill_summary(lines, commits)
    lines = _fill_testing(lines, results)
    lines = _tick(lines, config, results)
    return Body("\n".join(lines).rstrip("\n") + "\n", found, tuple(notes))


def _sections(lines: list[str]) -> list[int]:
    return [i for i, line in enumerate(lines) if _HEADING.match(line)]


def _section_end(lines: list[str], start: int) -> int:
    return next((i for i in range(start + 1, len(lines)) if _HEADING.match(lines[i])), len(lines))


def _insert(lines: list[str], heading: int, text: list[str], *, drop_hints: bool) -> list[str]:
    """``text`` at the start of the section under ``heading``, before what the template has there."""
    end = _section_end(lines, heading)
    body = lines[heading + 1 : end]
    if drop_hints:  # the template's hint for this section is answered by what is inserted
        body = _HINT.sub("", "\n".join(body)).split("\n")
    while body and not body[0].strip():
        body.pop(0)
    while body and not body[-1].strip():
        body.pop()
    return [*lines[: heading + 1], "", *text, "", *([*body, ""] if body else []), *lines[end:]]


def _fill_summary(lines: list[str], commits: list[git.Commit]) -> list[str]:
    if not commits:
        return lines
    if len(commits) == 1:
        text = [commits[0].subject] + (["", commits[0].body] if commits[0].body else [])
    else:
        text = [f"- {c.subject}" for c in commits]
    closes = list(dict.fromkeys(m.group(1) for c in commits for m in _CLOSES.finditer(f"{c.subject}\n{c.body}")))
    already = "\n".join(text)
    text += [f"Fixes {ref}" for ref in closes if f"Fixes {ref}" not in already and len(commits) > 1]
    headings = _sections(lines)
    target = next((i for i in headings if _SUMMARY.search(lines[i])), headings[0] if headings else None)
    if target is None:
        return [*text, "", *lines]
    return _insert(lines, target, text, drop_hints=True)


def _fill_testing(lines: list[str], results: dict[str, Any] | None) -> list[str]:
    if not results or not results.get("steps"):
        return lines
    steps = results["steps"]
    said = ", ".join(f"{s['id']} {s['status']}" for s in steps)
    text = [f"`devflow check` at {str(results.get('head', ''))[:7]}: {said}."]
    target = next((i for i in _sections(lines) if _TESTING.search(lines[i])), None)
    if target is None:
        return [*lines, "", "## How it was tested", "", *text]
    return _insert(lines, target, text, drop_hints=False)


def _tick(lines: list[str], config: Config, results: dict[str, Any] | None) -> list[str]:
    """Tick the template's checklist lines whose local step passed; add the checklist when the
    template has none, each line with its hidden marker so Devflow's comment can follow it."""
    items = config.onboarding.checklist if config.onboarding else ()
    if not items:
        return lines
    passed = {s["id"] for s in (results or {}).get("steps", []) if s.get("status") == "passed"}
    by_text = {" ".join(i.text.split()).casefold(): i.id for i in items}
    seen: set[str] = set()
    out = []
    for line in lines:
        m = _ITEM.match(line)
        if m:
            marker = _ITEM_MARKER.search(line)
            ident = marker.group(1) if marker else by_text.get(" ".join(_HINT.sub("", m.group(3)).split()).casefold())
            if ident is not None:
                seen.add(ident)
                if ident in passed:
                    line = f"{m.group(1)}x{m.group(2)}{m.group(3)}"
        out.append(line)
    missing = [i for i in items if i.id not in seen]
    if missing:
        out += ["", "## Checklist", ""]
        out += [f"- [{'x' if i.id in passed else ' '}] {i.text} <!-- devflow:item:{i.id} -->" for i in missing]
    return out
