"""One retry policy for every GitHub call (tenacity), and one function that classifies failures.

- 5xx, connection errors and timeouts: retried with exponential backoff and jitter.
- 403/429 with ``retry-after`` or ``x-ratelimit-remaining: 0``: wait for the reset when it is near
  (at most ``max_wait`` seconds), otherwise stop cleanly with ``RateLimited`` (the run reports what
  it did not apply and exits non-zero).
- Any other 4xx: fails at once; it would fail again.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, TypeVar

import httpx2
import tenacity

T = TypeVar("T")
Verdict = Literal["retry", "wait", "stop", "fail"]


class RateLimited(Exception):
    """GitHub's rate limit is exhausted and its reset is too far away to wait for."""

    def __init__(self, reset_in: float) -> None:
        self.reset_in = reset_in
        super().__init__(f"GitHub rate limit exhausted; it resets in {reset_in:.0f} s")


class BudgetExhausted(Exception):
    """This run's own call budget is spent (it stops before the rate limit does)."""

    def __init__(self, budget: int) -> None:
        super().__init__(f"the run's API call budget ({budget} calls) is spent")


@dataclass
class Policy:
    attempts: int = 5
    initial: float = 0.5  # first backoff, seconds
    max_backoff: float = 8.0
    max_wait: float = 60.0  # longest wait for a rate-limit reset
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time


def rate_limit_wait(response: httpx2.Response, clock: Callable[[], float]) -> float | None:
    """Seconds until GitHub lets us try again, or None when the response is not a rate limit."""
    if response.status_code not in (403, 429):
        return None
    headers = response.headers
    if "retry-after" in headers:
        try:
            return max(0.0, float(headers["retry-after"]))
        except ValueError:
            return 60.0
    if headers.get("x-ratelimit-remaining") == "0" and "x-ratelimit-reset" in headers:
        try:
            return max(0.0, float(headers["x-ratelimit-reset"]) - clock())
        except ValueError:
            return 60.0
    if response.status_code == 429:
        return 60.0
    return None  # a 403 without rate-limit headers is a permission problem


def classify(exc: BaseException, policy: Policy) -> Verdict:
    if isinstance(exc, httpx2.HTTPStatusError):
        status = exc.response.status_code
        if status >= 500:
            return "retry"
        wait = rate_limit_wait(exc.response, policy.clock)
        if wait is not None:
            return "wait" if wait <= policy.max_wait else "stop"
        return "fail"
    if isinstance(exc, httpx2.TransportError):  # connection refused/reset, timeouts, protocol errors
        return "retry"
    return "fail"


def call(fn: Callable[[], T], policy: Policy) -> T:
    """Run ``fn`` under the policy. Raises RateLimited when the reset is too far away."""

    def wait(state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, httpx2.HTTPStatusError):
            limit = rate_limit_wait(exc.response, policy.clock)
            if limit is not None:
                return limit + 1.0
        # exponential backoff with full jitter on top: initial * 2^(n-1) + U(0, initial), capped
        base: float = policy.initial * 2 ** (state.attempt_number - 1)
        return float(min(policy.max_backoff, base + random.uniform(0, policy.initial)))

    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_exception(lambda e: classify(e, policy) in ("retry", "wait")),
        wait=wait,
        stop=tenacity.stop_after_attempt(policy.attempts),
        sleep=policy.sleep,
        reraise=True,
    )
    try:
        return retrying(fn)
    except httpx2.HTTPStatusError as exc:
        limit = rate_limit_wait(exc.response, policy.clock)
        if limit is not None:  # too far away to wait, or still limited after waiting
            raise RateLimited(limit) from None
        raise
