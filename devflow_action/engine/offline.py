"""Offline planning (`devflow plan`): event name + payload + optional facts JSON → Plan, no network.

Bad input is an ``InputError`` whose lines name where each problem is: ``--event``, the payload file,
the facts file and the key inside it, so that a user knows which of the three to fix.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..config.model import Config
from ..events.catalog import EVENT_ACTIONS, EVENT_KEYS, KNOWN_EVENTS, TRIGGER_ALIASES
from ..events.model import Facts, FileChange
from ..events.normalize import PayloadError, normalize
from ..plan import Plan
from ..suggest import did_you_mean
from .evaluate import evaluate

FACT_KEYS = ("files", "first_contribution", "approvals", "checks", "labels", "devflow_labels", "now")
CHECK_STATES = ("success", "failure", "pending")


class InputError(ValueError):
    """One or more problems with the input of an offline plan, each line naming its source."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        super().__init__("\n".join(lines))


class FactsError(InputError):
    pass


def _kind(value: Any) -> str:
    """A JSON value's type as a user reads it in the file."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string" if value else "an empty string"
    return "a list" if isinstance(value, list) else "an object"


def _shown(value: Any) -> str:
    """A number as written (``-1``, ``2.5``); anything else by its type."""
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else _kind(value)


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _file(item: Any, where: str, problems: list[str]) -> FileChange | None:
    if isinstance(item, str) and item:
        return FileChange(item)
    if isinstance(item, dict) and isinstance(item.get("filename"), str) and item["filename"]:
        for key in ("additions", "deletions"):
            if key in item and not _count(item[key]):
                problems.append(f"{where}.{key}: expected a whole number of at least 0, got {_shown(item[key])}")
                return None
        return FileChange(item["filename"], item.get("additions", 0), item.get("deletions", 0))
    problems.append(f"{where}: expected a path or a file object with a 'filename', got {_kind(item)}")
    return None


def _names(data: dict[str, Any], key: str, problems: list[str]) -> list[str] | None:
    value = data[key]
    if not isinstance(value, list):
        problems.append(f"{key}: expected a list of label names, got {_kind(value)}")
        return None
    bad = [i for i, v in enumerate(value) if not isinstance(v, str)]
    problems += [f"{key}[{i}]: expected a label name (a string), got {_kind(value[i])}" for i in bad]
    return None if bad else value


def facts_from_json(data: Any, now: datetime | None = None) -> Facts:
    """Facts as plain JSON, every value checked: ``files`` as paths or GitHub's file objects (filename,
    additions, deletions); ``now`` an ISO 8601 time, UTC when it names no offset."""
    if data is None:
        return Facts(now=now)
    if not isinstance(data, dict):
        raise FactsError([f'expected a JSON object such as {{"files": ["docs/a.md"]}}, got {_kind(data)}'])
    problems: list[str] = []
    for key in sorted(set(data) - set(FACT_KEYS)):
        problems.append(f"unknown facts: {key}{did_you_mean(key, FACT_KEYS)}; known: {', '.join(FACT_KEYS)}")
    files = None
    if "files" in data:
        if isinstance(data["files"], list):
            parsed = [_file(item, f"files[{i}]", problems) for i, item in enumerate(data["files"])]
            files = tuple(f for f in parsed if f is not None)
        else:
            problems.append(f"files: expected a list of paths or file objects, got {_kind(data['files'])}")
    first = data.get("first_contribution")
    if "first_contribution" in data and not isinstance(first, bool):
        problems.append(f"first_contribution: expected true or false, got {_kind(first)}")
    approvals = data.get("approvals")
    if "approvals" in data and not _count(approvals):
        problems.append(f"approvals: expected a whole number of at least 0, got {_shown(approvals)}")
    checks = data.get("checks")
    if "checks" in data and checks not in CHECK_STATES:
        shown = repr(checks) if isinstance(checks, str) else _kind(checks)
        hint = did_you_mean(checks, CHECK_STATES) if isinstance(checks, str) else ""
        problems.append(f"checks: expected one of {', '.join(CHECK_STATES)}, got {shown}{hint}")
    labels = _names(data, "labels", problems) if "labels" in data else None
    owned = _names(data, "devflow_labels", problems) if "devflow_labels" in data else None
    if "now" in data:
        now = _time(data["now"], problems)
    if problems:
        raise FactsError(problems)
    return Facts(
        now=now,
        files=files,
        first_contribution=first,
        approvals=approvals,
        checks=checks,
        labels=tuple(labels) if labels is not None else None,
        devflow_labels=frozenset(owned) if owned is not None else None,
    )


def _time(value: Any, problems: list[str]) -> datetime | None:
    try:
        if not isinstance(value, str):
            raise ValueError
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        shown = repr(value) if isinstance(value, str) else _kind(value)
        problems.append(f"now: expected an ISO 8601 time such as 2024-05-01T12:00:00Z, got {shown}")
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def check_event(event: str) -> tuple[str, str]:
    """``issues`` or ``issues.opened`` → (name, action); a name GitHub does not send is an error with
    the closest known one, as `devflow validate` gives for a rule's ``on``."""
    name, dot, action = event.partition(".")
    if not name:
        raise InputError(["--event: no event name; name one such as issues or issues.opened"])
    if name not in KNOWN_EVENTS:
        hint = did_you_mean(event, EVENT_KEYS) or did_you_mean(name, sorted(KNOWN_EVENTS))
        raise InputError([f"--event: unknown event '{event}'{hint}"])
    if dot and not action:
        raise InputError([f"--event: no action after '{name}.'; write {name} or {name}.ACTION"])
    return name, action


def plan_offline(
    config: Config, event: str, payload: Any, facts: Any = None, *, payload_name: str = "payload",
    facts_name: str = "facts",
) -> Plan:  # fmt: skip
    """Plan for ``event`` (``issues`` or ``issues.opened``); bad input raises ``InputError``."""
    name, action = check_event(event)
    try:
        ev = normalize(name, payload)
    except PayloadError as exc:
        raise InputError([f"{payload_name}: {exc}"]) from None
    try:
        parsed = facts_from_json(facts, now=datetime.now(UTC))
    except FactsError as exc:
        raise FactsError([f"{facts_name}: {line}" for line in exc.lines]) from None
    if action and ev.action != action:
        known = EVENT_ACTIONS.get(TRIGGER_ALIASES.get(name, name))
        if known is not None and action not in known:
            raise InputError([f"--event: unknown action '{action}' for {name} events{did_you_mean(action, known)}"])
        raise InputError([f"--event says action '{action}' but the payload's action is '{ev.action}'"])
    return evaluate(ev, config, parsed)
