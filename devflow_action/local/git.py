"""The local git repository, read through the ``git`` command. Never fetches: what it knows of the
remote (its URL, its default branch) is what the clone already has."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..exits import UsageError

TIMEOUT = 30.0  # seconds for one git command: all are local reads


class NotARepository(UsageError):
    pass


def git(root: Path, *args: str, strip: bool = True) -> str | None:
    """The command's output (stripped of white space, unless not ``strip``), or None when git says no
    (an unborn branch, no such ref)."""
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, timeout=TIMEOUT, check=False
        )
    except FileNotFoundError:
        raise UsageError("git is not installed (or not on PATH); Devflow needs it here") from None
    if done.returncode != 0:
        return None
    return done.stdout.strip() if strip else done.stdout


def toplevel(path: Path) -> Path:
    """The root of the repository holding ``path``; a folder outside any repository is a usage error."""
    if not path.is_dir():
        raise UsageError(f"{path}: no such folder")
    top = git(path, "rev-parse", "--show-toplevel")
    if top is None:
        raise NotARepository(f"{path} is not in a git repository (run `git init` there first)")
    return Path(top)


def parse_remote(url: str) -> str | None:
    """``owner/name`` from a remote URL: ``git@github.com:o/n.git``, ``https://github.com/o/n``,
    ``ssh://git@host:22/o/n.git`` (GitHub Enterprise hosts too). A local path has none."""
    url = url.strip()
    if url.startswith("file://"):
        return None
    if "://" in url:
        path = url.split("://", 1)[1].split("/", 1)[1] if "/" in url.split("://", 1)[1] else ""
    elif ":" in url and "@" in url.split(":", 1)[0]:
        path = url.split(":", 1)[1]  # scp-like: git@github.com:owner/name.git
    else:
        return None
    parts = [p for p in path.removesuffix("/").removesuffix(".git").split("/") if p]
    if len(parts) < 2:
        return None
    return f"{parts[-2]}/{parts[-1]}"


@dataclass(frozen=True)
class Repository:
    root: Path
    name: str | None  # owner/name, from the origin remote
    default_branch: str
    branch: str | None  # checked out now; None when HEAD is detached


def inspect(path: Path) -> Repository:
    root = toplevel(path)
    url = git(root, "remote", "get-url", "origin")
    branch = git(root, "symbolic-ref", "--quiet", "--short", "HEAD")
    return Repository(root, parse_remote(url) if url else None, _default_branch(root, branch), branch)


COMMON_DEFAULTS = ("main", "master", "trunk", "develop")


def _default_branch(root: Path, branch: str | None) -> str:
    """The remote's default branch as the clone knows it (``origin/HEAD``); else a usual default that
    exists locally; else the current branch (a new repository's first branch); else main."""
    remote_head = git(root, "symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD")
    if remote_head and "/" in remote_head:
        return remote_head.split("/", 1)[1]
    for name in COMMON_DEFAULTS:
        if git(root, "rev-parse", "--verify", "--quiet", f"refs/heads/{name}") is not None:
            return name
    return branch or "main"


@dataclass(frozen=True)
class Commit:
    sha: str
    subject: str
    body: str


def base(repo: Repository) -> str | None:
    """Where the current branch started: its merge base with the default branch (the remote's copy
    first). None on the default branch itself, or when the default branch is not in the clone."""
    if repo.branch == repo.default_branch:
        return None
    for ref in (f"origin/{repo.default_branch}", repo.default_branch):
        found = git(repo.root, "merge-base", "HEAD", ref)
        if found:
            return found
    return None


def commits_since(repo: Repository, start: str) -> list[Commit]:
    """Commits of HEAD not in ``start``, oldest first."""
    # Not stripped: Python counts the separators \x1e and \x1f as white space.
    out = git(repo.root, "log", "--reverse", "--format=%H%x1f%s%x1f%b%x1e", f"{start}..HEAD", strip=False)
    commits = []
    for record in (out or "").split("\x1e"):
        fields = record.strip("\n").split("\x1f")
        if len(fields) == 3:
            commits.append(Commit(fields[0], fields[1], fields[2].strip()))
    return commits


def head(repo: Repository) -> str | None:
    return git(repo.root, "rev-parse", "--verify", "--quiet", "HEAD")


def private_path(repo: Repository, name: str) -> Path:
    """A file inside the repository's git folder (never committed; a worktree has its own)."""
    found = git(repo.root, "rev-parse", "--git-path", name)
    path = Path(found) if found else Path(".git") / name
    return path if path.is_absolute() else repo.root / path
