"""Load ``.devflow.yml``: YAML with positions → JSON Schema → compiled, frozen ``Config``.

Every problem is collected and reported at once with its line and column; regexes, globs and
templates are compiled here, so a bad one fails at load time, never in the middle of a run.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path as FsPath
from typing import Any, TypeVar

from ..diagnostics import ConfigError, Diagnostic
from ..language.actions import ACTIONS, CompileContext, CompiledAction
from ..language.conditions import CONDITIONS, Leaf
from ..language.patterns import PatternError, compile_globs
from ..language.templates import BUILTIN_TEMPLATES, Template, compile_template
from ..language.tree import AllOf, AnyOf, Node, Not
from ..suggest import did_you_mean
from . import extends, reading, yamlpos
from .digest import parse_digest, parse_notify, post_problem
from .extends import Reader
from .model import Config, LabelSpec, Orchestration, Rule, SizeConfig, StaleConfig
from .onboarding import compile_onboarding
from .review import DEFAULT_HOLD, compile_automerge, compile_commands, compile_reviewers
from .schema import SUPPORTED_VERSION, UNBUILT_SECTIONS
from .validate import schema_diagnostics
from .yamlpos import Document, Path, format_path

T = TypeVar("T")
DEFAULT_PATH = ".devflow.yml"


def load_file(path: str | FsPath, display: str | None = None, reader: Reader | None = None) -> Config:
    """Load a config file; a missing, unreadable, binary or oversized file is its own clear error. Paths
    it extends are read from the repository the file is in, unless ``reader`` says otherwise."""
    shown = display or str(path)
    if reader is None:
        reader = reading.local_reader(reading.repository_root(path))
    return load_bytes(reading.read_file(path, shown), shown, reader)


def load_bytes(data: bytes, filename: str = DEFAULT_PATH, reader: Reader | None = None) -> Config:
    """Load a config read as bytes (a file, or GitHub's contents API); every check of ``reading`` applies.
    ``reader`` reads the repository paths it extends, from the same place the config came from."""
    return load_text(reading.decode(data, filename), filename, reader)


def load_text(text: str, filename: str = DEFAULT_PATH, reader: Reader | None = None) -> Config:
    if len(text) > reading.MAX_BYTES // 4 and len(text.encode("utf-8")) > reading.MAX_BYTES:
        raise reading.too_large(len(text.encode("utf-8")), filename)
    doc, merged_from = extends.resolve(yamlpos.parse(text, filename), filename, reader)
    return _Loader(doc, filename, merged_from).load()


class _Loader:
    def __init__(self, doc: Document, filename: str, merged_from: tuple[str, ...] = ()) -> None:
        self.doc = doc
        self.filename = filename
        self.merged_from = merged_from
        self.problems: list[Diagnostic] = []

    def at(self, path: Path, message: str, severity: str = "error", *, key: bool = False) -> None:
        line, col = self.doc.where(path, key=key)
        self.problems.append(
            Diagnostic(
                line,
                col,
                format_path(path),
                message,
                "warning" if severity == "warning" else "error",
                self.doc.file_at(path, self.filename),
            )
        )

    def guard(self, path: Path, make: Callable[[], T]) -> T | None:
        try:
            return make()
        except PatternError as exc:
            self.at(path, str(exc))
            return None

    def load(self) -> Config:
        data = self.doc.data
        if data is None:
            raise ConfigError(
                [Diagnostic(1, 1, "", "the file is empty; start it with `version: 1`", file=self.filename)]
            )
        if not isinstance(data, dict):
            self.at((), "the file must be a mapping of sections (version, labels, rules, ...)")
            raise ConfigError(self.problems)
        version = data.get("version")
        if isinstance(version, int | float) and not isinstance(version, bool) and version > SUPPORTED_VERSION:
            self.at(
                ("version",),
                f"version {version} is newer than this release of Devflow supports "
                f"({SUPPORTED_VERSION}); upgrade the action or lower the version",
            )
            raise ConfigError(self.problems)
        self.problems += schema_diagnostics(self.doc, self.filename)
        broken = {d.path for d in self.problems}

        def clean(path: Path) -> bool:
            prefix = format_path(path)
            return not any(b == prefix or b.startswith((prefix + ".", prefix + "[")) for b in broken)

        templates = dict(BUILTIN_TEMPLATES)
        for name, text in _mapping(data.get("templates")).items():
            if not clean(("templates", name)):
                continue
            if self.guard(("templates", name), partial(compile_template, text)) is not None:
                templates[name] = text
        labels = self._labels(data["labels"]) if isinstance(data.get("labels"), dict) and clean(("labels",)) else None
        rules = []
        names: dict[str, int] = {}
        for i, raw in enumerate(data["rules"] if isinstance(data.get("rules"), list) else []):
            rule = self._rule(raw, ("rules", i), templates, clean)
            if rule is None:
                continue
            if rule.name in names:
                self.at(
                    ("rules", i, "name"),
                    f"duplicate rule name '{rule.name}' (also rules[{names[rule.name]}])",
                )
            names.setdefault(rule.name, i)
            rules.append(rule)
        size = self._size(data["size"]) if "size" in data and clean(("size",)) else None
        onboarding = None
        if isinstance(data.get("onboarding"), dict) and clean(("onboarding",)):
            onboarding = compile_onboarding(data["onboarding"], self.at)
        commands = compile_commands(data["commands"]) if _section(data, "commands", clean) else None
        reviewers = None
        if _section(data, "reviewers", clean):
            reviewers = self.guard(("reviewers", "paths"), lambda: compile_reviewers(data["reviewers"]))
        automerge = None
        if _section(data, "automerge", clean):
            raw = data["automerge"]
            condition = (
                self._condition(raw["if"], ("automerge", "if"), clean) if isinstance(raw.get("if"), dict) else None
            )
            if condition is not None or "if" not in raw:
                hold = commands.label_of("hold") if commands is not None else DEFAULT_HOLD
                automerge = compile_automerge(raw, condition, hold)
        orchestration = None
        if isinstance(data.get("orchestration"), dict) and clean(("orchestration",)):
            raw = data["orchestration"]
            orchestration = Orchestration(raw.get("url_env"), bool(raw.get("state_required", False)))
        stale = self._stale(data["stale"] or {}, templates, clean) if "stale" in data and clean(("stale",)) else None
        if clean(("digest",)) and (problem := post_problem((data.get("digest") or {}).get("post"))):
            self.at(("digest", "post"), problem)
        digest = parse_digest(data["digest"] or {}) if "digest" in data and clean(("digest",)) else None
        notify = parse_notify(data["notify"] or {}) if "notify" in data and clean(("notify",)) else None
        for section in UNBUILT_SECTIONS:
            if section in data:
                self.at(
                    (section,),
                    f"the '{section}' section is accepted but not built in this release yet; it has no effect",
                    "warning",
                    key=True,
                )
        if labels is not None:
            declared = {spec.name for spec in labels}
            if stale is not None and stale.label.casefold() not in {n.casefold() for n in declared}:
                self.at(("stale", "label"), f"label '{stale.label}' is not declared under `labels`", "warning")
            for rule in rules:
                i = names[rule.name]
                for j, action in enumerate(rule.actions):
                    for name in action.labels:
                        if name not in declared:
                            self.at(
                                ("rules", i, "then", j, action.name),
                                f"label '{name}' is not declared under `labels`",
                                "warning",
                            )
        errors = [d for d in self.problems if d.severity == "error"]
        if errors:
            raise ConfigError(self.problems)
        return Config(
            version=int(version or SUPPORTED_VERSION),
            rules=tuple(rules),
            labels=labels,
            size=size,
            onboarding=onboarding,
            commands=commands,
            reviewers=reviewers,
            automerge=automerge,
            orchestration=orchestration,
            stale=stale,
            labels_prune=bool(data.get("labels_prune", False)),
            digest=digest,
            notify=notify,
            sections=tuple((s, data[s]) for s in UNBUILT_SECTIONS if s in data),
            warnings=tuple(sorted(self.problems)),
            path=self.filename,
            extends=self.merged_from,
            merged=data,
        )

    def _labels(self, raw: dict[str, Any] | None) -> tuple[LabelSpec, ...] | None:
        if raw is None:
            return None
        specs = tuple(
            LabelSpec(
                name,
                (spec or {}).get("color", "").lower() or None,
                (spec or {}).get("description"),
                tuple((spec or {}).get("aliases", ())),
            )
            for name, spec in raw.items()
        )
        # GitHub matches label names ignoring case: two spellings of one name are one label.
        owner: dict[str, str] = {}
        for spec in specs:
            key = spec.name.casefold()
            if key in owner:
                self.at(
                    ("labels", spec.name),
                    f"label '{spec.name}' is also declared as '{owner[key]}' (GitHub ignores case)",
                    key=True,
                )
            owner.setdefault(key, spec.name)
        for spec in specs:
            for i, alias in enumerate(spec.aliases):
                other = owner.get(alias.casefold())
                if other is not None:
                    what = "the label itself" if other == spec.name else f"a declared label ('{other}')"
                    self.at(("labels", spec.name, "aliases", i), f"alias '{alias}' is {what}")
                    continue
                owner[alias.casefold()] = spec.name
        return specs

    def _stale(
        self, raw: dict[str, Any], templates: dict[str, str], clean: Callable[[Path], bool]
    ) -> StaleConfig | None:
        path: Path = ("stale",)
        ok = True
        if raw.get("only_issues") and raw.get("only_prs"):
            self.at((*path, "only_prs"), "`only_issues` and `only_prs` exclude each other: keep one")
            ok = False
        comments: dict[str, Template | None] = {}
        for key, default in (("comment", "stale"), ("close_comment", "stale-close")):
            name = raw.get(key, default)
            if name is False:
                comments[key] = None
            elif name not in templates:
                hint = did_you_mean(name, templates) or f"; known: {', '.join(sorted(templates))}"
                self.at((*path, key), f"unknown template '{name}'{hint}")
                ok = False
            else:
                comments[key] = compile_template(templates[name])
        exempt_if = None
        if isinstance(raw.get("exempt_if"), dict):
            exempt_if = self._condition(raw["exempt_if"], (*path, "exempt_if"), clean)
            ok = ok and exempt_if is not None
        if not ok:
            return None
        return StaleConfig(
            label=raw.get("label", "stale"),
            after_days=raw.get("after_days", 60),
            close_after_days=raw.get("close_after_days"),
            close_reason=raw.get("close_reason", "not_planned"),
            comment=comments["comment"],
            close_comment=comments["close_comment"],
            exempt_labels=tuple(raw.get("exempt_labels", ())),
            exempt_assignees=bool(raw.get("exempt_assignees", False)),
            exempt_milestones=bool(raw.get("exempt_milestones", False)),
            exempt_draft=bool(raw.get("exempt_draft", False)),
            exempt_if=exempt_if,
            only_issues=bool(raw.get("only_issues", False)),
            only_prs=bool(raw.get("only_prs", False)),
            operations_per_run=raw.get("operations_per_run"),
        )

    def _rule(
        self, raw: dict[str, Any], path: Path, templates: dict[str, str], clean: Callable[[Path], bool]
    ) -> Rule | None:
        """Compile the parts of a rule that passed the schema, so their errors show in the same run."""
        if not isinstance(raw, dict):
            return None
        ok = clean(path)
        condition = None
        if isinstance(raw, dict) and isinstance(raw.get("if"), dict):
            condition = self._condition(raw["if"], (*path, "if"), clean)
            ok = ok and condition is not None
        then = raw.get("then")
        actions: list[CompiledAction] = []
        for j, item in enumerate(then if isinstance(then, list) else []):
            if not clean((*path, "then", j)):
                continue
            ((name, value),) = item.items()
            ctx = CompileContext(str(raw.get("name", "")), j, templates)
            compiled = self.guard((*path, "then", j, name), partial(ACTIONS[name].compile, value, ctx))
            if compiled is None:
                ok = False
            else:
                actions.append(compiled)
        if not ok:
            return None
        on = raw["on"]
        return Rule(
            name=raw["name"],
            events=frozenset([on] if isinstance(on, str) else on),
            condition=condition,
            actions=tuple(actions),
            sync=bool(raw.get("sync", False)),
            line=self.doc.where(path)[0],
        )

    def _condition(self, raw: dict[str, Any], path: Path, clean: Callable[[Path], bool]) -> Node | None:
        parts: list[Node] = []
        ok = True
        for key, value in raw.items():
            node: Node | None
            if key not in CONDITIONS and key not in ("all", "any", "not"):
                ok = False
                continue
            if key in ("all", "any") and isinstance(value, list):
                children = [
                    self._condition(v, (*path, key, i), clean) if isinstance(v, dict) else None
                    for i, v in enumerate(value)
                ]
                if any(c is None for c in children):
                    ok = False
                    continue
                kids = tuple(c for c in children if c is not None)
                node = AllOf(kids) if key == "all" else AnyOf(kids)
            elif key == "not" and isinstance(value, dict):
                child = self._condition(value, (*path, key), clean)
                node = Not(child) if child is not None else None
            elif key in ("all", "any", "not") or not clean((*path, key)):
                node = None
            else:
                leaves = self._leaves(key, value, (*path, key))
                node = (leaves[0] if len(leaves) == 1 else AllOf(tuple(leaves))) if leaves is not None else None
            if node is None:
                ok = False
            else:
                parts.append(node)
        if not ok or not parts:
            return None
        return parts[0] if len(parts) == 1 else AllOf(tuple(parts))

    def _leaves(self, key: str, value: Any, path: Path) -> list[Leaf] | None:
        """Compile one condition, locating a bad regex or glob at its operator."""
        if isinstance(value, dict) and not CONDITIONS[key].whole:
            leaves: list[Leaf] = []
            for op, arg in value.items():
                got = self.guard((*path, op), partial(CONDITIONS[key].compile, {op: arg}))
                if got is None:
                    return None
                leaves += got
            return leaves
        return self.guard(path, lambda: CONDITIONS[key].compile(value))

    def _size(self, raw: dict[str, Any]) -> SizeConfig | None:
        buckets = tuple(raw["thresholds"].items())
        limits = [n for _, n in buckets]
        if limits != sorted(limits) or len(set(limits)) != len(limits):
            self.at(
                ("size", "thresholds"),
                "thresholds must be in ascending order of lines, each larger than the last",
            )
            return None
        ignore = None
        if raw.get("ignore"):
            ignore = self.guard(("size", "ignore"), lambda: compile_globs(raw["ignore"]))
            if ignore is None:
                return None
        return SizeConfig(buckets, raw.get("above", "XL"), raw.get("prefix", "size/"), ignore)


def _section(data: dict[str, Any], name: str, clean: Callable[[Path], bool]) -> bool:
    return isinstance(data.get(name), dict) and clean((name,))


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
