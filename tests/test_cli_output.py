"""Output that cannot be written is handled as the standard tools handle it, never as a bug: a closed
pipe ends quietly with 141 (SIGPIPE's status), a full disk is one line and exit 1 (handler.py)."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from devflow_action.exits import Exit
from devflow_action.handler import exit_code_for, guarded

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "devflow.yml"
COMMANDS = {
    "validate": ["validate", str(EXAMPLE), "--format", "json"],
    "plan": [
        "plan",
        "--config",
        str(EXAMPLE),
        "--event",
        "issues",
        "--payload",
        str(ROOT / "examples" / "payloads" / "issues.opened.json"),
    ],
}


def devflow(args: list[str], stdout: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "devflow_action.cli", *args], stdout=stdout, stderr=subprocess.PIPE, text=True,
        timeout=60, check=False,
    )  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS)
def test_a_closed_pipe_ends_quietly_with_141(command: str) -> None:
    read, write = os.pipe()
    os.close(read)  # the reader is gone before anything is written (`devflow ... | head -0`)
    try:
        proc = devflow(COMMANDS[command], write)
    finally:
        os.close(write)
    assert (proc.returncode, proc.stderr) == (141, "")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")
@pytest.mark.parametrize("command", COMMANDS)
def test_a_full_disk_is_one_line_and_exit_1(command: str) -> None:
    with open("/dev/full", "w") as full:
        proc = devflow(COMMANDS[command], full.fileno())
    assert (proc.returncode, proc.stderr) == (1, "devflow: error: write error: No space left on device\n")


def test_guarded_names_the_file_it_could_not_write() -> None:
    reported: list[tuple[Exit, str]] = []

    def body() -> int:
        raise OSError(errno.ENOSPC, "No space left on device", "/runner/summary.md")

    assert guarded(body, lambda c, m: reported.append((c, m)), lambda text: None) == 1
    assert reported == [(Exit.USER, "write error to /runner/summary.md: No space left on device")]


def test_other_os_errors_are_still_bugs() -> None:
    assert exit_code_for(OSError(errno.ENOENT, "No such file")) == Exit.BUG
    assert exit_code_for(BrokenPipeError()) == Exit.BROKEN_PIPE
    assert exit_code_for(OSError(errno.ENOSPC, "No space left on device")) == Exit.USER
