"""Every real webhook payload of @octokit/webhooks-examples loads and normalises (or is skipped with a reason)."""

from __future__ import annotations

import pytest

from devflow_action.events.catalog import EVENT_ACTIONS
from devflow_action.events.normalize import normalize

from . import githubdata
from .githubdata import Example

EXAMPLES = githubdata.examples()


def test_the_payloads_are_all_there() -> None:
    # @octokit/webhooks-examples 7.6.1 has 58 events and 329 payloads.
    assert len(githubdata.event_names()) >= 50 and len(EXAMPLES) >= 300
    for event, actions in EVENT_ACTIONS.items():  # every event the rules handle, most of its actions
        covered = [action for action in actions if githubdata.payloads(event, action)]
        assert len(covered) >= len(actions) / 2, (event, covered)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.name)
def test_every_payload_normalises(example: Example) -> None:
    payload = example.payload()
    name = example.event
    event = normalize(name, payload)
    assert event.repository == (payload.get("repository") or {}).get("full_name", "")
    if name in EVENT_ACTIONS:
        assert event.skipped is None
        assert event.number is not None and event.number > 0
        assert event.author is not None and event.author.login
        assert event.kind in ("issue", "pull_request")
        item = payload.get("pull_request") or payload.get("issue")
        assert isinstance(item, dict)
        assert event.title == item["title"]
        assert event.labels == tuple(label["name"] for label in item.get("labels") or [])
    else:
        assert event.skipped is not None and name in event.skipped
