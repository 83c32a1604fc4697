"""The search API's own rate limit: GitHub counts `/search/*` apart from the core limit, 30 requests a
minute for an authenticated client, and answers a request past it with 403, `x-ratelimit-remaining: 0`
and `x-ratelimit-resource: search`; search requests do not count against the core limit."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

SEARCH_LIMIT = 30
SEARCH_WINDOW = 60  # seconds


@dataclass
class SearchLimit:
    limit: int = SEARCH_LIMIT
    window: int = SEARCH_WINDOW
    used: int = 0
    reset: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self.reset = self.reset or int(time.time()) + self.window

    def take(self) -> bool:
        """Count one search request; False when the window's requests are spent (not counted then)."""
        now = int(time.time())
        with self._lock:
            if now >= self.reset:
                self.used, self.reset = 0, now + self.window
            if self.used >= self.limit:
                return False
            self.used += 1
            return True

    def new_window(self) -> None:
        """What a minute passing does (tests call it instead of waiting)."""
        with self._lock:
            self.used, self.reset = 0, int(time.time()) + self.window

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return {"limit": self.limit, "remaining": max(0, self.limit - self.used), "reset": self.reset,
                    "used": self.used}  # fmt: skip
