"""YAML → plain data plus the line and column of every key and value.

PyYAML's ``safe_load`` silently keeps the last of two duplicate keys and, being YAML 1.1, reads the
key ``on:`` as the boolean ``True`` (``yes``/``no``/``off`` likewise), which would make every rule's
trigger vanish. So the document is composed into nodes and converted here: keys stay the strings the
user wrote, duplicates are errors, and every node's position is kept for error messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from ..diagnostics import ConfigError, Diagnostic
from . import yamlerrors

Path = tuple[str | int, ...]

# Aliases can make a tiny document expand into a huge one ("billion laughs"); refuse past this.
MAX_NODES = 200_000
_SCALAR_TAGS = {
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:null",
}


@dataclass
class Document:
    data: Any
    values: dict[Path, tuple[int, int]] = field(default_factory=dict)  # path -> (line, col) of the value
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)  # path -> (line, col) of its key
    # path -> the file it came from, when `extends` merged several (config/extends.py); else empty
    files: dict[Path, str] = field(default_factory=dict)

    def where(self, path: Path, *, key: bool = False) -> tuple[int, int]:
        """Position of ``path``, falling back to the nearest parent that has one."""
        table = self.keys if key else self.values
        for end in range(len(path), -1, -1):
            pos = table.get(path[:end]) or self.values.get(path[:end])
            if pos:
                return pos
        return (1, 1)

    def file_at(self, path: Path, default: str) -> str:
        """The file ``path`` came from (its nearest parent's when it has no entry), else ``default``."""
        for end in range(len(path), -1, -1):
            found = self.files.get(path[:end])
            if found:
                return found
        return default


def format_path(path: Path) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


class _Converter:
    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.doc = Document(None)
        self.problems: list[Diagnostic] = []
        self.count = 0
        self.constructor = yaml.constructor.SafeConstructor()

    def error(self, mark: yaml.Mark | None, path: Path, message: str) -> None:
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        self.problems.append(Diagnostic(line, col, format_path(path), message, file=self.filename))

    def convert(self, node: yaml.Node, path: Path, depth: int = 0) -> Any:
        self.count += 1
        if self.count > MAX_NODES or depth > 200:
            raise _TooBig
        mark = node.start_mark
        self.doc.values[path] = (mark.line + 1, mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    self.error(key_node.start_mark, path, "keys must be plain strings")
                    continue
                key = str(key_node.value)  # as written: `on` stays "on", never True
                if key == "<<" and key_node.tag == "tag:yaml.org,2002:merge":
                    self.error(key_node.start_mark, path, "YAML merge keys ('<<') are not supported")
                    continue
                if key in out:
                    first = self.doc.keys[(*path, key)]
                    self.error(
                        key_node.start_mark,
                        (*path, key),
                        f"duplicate key '{key}' (first defined at line {first[0]}); remove one of them",
                    )
                    continue
                self.doc.keys[(*path, key)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                out[key] = self.convert(value_node, (*path, key), depth + 1)
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        assert isinstance(node, yaml.ScalarNode)
        if node.tag in _SCALAR_TAGS:
            try:
                return self.constructor.construct_object(node)
            except (yaml.YAMLError, ValueError, OverflowError):
                return str(node.value)
        return str(node.value)  # strings, and dates/binaries kept as the text written


class _TooBig(Exception):
    pass


def parse(text: str, filename: str = ".devflow.yml") -> Document:
    """Parse one YAML document. Raises ConfigError with every located problem found."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        line, col, message = yamlerrors.marked_error(exc, text)
        raise ConfigError([Diagnostic(line, col, "", message, file=filename)]) from None
    except yaml.reader.ReaderError as exc:
        line, col, message = yamlerrors.reader_error(exc, text)
        raise ConfigError([Diagnostic(line, col, "", message, file=filename)]) from None
    except yaml.YAMLError as exc:
        raise ConfigError([Diagnostic(1, 1, "", f"YAML error: {exc}", file=filename)]) from None
    except RecursionError:
        raise ConfigError([Diagnostic(1, 1, "", "the document is nested too deeply", file=filename)]) from None
    conv = _Converter(filename)
    if node is None:
        return conv.doc
    try:
        conv.doc.data = conv.convert(node, ())
    except _TooBig:
        raise ConfigError(
            [
                Diagnostic(
                    1,
                    1,
                    "",
                    "the document is too large or nested too deeply (check anchors and aliases)",
                    file=filename,
                )
            ]
        ) from None
    if conv.problems:
        raise ConfigError(conv.problems)
    return conv.doc
