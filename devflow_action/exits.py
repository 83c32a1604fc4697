"""The one exit-code table of every entry point (the action, the CLI, later the service's commands).

0  done.
1  the user's to fix: invalid configuration or input, a usage error, or GitHub refused an operation
   (bad credentials, a missing permission, a validation error).
2  stopped with work left: a call budget, the deadline, a rate limit, or GitHub (or a backend)
   unavailable or answering garbage after the retries. A re-run continues where this one stopped.
3  a bug in Devflow: the traceback is in the log, never in a summary.
130 interrupted (Ctrl-C), as shells do.
141 the output was closed by its reader (``devflow plan ... | head -1``): nothing more is printed,
    and the status is the one a shell shows for a tool killed by SIGPIPE (128 + 13), so pipelines and
    ``set -o pipefail`` treat Devflow like ``cat`` or ``grep``. (A full disk is exit 1: the user's to fix.)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from enum import IntEnum


class Exit(IntEnum):
    OK = 0
    USER = 1
    STOPPED = 2
    BUG = 3
    INTERRUPTED = 130
    BROKEN_PIPE = 141


class UsageError(Exception):
    """A command used wrongly (unknown input, missing environment, unreadable input file): exit 1."""


def env_number(
    env: Mapping[str, str], name: str, default: float, *, what: str | None = None, minimum: float | None = None
) -> float:
    """A number from the environment (or an input), ``default`` when empty; anything else is a usage
    error naming ``what`` (the variable by default). ``minimum`` None: it must be positive."""
    what = what or name
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise UsageError(f"{what} must be a number, got {raw!r}") from None
    if minimum is None:
        if value <= 0 or math.isnan(value):
            raise UsageError(f"{what} must be positive, got {raw!r}")
    elif math.isnan(value) or value < minimum:
        raise UsageError(f"{what} must be at least {minimum:g}, got {raw!r}")
    return value
