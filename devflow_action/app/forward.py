"""Use case: hand the event to the orchestration service instead of acting on it here (an
``https://`` orchestration URL). The service verifies the signature, queues the event and applies it
with the same rules; the run only says where to follow it.

The delivery id is the workflow run's (``gha-<GITHUB_RUN_ID>``): a re-run of the job sends the same
id, which the service recognises, so an event is never applied twice because its job ran twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..exits import UsageError
from ..forward import ForwardFailed, post_event
from ..ledger import StateUnavailable
from ..state.url import StateURL


@dataclass(frozen=True)
class Handed:
    delivery: str
    status: str  # queued | duplicate
    see: str  # where to follow it


def delivery_id(run_id: str | None) -> str:
    if not run_id:
        raise UsageError("forwarding to the orchestration service needs GITHUB_RUN_ID (run it in a workflow)")
    return f"gha-{run_id}"


def forward(url: StateURL, token: str, event_name: str, body: bytes, run_id: str | None) -> Handed:
    """Raises ``UsageError`` (no token, a refused signature: exit 1) or ``StateUnavailable`` (the service
    is unreachable or failing: exit 2, a re-run forwards it again)."""
    if not token:
        raise UsageError("an https:// orchestration URL needs orchestration-token (the service's webhook secret)")
    delivery = delivery_id(run_id)
    try:
        sent = post_event(url.url, token, event_name, delivery, body)
    except ForwardFailed as exc:
        if exc.retryable:
            raise StateUnavailable(f"{exc} ({url.shown})") from None
        raise UsageError(f"{exc} ({url.shown})") from None
    status = str(sent.answer.get("status") or ("queued" if sent.status == 202 else "duplicate"))
    path = str(sent.answer.get("see") or f"/admin/deliveries/{delivery}")
    return Handed(delivery, status, url.shown.rstrip("/") + path)
