"""The orchestration service under test: `devflow serve` (uvicorn in a thread, or a process) and
`devflow worker` (a thread, or processes), against the real Redis and Postgres of the state tests
(their own database and key prefix: `tests/state_fixtures.py`) and the GitHub test server."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx2
import pytest

from .ghserver import GitHubTestServer
from .ghserver.seed import load_payload
from .state_fixtures import pg_url, redis_url
from .test_action_e2e import CONFIG, TOKEN, fresh

SECRET = "whsec-Service-Test-Secret-0123"
ADMIN = "admin-Token-For-The-Tests-0123456789"
QUICK = {  # timers of a test: seconds, not minutes
    "DEVFLOW_MIN_BACKOFF": "0.05",
    "DEVFLOW_MAX_BACKOFF": "0.3",
    "DEVFLOW_HEARTBEAT_TIMEOUT": "1.5",
    "DEVFLOW_MAINTENANCE_CHANCE": "1000000",
    "DEVFLOW_ITEM_LOCK_TTL": "1.5",
    "DEVFLOW_ORDER_WAIT": "3",
    "DEVFLOW_JOB_DEADLINE": "20",
    "DEVFLOW_CIRCUIT_OPEN": "0.5",
    "DEVFLOW_LOG_LEVEL": "INFO",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(check: Callable[[], Any], timeout: float = 20.0, what: str = "the condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        got = check()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


@dataclass
class Stack:
    env: dict[str, str]
    gh: GitHubTestServer
    database: str
    base: str = ""  # the serving URL, once started
    stops: list[Callable[[], None]] = field(default_factory=list)

    # -- GitHub's side -------------------------------------------------------------------------------
    def post(self, event: str, payload: Any, *, delivery: str | None = None, secret: str | None = SECRET,
             signature: str | None = None, body: bytes | None = None) -> httpx2.Response:  # fmt: skip
        from devflow_action.service.webhook import sign

        raw = body if body is not None else json.dumps(payload).encode()
        headers = {"content-type": "application/json", "x-github-event": event,
                   "x-github-delivery": delivery or str(uuid.uuid4())}  # fmt: skip
        if signature is not None:
            headers["x-hub-signature-256"] = signature
        elif secret is not None:
            headers["x-hub-signature-256"] = sign(secret.encode(), raw)
        return httpx2.post(f"{self.base}/webhook", content=raw, headers=headers, timeout=10)

    def issue_opened(self, config: str = CONFIG) -> dict[str, Any]:
        payload = fresh(load_payload("issues.opened"))
        self.gh.state.seed_from_payload(payload)
        self.gh.state.set_file(".devflow.yml", config)
        return payload

    def labels(self, number: int) -> list[str]:
        return sorted(label.name for label in self.gh.state.labels_on(self.gh.state.issues[number]))

    def label_writes(self) -> list[Any]:
        return [r for r in self.gh.writes if r.path.endswith("/labels") and r.method == "POST" and r.status < 300]

    # -- the service's side --------------------------------------------------------------------------
    def sql(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(pg_url(self.database)) as conn:
            return list(conn.execute(query, params).fetchall())

    def delivery_status(self, delivery: str) -> str | None:
        rows = self.sql("SELECT status FROM devflow.deliveries WHERE delivery = %s", delivery)
        return str(rows[0][0]) if rows else None

    def admin(self, method: str, path: str, token: str | None = ADMIN, **kw: Any) -> httpx2.Response:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        return httpx2.request(method, f"{self.base}{path}", headers=headers, timeout=10, **kw)

    def serve_thread(self) -> None:
        import uvicorn

        from devflow_action.service.app import create_app
        from devflow_action.service.settings import Settings

        port = free_port()
        app = create_app(Settings.from_env(self.env, role="serve"))
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        wait_until(lambda: server.started, 10, "uvicorn to start")
        self.base = f"http://127.0.0.1:{port}"

        def stop() -> None:
            server.should_exit = True
            thread.join(10)

        self.stops.append(stop)

    def worker_thread(self, threads: int = 4) -> threading.Event:
        from devflow_action.service.settings import Settings
        from devflow_action.service.worker import run_one

        stop = threading.Event()
        thread = threading.Thread(
            target=run_one, args=(Settings.from_env(self.env, role="worker"), threads, stop), daemon=True
        )
        thread.start()

        def halt() -> None:
            stop.set()
            thread.join(30)

        self.stops.append(halt)
        return stop

    def process(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        """``devflow ARGS`` in its own process (logs to a pipe we drain, so it never blocks)."""
        proc = subprocess.Popen([sys.executable, "-m", "devflow_action.cli", *args], env={**os.environ, **self.env,
                                **(env or {})}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
        lines: list[bytes] = []
        threading.Thread(target=lambda: lines.extend(proc.stderr or []), daemon=True).start()
        proc.log = lines  # type: ignore[attr-defined]

        def end() -> None:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()

        self.stops.append(end)
        return proc

    def close(self) -> None:
        for stop in reversed(self.stops):
            stop()


@pytest.fixture
def stack(pg_migrated: str, redis_prefix: str, gh_server_factory: Any) -> Iterator[Stack]:
    gh = gh_server_factory(token=TOKEN)
    env = {
        "DEVFLOW_WEBHOOK_SECRET": SECRET,
        "DEVFLOW_ADMIN_TOKEN": ADMIN,
        "DEVFLOW_REDIS_URL": redis_url(redis_prefix),
        "DEVFLOW_DATABASE_URL": pg_url(pg_migrated),
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_API_URL": gh.url,
        "DEVFLOW_INSECURE_COOKIES": "1",  # plain http on loopback in the tests
        **QUICK,
    }
    s = Stack(env, gh, pg_migrated)
    try:
        yield s
    finally:
        s.close()
