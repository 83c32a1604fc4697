"""The conditions a rule's ``if`` can use: an explicit registry, one entry per condition.

Each entry brings its JSON Schema fragment (the committed schema is generated from this table, so the
two cannot drift), a doc line with an example (docs/rules.md mirrors them), the facts it needs
beyond the payload, and a compiler that turns the config's value into leaves: small closures that
answer True, False, or None when a fact they need is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..events.model import Author, Event, Facts
from . import difficulty as dif
from .patterns import compile_globs, compile_regex

Test = Callable[[Event, Facts], bool | None]
Schema = dict[str, Any]

ASSOCIATIONS = (
    "OWNER", "MEMBER", "COLLABORATOR", "CONTRIBUTOR",
    "FIRST_TIMER", "FIRST_TIME_CONTRIBUTOR", "MANNEQUIN", "NONE",
)  # fmt: skip
CHECK_STATES = ("success", "failure", "pending")


@dataclass(frozen=True)
class Leaf:
    """One test, e.g. ``title matches '(?i)bug'``. ``facts``: what it reads beyond the payload."""

    description: str
    test: Test
    facts: frozenset[str] = frozenset()
    # The explanation for one event, when it says more than the description (the difficulty's reasons).
    explain: Callable[[Event, Facts], str] | None = None


@dataclass(frozen=True)
class ConditionSpec:
    name: str
    doc: str
    example: str
    schema: Schema
    compile: Callable[[Any], list[Leaf]]  # leaves declare the facts they need
    whole: bool = False  # compile the mapping at once (its options apply to every operator in it)


def _desc(doc: str, schema: Schema) -> Schema:
    return {"description": doc, **schema}


# --- text: title, body, comment, base, head -------------------------------------------------------

TEXT_OPERATORS: dict[str, Schema] = {
    "equals": {"type": "string", "description": "The whole text equals this (case-sensitive)."},
    "in": {"type": "array", "items": {"type": "string"}, "description": "The text is one of these."},
    "contains": {"type": "string", "description": "The text contains this, ignoring case."},
    "matches": {
        "type": "string",
        "description": "RE2 regular expression searched in the text; (?i) makes it ignore case.",
    },
}


def _text_schema(doc: str) -> Schema:
    return {
        "description": doc + " A string is shorthand for {equals: ...}.",
        "type": ["string", "object"],
        "properties": TEXT_OPERATORS,
        "additionalProperties": False,
        "minProperties": 1,
        "x-kind": "operator",
    }


def _text_leaves(field: str, get: Callable[[Event], str | None], value: Any) -> list[Leaf]:
    ops = {"equals": value} if isinstance(value, str) else value
    leaves = []
    for op, arg in ops.items():
        leaves.append(_text_leaf(field, get, op, arg))
    return leaves


def _text_leaf(field: str, get: Callable[[Event], str | None], op: str, arg: Any) -> Leaf:
    if op == "equals":
        return Leaf(f"{field} equals '{arg}'", lambda e, f: get(e) == arg)
    if op == "in":
        options = frozenset(arg)
        return Leaf(f"{field} in {sorted(options)!r}", lambda e, f: get(e) in options)
    if op == "contains":
        needle = arg.casefold()
        return Leaf(f"{field} contains '{arg}'", lambda e, f: needle in (get(e) or "").casefold())
    regex = compile_regex(arg)
    return Leaf(f"{field} matches '{arg}'", lambda e, f: regex.search(get(e) or ""))


def _text(name: str, doc: str, example: str, get: Callable[[Event], str | None]) -> ConditionSpec:
    return ConditionSpec(name, doc, example, _text_schema(doc), lambda v: _text_leaves(name, get, v))


# --- numbers: additions, deletions, changed_lines, age_days, approvals ----------------------------

NUMBER_OPERATORS: dict[str, Schema] = {
    "equals": {"type": "integer", "description": "Exactly this number."},
    "at_least": {"type": "integer", "description": "This number or more."},
    "at_most": {"type": "integer", "description": "This number or fewer."},
}


def _number(
    name: str,
    doc: str,
    example: str,
    get: Callable[[Event, Facts], int | None],
    facts: frozenset[str] = frozenset(),
) -> ConditionSpec:
    def compile_number(value: Any) -> list[Leaf]:
        # JSON Schema counts 2.0 as an integer, so a number here may be a float
        ops = {"equals": value} if isinstance(value, int | float) else value
        leaves = []
        for op, arg in ops.items():
            leaves.append(Leaf(f"{name} {op.replace('_', ' ')} {arg}", _number_test(get, op, arg), facts))
        return leaves

    schema = {
        "description": doc + " A number is shorthand for {equals: ...}.",
        "type": ["integer", "object"],
        "properties": NUMBER_OPERATORS,
        "additionalProperties": False,
        "minProperties": 1,
        "x-kind": "operator",
    }
    return ConditionSpec(name, doc, example, schema, compile_number)


def _number_test(get: Callable[[Event, Facts], int | None], op: str, arg: float) -> Test:
    def test(e: Event, f: Facts) -> bool | None:
        n = get(e, f)
        if n is None:
            return None
        return n == arg if op == "equals" else n >= arg if op == "at_least" else n <= arg

    return test


def _changed_lines(e: Event, f: Facts) -> int | None:
    if e.additions is not None and e.deletions is not None:
        return e.additions + e.deletions
    if f.files is not None:
        return sum(c.additions + c.deletions for c in f.files)
    return None if e.kind == "pull_request" else 0


def _age_days(e: Event, f: Facts) -> int | None:
    if f.now is None or e.created_at is None:
        return None
    return (f.now - e.created_at).days


# --- difficulty (language/difficulty.py) ------------------------------------------------------------


def _difficulty(value: Any) -> list[Leaf]:
    return [
        Leaf(
            f"difficulty {c.words}",
            lambda e, f, c=c: c.holds(e, f.current_labels(e)),  # type: ignore[misc]
            explain=lambda e, f, c=c: c.explain(e, f.current_labels(e)),  # type: ignore[misc]
        )
        for c in dif.compile_difficulty(value, tuple(NUMBER_OPERATORS))
    ]


# --- labels -----------------------------------------------------------------------------------------

_NAMES: Schema = {"type": ["string", "array"], "items": {"type": "string"}, "minItems": 1}


def _labels(value: Any) -> list[Leaf]:
    return [_label_leaf(op, arg) for op, arg in value.items()]


def _label_leaf(op: str, arg: Any) -> Leaf:
    if op == "matches":
        regex = compile_regex(arg)
        return Leaf(f"a label matches '{arg}'", lambda e, f: any(regex.search(n) for n in f.current_labels(e)))
    names = frozenset([arg] if isinstance(arg, str) else arg)
    shown = sorted(names)
    if op == "has":
        return Leaf(f"labels has {shown}", lambda e, f: names <= set(f.current_labels(e)))
    if op == "any":
        return Leaf(f"labels any of {shown}", lambda e, f: not names.isdisjoint(f.current_labels(e)))
    return Leaf(f"labels none of {shown}", lambda e, f: names.isdisjoint(f.current_labels(e)))


# --- author -----------------------------------------------------------------------------------------


def _person(field: str, who: Callable[[Event], Author | None]) -> Callable[[Any], list[Leaf]]:
    def compile_person(value: Any) -> list[Leaf]:
        leaves: list[Leaf] = []
        for key, arg in value.items():
            if key == "login":
                leaves += _text_leaves(f"{field}.login", lambda e: _login(who(e)), arg)
            else:
                leaves.append(_person_leaf(field, who, key, arg))
        return leaves

    return compile_person


def _login(person: Author | None) -> str | None:
    return person.login if person else None


def _person_leaf(field: str, who: Callable[[Event], Author | None], key: str, arg: Any) -> Leaf:
    if key == "association":
        allowed = frozenset([arg] if isinstance(arg, str) else arg)
        return Leaf(f"{field}.association in {sorted(allowed)}", lambda e, f: _association(who(e)) in allowed)
    want = bool(arg)
    if key == "bot":
        return Leaf(f"{field}.bot is {str(want).lower()}", lambda e, f: _is_bot(who(e)) == want)
    return Leaf(f"{field}.first_contribution is {str(want).lower()}", _first(want), frozenset({"first_contribution"}))


def _association(person: Author | None) -> str | None:
    return person.association if person else None


def _is_bot(person: Author | None) -> bool | None:
    return person.bot if person else None


def _first(want: bool) -> Test:
    def test(e: Event, f: Facts) -> bool | None:
        known = e.author.first_contribution if e.author else None
        if known is None:
            known = f.first_contribution
        return None if known is None else known == want

    return test


# --- files --------------------------------------------------------------------------------------


def _files(value: Any) -> list[Leaf]:
    leaves = []
    for op, patterns in value.items():
        globs = compile_globs([patterns] if isinstance(patterns, str) else patterns)
        leaves.append(Leaf(f"files {op} {list(globs.patterns)}", _files_test(op, globs.match), frozenset({"files"})))
    return leaves


def _files_test(op: str, match: Callable[[str], bool]) -> Test:
    def test(e: Event, f: Facts) -> bool | None:
        if e.kind != "pull_request":
            return False
        if f.files is None:
            return None
        names = [c.filename for c in f.files]
        if op == "any":
            return any(match(n) for n in names)
        if op == "all":
            return bool(names) and all(match(n) for n in names)
        return not any(match(n) for n in names)

    return test


# --- flags and states -------------------------------------------------------------------------------


def _draft(value: Any) -> list[Leaf]:
    want = bool(value)
    return [Leaf(f"draft is {str(want).lower()}", lambda e, f: e.kind == "pull_request" and bool(e.draft) == want)]


def _checks(value: Any) -> list[Leaf]:
    allowed = frozenset([value] if isinstance(value, str) else value["in"])
    return [
        Leaf(
            f"checks in {sorted(allowed)}",
            lambda e, f: None if f.checks is None else f.checks in allowed,
            frozenset({"checks"}),
        )
    ]


def _one_or_list(values: tuple[str, ...], doc: str) -> Schema:
    return {
        "description": doc,
        "anyOf": [
            {"type": "string", "enum": list(values)},
            {"type": "array", "items": {"type": "string", "enum": list(values)}, "minItems": 1},
        ],
    }


def _person_schema(doc: str, first_contribution: bool = False) -> Schema:
    props: Schema = {
        "login": _text_schema("The login."),
        "association": _one_or_list(ASSOCIATIONS, "GitHub's author_association, one value or a list."),
        "bot": {"type": "boolean", "description": "The account is a bot."},
    }
    if first_contribution:
        props["first_contribution"] = {
            "type": "boolean",
            "description": "The author has not opened an issue or pull request here before.",
        }
    return {
        "description": doc,
        "type": "object",
        "properties": props,
        "additionalProperties": False,
        "minProperties": 1,
        "x-kind": "field",
    }


_GLOBS: Schema = {
    "type": ["string", "array"],
    "items": {"type": "string"},
    "minItems": 1,
}

CONDITIONS: dict[str, ConditionSpec] = {
    spec.name: spec
    for spec in [
        _text(
            "title",
            "Title of the issue or pull request.",
            "title: {matches: '(?i)\\bcrash\\b'}",
            lambda e: e.title,
        ),
        _text(
            "body",
            "Body of the issue or pull request.",
            "body: {contains: Steps to reproduce}",
            lambda e: e.body,
        ),
        _text(
            "comment",
            "Body of the comment or review the event is about (issue_comment, pull_request_review).",
            "comment: {matches: '^/retest\\b'}",
            lambda e: e.comment,
        ),
        _text("base", "Base branch of the pull request.", "base: main", lambda e: e.base),
        _text("head", "Head branch of the pull request.", "head: {matches: '^release/'}", lambda e: e.head),
        _text("state", "State of the issue or pull request: open or closed.", "state: open", lambda e: e.state),
        ConditionSpec(
            "labels",
            "Labels currently on the issue or pull request.",
            "labels: {has: [bug], none: [wontfix]}",
            {
                "description": "Labels currently on the issue or pull request.",
                "type": "object",
                "properties": {
                    "has": _desc("All of these labels are present.", _NAMES),
                    "any": _desc("At least one of these labels is present.", _NAMES),
                    "none": _desc("None of these labels is present.", _NAMES),
                    "matches": {
                        "type": "string",
                        "description": "Some label matches this RE2 regular expression.",
                    },
                },
                "additionalProperties": False,
                "minProperties": 1,
                "x-kind": "operator",
            },
            _labels,
        ),
        ConditionSpec(
            "author",
            "Who opened the issue or pull request (on comment events too).",
            "author: {first_contribution: true}",
            _person_schema("Who opened the issue or pull request.", first_contribution=True),
            _person("author", lambda e: e.author),
        ),
        ConditionSpec(
            "commenter",
            "Who wrote the comment or review the event is about (issue_comment, pull_request_review).",
            "commenter: {association: [OWNER, MEMBER, COLLABORATOR]}",
            _person_schema("Who wrote the comment or review."),
            _person("commenter", lambda e: e.comment_author),
        ),
        ConditionSpec(
            "files",
            "Paths changed by the pull request, matched with gitignore-style globs (`**`, `!` negation).",
            "files: {all: ['docs/**', '**/*.md']}",
            {
                "description": "Paths changed by the pull request (gitignore-style globs; `!` negates).",
                "type": "object",
                "properties": {
                    "any": _desc("At least one changed file matches.", _GLOBS),
                    "all": _desc("Every changed file matches.", _GLOBS),
                    "none": _desc("No changed file matches.", _GLOBS),
                },
                "additionalProperties": False,
                "minProperties": 1,
                "x-kind": "operator",
            },
            _files,
        ),
        _number(
            "additions",
            "Lines added by the pull request.",
            "additions: {at_least: 500}",
            lambda e, f: e.additions,
        ),
        _number(
            "deletions",
            "Lines deleted by the pull request.",
            "deletions: {at_most: 10}",
            lambda e, f: e.deletions,
        ),
        _number(
            "changed_lines",
            "Lines added plus lines deleted.",
            "changed_lines: {at_least: 1000}",
            _changed_lines,
        ),
        _number(
            "age_days",
            "Whole days since the issue or pull request was opened.",
            "age_days: {at_least: 30}",
            _age_days,
        ),
        _number(
            "approvals",
            "Approving reviews on the pull request (latest review per reviewer).",
            "approvals: {at_least: 1}",
            lambda e, f: f.approvals if e.kind == "pull_request" else 0,
            frozenset({"approvals"}),
        ),
        ConditionSpec(
            "difficulty",
            "How hard an issue looks to a newcomer, from its labels, description length, the files it names, "
            "reproduction steps and links to the code; the plan's explanation shows the reasons.",
            "difficulty: {at_most: 2}",
            dif.schema(NUMBER_OPERATORS),
            _difficulty,
            whole=True,
        ),
        ConditionSpec(
            "draft",
            "The pull request is a draft (always false for issues).",
            "draft: false",
            {"type": "boolean", "description": "The pull request is a draft (always false for issues)."},
            _draft,
        ),
        ConditionSpec(
            "checks",
            "Combined state of the head commit's checks and statuses: success, failure or pending.",
            "checks: success",
            {
                "description": "Combined state of the head commit's checks: success, failure or pending.",
                "anyOf": [
                    {"type": "string", "enum": list(CHECK_STATES)},
                    {
                        "type": "object",
                        "properties": {
                            "in": {
                                "type": "array",
                                "items": {"type": "string", "enum": list(CHECK_STATES)},
                                "description": "The state is one of these.",
                            }
                        },
                        "required": ["in"],
                        "additionalProperties": False,
                    },
                ],
            },
            _checks,
        ),
    ]
}
