"""The orchestration service's speed (docs/service.md, docs/benchmarks.md):

    DEVFLOW_TEST_POSTGRES='host=127.0.0.1 port=55432 user=postgres dbname=postgres' \\
    DEVFLOW_TEST_REDIS=redis://127.0.0.1:6390/0 .venv/bin/python -m benchmarks.service [--seconds 10]

1. **Acknowledgements**: `devflow serve` in its own process; a separate client process keeps
   ``--connections`` keep-alive connections busy with signed ``issues.opened`` deliveries (a real
   payload, each with its own delivery id) for ``--seconds``: webhooks acknowledged (202) per second,
   and the p50 / p99 of each request's round trip as the client sees it.
2. **End to end**: one `devflow worker` process; deliveries sent one at a time, ``--gap`` apart:
   the time from sending a delivery to the GitHub test server receiving its label write.
3. **Workers**: `devflow worker` with each of ``--processes`` (1, 2 and 4) times each of ``--threads``
   (8), started and warmed up first; then ``--jobs`` deliveries (distinct issues) sent as fast as one
   client can: deliveries applied per second, until the last label write.

``--github-latency 0.1``: the GitHub test server answers each request that many seconds late (its
thread sleeps, spending no CPU), as GitHub itself does (~50-300 ms a call): what the workers' threads
and processes buy when jobs wait on the network rather than on the CPU.

Throwaway Postgres database and Redis key prefix, removed at the end. The GitHub test server runs
in this process (a thread per connection, one lock): at high rates it is part of what is measured.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
import uuid
from typing import Any

import httpx2

from devflow_action.service.webhook import sign
from tests.ghserver import GitHubTestServer
from tests.githubdata import load_payload
from tests.service_helpers import free_port
from tests.test_action_e2e import CONFIG, TOKEN, fresh

SECRET = "bench-Webhook-Secret-0123456789"


# -- the client process ------------------------------------------------------------------------------
async def _connection(port: int, body: bytes, signature: str, until: float, latencies: list[float]) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    ok = 0
    while time.perf_counter() < until:
        head = (
            f"POST /webhook HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n"
            f"x-github-event: issues\r\nx-github-delivery: {uuid.uuid4()}\r\nx-hub-signature-256: {signature}\r\n"
            f"content-length: {len(body)}\r\n\r\n"
        ).encode()
        started = time.perf_counter()
        writer.write(head + body)
        status = int((await reader.readline()).split()[1])
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        await reader.readexactly(length)
        latencies.append(time.perf_counter() - started)
        ok += status == 202
    writer.close()
    return ok


def client(port: int, seconds: float, connections: int) -> None:
    payload = fresh(load_payload("issues.opened"))
    body = json.dumps(payload).encode()
    signature = sign(SECRET.encode(), body)
    latencies: list[float] = []

    async def main() -> int:
        until = time.perf_counter() + seconds
        done = await asyncio.gather(*(_connection(port, body, signature, until, latencies) for _ in range(connections)))
        return sum(done)

    started = time.perf_counter()
    accepted = asyncio.run(main())
    elapsed = time.perf_counter() - started
    latencies.sort()
    print(json.dumps({
        "accepted": accepted, "requests": len(latencies), "seconds": elapsed, "per_second": accepted / elapsed,
        "p50_ms": 1000 * latencies[len(latencies) // 2], "p99_ms": 1000 * latencies[int(len(latencies) * 0.99)],
        "body_bytes": len(body),
    }))  # fmt: skip


# -- the benchmark ---------------------------------------------------------------------------------
class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        import psycopg

        from devflow_action.state import open_store
        from tests.state_fixtures import pg_conninfo, pg_url, redis_url

        self.args = args
        self.db = f"devflow_bench_{uuid.uuid4().hex[:10]}"
        self.prefix = f"devflow_bench_{uuid.uuid4().hex[:10]}:"
        with psycopg.connect(pg_conninfo(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.db}"')
        store = open_store(pg_url(self.db))
        assert store is not None
        store.close()
        self.gh = GitHubTestServer(token=TOKEN).start()
        self.gh.check_responses = False  # the contract check of each answer is the test suite's job
        self.gh.faults.latency = args.github_latency
        self.gh.state.set_file(".devflow.yml", CONFIG)
        self.write_times: dict[int, float] = {}
        original = self.gh.handle

        def handle(verb: str, target: str, headers: dict[str, str], body: bytes) -> Any:
            answer = original(verb, target, headers, body)
            if verb == "POST" and target.endswith("/labels"):
                self.write_times[int(target.split("/issues/")[1].split("/")[0])] = time.perf_counter()
            return answer

        self.gh.handle = handle  # type: ignore[method-assign,assignment]
        self.env = {**os.environ, "DEVFLOW_WEBHOOK_SECRET": SECRET, "DEVFLOW_REDIS_URL": redis_url(self.prefix),
                    "DEVFLOW_DATABASE_URL": pg_url(self.db), "GITHUB_TOKEN": TOKEN, "GITHUB_API_URL": self.gh.url,
                    "DEVFLOW_LOG_LEVEL": os.environ.get("DEVFLOW_LOG_LEVEL", "INFO")}  # fmt: skip
        self.procs: list[subprocess.Popen[bytes]] = []
        self.http = httpx2.Client()  # one keep-alive client: building one per request costs ~25 ms (TLS context)

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen([sys.executable, "-m", "devflow_action.cli", *args], env=self.env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        self.procs.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen[bytes]) -> None:
        proc.terminate()
        proc.wait(60)

    def serve(self) -> int:
        port = free_port()
        self.start("serve", "--port", str(port), "--workers", str(self.args.serve_workers))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx2.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                    return port
            except httpx2.TransportError:
                time.sleep(0.1)
        raise SystemExit("devflow serve did not start")

    def flush(self) -> None:
        """Empty the queue and forget the deliveries between phases."""
        import redis

        from tests.state_fixtures import redis_base

        r = redis.Redis.from_url(redis_base())
        keys = list(r.scan_iter(match=f"{self.prefix}*", count=1000))
        if keys:
            r.delete(*keys)
        r.close()

    def issues(self, count: int) -> list[dict[str, Any]]:
        out = []
        for n in range(1, count + 1):
            payload = fresh(copy.deepcopy(load_payload("issues.opened")))
            payload["issue"]["number"] = n
            payload["issue"]["labels"] = []
            self.gh.state.seed_from_payload(payload)
            out.append(payload)
        return out

    def post(self, port: int, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode()
        signature = sign(SECRET.encode(), body)
        headers = {"content-type": "application/json", "x-github-event": "issues",
                   "x-github-delivery": str(uuid.uuid4()), "x-hub-signature-256": signature}  # fmt: skip
        assert self.http.post(f"http://127.0.0.1:{port}/webhook", content=body, headers=headers).status_code == 202

    def acks(self, port: int) -> dict[str, Any]:
        got = subprocess.run(
            [sys.executable, "-m", "benchmarks.service", "--client", str(port), "--seconds", str(self.args.seconds),
             "--connections", str(self.args.connections)],
            capture_output=True, text=True, check=True, env=self.env,
        )  # fmt: skip
        return dict(json.loads(got.stdout))

    def end_to_end(self, port: int) -> list[float]:
        payloads = self.issues(self.args.e2e)
        worker = self.start("worker", "--processes", "1", "--threads", str(self.args.threads[0]))
        time.sleep(3)  # the worker is up
        latencies = []
        for payload in payloads:
            number = payload["issue"]["number"]
            started = time.perf_counter()
            self.post(port, payload)
            while number not in self.write_times:
                if time.perf_counter() - started > 30:
                    raise SystemExit(f"issue {number} was not labelled within 30 s")
                time.sleep(0.001)
            latencies.append(self.write_times[number] - started)
            time.sleep(self.args.gap)
        self.stop(worker)
        return latencies

    def workers(self, port: int, processes: int, threads: int) -> tuple[int, float, float]:
        """The workers start (and warm up on one delivery each) before the clock does: then ``--jobs``
        deliveries are sent as fast as one client can, and the clock stops at the last label write."""
        self.flush()
        self.gh.state.issues.clear()
        self.write_times.clear()
        payloads = self.issues(self.args.jobs + processes)
        worker = self.start("worker", "--processes", str(processes), "--threads", str(threads))
        for payload in payloads[:processes]:
            self.post(port, payload)
        deadline = time.perf_counter() + 60
        while len(self.write_times) < processes and time.perf_counter() < deadline:
            time.sleep(0.05)
        time.sleep(1.0)
        calls = len(self.gh.requests)
        started = time.perf_counter()
        for payload in payloads[processes:]:
            self.post(port, payload)
        deadline = started + 600
        while len(self.write_times) < len(payloads) and time.perf_counter() < deadline:
            time.sleep(0.05)
        elapsed = max(self.write_times.values()) - started
        done = len(self.write_times) - processes
        self.stop(worker)
        return done, elapsed, (len(self.gh.requests) - calls) / max(done, 1)

    def close(self) -> None:
        import psycopg

        from tests.state_fixtures import pg_conninfo

        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
        self.gh.stop()
        self.flush()
        with psycopg.connect(pg_conninfo(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.db}" WITH (FORCE)')


def _numbers(text: str) -> list[int]:
    return [int(n) for n in text.split(",")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--client", type=int, help=argparse.SUPPRESS)  # the client process: the port
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--serve-workers", type=int, default=1)
    parser.add_argument("--e2e", type=int, default=50, help="deliveries for the end-to-end latency")
    parser.add_argument("--gap", type=float, default=0.05)
    parser.add_argument("--jobs", type=int, default=400, help="deliveries for the worker throughput")
    parser.add_argument("--processes", type=_numbers, default=[1, 2, 4], help="worker processes: a list (1,2,4)")
    parser.add_argument("--threads", type=_numbers, default=[8], help="threads per worker process: a list (8)")
    parser.add_argument("--github-latency", type=float, default=0.0, help="seconds GitHub takes to answer a call")
    parser.add_argument("--only", choices=("acks", "e2e", "workers"))
    args = parser.parse_args()
    if args.client:
        client(args.client, args.seconds, args.connections)
        return
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}, load {os.getloadavg()[0]:.1f}; GitHub latency "
          f"{1000 * args.github_latency:.0f} ms")  # fmt: skip
    bench = Bench(args)
    try:
        port = bench.serve()
        if args.only in (None, "acks"):
            got = bench.acks(port)
            print(f"acknowledged: {got['per_second']:,.0f}/s ({got['accepted']:,} in {got['seconds']:.1f} s, "
                  f"{args.connections} connections, {got['body_bytes']:,}-byte payload); "
                  f"p50 {got['p50_ms']:.1f} ms, p99 {got['p99_ms']:.1f} ms")  # fmt: skip
            bench.flush()
        if args.only in (None, "e2e"):
            lat = sorted(bench.end_to_end(port))
            print(f"delivery -> GitHub write ({len(lat)} deliveries, one at a time): median "
                  f"{1000 * statistics.median(lat):.0f} ms, p90 {1000 * lat[int(len(lat) * 0.9)]:.0f} ms, "
                  f"max {1000 * lat[-1]:.0f} ms")  # fmt: skip
        if args.only in (None, "workers"):
            for threads in args.threads:
                for processes in args.processes:
                    done, elapsed, calls = bench.workers(port, processes, threads)
                    print(f"workers: {processes} process(es) x {threads} threads, GitHub latency "
                          f"{1000 * args.github_latency:.0f} ms: {done} deliveries applied in {elapsed:.1f} s = "
                          f"{done / elapsed:.0f}/s ({calls:.1f} GitHub calls each)")  # fmt: skip
    finally:
        bench.close()
        threading.Event().wait(0.1)


if __name__ == "__main__":
    main()
