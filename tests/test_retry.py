"""The one retry policy: what is retried, what waits for a rate-limit reset, what stops, what fails."""

from __future__ import annotations

import httpx2
import pytest

from devflow_action.github.retry import Policy, RateLimited, Refused, Unavailable, call, classify

from .fakegithub import http_error

NOW = 1_800_000_000.0


def policy(slept: list[float]) -> Policy:
    return Policy(attempts=4, initial=0.5, max_backoff=8.0, max_wait=60.0, sleep=slept.append, clock=lambda: NOW)


def flaky(errors: list[BaseException], result: str = "ok"):  # type: ignore[no-untyped-def]
    calls: list[int] = []

    def fn() -> str:
        calls.append(1)
        if errors:
            raise errors.pop(0)
        return result

    return fn, calls


@pytest.mark.parametrize(
    ("error", "verdict"),
    [
        (http_error(502), "retry"),
        (http_error(503), "retry"),
        (httpx2.ConnectError("refused"), "retry"),
        (httpx2.ReadTimeout("slow"), "retry"),
        (http_error(404), "fail"),
        (http_error(422), "fail"),
        (http_error(403), "fail"),  # a permission problem, not a rate limit
        (http_error(403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 30)}), "wait"),
        (http_error(403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 3600)}), "stop"),
        (http_error(429, {"retry-after": "5"}), "wait"),
        (http_error(403, {"retry-after": "600"}), "stop"),
        (ValueError("a bug"), "fail"),
    ],
)
def test_classify(error: BaseException, verdict: str) -> None:
    assert classify(error, policy([])) == verdict


def test_5xx_is_retried_with_growing_backoff() -> None:
    slept: list[float] = []
    fn, calls = flaky([http_error(502), http_error(502)])
    assert call(fn, policy(slept)) == "ok"
    assert len(calls) == 3
    assert len(slept) == 2 and 0.5 <= slept[0] <= 1.5 and slept[1] >= 1.0


def test_attempts_are_capped() -> None:
    fn, calls = flaky([http_error(502)] * 10)
    with pytest.raises(Unavailable, match="GitHub answered 502 after 4 attempts: boom"):
        call(fn, policy([]))
    assert len(calls) == 4


def test_a_4xx_that_would_fail_again_is_not_retried() -> None:
    fn, calls = flaky([http_error(422)])
    with pytest.raises(Refused) as info:
        call(fn, policy([]))
    assert len(calls) == 1
    assert (info.value.status, info.value.message) == (422, "boom")


def test_near_rate_limit_reset_is_waited_for() -> None:
    slept: list[float] = []
    fn, calls = flaky([http_error(403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 20)})])
    assert call(fn, policy(slept)) == "ok"
    assert slept == [21.0] and len(calls) == 2


def test_retry_after_is_honoured() -> None:
    slept: list[float] = []
    fn, _ = flaky([http_error(429, {"retry-after": "7"})])
    assert call(fn, policy(slept)) == "ok"
    assert slept == [8.0]


def test_far_rate_limit_reset_stops_cleanly() -> None:
    fn, calls = flaky([http_error(403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 3000)})])
    with pytest.raises(RateLimited) as info:
        call(fn, policy([]))
    assert len(calls) == 1
    assert str(info.value) == "GitHub rate limit exhausted; it resets in 3000 s"


def answer(status: int, message: str, headers: dict[str, str] | None = None) -> httpx2.HTTPStatusError:
    request = httpx2.Request("POST", "https://api.github.test/repos/o/r/issues/1/labels")
    response = httpx2.Response(status, headers=headers or {}, json={"message": message}, request=request)
    return httpx2.HTTPStatusError(str(status), request=request, response=response)


@pytest.mark.parametrize(
    "error",
    [
        answer(403, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."),
        answer(403, "You have triggered an abuse detection mechanism. Please wait a few minutes."),
        answer(403, "API rate limit exceeded", {"x-ratelimit-remaining": "0"}),  # no reset given
    ],
)
def test_a_rate_limit_without_a_reset_waits_a_minute_never_fails(error: BaseException) -> None:
    assert classify(error, policy([])) == "wait"
    slept: list[float] = []
    fn, calls = flaky([error])
    assert call(fn, policy(slept)) == "ok"
    assert slept == [61.0] and len(calls) == 2
