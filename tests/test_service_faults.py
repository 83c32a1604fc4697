"""The service under faults, with nothing lost and nothing doubled: a worker killed with SIGKILL in the
middle of a job (before and after its GitHub write), Redis restarted (AOF on) and Postgres restarted
while deliveries keep coming. Redis and Postgres here are private servers the tests start and stop."""

from __future__ import annotations

import copy
import glob
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .ghserver.seed import load_payload
from .service_helpers import Stack, free_port, wait_until
from .test_action_e2e import CONFIG, fresh

pytestmark = pytest.mark.integration


def hold_answers(stack: Stack, method: str, suffix: str) -> tuple[threading.Event, threading.Event]:
    """The GitHub test server applies matching requests but holds their answers until ``release``."""
    arrived, release = threading.Event(), threading.Event()
    original = stack.gh.handle

    def handle(verb: str, target: str, headers: dict[str, str], body: bytes) -> Any:
        answer = original(verb, target, headers, body)
        if verb == method and target.split("?")[0].endswith(suffix) and not release.is_set():
            arrived.set()
            release.wait(30)
        return answer

    stack.gh.handle = handle  # type: ignore[method-assign,assignment]
    return arrived, release


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("GET", "/contents/.devflow.yml"), ("POST", "/labels")],
    ids=["before-its-write", "after-its-write"],
)
def test_a_worker_killed_mid_job_leaves_the_job_to_another_which_writes_once(
    stack: Stack, method: str, suffix: str
) -> None:
    stack.serve_thread()
    payload = stack.issue_opened()
    arrived, release = hold_answers(stack, method, suffix)
    first = stack.process("worker", "--processes", "1", "--threads", "2")
    delivery = str(uuid.uuid4())
    assert stack.post("issues", payload, delivery=delivery).status_code == 202
    assert arrived.wait(30), "the first worker never reached GitHub"
    os.kill(first.pid, signal.SIGKILL)
    first.wait(10)
    release.set()
    stack.process("worker", "--processes", "1", "--threads", "2")
    wait_until(lambda: stack.delivery_status(delivery) == "done", 30, "another worker to finish the job")
    assert stack.labels(1) == ["bug", "triage"]
    assert len(stack.label_writes()) == 1  # applied once, whoever applied it
    [(attempts,)] = stack.sql("SELECT attempts FROM devflow.deliveries WHERE delivery = %s", delivery)
    assert attempts == 2
    # the second attempt read the issue first (not the payload): the label was there, nothing to do
    [(outcome,)] = stack.sql("SELECT outcome FROM devflow.deliveries WHERE delivery = %s", delivery)
    assert outcome == ("matched bugs: nothing to do" if method == "POST" else "1 applied")


# -- Redis, restarted ------------------------------------------------------------------------------
class PrivateRedis:
    def __init__(self, folder: Path) -> None:
        self.folder, self.port = folder, free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder),
             "--appendonly", "yes", "--appendfsync", "always", "--save", ""],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        import redis

        client = redis.Redis(port=self.port)
        wait_until(lambda: _pings(client), 10, "the private Redis to start")
        client.close()

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(10)


def _pings(client: Any) -> bool:
    try:
        return bool(client.ping())
    except Exception:
        return False


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (.ci/run installs it)")
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    if server.proc is not None and server.proc.poll() is None:
        server.kill()


def issues(stack: Stack, count: int) -> list[dict[str, Any]]:
    """``count`` issues, each opened by a real payload (renumbered)."""
    stack.gh.state.set_file(".devflow.yml", CONFIG)
    out = []
    for n in range(1, count + 1):
        payload = fresh(copy.deepcopy(load_payload("issues.opened")))
        payload["issue"]["number"] = n
        stack.gh.state.seed_from_payload(payload)
        out.append(payload)
    return out


def deliver(stack: Stack, payload: dict[str, Any], delivery: str, patience: float = 30) -> None:
    """As GitHub with a redelivery on failure: until the service takes it (202) or knows it (200)."""
    deadline = time.monotonic() + patience
    while True:
        try:
            code = stack.post("issues", payload, delivery=delivery).status_code
        except Exception:
            code = 0
        if code in (200, 202):
            return
        assert time.monotonic() < deadline, f"the service never took {delivery} (last answer {code})"
        time.sleep(0.1)


def writes_per_issue(stack: Stack) -> dict[int, int]:
    counts: dict[int, int] = {}
    for r in stack.label_writes():
        number = int(r.path.split("/issues/")[1].split("/")[0])
        counts[number] = counts.get(number, 0) + 1
    return counts


def test_a_redis_restart_under_load_loses_and_doubles_nothing(stack: Stack, private_redis: PrivateRedis) -> None:
    stack.env["DEVFLOW_REDIS_URL"] = f"redis://127.0.0.1:{private_redis.port}/0?prefix=devflow-test:"
    stack.serve_thread()
    stack.worker_thread(threads=4)
    payloads = issues(stack, 24)
    sent = []
    for i, payload in enumerate(payloads):
        if i == 12:
            private_redis.kill()  # acknowledged deliveries are in the AOF (fsync always)
            threading.Timer(0.5, private_redis.start).start()
        delivery = str(uuid.uuid4())
        deliver(stack, payload, delivery)
        sent.append(delivery)
    wait_until(lambda: all(stack.delivery_status(d) == "done" for d in sent), 60, "every delivery to be done")
    assert writes_per_issue(stack) == dict.fromkeys(range(1, 25), 1)


# -- Postgres, restarted ---------------------------------------------------------------------------
@pytest.fixture
def private_postgres() -> Iterator[tuple[str, Any]]:
    """A Postgres cluster of the test's own (initdb in a temp folder), migrated; yields its URL and a
    function that restarts it."""
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    if not bins:
        pytest.skip("Postgres is not installed (.ci/run installs it)")
    pg = bins[-1]
    tmp_path = Path(tempfile.mkdtemp(prefix="devflow-pg-"))  # not under pytest's folder: postgres must reach it
    data, port = tmp_path / "pg", free_port()
    run_as: list[str] = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if run_as:
        shutil.chown(tmp_path, "postgres")
    subprocess.run([*run_as, f"{pg}/initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
                   check=True, capture_output=True)  # fmt: skip
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {tmp_path} -c fsync=off"
    ctl = [*run_as, f"{pg}/pg_ctl", "-D", str(data), "-l", str(tmp_path / "log"), "-w", "-o", options]
    subprocess.run([*ctl, "start"], check=True, capture_output=True)
    url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    from devflow_action.state import open_store

    store = open_store(url)
    assert store is not None
    store.close()
    try:
        yield url, lambda: subprocess.run([*ctl, "-m", "immediate", "restart"], check=True, capture_output=True)
    finally:
        subprocess.run([*ctl, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(tmp_path, ignore_errors=True)


def test_a_postgres_restart_under_load_loses_and_doubles_nothing(stack: Stack, private_postgres: Any) -> None:
    url, restart = private_postgres
    stack.env["DEVFLOW_DATABASE_URL"] = url
    stack.serve_thread()
    stack.worker_thread(threads=4)
    payloads = issues(stack, 24)
    sent = []
    for i, payload in enumerate(payloads):
        if i == 12:
            threading.Thread(target=restart).start()  # while the workers write their ledger and records
        delivery = str(uuid.uuid4())
        deliver(stack, payload, delivery)
        sent.append(delivery)
    stack.database_url = url  # type: ignore[attr-defined]
    import psycopg

    def all_done() -> bool:
        try:
            with psycopg.connect(url) as conn:
                rows = conn.execute("SELECT delivery, status FROM devflow.deliveries").fetchall()
        except psycopg.OperationalError:
            return False
        return {d for d, s in rows if s == "done"} >= set(sent)

    wait_until(all_done, 60, "every delivery to be done")
    assert writes_per_issue(stack) == dict.fromkeys(range(1, 25), 1)


def test_while_redis_is_down_a_delivery_is_answered_503_and_its_redelivery_is_taken(
    stack: Stack, private_redis: PrivateRedis
) -> None:
    stack.env["DEVFLOW_REDIS_URL"] = f"redis://127.0.0.1:{private_redis.port}/0?prefix=devflow-test:"
    stack.serve_thread()
    payload = stack.issue_opened()
    delivery = str(uuid.uuid4())
    private_redis.kill()
    down = stack.post("issues", payload, delivery=delivery)
    assert (down.status_code, down.json()) == (503, {"error": "the queue is unavailable; redeliver later"})
    private_redis.start()
    assert stack.post("issues", payload, delivery=delivery).status_code == 202  # nothing was admitted before
    assert stack.post("issues", payload, delivery=delivery).status_code == 200
