"""Slash commands in comments: the registry and the parser. Pure: text in, invocations out.

A command is a line that starts with ``/name`` (Prow's convention): ``/label bug "good first issue"``.
Several lines, several commands. What a reader sees as quoted or as code is never run: lines in a
``>`` quote, in a fenced block (```` ``` ```` or ``~~~``), in an indented code block, inside an HTML
comment, or starting with a code span (`` `/close` ``). An unknown ``/word`` is ignored, unless it is
a near miss of a command (``/lable``): then the parser returns a hint for the reply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..suggest import did_you_mean

# Permission levels, weakest first. ``author``: the item's author, or anyone with triage or more.
LEVELS = ("read", "triage", "write", "maintain", "admin")
PERMISSIONS = ("author", *LEVELS[1:])
MAX_COMMANDS = 20  # per comment: a pasted log full of slash lines is not a batch of commands


@dataclass(frozen=True)
class CommandInfo:
    name: str
    permission: str  # the default
    doc: str
    example: str
    label: str | None = None  # the label it sets or removes (configurable with `label:`)
    pr_only: bool = False


COMMANDS: dict[str, CommandInfo] = {
    info.name: info
    for info in [
        CommandInfo("label", "triage", "Add labels.", '/label bug "good first issue"'),
        CommandInfo("unlabel", "triage", "Remove labels.", "/unlabel needs-info"),
        CommandInfo("assign", "triage", "Assign people (yourself when no one is named).", "/assign @octocat"),
        CommandInfo("unassign", "triage", "Unassign people (yourself when no one is named).", "/unassign"),
        CommandInfo(
            "good-first-issue",
            "triage",
            "Add the good-first-issue label (and help-wanted).",
            "/good-first-issue",
            label="good first issue",
        ),
        CommandInfo("help-wanted", "triage", "Add the help-wanted label.", "/help-wanted", label="help wanted"),
        CommandInfo("close", "author", "Close the issue or pull request.", "/close"),
        CommandInfo("reopen", "author", "Reopen it.", "/reopen"),
        CommandInfo(
            "review",
            "triage",
            "Request reviews from people and teams.",
            "/review @octocat @octo-org/docs",
            pr_only=True,
        ),
        CommandInfo(
            "lgtm", "write", "Add the lgtm label (`/lgtm cancel` removes it).", "/lgtm", label="lgtm", pr_only=True
        ),
        CommandInfo(
            "approve",
            "write",
            "Add the approved label (`/approve cancel` removes it).",
            "/approve",
            label="approved",
            pr_only=True,
        ),
        CommandInfo(
            "hold", "write", "Add the hold label: auto-merge waits (`/hold cancel` removes it).", "/hold", label="hold"
        ),
        CommandInfo("unhold", "write", "Remove the hold label.", "/unhold", label="hold"),
        CommandInfo("retriage", "triage", "Run the rules again, as when the item was opened.", "/retriage"),
        CommandInfo("checklist", "triage", "Evaluate the item again, as after an edit or a push.", "/checklist"),
    ]
}

_LINE = re.compile(r"^/([A-Za-z][A-Za-z0-9_-]*)(?:[ \t]+(.*))?$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_ARG = re.compile(r'"([^"]*)"|\'([^\']*)\'|(\S+)')


@dataclass(frozen=True)
class Invocation:
    name: str
    args: tuple[str, ...]
    line: int  # 1-based line in the comment
    text: str  # the line as written, for replies


@dataclass(frozen=True)
class Parsed:
    invocations: tuple[Invocation, ...] = ()
    hints: tuple[str, ...] = ()  # near misses: "`/lable` is not a command (did you mean `/label`?)"


def split_args(text: str) -> tuple[str, ...]:
    """Whitespace-separated, with quotes grouping: ``bug "good first issue"`` -> (bug, good first issue)."""
    return tuple(a or b or c for a, b, c in _ARG.findall(text) if (a or b or c))


def _runnable_lines(text: str) -> list[tuple[int, str]]:
    """The lines a reader sees as plain text: not quoted, not code, not in an HTML comment."""
    out: list[tuple[int, str]] = []
    fence: str | None = None
    in_html = False
    for number, raw in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
        line = raw
        if in_html:
            end = line.find("-->")
            if end < 0:
                continue
            in_html, line = False, line[end + 3 :]
        while "<!--" in line:  # a comment on the line hides its part; an open one hides what follows
            start = line.index("<!--")
            end = line.find("-->", start + 4)
            if end < 0:
                in_html, line = True, line[:start]
                break
            line = line[:start] + line[end + 3 :]
        fenced = _FENCE.match(line)
        if fence is not None:
            if fenced and fenced.group(1)[0] == fence[0] and len(fenced.group(1)) >= len(fence):
                fence = None
            continue
        if fenced:
            fence = fenced.group(1)
            continue
        if line.startswith(("    ", "\t")):  # an indented code block
            continue
        stripped = line.strip()
        if stripped.startswith(">"):
            continue
        out.append((number, stripped))
    return out


def parse(text: str, known: frozenset[str] | None = None) -> Parsed:
    """The commands in a comment, in order. ``known``: the commands turned on (default: all); a
    command turned off is neither run nor hinted at (the repository chose to ignore it)."""
    enabled = frozenset(COMMANDS) if known is None else known
    invocations: list[Invocation] = []
    hints: list[str] = []
    for number, line in _runnable_lines(text):
        m = _LINE.match(line)
        if m is None:
            continue
        name = m.group(1).lower()
        if name in enabled:
            if len(invocations) < MAX_COMMANDS:
                invocations.append(Invocation(name, split_args(m.group(2) or ""), number, line))
            continue
        if name in COMMANDS:
            continue  # turned off in the config
        close = did_you_mean(name, sorted(enabled))
        if close:
            suggestion = close.split("'")[1]
            hints.append(f"`/{name}` is not a command (did you mean `/{suggestion}`?)")
    return Parsed(tuple(invocations), tuple(dict.fromkeys(hints)))


def level_rank(level: str) -> int:
    """Rank of a permission level (``read`` 0 ... ``admin`` 4); ``none`` and unknown words rank -1."""
    return LEVELS.index(level) if level in LEVELS else -1
