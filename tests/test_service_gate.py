"""The workers' shared GitHub budget and circuit breaker (state/gatekeeper.py in Redis, github/gate.py
deciding what a verdict means), with a fake clock against the real Redis."""

from __future__ import annotations

from typing import Any

import pytest

from devflow_action.github.errors import RateLimited
from devflow_action.github.gate import CircuitOpen, admit
from devflow_action.state.gatekeeper import RedisGate

from .state_fixtures import redis_base


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def gates(redis_prefix: str) -> Any:
    import redis

    client = redis.Redis.from_url(redis_base(), decode_responses=True)
    clock = Clock()

    def make(scope: str = "installation:1", **kw: Any) -> RedisGate:
        return RedisGate(client, redis_prefix, scope, clock=clock, **kw)

    make.clock = clock  # type: ignore[attr-defined]
    yield make
    client.close()


def headers(remaining: int, reset: float) -> dict[str, str]:
    return {"x-ratelimit-remaining": str(remaining), "x-ratelimit-reset": str(int(reset)), "x-ratelimit-limit": "5000"}


def test_every_worker_draws_from_one_budget_per_installation(gates: Any) -> None:
    one, two, other = gates(reserve=5), gates(reserve=5), gates("installation:2", reserve=5)
    one.after_response(200, headers(8, gates.clock.now + 600))
    for gate in (one, two, one):  # three calls from two workers: 8 -> 5, the reserve
        assert gate.before_call() == ("ok", 0.0)
    verdict, seconds = two.before_call()
    assert verdict == "low" and seconds == pytest.approx(600, abs=1)
    assert other.before_call() == ("ok", 0.0)  # another installation's budget is its own


def test_work_waits_for_a_near_reset_and_stops_for_a_far_one(gates: Any) -> None:
    clock = gates.clock
    gate = gates(reserve=10)
    gate.after_response(200, headers(10, clock.now + 20))
    admit(gate, max_wait=30, sleep=clock.sleep)  # waited for the reset instead of failing
    assert clock.slept == [pytest.approx(20.5, abs=0.01)]
    gate.after_response(200, headers(3, clock.now + 900))
    with pytest.raises(RateLimited) as caught:
        admit(gate, max_wait=30, sleep=clock.sleep)
    assert caught.value.reset_in == pytest.approx(900, abs=1)


def test_the_circuit_opens_on_repeated_server_errors_and_closes_after_a_good_probe(gates: Any) -> None:
    clock = gates.clock
    a, b = gates(threshold=3, open_for=30), gates(threshold=3, open_for=30)
    a.after_response(502, {})
    a.after_response(200, {})  # a success in between: not "in a row"
    for gate in (a, b, a):
        gate.after_response(503, {})
    with pytest.raises(CircuitOpen) as caught:
        admit(b, max_wait=30, sleep=clock.sleep)
    assert caught.value.retry_after == pytest.approx(30, abs=0.1)
    clock.now += 31
    assert a.before_call() == ("ok", 0.0)  # a is the probe
    assert b.before_call()[0] == "probing"  # b waits for its answer
    a.after_response(502, {})  # the probe failed: open again
    assert b.before_call()[0] == "open"
    clock.now += 31
    assert b.before_call() == ("ok", 0.0)
    b.after_response(200, {})
    assert a.before_call() == ("ok", 0.0) and b.before_call() == ("ok", 0.0)


def test_without_redis_the_gate_lets_calls_through(redis_prefix: str) -> None:
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    dead = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0))
    gate = RedisGate(dead, redis_prefix, "installation:1")
    assert gate.before_call() == ("ok", 0.0)
    gate.after_response(502, {})  # nothing raised: GitHub's own answers still limit the job
