"""The seams later features build on: the caller's budget and deadline, the one exit-code table,
events from items the adapter read, errors translated at the adapter's edge."""

from __future__ import annotations

import pytest

from devflow_action.diagnostics import ConfigError
from devflow_action.events.normalize import from_item
from devflow_action.exits import Exit, UsageError
from devflow_action.github.budget import CallBudget
from devflow_action.github.errors import (
    BudgetExhausted,
    DeadlineReached,
    MalformedAnswer,
    RateLimited,
    Refused,
    Unavailable,
)
from devflow_action.github.retry import Malformed, Policy, call
from devflow_action.handler import exit_code_for, guarded

from .conftest import load_payload
from .fakegithub import http_error

NOW = 1_800_000_000.0


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += seconds


def test_budget_counts_calls_and_writes_and_refuses_past_its_cap() -> None:
    budget = CallBudget(max_calls=2)
    budget.spend(write=False)
    budget.spend(write=True)
    assert (budget.calls, budget.writes) == (2, 1)
    with pytest.raises(BudgetExhausted, match=r"budget \(2 calls\) is spent"):
        budget.spend(write=False)


def test_budget_refuses_calls_after_its_deadline() -> None:
    clock = Clock()
    budget = CallBudget(max_calls=100, deadline=10.0, clock=clock)
    budget.spend(write=False)
    clock.t = 10.5
    with pytest.raises(DeadlineReached, match=r"deadline \(10 s\) is reached"):
        budget.spend(write=False)
    assert budget.calls == 1


def test_a_retry_wait_that_would_pass_the_deadline_stops_instead_of_sleeping() -> None:
    clock = Clock()
    budget = CallBudget(max_calls=100, deadline=30.0, clock=clock)
    limited = http_error(403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 50)})
    calls: list[int] = []

    def fn() -> str:
        calls.append(1)
        raise limited

    policy = Policy(max_wait=60.0, sleep=clock.sleep, clock=lambda: NOW)
    with pytest.raises(RateLimited, match="resets in 50 s"):  # the rate limit stopped it: say so
        call(fn, policy, budget)
    assert calls == [1] and clock.t == 0.0  # never slept 51 s into a 30 s deadline


def test_a_backoff_that_would_pass_the_deadline_stops_instead_of_sleeping() -> None:
    clock = Clock()
    budget = CallBudget(max_calls=100, deadline=3.0, clock=clock)
    calls: list[int] = []

    def fn() -> str:
        calls.append(1)
        raise http_error(502)

    with pytest.raises(DeadlineReached):
        call(fn, Policy(initial=4.0, max_backoff=8.0, sleep=clock.sleep), budget)
    assert calls == [1] and clock.t == 0.0


def test_a_near_reset_inside_the_deadline_is_still_waited_for() -> None:
    clock = Clock()
    budget = CallBudget(max_calls=100, deadline=300.0, clock=clock)
    errors = [http_error(429, {"retry-after": "5"})]

    def fn() -> str:
        if errors:
            raise errors.pop()
        return "ok"

    assert call(fn, Policy(sleep=clock.sleep, clock=lambda: NOW), budget) == "ok"
    assert clock.t == 6.0


def test_malformed_answers_are_retried_then_reported_as_work_left() -> None:
    calls: list[int] = []

    def fn() -> str:
        calls.append(1)
        raise Malformed("expected a JSON object")

    with pytest.raises(MalformedAnswer, match="malformed"):
        call(fn, Policy(attempts=3, sleep=lambda s: None))
    assert len(calls) == 3


def test_a_secondary_rate_limit_is_a_rate_limit_not_a_permission_error() -> None:
    request_error = http_error(403)
    request_error.response._content = b'{"message": "You have exceeded a secondary rate limit."}'
    fn_calls: list[int] = []

    def fn() -> str:
        fn_calls.append(1)
        raise request_error

    with pytest.raises(RateLimited) as info:
        call(fn, Policy(max_wait=30.0, sleep=lambda s: None))
    assert info.value.secondary and len(fn_calls) == 1


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (UsageError("x"), Exit.USER),
        (ConfigError([]), Exit.USER),
        (Refused(401, "Bad credentials"), Exit.USER),
        (Refused(403, "Resource not accessible by integration"), Exit.USER),
        (RateLimited(3000), Exit.STOPPED),
        (BudgetExhausted(3), Exit.STOPPED),
        (DeadlineReached(300), Exit.STOPPED),
        (Unavailable("503"), Exit.STOPPED),
        (MalformedAnswer("html"), Exit.STOPPED),
        (KeyError("a bug"), Exit.BUG),
        (KeyboardInterrupt(), Exit.INTERRUPTED),
    ],
)
def test_one_exit_code_table(error: BaseException, code: Exit) -> None:
    assert exit_code_for(error) == code


def test_guarded_reports_a_bug_with_a_redacted_traceback_and_exit_3() -> None:
    from devflow_action.redact import register_secret

    register_secret("ghs_sekritTokenValue123456")
    reported: list[tuple[Exit, str]] = []
    printed: list[str] = []

    def body() -> int:
        raise RuntimeError("boom with ghs_sekritTokenValue123456 inside")

    assert guarded(body, lambda c, m: reported.append((c, m)), printed.append) == 3
    assert reported[0][0] == Exit.BUG and "a bug in Devflow" in reported[0][1]
    assert "RuntimeError: boom with *** inside" in printed[0] and "ghs_sekrit" not in printed[0]


def test_guarded_maps_a_stop_to_exit_2_without_a_traceback() -> None:
    reported: list[tuple[Exit, str]] = []
    printed: list[str] = []

    def body() -> int:
        raise Unavailable("GitHub answered 503 after 5 attempts")

    assert guarded(body, lambda c, m: reported.append((c, m)), printed.append) == 2
    assert reported == [(Exit.STOPPED, "GitHub answered 503 after 5 attempts")] and printed == []


def test_an_item_read_by_the_adapter_becomes_an_opened_event() -> None:
    issue = load_payload("issues.opened")["issue"]
    event = from_item("Codertocat/Hello-World", issue)
    assert (event.name, event.action, event.kind, event.number) == ("issues", "opened", "issue", issue["number"])
    assert event.title == issue["title"] and event.skipped is None
    pull = load_payload("pull_request.opened[1]")["pull_request"]
    pr_event = from_item("Codertocat/Hello-World", pull)
    assert (pr_event.name, pr_event.kind, pr_event.base) == ("pull_request", "pull_request", pull["base"]["ref"])
