"""The executor's side of the idempotency ledger (``devflow_action/ledger.py``): before a write, which
parts of an operation this run may still apply; after it, what the ledger records."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..ledger import DONE_STATUSES, Ledger, operation_keys


def claim(ledger: Ledger, op: Any, op_json: dict[str, Any]) -> tuple[Any | None, list[str], str]:
    """``(what to apply or None, the keys this run claimed, why something is skipped)``."""
    keys = operation_keys(op_json)
    verdicts = ledger.claim(keys)
    claimed = [k for k in keys if verdicts.get(k) == "claimed"]
    if len(claimed) == len(keys):
        return op, claimed, ""
    busy = any(verdicts.get(k) == "busy" for k in keys)
    note = "another run is applying it (ledger)" if busy else "applied by an earlier run of this event (ledger)"
    if not claimed:
        return None, [], note
    # Only label changes have several keys (one per label): apply the labels not applied yet.
    labels = tuple(label for label, key in zip(op.labels, keys, strict=True) if key in claimed)
    return replace(op, labels=labels), claimed, ""


def settle(ledger: Ledger, keys: list[str], status: str) -> None:
    """Applied, or already so on GitHub: done for good. Anything else (failed, left): released, so
    that a re-run can try again."""
    if not keys:
        return
    if status in DONE_STATUSES:
        ledger.done(keys, status)
    else:
        ledger.release(keys)
