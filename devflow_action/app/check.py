"""Use case: ``devflow check``, a contributor's local run of the onboarding checklist.

The items with ``run:`` are run in the repository root, in order; the branch name and the commit
messages of the branch are held to ``onboarding.branch`` / ``onboarding.commits`` when set. Each step
is reported as it ends (``on_done``), and the results for the commit checked are kept in the git
folder, where ``devflow pr-body`` reads them. Local only: no GitHub, no RunContext.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from ..config.model import Config
from ..config.onboarding import ChecklistItem, Onboarding
from ..exits import UsageError
from ..local import git, shell
from ..suggest import did_you_mean

Status = Literal["passed", "failed", "skipped"]
RESULTS_FILE = "devflow-check.json"  # inside the git folder: never committed


@dataclass(frozen=True)
class Step:
    id: str
    text: str
    command: str | None  # None for the branch and commits steps
    status: Status
    required: bool
    seconds: float = 0.0
    detail: str = ""  # why it failed or was skipped, in one line
    output: str = ""  # the last lines of a failed command's output


@dataclass(frozen=True)
class Checked:
    repo: git.Repository
    head: str | None
    base: str | None
    steps: tuple[Step, ...]

    @property
    def failed(self) -> list[Step]:
        return [s for s in self.steps if s.status == "failed" and s.required]

    def as_json(self) -> dict[str, Any]:
        return {
            "repository": self.repo.name,
            "branch": self.repo.branch,
            "head": self.head,
            "base": self.base,
            "ok": not self.failed,
            "steps": [asdict(s) for s in self.steps],
        }


def selected(onboarding: Onboarding, only: list[str]) -> list[ChecklistItem]:
    """The items to run: those with ``run``, or those ``--only`` names (an unknown id is an error)."""
    runnable = [item for item in onboarding.checklist if item.run]
    for ident in only:
        item = onboarding.item(ident)
        if item is None:
            known = [i.id for i in runnable] + ["branch", "commits"]
            hint = did_you_mean(ident, known) or f"; the checklist's steps: {', '.join(known)}"
            raise UsageError(f"--only: no checklist item '{ident}'{hint}")
        if not item.run:
            raise UsageError(f"--only: '{ident}' has no `run` command; it is checked on the pull request, or by you")
    return [item for item in runnable if not only or item.id in only]


def check(
    config: Config,
    repo: git.Repository,
    only: list[str],
    on_start: Callable[[str, str], None] = lambda ident, what: None,
    on_done: Callable[[Step], None] = lambda step: None,
) -> Checked:
    onboarding = config.onboarding or Onboarding()
    for name in ("branch", "commits"):
        if name in only and getattr(onboarding, name) is None:
            raise UsageError(f"--only: '{name}' needs a pattern in `onboarding.{name}`")
    run_only = [i for i in only if i not in ("branch", "commits")]
    items = selected(onboarding, run_only) if run_only or not only else []
    start = git.base(repo)
    steps: list[Step] = []

    def done(step: Step) -> None:
        steps.append(step)
        on_done(step)

    if onboarding.branch is not None and (not only or "branch" in only):
        done(_branch(onboarding, repo))
    if onboarding.commits is not None and (not only or "commits" in only):
        done(_commits(onboarding, repo, start))
    env = {"DEVFLOW_BASE": start or "HEAD", "DEVFLOW_BRANCH": repo.branch or ""}
    for item in items:
        assert item.run is not None
        on_start(item.id, item.run)
        ran = shell.run(item.run, repo.root, env)
        ok = ran.code == 0
        detail = "" if ok else f"exit {ran.code}" + (" (command not found)" if ran.code == 127 else "")
        done(Step(item.id, item.text, item.run, "passed" if ok else "failed", item.required, ran.seconds,
                  detail, "" if ok else ran.output))  # fmt: skip
    result = Checked(repo, git.head(repo), start, tuple(steps))
    _save(result)
    return result


def _branch(onboarding: Onboarding, repo: git.Repository) -> Step:
    assert onboarding.branch is not None
    text = f"Branch name matches {onboarding.branch.pattern}"
    if repo.branch is None:
        return Step("branch", text, None, "skipped", True, detail="HEAD is detached: no branch name")
    if repo.branch == repo.default_branch:
        return Step("branch", text, None, "failed", True,
                    detail=f"you are on {repo.default_branch}: make a branch for your change")  # fmt: skip
    if onboarding.branch.search(repo.branch):
        return Step("branch", text, None, "passed", True, detail=repo.branch)
    return Step("branch", text, None, "failed", True,
                detail=f"'{repo.branch}' does not match {onboarding.branch.pattern}")  # fmt: skip


def _commits(onboarding: Onboarding, repo: git.Repository, start: str | None) -> Step:
    assert onboarding.commits is not None
    text = f"Commit messages match {onboarding.commits.pattern}"
    if start is None:
        why = f"no commits to check: on {repo.default_branch}, or it is not in the clone"
        return Step("commits", text, None, "skipped", True, detail=why)
    commits = git.commits_since(repo, start)
    bad = [c for c in commits if not onboarding.commits.search(c.subject)]
    if not commits:
        return Step("commits", text, None, "skipped", True, detail="no commits on this branch yet")
    if not bad:
        return Step("commits", text, None, "passed", True, detail=f"{len(commits)} commit(s)")
    shown = "; ".join(f"{c.sha[:7]} {c.subject!r}" for c in bad[:3]) + (" ..." if len(bad) > 3 else "")
    return Step("commits", text, None, "failed", True, detail=f"{len(bad)} of {len(commits)} do not match: {shown}")


def _save(result: Checked) -> None:
    path = git.private_path(result.repo, RESULTS_FILE)
    with contextlib.suppress(OSError):  # a read-only clone: `devflow pr-body` then says they are missing
        path.write_text(json.dumps(result.as_json(), indent=2) + "\n", encoding="utf-8")


def saved(repo: git.Repository) -> dict[str, Any] | None:
    """The results ``devflow check`` kept for the commit checked out now; None when there are none,
    or when they are for another commit."""
    path = git.private_path(repo, RESULTS_FILE)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("head") == git.head(repo) else None


def results_file(repo: git.Repository) -> Path:
    return git.private_path(repo, RESULTS_FILE)
