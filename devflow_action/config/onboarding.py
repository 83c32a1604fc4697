"""The ``onboarding`` section: the contributor checklist, compiled once at load.

The same items serve twice: Devflow keeps them, ticked where it can verify them (``check``), in one
comment on a pull request (engine/checklist.py), and ``devflow check`` runs the ones with ``run`` on
the contributor's machine. ``branch`` and ``commits`` are RE2 patterns that ``devflow check`` (and the
``branch`` check) hold branch names and commit messages to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..language.patterns import Globs, PatternError, Regex, compile_globs, compile_regex
from .yamlpos import Path

# Kinds of `check`: what Devflow can verify from GitHub about a pull request.
CHECK_KINDS: dict[str, str] = {
    "template": "the pull request template's sections are filled in (not only its hints)",
    "linked_issue": "the description links an issue (`Fixes #123`)",
    "tests": "tests changed when source changed (`source` and `tests` globs)",
    "ci": "the head commit's checks and statuses passed",
    "branch": "the branch name matches `onboarding.branch`",
}
ON = ("first_timers", "all")


@dataclass(frozen=True)
class Check:
    kind: str
    sections: tuple[str, ...] = ()  # template: headings that must be filled; empty: every heading
    source: Globs | None = None  # tests: files that count as source
    tests: Globs | None = None  # tests: files that count as tests


@dataclass(frozen=True)
class ChecklistItem:
    id: str
    text: str
    run: str | None = None  # what `devflow check` runs for it
    check: Check | None = None  # what Devflow verifies on the pull request
    required: bool = True


@dataclass(frozen=True)
class Onboarding:
    checklist: tuple[ChecklistItem, ...] = ()
    on: str = "first_timers"  # whose pull requests get the tracked comment: first_timers | all
    branch: Regex | None = None
    commits: Regex | None = None

    def item(self, ident: str) -> ChecklistItem | None:
        return next((i for i in self.checklist if i.id == ident), None)


Report = Callable[[Path, str], None]


def compile_onboarding(raw: dict[str, Any], at: Report) -> Onboarding | None:
    """``raw`` passed the schema. Every problem is reported through ``at(path, message)``; None if any."""
    ok = True
    patterns: dict[str, Regex | None] = {}
    for key in ("branch", "commits"):
        patterns[key] = None
        if key in raw:
            try:
                patterns[key] = compile_regex(raw[key])
            except PatternError as exc:
                at(("onboarding", key), str(exc))
                ok = False
    items: list[ChecklistItem] = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(raw.get("checklist") or []):
        where: Path = ("onboarding", "checklist", i)
        if entry["id"] in seen:
            at((*where, "id"), f"duplicate checklist id '{entry['id']}' (also checklist[{seen[entry['id']]}])")
            ok = False
        seen.setdefault(entry["id"], i)
        check = None
        if "check" in entry:
            check = _check(entry["check"], (*where, "check"), at, has_branch="branch" in raw)
            ok = ok and check is not None
        items.append(ChecklistItem(entry["id"], entry["text"], entry.get("run"), check, entry.get("required", True)))
    if not ok:
        return None
    return Onboarding(tuple(items), raw.get("on", "first_timers"), patterns["branch"], patterns["commits"])


def _check(raw: Any, where: Path, at: Report, *, has_branch: bool) -> Check | None:
    spec = {raw: True} if isinstance(raw, str) else raw
    if len(spec) != 1:
        at(where, f"one kind of check per item; found {len(spec)}: {', '.join(spec)}")
        return None
    ((kind, options),) = spec.items()
    if options is False:
        at((*where, kind), f"`{kind}: false` checks nothing: remove `check` instead")
        return None
    if kind == "branch" and not has_branch:
        at(where, "the `branch` check needs a pattern in `onboarding.branch`")
        return None
    if kind == "tests":
        assert isinstance(options, dict)
        try:
            return Check(kind, source=compile_globs(options["source"]), tests=compile_globs(options["tests"]))
        except PatternError as exc:
            at((*where, kind), str(exc))
            return None
    if kind == "template" and isinstance(options, dict):
        return Check(kind, sections=tuple(options.get("sections") or ()))
    return Check(kind)


def schema() -> dict[str, Any]:
    """The section's JSON Schema fragment (config/schema.py places it)."""

    def obj(doc: str, props: dict[str, Any], **extra: Any) -> dict[str, Any]:
        return {"description": doc, "type": "object", "properties": props, "additionalProperties": False, **extra}

    globs = {"type": "array", "items": {"type": "string"}, "minItems": 1}
    flag = {"type": "boolean"}
    check_object = obj(
        "One kind of check with its options.",
        {
            "template": {
                "description": "The PR template's sections are filled in: `true` (every `#` heading), or "
                "{sections: [...]} naming the headings that must be.",
                "anyOf": [
                    flag,
                    obj(
                        "Options.",
                        {"sections": {"description": "Headings that must be filled in.", **globs}},
                        required=["sections"],
                    ),
                ],
            },
            "linked_issue": {"description": CHECK_KINDS["linked_issue"] + ": `true`.", **flag},
            "ci": {"description": CHECK_KINDS["ci"] + ": `true`.", **flag},
            "branch": {"description": CHECK_KINDS["branch"] + ": `true`.", **flag},
            "tests": obj(
                "Tests changed when source changed.",
                {
                    "source": {"description": "Globs of source files.", **globs},
                    "tests": {"description": "Globs of test files.", **globs},
                },
                required=["source", "tests"],
            ),
        },
        minProperties=1,
        **{"x-kind": "check"},
    )
    check = {
        "description": "What Devflow verifies on the pull request: a kind (`template`, `linked_issue`, `ci`, "
        "`branch`), or {kind: options} (`tests` needs `source` and `tests` globs).",
        "anyOf": [
            {"type": "string", "enum": [k for k in CHECK_KINDS if k != "tests"], "x-kind": "check"},
            check_object,
        ],
    }
    item = obj(
        "A checklist item.",
        {
            "id": {
                "type": "string",
                "pattern": "^[A-Za-z0-9][A-Za-z0-9_.-]*$",
                "description": "Stable id: `devflow check --only ID`, and the hidden marker tracking the item.",
                "x-hint": "use letters, digits, '.', '_' and '-'",
            },
            "text": {"type": "string", "minLength": 1, "description": "What to do, as the contributor reads it."},
            "run": {
                "type": "string",
                "minLength": 1,
                "description": "Command `devflow check` runs for this item, in the repository root.",
            },
            "check": check,
            "required": {
                "type": "boolean",
                "description": "Whether the item must pass (default true): `devflow check` exits 1 when a "
                "required step fails.",
            },
        },
        required=["id", "text"],
    )
    return obj(
        "Onboarding: the checklist Devflow keeps up to date on pull requests and `devflow check` runs locally.",
        {
            "on": {
                "enum": list(ON),
                "description": "Whose pull requests get the tracked checklist comment: first_timers (default) or all.",
            },
            "branch": {"type": "string", "description": "RE2 pattern branch names must match."},
            "commits": {
                "type": "string",
                "description": "RE2 pattern the first line of every commit message must match.",
            },
            "checklist": {"type": "array", "items": item, "description": "Items a contributor goes through."},
        },
    )
