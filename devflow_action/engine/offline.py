"""Offline planning (`devflow plan`): payload + optional facts JSON → Plan, no network."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..config.model import Config
from ..events.model import Facts, FileChange
from ..events.normalize import PayloadError, normalize
from ..plan import Plan
from .evaluate import evaluate


class FactsError(ValueError):
    pass


def facts_from_json(data: Any, now: datetime | None = None) -> Facts:
    """Facts as plain JSON: ``files`` as paths or GitHub's file objects (filename, additions, deletions)."""
    if data is None:
        return Facts(now=now)
    if not isinstance(data, dict):
        raise FactsError("facts must be a JSON object")
    unknown = set(data) - {
        "files",
        "first_contribution",
        "approvals",
        "checks",
        "labels",
        "devflow_labels",
        "now",
    }
    if unknown:
        raise FactsError(f"unknown facts: {', '.join(sorted(unknown))}")
    files = None
    if "files" in data:
        files = []
        for item in data["files"]:
            if isinstance(item, str):
                files.append(FileChange(item))
            elif isinstance(item, dict) and isinstance(item.get("filename"), str):
                files.append(FileChange(item["filename"], int(item.get("additions", 0)), int(item.get("deletions", 0))))
            else:
                raise FactsError(f"files: expected a path or an object with 'filename', got {item!r}")
    if "now" in data:
        try:
            now = datetime.fromisoformat(str(data["now"]).replace("Z", "+00:00"))
        except ValueError:
            raise FactsError(f"now: not an ISO 8601 time: {data['now']!r}") from None
    return Facts(
        now=now,
        files=tuple(files) if files is not None else None,
        first_contribution=data.get("first_contribution"),
        approvals=data.get("approvals"),
        checks=data.get("checks"),
        labels=tuple(data["labels"]) if "labels" in data else None,
        devflow_labels=frozenset(data["devflow_labels"]) if "devflow_labels" in data else None,
    )


def plan_offline(config: Config, event: str, payload: Any, facts: Any = None) -> Plan | str:
    """Plan for ``event`` (``issues`` or ``issues.opened``); returns an error message for bad input."""
    name, _, action = event.partition(".")
    try:
        ev = normalize(name, payload)
        parsed = facts_from_json(facts, now=datetime.now(UTC))
    except (PayloadError, FactsError) as exc:
        return str(exc)
    if action and ev.action != action:
        return f"--event says action '{action}' but the payload's action is '{ev.action}'"
    return evaluate(ev, config, parsed)
