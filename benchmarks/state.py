"""The state store's cost: events recorded per second to each backend, and the overhead per run.

    DEVFLOW_TEST_POSTGRES='host=127.0.0.1 port=55432 user=postgres dbname=postgres' \\
    DEVFLOW_TEST_REDIS=redis://127.0.0.1:6390/0 .venv/bin/python -m benchmarks.state [--seconds 5] [--runs 30]

- throughput: ``record_run`` of a typical event (3 rule results, 2 operations, item timestamps) in a
  loop on one connection, each event under a new key: events recorded per second.
- overhead per run: what a run of the action pays for the state, measured piece by piece: importing
  the driver (a fresh interpreter), connecting with the schema check, and the event itself (a real
  ``handle_event`` against the GitHub test server, median with the store minus median without: the
  ledger's claim and done per operation, then the record).

Postgres gets a throwaway database, Redis a throwaway key prefix; both are removed at the end. Run
by hand; record the result in docs/benchmarks.md with the machine and the command.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from devflow_action.app.context import RunContext
from devflow_action.app.event import handle_event
from devflow_action.config.loader import load_text
from devflow_action.github.budget import CallBudget
from devflow_action.github.client import GhClient
from devflow_action.plan import RuleResult
from devflow_action.state import open_store, parse
from devflow_action.state.guard import Guarded
from devflow_action.state.model import EventRecord, ItemTimes, OperationRecord, RunRecord, StateStore
from tests.ghserver import GitHubTestServer
from tests.integration_helpers import FAST, scenario

CONFIG = """version: 1
rules:
  - name: bugs
    on: issues.opened
    if: {title: {matches: '(?i)bug|spelling'}}
    then: [{label: [bug-report, needs-triage]}, {comment: Thanks for the report!}]
  - name: docs
    on: issues.opened
    if: {title: {contains: docs}}
    then: [{label: documentation}]
"""


def record(i: int) -> RunRecord:
    now = datetime.now(UTC)
    return RunRecord(
        EventRecord(f"bench:{i}", "octo/repo", "issues.opened", now, 1, "issue", i % 500, "alice", now),
        (RuleResult("bugs", True, matched_conditions=("title matches 'bug'",)),
         RuleResult("docs", False, missing_conditions=("title contains 'docs'",)),
         RuleResult("welcome", False, missing_conditions=("author first_contribution is true",))),
        (OperationRecord({"type": "add_labels", "labels": ["bug", "needs-triage"]}, "applied"),
         OperationRecord({"type": "comment", "body": "Thanks!", "marker": None}, "applied")),
        ItemTimes(opened_at=now),
    )  # fmt: skip


def throughput(store: StateStore, seconds: float) -> tuple[int, float]:
    i, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        store.record_run(record(i))
        i += 1
    return i, time.perf_counter() - start


def import_cost(module: str) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    return statistics.median(
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
        for _ in range(5)
    )


def run_once(server: GitHubTestServer, store: StateStore | None, n: int) -> float:
    s = scenario(server, "issues/opened.json", CONFIG)
    budget = CallBudget(200)
    with GhClient(s.event.repository, server.token, api_url=server.url, policy=FAST, budget=budget) as client:
        ctx = RunContext(client, budget, run_key=f"bench-{uuid.uuid4().hex}", policy=FAST, store=store)
        config = load_text(CONFIG)
        start = time.perf_counter()
        handle_event(ctx, config, s.event, fresh=True)
        return time.perf_counter() - start


def per_run(url: str, runs: int) -> tuple[float, float]:
    """(connect + schema check, event overhead) in seconds: medians over ``runs``."""
    parsed = parse(url)
    assert parsed is not None
    connects = []
    for _ in range(runs):
        start = time.perf_counter()
        s = open_store(parsed)
        connects.append(time.perf_counter() - start)
        assert s is not None
        s.close()
    store = Guarded(open_store(parsed), parsed.shown)
    with_store, without = [], []
    with GitHubTestServer() as server:
        for i in range(runs):
            without.append(run_once(server, None, i))
            with_store.append(run_once(server, store, i))
    assert not store.problems, store.problems
    store.close()
    return statistics.median(connects), statistics.median(with_store) - statistics.median(without)


def postgres(conninfo: str) -> tuple[str, Callable[[], None]]:
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    name = f"devflow_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    info = conninfo_to_dict(conninfo)
    url = f"postgresql://{info.get('user', 'postgres')}@{info.get('host', '127.0.0.1')}:{info.get('port', 5432)}/{name}"

    def drop() -> None:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')

    return url, drop


def redis_url(base: str) -> tuple[str, Callable[[], None]]:
    import redis

    prefix = f"devflow_bench_{uuid.uuid4().hex[:8]}:"

    def clean() -> None:
        client = redis.Redis.from_url(base)
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)
        client.close()

    return f"{base}{'&' if '?' in base else '?'}prefix={prefix}", clean


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="throughput: seconds per backend")
    parser.add_argument("--runs", type=int, default=30, help="overhead: runs per backend (medians)")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}, "
          f"Python {platform.python_version()}")  # fmt: skip
    backends = []
    if os.environ.get("DEVFLOW_TEST_POSTGRES"):
        backends.append(("postgresql", "psycopg", *postgres(os.environ["DEVFLOW_TEST_POSTGRES"])))
    if os.environ.get("DEVFLOW_TEST_REDIS"):
        backends.append(("redis", "redis", *redis_url(os.environ["DEVFLOW_TEST_REDIS"])))
    if not backends:
        sys.exit("set DEVFLOW_TEST_POSTGRES and/or DEVFLOW_TEST_REDIS (see the docstring)")
    print("| backend | events recorded/s | driver import | connect + schema check | event: ledger + record |")
    print("| --- | --- | --- | --- | --- |")
    for name, module, url, cleanup in backends:
        try:
            store = open_store(url)
            assert store is not None
            n, took = throughput(store, args.seconds)
            store.close()
            connect, event = per_run(url, args.runs)
            print(f"| {name} | {n / took:,.0f} ({n:,} in {took:.1f} s) | {import_cost(module) * 1000:.0f} ms "
                  f"| {connect * 1000:.1f} ms | {event * 1000:.1f} ms |")  # fmt: skip
        finally:
            cleanup()


if __name__ == "__main__":
    main()
