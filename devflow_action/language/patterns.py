"""Regexes and globs from the config, compiled once at load.

Regexes run on RE2, which matches in linear time: a hostile pattern such as ``(a+)+$`` cannot hang a
run. RE2's own parser decides what is valid (``\\p{Greek}`` and ``(?<name>...)`` are); a refusal is
explained in ``regex_errors``, which borrows Python's message only to say where a syntax error is.
Globs use pathspec's gitignore semantics: ``**``, ``!`` negation, last matching pattern wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pathspec
import re2

from . import regex_errors

_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # RE2 otherwise logs every rejected pattern to stderr
_RE2_OPTIONS.max_mem = 8 << 20  # bounded memory per pattern


class PatternError(ValueError):
    pass


@dataclass(frozen=True)
class Regex:
    pattern: str
    compiled: Any  # re2 pattern object

    def search(self, text: str) -> bool:
        return self.compiled.search(text) is not None

    def find(self, text: str) -> Any:
        """The first match (a match object with ``group``), or None."""
        return self.compiled.search(text)

    def sub(self, replacement: str, text: str) -> str:
        return str(self.compiled.sub(replacement, text))


def compile_regex(pattern: str) -> Regex:
    """RE2 decides what is valid (``regex_errors`` says why not); nothing else parses the pattern first."""
    try:
        compiled = re2.compile(pattern, _RE2_OPTIONS)
    except re2.error as exc:
        reason = exc.args[0].decode(errors="replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise PatternError(regex_errors.explain(pattern, reason)) from None
    huge = regex_errors.huge_repeat(pattern)
    if huge is not None:  # RE2 would read it as literal text: never what the writer meant
        raise PatternError(regex_errors.repeat_too_large(huge))
    return Regex(pattern, compiled)


@dataclass(frozen=True)
class Globs:
    patterns: tuple[str, ...]
    spec: pathspec.PathSpec  # type: ignore[type-arg]

    def match(self, path: str) -> bool:
        return bool(self.spec.match_file(path))


def compile_globs(patterns: Sequence[str]) -> Globs:
    for pattern in patterns:
        if not pattern.strip() or pattern.strip() == "!":
            raise PatternError(f"empty glob pattern {pattern!r}")
    try:
        spec = pathspec.GitIgnoreSpec.from_lines(patterns)
    except (ValueError, TypeError) as exc:
        raise PatternError(f"invalid glob pattern: {exc}") from None
    if all(p.startswith("!") for p in patterns):
        raise PatternError("every pattern is a negation ('!'), so nothing can match; add a positive pattern")
    return Globs(tuple(patterns), spec)
