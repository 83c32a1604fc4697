"""Located problems in user input, rendered the same way for the CLI, workflow annotations and Markdown;
and the escaping of user text for each place it is shown (each sink has its own rules):

- a plain line (the log, a terminal): ``escape_text``, line breaks and control characters made visible;
- a workflow command's message or property: ``escape_data`` / ``escape_property``;
- Markdown (the job summary): ``escape_markdown``, or ``markdown_code`` for a code span;
- JSON: ``json.dumps``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem found in a file: where it is, which key it concerns, and what to do about it."""

    line: int
    col: int
    path: str  # the key path inside the document, e.g. ``rules[1].if.title.matches``; "" for the document
    message: str
    severity: Severity = "error"
    file: str = ".devflow.yml"

    def text(self) -> str:
        """``.devflow.yml:14:9: rules[1].if.title.matches: invalid regular expression: ...``"""
        where = f"{self.file}:{self.line}:{self.col}" if self.line else self.file
        level = "warning: " if self.severity == "warning" else ""
        subject = f"{self.path}: " if self.path else ""
        return escape_text(f"{where}: {level}{subject}{self.message}")

    def annotation(self) -> str:
        """A workflow command (``::error file=...,line=...,col=...::...``) with user text escaped."""
        props = [f"file={escape_property(self.file)}"]
        if self.line:
            props += [f"line={self.line}", f"col={self.col}"]
        subject = f"{self.path}: " if self.path else ""
        return f"::{self.severity} {','.join(props)}::{escape_data(subject + self.message)}"

    def markdown(self) -> str:
        where = f"{self.file}:{self.line}:{self.col}" if self.line else self.file
        subject = f"{markdown_code(self.path)}: " if self.path else ""
        return f"- **{self.severity}** {markdown_code(where)}: {subject}{escape_markdown(self.message)}"

    def as_json(self) -> dict[str, object]:
        return asdict(self)


class ConfigError(Exception):
    """The configuration cannot be used; carries every diagnostic found (errors and warnings)."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics = tuple(sorted(set(diagnostics)))
        super().__init__("\n".join(d.text() for d in self.errors) or "invalid configuration")

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity == "error")


_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")  # tabs are harmless


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    if char in "\n\r":
        return "\\n" if char == "\n" else "\\r"
    return f"\\x{ord(char):02x}" if ord(char) < 256 else f"\\u{ord(char):04x}"


def escape_text(text: str) -> str:
    """User text for a plain line of the log or a terminal: shown as written (``50%`` stays ``50%``),
    except that line breaks and other control characters are made visible (``\\n``, ``\\x1b``), so user
    text can never start a line of its own nor move a terminal's cursor."""
    return _CONTROL.sub(_visible, text)


def escape_data(text: str) -> str:
    """Escape a workflow command's message so user text can neither end the command nor start a new one."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def escape_markdown(text: str) -> str:
    """Keep user text inert in Markdown: no HTML, no tables broken, no mentions pinging people."""
    out = text.replace("\\", "\\\\")
    for char in "`*_[]|~":
        out = out.replace(char, "\\" + char)
    out = out.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return out.replace("@", "@\u200b").replace("\r", " ").replace("\n", " ")


def markdown_code(text: str) -> str:
    """User text as a Markdown code span: nothing inside one is markup (``<img>``, ``*``, ``#``), as
    long as the span is fenced by more backticks than the text holds in a row and stays on one line."""
    flat = " ".join(text.splitlines()) if text else text
    fence = "`" * (max((len(run) for run in re.findall(r"`+", flat)), default=0) + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def render(diagnostics: Iterable[Diagnostic], fmt: str) -> str:
    items = sorted(diagnostics)
    if fmt == "json":
        return json.dumps([d.as_json() for d in items], indent=2)
    if fmt == "github":
        return "\n".join(d.annotation() for d in items)
    if fmt == "markdown":
        return "\n".join(d.markdown() for d in items)
    return "\n".join(d.text() for d in items)
