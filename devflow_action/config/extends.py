"""``extends:``: presets shipped with Devflow and files of the repository, merged before a file's own content.

Semantics (docs/configuration.md#extends): the files named are merged in order, then the file's own
content on top. ``rules`` are appended, and a rule whose ``name`` is already there replaces that rule
in place; mappings (``labels``, ``templates``, ``size``, ``onboarding``...) are merged key by key,
recursively; lists and plain values are replaced whole. An extended file may extend others.

Paths are read through a ``Reader`` the caller supplies, so the action reads them from wherever it
read the configuration itself (the base branch of a fork's pull request, never its head). Positions
are kept: every merged node remembers the file, line and column it came from, so an error in an
extended file is reported in that file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import PurePosixPath
from typing import Any

import yaml

from ..diagnostics import ConfigError, Diagnostic
from ..suggest import did_you_mean
from . import reading, yamlpos
from .schema import SUPPORTED_VERSION
from .yamlpos import Document, Path, format_path

Reader = Callable[[str], bytes | None]  # a path in the repository -> its bytes; None: no such file
MAX_FILES = 16  # extended files in one configuration, all levels together
_PRESET_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@cache
def preset_names() -> tuple[str, ...]:
    folder = resources.files("devflow_action") / "presets"
    return tuple(sorted(p.name[: -len(".yml")] for p in folder.iterdir() if p.name.endswith(".yml")))


def preset_text(name: str) -> str:
    return (resources.files("devflow_action") / "presets" / f"{name}.yml").read_text(encoding="utf-8")


def preset_file(name: str) -> str:
    """How an extended preset is named in messages and in annotations."""
    return f"preset:{name}"


def is_path(entry: str) -> bool:
    return "/" in entry or entry.endswith((".yml", ".yaml"))


@dataclass(frozen=True)
class _From:
    """A subtree taken whole from one document."""

    doc: Document
    file: str
    path: Path


@dataclass(frozen=True)
class _Merged:
    """A mapping or list built from several documents; ``at`` is where the top-most one wrote it."""

    at: _From
    children: dict[Any, Origin]


Origin = _From | _Merged


@dataclass
class _Resolver:
    reader: Reader | None
    problems: list[Diagnostic] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # every file merged in, in merge order
    count: int = 0  # files read so far

    def error(self, doc: Document, file: str, path: Path, message: str) -> None:
        line, col = doc.where(path)
        self.problems.append(Diagnostic(line, col, format_path(path), message, file=file))

    def resolve(self, doc: Document, file: str, stack: tuple[str, ...]) -> tuple[Any, Origin]:
        data, origin = doc.data, _From(doc, file, ())
        if not isinstance(data, dict) or "extends" not in data:
            return data, origin
        raw = data["extends"]
        entries = [raw] if isinstance(raw, str) else raw
        own = {k: v for k, v in data.items() if k != "extends"}
        if not isinstance(entries, list) or not all(isinstance(e, str) and e for e in entries):
            self.error(doc, file, ("extends",), "expected a preset name or a list of preset names and paths")
            return own, origin
        merged: tuple[Any, Origin] | None = None
        for i, entry in enumerate(entries):
            where: Path = ("extends", i) if isinstance(raw, list) else ("extends",)
            got = self._one(doc, file, where, entry, stack)
            if got is not None:
                merged = got if merged is None else _merge(merged, got)
        if merged is None:
            return own, origin
        return _merge(merged, (own, origin))

    def _one(self, doc: Document, file: str, where: Path, entry: str, stack: tuple[str, ...]) -> Any:
        if is_path(entry):
            name = self._path(doc, file, where, entry)
            if name is None:
                return None
            shown = name
        else:
            if not _PRESET_NAME.match(entry) or entry not in preset_names():
                hint = did_you_mean(entry, preset_names()) or f"; shipped presets: {', '.join(preset_names())}"
                self.error(doc, file, where, f"unknown preset '{entry}'{hint}")
                return None
            shown = preset_file(entry)
        if shown in stack:
            chain = " -> ".join([*stack, shown])
            self.error(doc, file, where, f"'{entry}' extends itself: {chain}")
            return None
        self.count += 1
        if self.count > MAX_FILES:
            self.error(doc, file, where, f"too many extended files (at most {MAX_FILES} in all)")
            return None
        try:
            text = preset_text(entry) if shown.startswith("preset:") else self._read(doc, file, where, shown)
            if text is None:
                return None
            sub = yamlpos.parse(text, shown)
        except ConfigError as exc:
            self.problems += exc.diagnostics
            return None
        version = sub.data.get("version") if isinstance(sub.data, dict) else None
        if isinstance(version, int | float) and not isinstance(version, bool) and version > SUPPORTED_VERSION:
            self.error(sub, shown, ("version",), f"version {version} is newer than this release supports")
            return None
        merged = self.resolve(sub, shown, (*stack, shown))
        self.files.append(shown)  # after what it extends: the order they are merged in
        return merged

    def _path(self, doc: Document, file: str, where: Path, entry: str) -> str | None:
        path = PurePosixPath(entry)
        if path.is_absolute() or ".." in path.parts or "\\" in entry:
            self.error(doc, file, where, f"'{entry}': a path must be relative to the repository root, without '..'")
            return None
        return str(path)

    def _read(self, doc: Document, file: str, where: Path, name: str) -> str | None:
        if self.reader is None:
            self.error(doc, file, where, f"cannot read '{name}': no repository to read it from")
            return None
        data = self.reader(name)
        if data is None:
            self.error(doc, file, where, f"no file '{name}' in the repository")
            return None
        return reading.decode(data, name)


def resolve(doc: Document, filename: str, reader: Reader | None) -> tuple[Document, tuple[str, ...]]:
    """The document with everything it extends merged in, and the files merged (in merge order).
    Unchanged when it extends nothing. Raises ``ConfigError`` with every problem found."""
    if not isinstance(doc.data, dict) or "extends" not in doc.data:
        return doc, ()
    resolver = _Resolver(reader)
    data, origin = resolver.resolve(doc, filename, (filename,))
    if resolver.problems:
        raise ConfigError(resolver.problems)
    out = Document(data)
    _flatten(data, origin, (), out)
    return out, tuple(resolver.files)


def _child(origin: Origin, key: Any) -> Origin:
    if isinstance(origin, _From):
        return _From(origin.doc, origin.file, (*origin.path, key))
    return origin.children[key]


def _at(origin: Origin) -> _From:
    return origin if isinstance(origin, _From) else origin.at


def _merge(base: tuple[Any, Origin], top: tuple[Any, Origin], depth: int = 0) -> tuple[Any, Origin]:
    (b, bo), (t, to) = base, top
    if not (isinstance(b, dict) and isinstance(t, dict)):
        return t, to
    data = dict(b)
    children = {k: _child(bo, k) for k in b}
    for key, value in t.items():
        if depth == 0 and key == "rules" and isinstance(b.get(key), list) and isinstance(value, list):
            data[key], children[key] = _merge_rules((b[key], children[key]), (value, _child(to, key)))
        elif key in data:
            data[key], children[key] = _merge((data[key], children[key]), (value, _child(to, key)), depth + 1)
        else:
            data[key], children[key] = value, _child(to, key)
    return data, _Merged(_at(to), children)


def _merge_rules(base: tuple[list[Any], Origin], top: tuple[list[Any], Origin]) -> tuple[list[Any], Origin]:
    """Rules appended; a rule named like one of the base's replaces it in place. Two rules of the same
    name in one file are not merged: the loader reports the duplicate."""
    (b, bo), (t, to) = base, top
    data = list(b)
    children: dict[Any, Origin] = {i: _child(bo, i) for i in range(len(b))}
    replaceable = {rule["name"]: i for i, rule in enumerate(b) if isinstance(rule, dict) and "name" in rule}
    for j, rule in enumerate(t):
        name = rule.get("name") if isinstance(rule, dict) else None
        i = replaceable.pop(name, None) if isinstance(name, str) else None
        if i is None:
            i = len(data)
            data.append(rule)
        else:
            data[i] = rule
        children[i] = _child(to, j)
    return data, _Merged(_at(to), children)


def _flatten(data: Any, origin: Origin, path: Path, out: Document) -> None:
    """Record, for every node of the merged data, the position and file it came from."""
    if isinstance(origin, _From):
        _copy(data, origin, path, out)
        return
    _place(origin.at, path, out)
    items = data.items() if isinstance(data, dict) else enumerate(data)
    for key, value in items:
        child = origin.children[key]
        _flatten(value, child, (*path, key), out)
        src = _at(child)
        if isinstance(key, str) and (pos := src.doc.keys.get(src.path)):
            out.keys[(*path, key)] = pos


def _place(src: _From, path: Path, out: Document) -> None:
    pos = src.doc.values.get(src.path)
    if pos:
        out.values[path] = pos
    out.files[path] = src.file


def _copy(data: Any, src: _From, path: Path, out: Document) -> None:
    _place(src, path, out)
    if isinstance(data, dict):
        for key, value in data.items():
            if pos := src.doc.keys.get((*src.path, key)):
                out.keys[(*path, key)] = pos
            _copy(value, _From(src.doc, src.file, (*src.path, key)), (*path, key), out)
    elif isinstance(data, list):
        for i, value in enumerate(data):
            _copy(value, _From(src.doc, src.file, (*src.path, i)), (*path, i), out)


def merged_yaml(data: Any, filename: str, files: tuple[str, ...]) -> str:
    """The merged configuration as YAML (``--show-merged``), headed by what was merged into it."""
    head = f"# {filename}" + (f", with {', '.join(files)} merged in" if files else " (it extends nothing)")
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)
    return f"{head}\n{body}"
