"""Use case: the configuration an event runs with, and where it was read from.

On ``pull_request_target``, on pull requests from forks (and whenever it cannot tell), the workspace may
hold the PR's own files, so the config is read from the base branch through the API and nothing from
the head is used. Validation only reads the file, so it checks the workspace's copy.

A file in the workspace is read only when its real path (symbolic links, in the file name or in a
folder on its path, resolved) is a regular file inside the workspace and outside ``.git``: a pull
request controls the links in its checkout, and errors quote what they read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ..config.extends import Reader
from ..config.loader import load_bytes
from ..config.model import Config
from ..config.reading import CREATE_HINT
from ..diagnostics import ConfigError, Diagnostic
from ..events.model import Event
from .context import RunContext

MAX_BYTES = 1 << 20  # a configuration is a few kilobytes; anything near this is not one
REFUSED = (
    "the configuration must be a regular file inside the workspace "
    "(not a folder or a device, nor a symbolic link leading out of the workspace or into .git)"
)


def _error(path: str, message: str) -> ConfigError:
    return ConfigError([Diagnostic(0, 0, "", message, file=path)])


def read_workspace_file(workspace: Path, path: str) -> bytes | None:
    """The bytes of ``workspace/path``; None when nothing is there. ConfigError when it is not a regular
    file inside the workspace once every symbolic link is resolved, or is too large."""
    local = workspace / path
    if not os.path.lexists(local):
        return None
    try:
        root = workspace.resolve(strict=True)
        real = local.resolve(strict=True)
    except (OSError, RuntimeError):  # a dangling link, a loop
        raise _error(path, REFUSED) from None
    if not real.is_relative_to(root) or real.relative_to(root).parts[:1] == (".git",):
        raise _error(path, REFUSED)
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; the checks are made on what was opened.
        fd = os.open(real, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        raise _error(path, f"cannot read the configuration: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise _error(path, REFUSED)
        if info.st_size > MAX_BYTES:
            raise _error(path, f"the configuration is larger than {MAX_BYTES // 1024} KiB")
        return fh.read(MAX_BYTES + 1)


def load_config(
    ctx: RunContext, event: Event, path: str, workspace: Path, *, trust_head: bool = False
) -> tuple[Config, str]:
    if Path(path).is_absolute() or ".." in Path(path).parts:
        raise _error(path, "the config path must be relative to the repository root")
    if not trust_head and (not event.trusted or event.from_fork):
        ref = event.base  # None when the payload does not name it: the default branch, still not the head
        branch = f"the base branch ({ref})" if ref else "the default branch (the event names no base branch)"
        data = ctx.port.get_file(path, ref)
        if data is None:
            raise _error(path, f"no configuration file at {path} on {branch}")
        # Files it extends come from the same branch: never from the pull request's head.
        return load_bytes(data, path, _api_reader(ctx, ref)), f"{branch}, not the pull request"
    local = read_workspace_file(workspace, path)
    if local is not None:
        return load_bytes(local, path, _workspace_reader(workspace)), "the workspace"
    if (workspace / ".git").exists():
        raise _error(path, f"no configuration file at {path} in the checkout ({CREATE_HINT})")
    data = ctx.port.get_file(path, None)
    if data is None:
        raise _error(path, f"no configuration file at {path}: not in the workspace, nor on the default branch")
    return load_bytes(data, path, _api_reader(ctx, None)), "the default branch (no checkout in the workspace)"


def _workspace_reader(workspace: Path) -> Reader:
    """Files the workspace's config extends, under the same checks as the config itself (real path a
    regular file inside the workspace, outside ``.git``, not too large); a refused one counts as absent."""

    def read(name: str) -> bytes | None:
        try:
            return read_workspace_file(workspace, name)
        except ConfigError:
            return None

    return read


def _api_reader(ctx: RunContext, ref: str | None) -> Reader:
    """Repository files at ``ref`` (the default branch when None), one contents call each."""
    return lambda name: ctx.port.get_file(name, ref)
