"""Injected answers: the GitHub test server, except that requests matching a rule get the rule's answer.

    server = AnsweringServer(token=TOKEN).start()
    server.answer("GET", r"/contents/", 401, {"message": "Bad credentials"})
    server.answer("POST", r"/comments$", 502, apply=True, times=1)   # the comment lands, then a 502
    server.answer("GET", r"/issues/\\d+$", 200, b'{"number": 1, "tit')   # truncated JSON on a 200

For what `Faults` cannot say: one route failing (a 401 on the contents API only, sustained 503s on
writes only), malformed 2xx bodies, secondary rate limits, and bodies that echo the request's headers
(a hostile server quoting the Authorization header back). Every request is still checked against the
contract and recorded in `server.requests`, with the status it got.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .server import GitHubTestServer, RequestRecord

Body = bytes | dict[str, Any] | Callable[[dict[str, str]], bytes]


@dataclass
class Answer:
    method: str  # "GET", "POST", ... or "*"
    path: str  # regular expression searched in the path (query excluded)
    status: int = 200
    body: Body = b""  # bytes as sent, a dict sent as JSON, or a function of the request's headers
    headers: dict[str, str] = field(default_factory=dict)
    times: int | None = None  # answer this many matching requests, then let the rest through
    apply: bool = False  # run the request for real first (a write lands), then answer this

    def matches(self, method: str, path: str) -> bool:
        return self.method in ("*", method) and re.search(self.path, path) is not None


class AnsweringServer(GitHubTestServer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.answers: list[Answer] = []
        self._answers_lock = threading.Lock()

    def answer(self, method: str, path: str, status: int = 200, body: Body = b"", **options: Any) -> Answer:
        rule = Answer(method, path, status, body, **options)
        self.answers.append(rule)
        return rule

    def _take(self, method: str, path: str) -> Answer | None:
        with self._answers_lock:
            for rule in self.answers:
                if rule.matches(method, path) and (rule.times is None or rule.times > 0):
                    if rule.times is not None:
                        rule.times -= 1
                    return rule
        return None

    def handle(
        self, method: str, target: str, headers: dict[str, str], raw_body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        rule = self._take(method, target.partition("?")[0])
        if rule is None:
            return super().handle(method, target, headers, raw_body)
        if rule.apply:
            super().handle(method, target, headers, raw_body)  # recorded there with its real status
        else:
            self._check_only(method, target, headers, raw_body, rule.status)
        body = rule.body(headers) if callable(rule.body) else rule.body
        payload = json.dumps(body).encode() if isinstance(body, dict) else body
        return rule.status, {"content-type": "application/json; charset=utf-8", **rule.headers}, payload

    def _check_only(self, method: str, target: str, headers: dict[str, str], raw_body: bytes, status: int) -> None:
        """Check the request against the contract (a violation still fails the test), never run it."""
        with self._lock:
            index = self._count
            self._count += 1
        try:
            body, ok = (json.loads(raw_body), True) if raw_body else (None, True)
        except ValueError:
            body, ok = raw_body.decode("utf-8", "replace"), False
        self._preflight(index, method, target, headers, body, ok)
        with self._lock:
            self.requests.append(RequestRecord(method, target, body, status))
