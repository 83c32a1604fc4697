"""PyYAML's errors in plain words, each at its line and column.

PyYAML reports a reader error (a forbidden character) as ``in "<unicode string>", position 24`` and
a syntax error at the place it gave up: for an unclosed ``[`` that is the end of the file. Here the
forbidden character gets its line and column, a tab gets the fix ("use spaces"), and where PyYAML
knows where the unfinished thing began (its ``context_mark``), the message names that place too.
"""

from __future__ import annotations

import yaml

# PyYAML's "while parsing/scanning ..." contexts, as the thing the user wrote.
_OPENED = {
    "while parsing a flow sequence": "the '[' list",
    "while parsing a flow mapping": "the '{' mapping",
    "while scanning a quoted scalar": "the quoted text",
    "while scanning a double-quoted scalar": "the quoted text",
    "while scanning a single-quoted scalar": "the quoted text",
    "while parsing a block mapping": "the mapping",
    "while parsing a block collection": "the list",
    "while scanning a simple key": "the key",
}
_END = {"found unexpected end of stream": "the file ended", "'<stream end>'": "the end of the file"}


def _position(text: str, index: int) -> tuple[int, int]:
    before = text[:index]
    return before.count("\n") + 1, index - (before.rfind("\n") + 1) + 1


def reader_error(exc: yaml.reader.ReaderError, text: str) -> tuple[int, int, str]:
    """A character YAML does not allow (NUL, other control characters), at its line and column."""
    line, col = _position(text, exc.position)
    char = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
    what = "a NUL character (byte 0)" if char == 0 else f"the character U+{char:04X}"
    return line, col, f"the file contains {what}, which YAML does not allow; remove it"


def marked_error(exc: yaml.MarkedYAMLError, text: str) -> tuple[int, int, str]:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = exc.problem or ""
    if "'\\t'" in problem:
        lines = text.split("\n")
        start = lines[line - 1][: col - 1] if line <= len(lines) else ""
        if not start.strip(" -"):
            return line, col, "a tab indents this line; YAML allows only spaces: use spaces for indentation"
        return line, col, "a tab character; YAML allows only spaces here: use spaces"
    for raw, plain in _END.items():
        problem = problem.replace(raw, plain)
    opened = _OPENED.get(exc.context or "")
    ctx = exc.context_mark
    if not opened and any(plain in problem for plain in _END.values()):
        opened, ctx = _unclosed_flow(text)  # PyYAML only says "while parsing a flow node" at the end
    if opened and ctx and (ctx.line, ctx.column) != (mark.line if mark else -1, mark.column if mark else -1):
        where = f"line {ctx.line + 1}, column {ctx.column + 1}"
        if any(plain in problem for plain in _END.values()):
            return line, col, f"YAML syntax error: {opened} opened at {where} is not closed ({problem})"
        return line, col, f"YAML syntax error: {problem} (in {opened} that starts at {where})"
    what = " ".join(p for p in (exc.context, problem) if p) or "invalid YAML"
    return line, col, f"YAML syntax error: {what}"


def _unclosed_flow(text: str) -> tuple[str | None, yaml.Mark | None]:
    """The innermost ``[`` or ``{`` still open where the tokens end."""
    stack: list[yaml.Token] = []
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if isinstance(token, yaml.FlowSequenceStartToken | yaml.FlowMappingStartToken):
                stack.append(token)
            elif isinstance(token, yaml.FlowSequenceEndToken | yaml.FlowMappingEndToken) and stack:
                stack.pop()
    except yaml.YAMLError:
        pass
    if not stack:
        return None, None
    top = stack[-1]
    return ("the '[' list" if isinstance(top, yaml.FlowSequenceStartToken) else "the '{' mapping"), top.start_mark
