"""The action's side of the orchestration service: one signed POST of the event to its ``/webhook``,
as GitHub itself would send it (``X-GitHub-Event``, ``X-GitHub-Delivery``, ``X-Hub-Signature-256``:
HMAC-SHA256 of the body with the ``orchestration-token`` as the secret). Connection failures and
5xx are tried again a few times; what is left is ``ForwardFailed``."""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Any

import httpx2

from . import __version__
from .redact import one_line, redact


class ForwardFailed(Exception):
    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class Forwarded:
    status: int  # 202 queued, 200 already known (a re-run)
    answer: dict[str, Any]


def post_event(
    base_url: str, secret: str, event: str, delivery: str, body: bytes, *, attempts: int = 3, timeout: float = 15.0
) -> Forwarded:
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    headers = {
        "content-type": "application/json", "user-agent": f"devflow-action/{__version__}",
        "x-github-event": event, "x-github-delivery": delivery, "x-hub-signature-256": signature,
    }  # fmt: skip
    url = base_url.rstrip("/") + "/webhook"
    problem = ""
    for attempt in range(1, attempts + 1):
        try:
            response = httpx2.post(url, content=body, headers=headers, timeout=timeout)
        except httpx2.TransportError as exc:
            problem = f"cannot reach it ({type(exc).__name__})"
        else:
            answer = _json(response)
            if response.status_code in (200, 202):
                return Forwarded(response.status_code, answer)
            said = one_line(redact(str(answer.get("error") or "")))
            if response.status_code == 401:
                raise ForwardFailed(
                    "the orchestration service refused the event's signature: orchestration-token must be the "
                    "service's DEVFLOW_WEBHOOK_SECRET", retryable=False,
                )  # fmt: skip
            if response.status_code < 500:
                raise ForwardFailed(
                    f"the orchestration service answered {response.status_code}: {said}", retryable=False
                )
            problem = f"it answered {response.status_code}" + (f": {said}" if said else "")
        if attempt < attempts:
            time.sleep(0.5 * 2 ** (attempt - 1))
    raise ForwardFailed(f"the orchestration service did not take the event: {problem}", retryable=True)


def _json(response: Any) -> dict[str, Any]:
    try:
        got = response.json()
    except ValueError:
        return {}
    return got if isinstance(got, dict) else {}
