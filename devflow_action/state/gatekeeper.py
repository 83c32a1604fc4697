"""The shared GitHub budget and circuit breaker of the orchestration service's workers, in Redis
(``github/gate.py`` is the interface the client calls, and decides what a verdict means: wait, or
stop the job with ``RateLimited`` / ``Unavailable``).

**Budget**, one per installation (or per token): the last ``x-ratelimit-remaining`` / ``-reset`` GitHub
sent to any worker, counted down by every call in between, so that all workers see what is left.
When it is at the reserve, the verdict is ``low`` with the seconds to the reset.

**Circuit breaker**, one per GitHub API: ``threshold`` server errors in a row (within ``window``
seconds) open it for ``open_for`` seconds, during which the verdict is ``open``; then one worker's call goes
through as a probe (the others get ``probing``), and any answer that is not a 5xx closes it again,
while a 5xx opens it for another period.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import redis

_BEFORE = """
local now = tonumber(ARGV[1])
local open_until = tonumber(redis.call('HGET', KEYS[2], 'open_until') or '0')
if open_until > 0 then
  if now < open_until then return {'open', tostring(open_until - now)} end
  if not redis.call('SET', KEYS[3], '1', 'NX', 'EX', ARGV[3]) then return {'probing', '0'} end
end
local remaining = redis.call('HGET', KEYS[1], 'remaining')
if remaining then
  local reset = tonumber(redis.call('HGET', KEYS[1], 'reset') or '0')
  if tonumber(remaining) <= tonumber(ARGV[2]) and reset > now then return {'low', tostring(reset - now)} end
  redis.call('HINCRBY', KEYS[1], 'remaining', -1)
end
return {'ok', '0'}
"""
_AFTER_ERROR = """
local fails = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
local probing = redis.call('EXISTS', KEYS[3]) == 1
if fails >= tonumber(ARGV[1]) or probing then
  redis.call('HSET', KEYS[2], 'open_until', ARGV[3])
  redis.call('DEL', KEYS[1], KEYS[3])
  return 1
end
return 0
"""


@dataclass
class RedisGate:
    client: Any
    prefix: str
    scope: str  # "installation:<id>" or "token:<hash>": whose budget
    api: str = "github"  # whose circuit (one per GitHub API URL)
    reserve: int = 50  # calls kept back (other tools of the installation, the probe)
    threshold: int = 5
    window: int = 60
    open_for: float = 30.0
    clock: Callable[[], float] = time.time
    opened: list[float] = field(default_factory=list)  # when this gate opened the circuit (tests, logs)

    def __post_init__(self) -> None:
        self._before = self.client.register_script(_BEFORE)
        self._error = self.client.register_script(_AFTER_ERROR)
        p = self.prefix
        self.k_budget = f"{p}budget:{self.scope}"
        self.k_fails, self.k_circuit, self.k_probe = (
            f"{p}circuit:{self.api}:fails",
            f"{p}circuit:{self.api}",
            (f"{p}circuit:{self.api}:probe"),
        )

    def before_call(self) -> tuple[str, float]:
        """``(verdict, seconds)``: ``ok``; ``low`` (seconds to the budget's reset); ``open`` (seconds the
        circuit stays open); ``probing`` (another worker is probing GitHub)."""
        try:
            verdict, seconds = self._before(
                keys=[self.k_budget, self.k_circuit, self.k_probe], args=[self.clock(), self.reserve, 15]
            )
        except redis.RedisError:
            return "ok", 0.0  # no shared view without Redis: GitHub's own answers still limit the job
        return str(verdict), float(seconds)

    def after_response(self, status: int, headers: Mapping[str, str]) -> None:
        try:
            pipe = self.client.pipeline(transaction=False)
            if "x-ratelimit-remaining" in headers and headers.get("x-ratelimit-resource", "core") == "core":
                pipe.hset(
                    self.k_budget,
                    mapping={
                        "remaining": int(headers["x-ratelimit-remaining"]),
                        "reset": int(headers.get("x-ratelimit-reset") or 0),
                        "limit": int(headers.get("x-ratelimit-limit") or 0),
                    },
                )
                pipe.expire(self.k_budget, 2 * 3600)
            if status < 500:
                pipe.delete(self.k_fails, self.k_circuit, self.k_probe)
            pipe.execute()
            if status >= 500 and self._error(
                keys=[self.k_fails, self.k_circuit, self.k_probe],
                args=[self.threshold, self.window, self.clock() + self.open_for],
            ):
                self.opened.append(self.clock())
        except (redis.RedisError, ValueError):
            return  # bad headers or Redis away: the next answer updates it
