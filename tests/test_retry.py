"""The one retry policy: what is retried, what waits for a rate-limit reset, what stops, what fails."""

from __future__ import annotations

import httpx2
import pytest

from devflow_action.github.retry import (
    Policy,
    RateLimited,
    Refused,
    Unavailable,
    call,
    classify,
    github_message,
    rate_limit_wait,
    translate,
)

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
        (http_error(500), "retry"),
        (http_error(429, {"retry-after": "60"}), "wait"),  # exactly the longest wait: still waited for
        (http_error(429, {"retry-after": "61"}), "stop"),
        (http_error(403, {"x-ratelimit-remaining": "12", "x-ratelimit-reset": str(int(NOW) + 30)}), "fail"),
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
    # initial * 2^(n-1), plus up to `initial` of jitter
    assert len(slept) == 2 and 0.5 <= slept[0] <= 1.0 and 1.0 <= slept[1] <= 1.5


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


def response(status: int, headers: dict[str, str] | None = None, content: bytes = b"") -> httpx2.Response:
    return httpx2.Response(status, headers=headers or {}, content=content, request=httpx2.Request("GET", "https://x"))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"message": "Not Found", "documentation_url": "https://docs"}', "Not Found"),
        (b'{"message": "line one\\nline two"}', "line one line two"),  # one line: it goes into logs
        (b"<html>Unicorn!</html>", ""),  # an error page: never shown raw
        (b'["not", "an", "object"]', ""),
        (b'{"message": 42}', ""),
        (b"", ""),
    ],
)
def test_only_githubs_message_field_is_shown(content: bytes, message: str) -> None:
    assert github_message(response(502, content=content)) == message


@pytest.mark.parametrize(
    ("status", "headers", "wait"),
    [
        (429, {"retry-after": "0"}, 0.0),
        (429, {"retry-after": "-5"}, 0.0),
        (403, {"retry-after": "soon"}, 60.0),  # unreadable: GitHub's advice for secondary limits
        (403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) - 10)}, 0.0),  # already reset
        (403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "tomorrow"}, 60.0),
        (403, {"x-ratelimit-remaining": "0"}, 60.0),  # no reset time: still a rate limit; wait a minute
        (429, {}, 60.0),  # a secondary limit without retry-after: wait at least a minute
        (403, {"x-ratelimit-reset": str(int(NOW) + 30)}, None),  # requests left: a permission problem
        (404, {"retry-after": "5"}, None),
    ],
)
def test_rate_limit_wait(status: int, headers: dict[str, str], wait: float | None) -> None:
    assert rate_limit_wait(response(status, headers), lambda: NOW) == wait


def test_a_retry_after_of_zero_still_sleeps_a_second() -> None:
    slept: list[float] = []
    fn, _ = flaky([http_error(429, {"retry-after": "0"})])
    assert call(fn, policy(slept)) == "ok"
    assert slept == [1.0]


def test_translated_failures_say_what_happened() -> None:
    p = policy([])
    server = translate(http_error(500), p)
    assert isinstance(server, Unavailable) and str(server) == "GitHub answered 500 after 4 attempts: boom"
    bare = httpx2.HTTPStatusError("502", request=httpx2.Request("GET", "https://x"), response=response(502))
    assert str(translate(bare, p)) == "GitHub answered 502 after 4 attempts"  # no message: no colon
    timeout = translate(httpx2.ReadTimeout("slow"), p)
    assert str(timeout) == "GitHub did not answer in time (ReadTimeout) after 4 attempts"
    down = translate(httpx2.ConnectError("refused"), p)
    assert str(down) == "cannot reach GitHub (ConnectError) after 4 attempts"


@pytest.mark.parametrize(
    ("status", "hint"),
    [
        (401, "the token is missing, expired or revoked"),
        (403, "the token lacks a permission: grant the workflow `issues: write` and `pull-requests: write`"),
        (404, "not found, or the token cannot see it"),
        (422, ""),
    ],
)
def test_refusals_carry_a_hint_for_the_user(status: int, hint: str) -> None:
    refused = translate(http_error(status), policy([]))
    assert isinstance(refused, Refused) and (refused.status, refused.message, refused.hint) == (status, "boom", hint)
    assert str(refused) == f"GitHub answered {status}: boom" + (f" ({hint})" if hint else "")


@pytest.mark.parametrize(
    ("headers", "secondary"),
    [
        ({"retry-after": "600"}, True),
        ({"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 3600)}, False),
    ],
)
def test_a_stop_on_a_rate_limit_says_which_kind(headers: dict[str, str], secondary: bool) -> None:
    limited = translate(http_error(403, headers), policy([]))
    assert isinstance(limited, RateLimited) and limited.secondary is secondary
