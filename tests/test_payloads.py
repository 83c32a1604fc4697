"""Every real webhook payload in ../shared/github loads and normalises (or is skipped with a reason)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devflow_action.events.catalog import EVENT_ACTIONS
from devflow_action.events.normalize import normalize

from .conftest import PAYLOADS, event_name_of, payload_files

FILES = payload_files()


def test_the_shared_payloads_are_all_there() -> None:
    assert len(FILES) >= 50


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(PAYLOADS)))
def test_every_payload_normalises(path: Path) -> None:
    payload = json.loads(path.read_text(encoding="utf-8"))
    name = event_name_of(path)
    event = normalize(name, payload)
    assert event.repository == (payload.get("repository") or {}).get("full_name", "")
    if name in EVENT_ACTIONS:
        assert event.skipped is None
        assert event.number is not None and event.number > 0
        assert event.author is not None and event.author.login
        assert event.kind in ("issue", "pull_request")
        item = payload.get("pull_request") or payload.get("issue")
        assert event.title == item["title"]
        assert event.labels == tuple(label["name"] for label in item.get("labels") or [])
    else:
        assert event.skipped is not None and name in event.skipped
