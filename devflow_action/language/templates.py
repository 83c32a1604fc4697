"""Comment templates: strict ``{{ variable }}`` substitution from a fixed list, checked at load.

No expressions, no attribute access, no code: a template can only name one of ``VARIABLES``. Values
come from the event (user-controlled), so HTML comment delimiters are broken up: user text can never
forge or close the hidden marker that makes ``once`` comments idempotent. Mentions in values are
neutralised too: a title saying ``@org/everyone`` must not make Devflow notify a team. The template's
own text is the maintainer's, so ``@{{ author }}`` still mentions the author.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ..events.model import Event
from ..suggest import did_you_mean
from .patterns import PatternError


def _author(e: Event) -> str:
    return e.author.login if e.author else e.sender


VARIABLES: dict[str, tuple[str, Callable[[Event], str]]] = {
    "author": ("Login of the issue's or pull request's author.", _author),
    "title": ("Title of the issue or pull request.", lambda e: e.title),
    "number": ("Its number.", lambda e: str(e.number or "")),
    "kind": ("'issue' or 'pull request'.", lambda e: "pull request" if e.kind == "pull_request" else "issue"),
    "repository": ("owner/name of the repository.", lambda e: e.repository),
    "sender": ("Login of whoever triggered the event.", lambda e: e.sender),
    "base": ("Base branch of a pull request.", lambda e: e.base or ""),
    "head": ("Head branch of a pull request.", lambda e: e.head or ""),
}

BUILTIN_TEMPLATES: dict[str, str] = {
    "welcome": (
        "Thanks for opening your first {{ kind }} here, @{{ author }}! A maintainer will look at it soon. "
        "While you wait, please read CONTRIBUTING.md: it explains how we review and what we need from you."
    ),
    # The stale sweep's comments (`stale.comment`, `stale.close_comment`); `templates:` may redefine them.
    "stale": (
        "This {{ kind }} has had no activity for a while, so it is now marked stale. "
        "Comment or push a change to keep it open; otherwise it will be closed."
    ),
    "stale-close": (
        "Closing this {{ kind }}: it stayed stale with no activity. Comment if it still matters and a "
        "maintainer can reopen it."
    ),
}

_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.S)


_MENTION = re.compile(r"@(?=[A-Za-z0-9])")  # what GitHub would read as the start of a user or team mention


def neutralise(text: str) -> str:
    """Break up HTML comment delimiters so user text cannot forge or end a hidden marker, and mentions
    (a zero-width space after ``@``, as other bots do) so it cannot make Devflow notify anyone."""
    text = text.replace("<!--", "<\u200b!--").replace("-->", "--\u200b>")
    return _MENTION.sub("@\u200b", text)


@dataclass(frozen=True)
class Template:
    text: str
    parts: tuple[str | Callable[[Event], str], ...]

    def render(self, event: Event) -> str:
        return "".join(p if isinstance(p, str) else neutralise(p(event)) for p in self.parts)


def compile_template(text: str) -> Template:
    parts: list[str | Callable[[Event], str]] = []
    pos = 0
    for m in _PLACEHOLDER.finditer(text):
        name = m.group(1).strip()
        if name not in VARIABLES:
            hint = did_you_mean(name, VARIABLES) or f"; known: {', '.join(VARIABLES)}"
            raise PatternError(f"unknown template variable '{name}'{hint}")
        parts += [text[pos : m.start()], VARIABLES[name][1]]
        pos = m.end()
    parts.append(text[pos:])
    return Template(text, tuple(p for p in parts if p != ""))
