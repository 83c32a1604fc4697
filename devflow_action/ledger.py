"""The idempotency ledger's interface, shared by the executor (which consults it) and the state store
(which implements it), so neither adapter imports the other.

The ledger is kept per event (a webhook delivery or a workflow run) and keyed by operation. Before
a write, the executor *claims* the operation's keys; after it, it marks them *done* (or *releases*
them when the write did not happen, so that a re-run can try again):

- ``claimed``: this run holds the claim and may write.
- ``done``: an earlier run (or an earlier attempt, or a replay of the event) already applied it:
  skip, whatever GitHub looks like now (a maintainer may have undone it on purpose).
- ``busy``: another run holds a live claim and is applying it: skip.

A claim by an earlier attempt of the same event is stale (GitHub starts a re-run only after the
earlier attempt ended), and any claim older than ``CLAIM_TTL`` seconds is stale (its run crashed):
both are taken over, so a crashed run never blocks an operation for longer than that.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any, Literal, Protocol

Verdict = Literal["claimed", "done", "busy"]
CLAIM_TTL = 900  # seconds: well beyond the action's default deadline (300 s), so a live run keeps its claims
DONE_STATUSES = frozenset({"applied", "skipped"})  # the event's effect holds: never apply it again
LABEL_OPERATIONS = ("add_labels", "remove_labels")


class StateUnavailable(Exception):
    """The state store cannot be reached, or failed half way. When the state is required, the run
    stops with work left (exit 2); otherwise the run goes on from GitHub alone and says what it did
    not record."""


class Ledger(Protocol):
    def claim(self, keys: Sequence[str]) -> Mapping[str, Verdict]: ...
    def done(self, keys: Sequence[str], outcome: str) -> None: ...
    def release(self, keys: Sequence[str]) -> None: ...


def operation_keys(operation: Mapping[str, Any]) -> list[str]:
    """The keys of an operation (its JSON form): what it does, never where it sits in the plan.

    Label changes get one key per label, so that a replay after a maintainer removed one of two
    labels still knows both were applied once; any other operation is keyed by a hash of its content.
    """
    kind = str(operation["type"])
    if kind in LABEL_OPERATIONS:
        return [f"{kind}:{label}" for label in operation["labels"]]
    content = json.dumps(operation, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return [f"{kind}:{hashlib.sha256(content.encode()).hexdigest()[:32]}"]
