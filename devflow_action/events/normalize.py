"""Runner events and webhook deliveries → one immutable ``Event``. One normaliser per event family.

Unknown events and actions are skipped with a reason, never a crash. All comment-like events
(issue_comment, pull_request_review) are folded onto the issue or pull request they belong to.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from .catalog import EVENT_ACTIONS, TRIGGER_ALIASES
from .model import Author, Event

# Events about a comment or review, and the payload key that holds it.
COMMENT_KEYS = {"issue_comment": "comment", "pull_request_review": "review"}


class PayloadError(ValueError):
    """The payload is not what the event's name says it should be."""


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _author(user: Any, association: Any) -> Author | None:
    user = _dict(user)
    if "login" not in user:
        return None
    login = str(user["login"])
    return Author(
        login=login,
        association=str(association or "NONE"),
        bot=user.get("type") == "Bot" or login.endswith("[bot]"),
    )


def _labels(item: dict[str, Any]) -> tuple[str, ...]:
    return tuple(
        str(label["name"]) for label in item.get("labels") or [] if isinstance(label, dict) and "name" in label
    )


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def normalize(name: str, payload: Mapping[str, Any]) -> Event:
    """``name`` is the event name (``GITHUB_EVENT_NAME`` or ``X-GitHub-Event``); the action comes from
    the payload."""
    if not isinstance(payload, Mapping):
        raise PayloadError("the event payload must be a JSON object")
    trigger = name
    name = TRIGGER_ALIASES.get(name, name)
    action = payload.get("action") if isinstance(payload.get("action"), str) else None
    repository = str(_dict(payload.get("repository")).get("full_name", ""))
    sender = str(_dict(payload.get("sender")).get("login", ""))
    base = Event(
        name=name,
        action=action,
        trigger=trigger,
        repository=repository,
        sender=sender,
        trusted=trigger != "pull_request_target",
    )
    if name not in EVENT_ACTIONS:
        return _skip(base, f"Devflow's rules do not handle '{trigger}' events")
    if action is not None and action not in EVENT_ACTIONS[name]:
        return _skip(base, f"the action '{action}' of '{trigger}' events is not handled")
    key = "pull_request" if name in ("pull_request", "pull_request_review") else "issue"
    item = payload.get(key)
    if not isinstance(item, dict):
        raise PayloadError(f"a '{trigger}' payload must have a '{key}' object")
    event = _from_pull(base, item) if key == "pull_request" else _from_issue(base, item)
    if name in COMMENT_KEYS:  # comment-like events are folded onto their issue or pull request
        comment = _dict(payload.get(COMMENT_KEYS[name]))
        event = _replace(
            event,
            comment=str(comment.get("body") or ""),
            comment_author=_author(comment.get("user"), comment.get("author_association")),
            comment_id=_int(comment.get("id")),
        )
    return event


def _replace(event: Event, **changes: Any) -> Event:
    return replace(event, **changes)


def _skip(event: Event, reason: str) -> Event:
    return _replace(event, skipped=reason)


def _common(event: Event, item: dict[str, Any]) -> dict[str, Any]:
    return {
        "number": _int(item.get("number")),
        "title": str(item.get("title") or ""),
        "body": str(item.get("body") or ""),
        "labels": _labels(item),
        "author": _author(item.get("user"), item.get("author_association")),
        "assignees": tuple(
            str(a["login"]) for a in item.get("assignees") or [] if isinstance(a, dict) and "login" in a
        ),
        "state": item.get("state") if isinstance(item.get("state"), str) else None,
        "created_at": _time(item.get("created_at")),
        "updated_at": _time(item.get("updated_at")),
        "closed_at": _time(item.get("closed_at")),
        "comments": _int(item.get("comments")),
        "milestone": _int(_dict(item.get("milestone")).get("number")),
        "locked": bool(item.get("locked", False)),
    }


def _from_issue(event: Event, issue: dict[str, Any]) -> Event:
    kind = "pull_request" if isinstance(issue.get("pull_request"), dict) else "issue"
    # Issue-shaped pull requests (the issues list, search results) carry `draft` too.
    draft = issue.get("draft") if kind == "pull_request" and isinstance(issue.get("draft"), bool) else None
    return _replace(event, kind=kind, draft=draft, **_common(event, issue))


def _from_pull(event: Event, pull: dict[str, Any]) -> Event:
    head, base = _dict(pull.get("head")), _dict(pull.get("base"))
    head_repo = _dict(head.get("repo")).get("full_name")
    return _replace(
        event,
        kind="pull_request",
        base=str(base["ref"]) if "ref" in base else None,
        head=str(head["ref"]) if "ref" in head else None,
        # "" when GitHub does not say whose head it is (a deleted fork): counted as a fork, untrusted
        head_repository=str(head_repo) if head_repo else "",
        head_sha=str(head["sha"]) if "sha" in head else None,
        requested_reviewers=tuple(
            str(r["login"]) for r in pull.get("requested_reviewers") or [] if isinstance(r, dict) and "login" in r
        ),
        requested_teams=tuple(
            str(t["slug"]) for t in pull.get("requested_teams") or [] if isinstance(t, dict) and "slug" in t
        ),
        draft=bool(pull.get("draft", False)),
        additions=_int(pull.get("additions")),
        deletions=_int(pull.get("deletions")),
        changed_files=_int(pull.get("changed_files")),
        merged_at=_time(pull.get("merged_at")),
        **_common(event, pull),
    )


def from_delivery(headers: Mapping[str, str], body: bytes) -> Event:
    """A webhook delivery (headers + raw body) → Event. Verify the signature before calling this."""
    lowered = {k.lower(): v for k, v in headers.items()}
    name = lowered.get("x-github-event")
    if not name:
        raise PayloadError("the delivery has no X-GitHub-Event header")
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise PayloadError(f"the delivery body is not JSON: {exc}") from None
    return _replace(normalize(name, payload), delivery=lowered.get("x-github-delivery") or None)


def from_item(repository: str, item: Mapping[str, Any], action: str = "opened") -> Event:
    """An Event for an issue or pull request the adapter read (sweeps evaluate items without a
    webhook): as if its ``action`` event had just arrived. ``item`` is an issue or a pull request
    object of the REST API (the issues list returns pull requests too, with a ``pull_request`` key)."""
    is_pull = "head" in item or isinstance(item.get("pull_request"), Mapping)
    name, key = ("pull_request", "pull_request") if is_pull else ("issues", "issue")
    return normalize(name, {"action": action, key: dict(item), "repository": {"full_name": repository}})
