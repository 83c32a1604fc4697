"""A gate every request of a client passes: the orchestration service's shared GitHub budget and its
circuit breaker (``state/gatekeeper.py`` keeps them in Redis). The client itself is unchanged: the
gate hangs on its HTTP client's request and response hooks.

``before_call`` may wait (the budget is low and its reset is near) or raise a ``Stopped`` error
(``RateLimited``: the reset is far; ``Unavailable``: the circuit is open) before anything is sent;
``after_response`` reads GitHub's rate-limit headers and counts server errors.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from .client import GhClient
from .errors import RateLimited, Unavailable


class Gate(Protocol):
    def before_call(self) -> tuple[str, float]: ...  # ("ok" | "low" | "open" | "probing", seconds)
    def after_response(self, status: int, headers: Mapping[str, str]) -> None: ...


Observer = Callable[[str, str, int], None]  # (method, path, status) of every answer


def admit(gate: Gate, max_wait: float, sleep: Callable[[float], None] = time.sleep) -> None:
    """Let one call through the gate: at once, after waiting for a near budget reset, or not at all."""
    for _ in range(3):  # a wait for the reset, then another look
        verdict, seconds = gate.before_call()
        if verdict == "ok":
            return
        if verdict == "open":
            raise Unavailable(f"GitHub answered server errors repeatedly; the circuit is open for {seconds:.0f} s more")
        if verdict == "probing":
            raise Unavailable("GitHub answered server errors repeatedly; another worker is probing it")
        if seconds > max_wait:
            raise RateLimited(seconds)
        sleep(seconds + 0.5)
    raise RateLimited(max_wait)


def attach(client: GhClient, gate: Gate | None, observe: Observer | None = None, *, max_wait: float = 30.0) -> None:
    """Hook ``gate`` (and ``observe``, for logs) onto every request ``client`` sends, retries included.
    ``max_wait``: the longest a call waits for a shared budget's reset before the job is stopped."""

    def on_request(request: Any) -> None:
        if gate is not None:
            admit(gate, max_wait, client.policy.sleep)

    def on_response(response: Any) -> None:
        if gate is not None:
            gate.after_response(response.status_code, response.headers)
        if observe is not None:
            observe(response.request.method, response.request.url.path, response.status_code)

    client.http.event_hooks = {"request": [on_request], "response": [on_response]}
