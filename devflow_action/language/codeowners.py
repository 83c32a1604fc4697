"""CODEOWNERS as GitHub reads it. Pure: the file's text in, owners per path out.

GitHub's rules (docs: "About code owners"), which differ from .gitignore in places:

- the file is the first of ``.github/CODEOWNERS``, ``CODEOWNERS``, ``docs/CODEOWNERS`` that exists;
- each line is a pattern and owners (``@login``, ``@org/team`` or an e-mail address); ``#`` starts a
  comment; a pattern without owners means "no owners" for what it matches;
- the **last** matching pattern wins (no merging of owners across lines);
- ``!`` negation and ``[ ]`` character ranges are not supported: such a line is an error and GitHub
  skips it (so do we, and say so);
- ``*`` and ``?`` never cross ``/``; ``**`` does; a pattern without a ``/`` (other than a trailing
  one) matches at any depth, one with a ``/`` at the start or in the middle is relative to the root;
- a pattern naming a directory owns everything under it (``apps/``, ``/docs/``, ``**/logs``), but a
  wildcard in the last part matches files of that directory only: ``docs/*`` owns ``docs/a.md``, not
  ``docs/build/b.md``;
- paths are matched case-sensitively.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LOCATIONS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
_USER = re.compile(r"^@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\[bot\])?$")
_TEAM = re.compile(r"^@[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class OwnerRule:
    pattern: str
    owners: tuple[str, ...]  # as written: "@alice", "@org/team", "dev@example.com"
    line: int
    regex: re.Pattern[str]


@dataclass(frozen=True)
class CodeOwners:
    rules: tuple[OwnerRule, ...]
    problems: tuple[str, ...] = ()  # lines GitHub would reject: "CODEOWNERS:7: ..."
    path: str = "CODEOWNERS"

    def rule_for(self, path: str) -> OwnerRule | None:
        """The last rule whose pattern matches ``path`` (GitHub's precedence), or None."""
        for rule in reversed(self.rules):
            if rule.regex.fullmatch(path):
                return rule
        return None

    def owners(self, path: str) -> tuple[str, ...]:
        rule = self.rule_for(path)
        return rule.owners if rule else ()


def _segment(part: str) -> str:
    out = []
    for ch in part:
        if ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        else:
            out.append(re.escape(ch))
    return "".join(out)


def pattern_regex(pattern: str) -> re.Pattern[str]:
    """The regex a CODEOWNERS pattern compiles to, matched against a whole repository path."""
    directory = pattern.endswith("/")
    body = pattern.strip("/")
    anchored = pattern.startswith("/") or "/" in body
    parts = body.split("/")
    regex = ""
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if part == "**":
            regex += ".*" if last else "(?:.*/)?"
        else:
            regex += _segment(part) + ("" if last else "/")
    if not anchored and not body.startswith("**"):
        regex = "(?:.*/)?" + regex
    if directory:
        regex += "/.*"
    elif parts[-1] != "**" and not any(c in parts[-1] for c in "*?"):
        regex += "(?:/.*)?"  # a name may be a directory: it owns what is under it
    return re.compile(regex)


def _unescape(token: str) -> str:
    return re.sub(r"\\(.)", r"\1", token)


def parse_codeowners(text: str, path: str = "CODEOWNERS") -> CodeOwners:
    rules: list[OwnerRule] = []
    problems: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        tokens: list[str] = []
        for token in re.findall(r"(?:\\.|\S)+", raw):
            if token.startswith("#"):
                break
            tokens.append(token)
        if not tokens:
            continue
        pattern, owners = _unescape(tokens[0]), tokens[1:]
        where = f"{path}:{number}"
        if pattern.startswith("!"):
            problems.append(f"{where}: negation ('!') is not supported by GitHub; the line is skipped")
            continue
        if "[" in pattern or "]" in pattern:
            problems.append(f"{where}: character ranges ('[ ]') are not supported by GitHub; the line is skipped")
            continue
        bad = [o for o in owners if not (_USER.match(o) or _TEAM.match(o) or _EMAIL.match(o))]
        if bad:
            problems.append(f"{where}: invalid owner {bad[0]!r} (write @login, @org/team or an e-mail); skipped")
            continue
        rules.append(OwnerRule(pattern, tuple(owners), number, pattern_regex(pattern)))
    return CodeOwners(tuple(rules), tuple(problems), path)
