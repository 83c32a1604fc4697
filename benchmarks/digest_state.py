"""What reading the state store costs a digest: the history reads (``app/digest_history.read_history``:
since when each kind is recorded, the events per window, the items answered or merged in the last
four windows) against 1,000 and 5,000 items recorded, on each backend.

    DEVFLOW_TEST_POSTGRES='host=127.0.0.1 port=55432 user=postgres dbname=postgres' \\
    DEVFLOW_TEST_REDIS=redis://127.0.0.1:6390/0 .venv/bin/python -m benchmarks.digest_state [--runs 30]

Each item is recorded as the event path records it (``record_run`` with the item's times): opened
over the last six weeks, two in three answered by a maintainer a few hours to days later, two in five
pull requests, half of them merged; plus one comment event per item. The store is the run's
(``Guarded``, as the action opens it); the median of ``--runs`` reads is reported, in milliseconds.
Postgres gets a throwaway database, Redis a throwaway key prefix, removed at the end.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.state import postgres, redis_url
from devflow_action.app.digest_history import read_history
from devflow_action.state import open_store
from devflow_action.state.guard import Guarded
from devflow_action.state.model import EventRecord, ItemTimes, RunRecord, StateStore

REPO = "octo-org/octo-repo"
UNTIL = datetime(2024, 3, 11, tzinfo=UTC)
DAYS = 7


def fill(store: StateStore, items: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    start = UNTIL - timedelta(days=42)
    for n in range(1, items + 1):
        opened = start + timedelta(seconds=rng.randint(0, 41 * 86400))
        answered = opened + timedelta(hours=rng.randint(1, 120)) if n % 3 else None
        merged = opened + timedelta(days=rng.randint(1, 10)) if n % 5 in (1, 3) and n % 2 else None
        times = ItemTimes(opened, answered, "maint" if answered else None, merged, merged)
        store.record_run(RunRecord(EventRecord(f"run:{n}", REPO, "issues.opened", opened, 1, "issue", n, "u", opened),
                                   times=times))  # fmt: skip
        at = answered or opened + timedelta(hours=1)
        store.record_run(RunRecord(EventRecord(f"run:{n}c", REPO, "issue_comment.created", at, 1, "issue", n)))
        if merged:
            store.record_run(RunRecord(EventRecord(f"run:{n}m", REPO, "pull_request.closed", merged, 1, "pull_request",
                                                   n)))  # fmt: skip


def measure(url: str, items: int, runs: int) -> tuple[float, int]:
    inner = open_store(url)
    assert inner is not None
    fill(inner, items)
    store = Guarded(inner, "bench")
    took, found = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        recorded = read_history(store, REPO, UNTIL, DAYS, [])
        took.append(time.perf_counter() - started)
        assert recorded is not None and store.ok, store.problems
        found = len(recorded.items)
    store.close()
    return statistics.median(took), found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="reads per backend and size (median)")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}, "
          f"Python {platform.python_version()}")  # fmt: skip
    print("| backend | items recorded | items read (last 4 windows) | history read per digest |")
    print("| --- | --- | --- | --- |")
    for name, env in (("postgresql", "DEVFLOW_TEST_POSTGRES"), ("redis", "DEVFLOW_TEST_REDIS")):
        if not os.environ.get(env):
            continue
        for items in (1000, 5000):
            url, cleanup = postgres(os.environ[env]) if name == "postgresql" else redis_url(os.environ[env])
            try:
                took, found = measure(url, items, args.runs)
                print(f"| {name} | {items:,} | {found:,} | {took * 1000:.1f} ms |")
            finally:
                cleanup()


if __name__ == "__main__":
    main()
