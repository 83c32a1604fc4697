"""The GitHub Actions runner's file and command protocol: outputs, summary, annotations, safe logging."""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from .diagnostics import escape_text


def escape_log(text: str) -> str:
    """User text for a plain log line: no line breaks (so it can never start a workflow command), and
    shown as written otherwise (``escape_data``'s ``%25`` is for the messages of workflow commands)."""
    return escape_text(text)


@contextmanager
def commands_stopped(out: TextIO = sys.stdout) -> Iterator[None]:
    """Stop workflow-command processing while printing text that contains user input."""
    token = secrets.token_hex(16)
    print(f"::stop-commands::{token}", file=out)
    try:
        yield
    finally:
        print(f"::{token}::", file=out, flush=True)


def set_outputs(values: Mapping[str, str], env: Mapping[str, str] = os.environ) -> None:
    """Write outputs with the multiline-safe heredoc syntax and a random delimiter."""
    path = env.get("GITHUB_OUTPUT")
    if not path:
        return
    with Path(path).open("a", encoding="utf-8") as fh:
        for name, value in values.items():
            delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
            while delimiter in value:  # pragma: no cover - 128 random bits
                delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
            fh.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")


def append_summary(markdown: str, env: Mapping[str, str] = os.environ) -> None:
    path = env.get("GITHUB_STEP_SUMMARY")
    if path:
        with Path(path).open("a", encoding="utf-8") as fh:
            fh.write(markdown.rstrip() + "\n")


def input_value(name: str, default: str = "", env: Mapping[str, str] = os.environ) -> str:
    """``INPUT_<NAME>`` as the runner sets it: upper-cased, hyphens kept, surrounding space trimmed."""
    return env.get(f"INPUT_{name.upper()}", default).strip() or default


def input_bool(name: str, default: bool, env: Mapping[str, str] = os.environ) -> bool:
    raw = input_value(name, "", env).lower()
    if not raw:
        return default
    if raw in ("true", "yes", "1", "on"):
        return True
    if raw in ("false", "no", "0", "off"):
        return False
    raise ValueError(f"input '{name}' must be true or false, got {raw!r}")
