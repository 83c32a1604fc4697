"""A gate every request of a client passes: the orchestration service's shared GitHub budget and its
circuit breaker (``state/gatekeeper.py`` keeps them in Redis). The client itself is unchanged: the
gate hangs on its HTTP client's request and response hooks.

Before a request the gate says ``ok``, ``low`` (the shared budget is at its reserve: wait for the
reset when it is near, otherwise stop the job with ``RateLimited``), ``open`` or ``probing`` (the
circuit breaker: stop with ``Unavailable``). After each answer it reads GitHub's rate-limit headers
and counts server errors.
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


class GateState:
    """What the gate last refused: how long until the job is worth trying again (the executor reports
    a stop as text; the service's retry delay needs the number)."""

    def __init__(self) -> None:
        self.retry_after: float | None = None


def admit(gate: Gate, max_wait: float, sleep: Callable[[float], None] = time.sleep) -> float | None:
    """Let one call through the gate: at once, after waiting for a near budget reset, or not at all
    (raises). Returns None, or how long until trying again is worth it when it raises."""
    for _ in range(3):  # a wait for the reset, then another look
        verdict, seconds = gate.before_call()
        if verdict == "ok":
            return None
        if verdict in ("open", "probing"):
            what = f"the circuit is open for {seconds:.0f} s more" if verdict == "open" else "another worker probes it"
            raise CircuitOpen(f"GitHub answered server errors repeatedly; {what}", max(seconds, 1.0))
        if seconds > max_wait:
            raise RateLimited(seconds)
        sleep(seconds + 0.5)
    raise RateLimited(max_wait)


class CircuitOpen(Unavailable):
    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def attach(
    client: GhClient, gate: Gate | None, observe: Observer | None = None, *, max_wait: float = 30.0
) -> GateState:
    """Hook ``gate`` (and ``observe``, for logs) onto every request ``client`` sends, retries included.
    ``max_wait``: the longest a call waits for a shared budget's reset before the job is stopped."""
    state = GateState()

    def on_request(request: Any) -> None:
        if gate is None:
            return
        try:
            admit(gate, max_wait, client.policy.sleep)
        except RateLimited as exc:
            state.retry_after = exc.reset_in
            raise
        except CircuitOpen as exc:
            state.retry_after = exc.retry_after
            raise

    def on_response(response: Any) -> None:
        if gate is not None:
            gate.after_response(response.status_code, response.headers)
        if observe is not None:
            observe(response.request.method, response.request.url.path, response.status_code)

    client.http.event_hooks = {"request": [on_request], "response": [on_response]}
    return state
