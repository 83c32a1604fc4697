"""Use case: the configuration an event runs with, and where it was read from.

On ``pull_request_target``, on pull requests from forks (and whenever it cannot tell), the workspace may
hold the PR's own files, so the config is read from the base branch through the API and nothing from
the head is used. Validation only reads the file, so it checks the workspace's copy.
"""

from __future__ import annotations

from pathlib import Path

from ..config.extends import Reader
from ..config.loader import load_bytes, load_file
from ..config.model import Config
from ..config.reading import CREATE_HINT, local_reader
from ..diagnostics import ConfigError, Diagnostic
from ..events.model import Event
from .context import RunContext


def _error(path: str, message: str) -> ConfigError:
    return ConfigError([Diagnostic(0, 0, "", message, file=path)])


def load_config(
    ctx: RunContext, event: Event, path: str, workspace: Path, *, trust_head: bool = False
) -> tuple[Config, str]:
    if Path(path).is_absolute() or ".." in Path(path).parts:
        raise _error(path, "the config path must be relative to the repository root")
    if not trust_head and (not event.trusted or event.from_fork):
        ref = event.base
        data = ctx.port.get_file(path, ref)
        if data is None:
            raise _error(path, f"no configuration file at {path} on the base branch {ref}")
        # Files it extends come from the same branch: never from the pull request's head.
        return load_bytes(data, path, _api_reader(ctx, ref)), f"the base branch ({ref}), not the pull request"
    local = workspace / path
    if local.exists():  # a directory there is its own error, not 'missing'
        return load_file(local, path, local_reader(workspace)), "the workspace"
    if (workspace / ".git").exists():
        raise _error(path, f"no configuration file at {path} in the checkout ({CREATE_HINT})")
    data = ctx.port.get_file(path, None)
    if data is None:
        raise _error(path, f"no configuration file at {path}: not in the workspace, nor on the default branch")
    return load_bytes(data, path, _api_reader(ctx, None)), "the default branch (no checkout in the workspace)"


def _api_reader(ctx: RunContext, ref: str | None) -> Reader:
    """Repository files at ``ref`` (the default branch when None), one contents call each."""
    return lambda name: ctx.port.get_file(name, ref)
