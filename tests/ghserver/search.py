"""A small, strict implementation of GitHub's issue search syntax (`GET /search/issues?q=...`).

Supported: `repo:o/r`, `author:`, `assignee:`, `is:`/`type:`/`state:` (issue, pr, open, closed,
merged, unmerged, draft, locked), `label:` (comma = OR), `no:label`/`no:assignee`,
`created:`/`updated:`/`closed:`/`merged:` with `<`, `<=`, `>`, `>=`, `a..b`, `in:title,body`,
bare words (substring of title or body) and a leading `-` to negate a qualifier. Anything else
raises `SearchError`, so a test never passes against a qualifier the server silently ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta

from .state import Issue, State, parse_time

_TOKEN = re.compile(r'(-?)(?:(\w+):)?("[^"]*"|\S+)')
Predicate = Callable[[Issue], bool]


class SearchError(ValueError):
    pass


def _bounds(text: str) -> tuple[datetime, datetime]:
    """[start, end) covered by a date (whole day) or a date-time (one second)."""
    if "T" in text:
        start = parse_time(text)
        assert start is not None
        return start, start + timedelta(seconds=1)
    start = parse_time(text + "T00:00:00Z")
    assert start is not None
    return start, start + timedelta(days=1)


def _date_range(text: str) -> tuple[datetime | None, datetime | None]:
    """`>=X`, `>X`, `<=X`, `<X`, `X`, `A..B` (with `*` for open ends) -> [low, high)."""
    if ".." in text:
        low, high = text.split("..", 1)
        return (
            None if low in ("", "*") else _bounds(low)[0],
            None if high in ("", "*") else _bounds(high)[1],
        )
    for op in (">=", "<=", ">", "<"):
        if text.startswith(op):
            start, end = _bounds(text[len(op) :])
            return {">=": (start, None), ">": (end, None), "<=": (None, end), "<": (None, start)}[op]
    return _bounds(text)


def _date_predicate(field: str, text: str) -> Predicate:
    try:
        low, high = _date_range(text)
    except ValueError as exc:
        raise SearchError(f"invalid date qualifier {field}:{text}") from exc

    def matches(issue: Issue) -> bool:
        value: datetime | None = getattr(issue, field)
        return value is not None and (low is None or value >= low) and (high is None or value < high)

    return matches


_IS: dict[str, Predicate] = {
    "issue": lambda i: not i.is_pull,
    "pr": lambda i: i.is_pull,
    "open": lambda i: i.state == "open",
    "closed": lambda i: i.state == "closed",
    "merged": lambda i: i.is_pull and i.merged_at is not None,
    "unmerged": lambda i: i.is_pull and i.merged_at is None and i.state == "closed",
    "draft": lambda i: i.is_pull and i.draft,
    "locked": lambda i: i.locked,
    "unlocked": lambda i: not i.locked,
}
_NO = {"label": "labels", "assignee": "assignees", "milestone": "milestone"}


def _qualifier(key: str, value: str, state: State) -> Predicate:
    lowered = value.lower()
    if key == "repo":
        same_repo = lowered == state.repo.full_name.lower()
        return lambda i: same_repo
    if key == "author":
        return lambda i: i.user.lower() == lowered
    if key == "assignee":
        return lambda i: lowered in (a.lower() for a in i.assignees)
    if key in ("is", "type", "state"):
        kind = {"pull-request": "pr", "pullrequest": "pr"}.get(lowered, lowered)
        if kind not in _IS:
            raise SearchError(f"unsupported {key}:{value}")
        return _IS[kind]
    if key == "label":
        names = {n.lower() for n in value.split(",")}
        return lambda i: any(n.lower() in names for n in i.labels)
    if key == "no" and lowered in _NO:
        attr = _NO[lowered]
        return lambda i: not getattr(i, attr)
    if key in ("created", "updated", "closed", "merged"):
        return _date_predicate(f"{key}_at", value)
    raise SearchError(f"unsupported search qualifier {key}:{value}")


def _negated(pred: Predicate) -> Predicate:
    return lambda i: not pred(i)


def compile_query(q: str, state: State) -> Predicate:
    predicates: list[Predicate] = []
    text_fields: tuple[str, ...] = ("title", "body")
    words: list[str] = []
    for negate, key, raw in _TOKEN.findall(q):
        value = raw[1:-1] if raw.startswith('"') and raw.endswith('"') and len(raw) >= 2 else raw
        key = key.lower()
        if not key:
            if negate or value.upper() in ("AND", "OR", "NOT"):
                raise SearchError(f"unsupported search operator {negate}{value}")
            words.append(value.lower())
        elif key == "in" and not negate:
            text_fields = tuple(value.lower().split(","))
            if not set(text_fields) <= {"title", "body"}:
                raise SearchError(f"unsupported in:{value}")
        else:
            pred = _qualifier(key, value, state)
            predicates.append(_negated(pred) if negate else pred)

    def matches(issue: Issue) -> bool:
        if words:
            text = " ".join((getattr(issue, f) or "") for f in text_fields).lower()
            if not all(w in text for w in words):
                return False
        return all(p(issue) for p in predicates)

    return matches


def search(state: State, q: str, sort: str | None, order: str) -> list[Issue]:
    matches = compile_query(q, state)
    found = [i for i in state.issues.values() if matches(i)]
    if sort in ("created", "updated"):
        found.sort(key=lambda i: (getattr(i, f"{sort}_at"), i.number), reverse=order != "asc")
    elif sort == "comments":
        found.sort(key=lambda i: (len(state.issue_comments(i.number)), i.number), reverse=order != "asc")
    elif sort is not None:
        raise SearchError(f"test server does not sort by {sort}")
    else:  # "best match": newest first is a stable, predictable stand-in
        found.sort(key=lambda i: i.number, reverse=True)
    return found
