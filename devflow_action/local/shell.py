"""Running a checklist step's command (``run:``) in the repository, as the contributor would type it.

The commands come from the repository's own ``.devflow.yml``: running them is like running its
Makefile or its test suite, and happens only when a contributor runs ``devflow check`` themselves.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

OUTPUT_TAIL = 20  # lines of a failed step's output shown


@dataclass(frozen=True)
class Ran:
    code: int  # the exit status; 127 when the shell found no such command
    seconds: float
    output: str  # the last lines of stdout and stderr together


def run(command: str, cwd: Path, extra_env: Mapping[str, str]) -> Ran:
    started = time.monotonic()
    done = subprocess.run(  # a shell command by design: see the module's docstring
        command,
        shell=True,
        cwd=cwd,
        env={**os.environ, **extra_env},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        check=False,
    )
    text = done.stdout.decode("utf-8", "replace")
    tail = "\n".join(text.rstrip("\n").splitlines()[-OUTPUT_TAIL:])
    return Ran(done.returncode, time.monotonic() - started, tail)
