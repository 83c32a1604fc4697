"""One retry policy for every GitHub call (tenacity), one function that classifies failures, and the
translation of what is left into Devflow's errors (``errors.py``): nothing above the adapter sees httpx2.

- 5xx, connection errors, timeouts and malformed 2xx answers: retried with exponential backoff and
  jitter; when the retries run out, ``Unavailable`` / ``MalformedAnswer`` (work left, exit 2).
- 403/429 with ``retry-after`` or ``x-ratelimit-remaining: 0``, and 403 secondary rate limits: wait
  for the reset when it is near (at most ``max_wait`` seconds, and never past the run's deadline),
  otherwise ``RateLimited`` (work left).
- Any other 4xx: ``Refused`` at once; it would fail again.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, TypeVar

import httpx2
import tenacity

from ..redact import one_line, redact
from .budget import CallBudget
from .errors import (
    BudgetExhausted,
    DeadlineReached,
    GitHubError,
    MalformedAnswer,
    RateLimited,
    Refused,
    Stopped,
    Unavailable,
)

__all__ = [
    "BudgetExhausted",
    "DeadlineReached",
    "GitHubError",
    "Policy",
    "RateLimited",
    "Refused",
    "Stopped",
    "Throttled",
    "Transient",
    "Unavailable",
    "call",
    "classify",
    "translate",
]

T = TypeVar("T")
Verdict = Literal["retry", "wait", "stop", "fail"]
SECONDARY_WAIT = 60.0  # GitHub: without retry-after, wait at least one minute after a secondary limit


@dataclass
class Policy:
    attempts: int = 5
    initial: float = 0.5  # first backoff, seconds
    max_backoff: float = 8.0
    max_wait: float = 60.0  # longest wait for a rate-limit reset
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time


class Malformed(Exception):
    """Raised by the client when a 2xx answer is not what the API describes (retried, then
    ``MalformedAnswer``)."""


class Throttled(Exception):
    """A rate limit GitHub reports inside a 2xx answer (GraphQL's ``RATE_LIMITED`` error): waited out
    like a 403/429 when its reset is near, otherwise ``RateLimited``."""

    def __init__(self, seconds: float, secondary: bool = False) -> None:
        super().__init__(f"rate limited for {seconds:.0f} s")
        self.seconds = seconds
        self.secondary = secondary


class Transient(Exception):
    """A failure on GitHub's side reported inside a 2xx answer (a GraphQL query that timed out there):
    retried, then ``Unavailable``. The message is GitHub's, already cut and redacted."""


def github_message(response: httpx2.Response) -> str:
    """GitHub's ``message`` field (never the raw body), cut, on one line, with secrets removed."""
    try:
        data = response.json()
    except (ValueError, UnicodeDecodeError):
        return ""
    message = data.get("message") if isinstance(data, dict) else None
    return redact(one_line(message)) if isinstance(message, str) else ""


def _secondary(response: httpx2.Response) -> bool:
    message = github_message(response).lower()
    return response.status_code == 403 and ("secondary rate limit" in message or "abuse detection" in message)


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
    if headers.get("x-ratelimit-remaining") == "0":
        try:
            return max(0.0, float(headers["x-ratelimit-reset"]) - clock())
        except (KeyError, ValueError):  # no usable reset: wait as long as after a secondary limit
            return SECONDARY_WAIT
    if response.status_code == 429 or _secondary(response):
        return SECONDARY_WAIT
    return None  # a 403 without rate-limit signs is a permission problem


def classify(exc: BaseException, policy: Policy) -> Verdict:
    if isinstance(exc, Throttled):
        return "wait" if exc.seconds <= policy.max_wait else "stop"
    if isinstance(exc, httpx2.HTTPStatusError):
        status = exc.response.status_code
        if status >= 500:
            return "retry"
        wait = rate_limit_wait(exc.response, policy.clock)
        if wait is not None:
            return "wait" if wait <= policy.max_wait else "stop"
        return "fail"
    if isinstance(exc, httpx2.TransportError | Malformed | Transient):  # connection refused/reset, timeouts, garbage
        return "retry"
    return "fail"


_HINTS = {
    401: "the token is missing, expired or revoked",
    403: "the token lacks a permission: grant the workflow `issues: write` and `pull-requests: write`",
    404: "not found, or the token cannot see it",
}


def translate(exc: BaseException, policy: Policy) -> GitHubError:
    """The Devflow error for what is left of a failure once the policy has given up."""
    if isinstance(exc, GitHubError):
        return exc
    if isinstance(exc, Throttled):
        return RateLimited(exc.seconds, secondary=exc.secondary)
    if isinstance(exc, Transient):
        return Unavailable(f"GitHub failed to answer ({exc}) after {policy.attempts} attempts")
    if isinstance(exc, httpx2.HTTPStatusError):
        response = exc.response
        status = response.status_code
        limit = rate_limit_wait(response, policy.clock)
        if limit is not None:
            return RateLimited(limit, secondary=_secondary(response) or "retry-after" in response.headers)
        message = github_message(response)
        if status >= 500:
            return Unavailable(
                f"GitHub answered {status} after {policy.attempts} attempts" + (f": {message}" if message else "")
            )
        return Refused(status, message, _HINTS.get(status, ""))
    if isinstance(exc, httpx2.TimeoutException):
        return Unavailable(f"GitHub did not answer in time ({type(exc).__name__}) after {policy.attempts} attempts")
    if isinstance(exc, httpx2.TransportError):
        return Unavailable(f"cannot reach GitHub ({type(exc).__name__}) after {policy.attempts} attempts")
    if isinstance(exc, Malformed):
        return MalformedAnswer(f"GitHub's answer is malformed ({exc}) after {policy.attempts} attempts")
    raise exc


def call(
    fn: Callable[[], T],
    policy: Policy,
    budget: CallBudget | None = None,
    *,
    retry_server_errors: bool = True,
) -> T:
    """Run ``fn`` under the policy; failures leave as Devflow errors (``Stopped`` or ``Refused``).

    ``retry_server_errors=False`` is for writes that are not idempotent (a comment POST): a 5xx or a
    timeout may have applied them, so only rate limits (which never apply) are waited out here."""

    def wait(state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, Throttled):
            if budget is not None:
                budget.check_time(exc.seconds + 1.0)
            return exc.seconds + 1.0
        if isinstance(exc, httpx2.HTTPStatusError):
            limit = rate_limit_wait(exc.response, policy.clock)
            if limit is not None:
                seconds = limit + 1.0
                if budget is not None:
                    try:
                        budget.check_time(seconds)
                    except DeadlineReached:  # the reset is past the deadline: stopped by the rate limit
                        raise translate(exc, policy) from None
                return seconds
        # exponential backoff with full jitter on top: initial * 2^(n-1) + U(0, initial), capped
        base: float = policy.initial * 2 ** (state.attempt_number - 1)
        seconds = float(min(policy.max_backoff, base + random.uniform(0, policy.initial)))
        if budget is not None:
            budget.check_time(seconds)
        return seconds

    def retryable(exc: BaseException) -> bool:
        verdict = classify(exc, policy)
        if verdict == "wait":
            return True
        return verdict == "retry" and retry_server_errors

    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_exception(retryable),
        wait=wait,
        stop=tenacity.stop_after_attempt(policy.attempts),
        sleep=policy.sleep,
        reraise=True,
    )
    try:
        return retrying(fn)
    except (httpx2.HTTPError, Malformed, Throttled, Transient) as exc:
        raise translate(exc, policy) from None
