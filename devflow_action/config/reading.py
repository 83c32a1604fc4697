"""Bytes of a config file → text, or a located, plain error: before YAML sees anything.

Both ways a config arrives go through here: a file on disk (the CLI, the action's workspace) and bytes
read through GitHub's API (the base branch of a fork's pull request, the default branch). The size
limit comes first, so a huge file is refused before it is read or parsed.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from pathlib import Path

from ..diagnostics import ConfigError, Diagnostic

# A real .devflow.yml is a few KiB. Loading keeps the position of every node: 512 KiB of rules (about
# 3,200) take about 2.4 s and 110 MB, 5 MB took 10 s and 370 MB, so a limit keeps a mistaken or hostile
# file from stalling a run. GitHub's contents API returns files up to 1 MB inline; half of that leaves
# every plausible config far inside the limit (docs/configuration.md).
MAX_BYTES = 512 * 1024
# Git's own test for a binary file: a NUL byte within the first 8,000 bytes.
_BINARY_PROBE = 8000
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# What to do without a config.
CREATE_HINT = (
    "create one with `devflow init`; Devflow's docs/configuration.md describes the format, its examples/ "
    "folder has ready ones to copy"
)


def problem(filename: str, message: str, line: int = 0, col: int = 0) -> ConfigError:
    return ConfigError([Diagnostic(line, col, "", message, file=filename)])


def too_large(size: int, filename: str) -> ConfigError:
    return problem(
        filename,
        f"the file is {size:,} bytes; a configuration may be at most {MAX_BYTES:,} bytes ({MAX_BYTES // 1024} KiB): "
        "is this the right file?",
    )


def read_file(path: str | Path, shown: str) -> bytes:
    """The bytes of a config file on disk, refusing a directory, a missing file or one past the limit."""
    fs = Path(path)
    try:
        if fs.is_dir():
            raise problem(shown, "this is a directory; name the configuration file itself (e.g. .devflow.yml)")
        size = fs.stat().st_size
        if size > MAX_BYTES:
            raise too_large(size, shown)
        with fs.open("rb") as fh:
            data = fh.read(MAX_BYTES + 1)  # a file that grew since stat() is still cut at the limit
    except FileNotFoundError:
        raise problem(
            shown,
            f"no configuration file at {path} ({CREATE_HINT})",
        ) from None
    except OSError as exc:
        raise problem(shown, f"cannot read the file: {exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        raise too_large(len(data), shown)
    return data


def decode(data: bytes, filename: str) -> str:
    """UTF-8 text, or a located error for a file that is binary, UTF-16, oversized or not UTF-8."""
    if len(data) > MAX_BYTES:
        raise too_large(len(data), filename)
    if data.startswith(_UTF16_BOMS):
        raise problem(filename, "the file is UTF-16 text; save it as UTF-8", 1, 1)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if b"\0" in data[:_BINARY_PROBE]:
            raise problem(filename, "this is a binary file, not YAML text; name the configuration file") from None
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        # The column counts characters, as editors do: decode the line's start up to the bad byte.
        col = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
        raise problem(
            filename, f"the file is not valid UTF-8 (byte 0x{data[exc.start]:02x}); save it as UTF-8", line, col
        ) from None


def repository_root(config: str | Path) -> Path:
    """The repository a config file on disk belongs to: the nearest folder above it holding ``.git``
    (a folder, or a file in a worktree), else the file's own folder."""
    start = Path(config).absolute().parent
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start


def local_reader(root: Path) -> Callable[[str], bytes | None]:
    """Files of the repository at ``root`` by their path in it (``extends``). A path that leads out of
    the repository, through a symlink, or into ``.git`` counts as absent: actions/checkout keeps the
    token's credentials in ``.git/config``, and errors quote what they read."""
    base = root.resolve()

    def read(name: str) -> bytes | None:
        target = (base / name).resolve()
        if not target.is_relative_to(base) or target.relative_to(base).parts[:1] == (".git",):
            return None
        if not target.is_file():
            return None
        return read_file(target, name)

    return read
