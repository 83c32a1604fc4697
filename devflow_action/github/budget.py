"""The run's budget: API calls and wall time. An object the caller supplies, so that every client of
a run (and later the service's workers) draws from one budget."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .errors import BudgetExhausted, DeadlineReached


@dataclass
class CallBudget:
    max_calls: int = 500
    deadline: float | None = None  # seconds from the budget's creation; None: no deadline
    clock: Callable[[], float] = time.monotonic
    calls: int = 0
    writes: int = 0  # write requests sent, retries included
    written: int = 0  # write requests GitHub accepted (2xx): what the run changed
    started: float = field(default=-1.0)

    def __post_init__(self) -> None:
        if self.started < 0:
            self.started = self.clock()

    def time_left(self) -> float | None:
        if self.deadline is None:
            return None
        return self.deadline - (self.clock() - self.started)

    def check_time(self, needed: float = 0.0) -> None:
        """Raise DeadlineReached when the deadline has passed, or would before ``needed`` seconds."""
        left = self.time_left()
        if left is not None and left <= needed:
            raise DeadlineReached(self.deadline or 0.0)

    def spend(self, write: bool) -> None:
        """Count one request, or refuse it when the calls or the time are spent."""
        if self.calls >= self.max_calls:
            raise BudgetExhausted(self.max_calls)
        self.check_time()
        self.calls += 1
        if write:
            self.writes += 1
