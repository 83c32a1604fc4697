"""The Postgres schema's migrations (yoyo, plain SQL): from empty and from every earlier version,
with two runs migrating at once; and the `devflow state` commands that maintainers use."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from devflow_action.state import open_store, parse
from devflow_action.state.migrate import applied, migrate, migration_ids

from .state_fixtures import pg_url


def _schema(dbname: str) -> dict[str, Any]:
    import psycopg

    with psycopg.connect(pg_url(dbname), autocommit=True) as conn:
        columns = conn.execute(
            "SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns"
            " WHERE table_schema = 'devflow' ORDER BY table_name, ordinal_position"
        ).fetchall()
        indexes = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'devflow' ORDER BY indexname"
        ).fetchall()
        constraints = conn.execute(
            "SELECT conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE connamespace = 'devflow'::regnamespace ORDER BY 1, 2"
        ).fetchall()
    return {"columns": columns, "indexes": indexes, "constraints": constraints}


def _migrate(dbname: str, only: list[str] | None = None, barrier: threading.Barrier | None = None) -> list[str]:
    import psycopg

    url = parse(pg_url(dbname))
    assert url is not None
    with psycopg.connect(url.url, autocommit=True) as conn:
        if barrier is not None:
            barrier.wait()
        return migrate(conn, url, only)


@pytest.mark.parametrize("start", range(len(migration_ids()) + 1))
def test_two_runs_migrating_at_once_from_any_earlier_version_reach_the_current_schema(
    pg_database: str, pg_template: str, start: int
) -> None:
    ids = migration_ids()
    assert _migrate(pg_database, only=ids[:start]) == ids[:start]
    barrier = threading.Barrier(2)
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: _migrate(pg_database, barrier=barrier), range(2)))
    assert sorted(results, key=len) == [[], ids[start:]]  # one applied the rest; the other found it done
    assert _schema(pg_database) == _schema(pg_template)  # the template was migrated from empty in one go
    import psycopg

    with psycopg.connect(pg_url(pg_database)) as conn:
        assert applied(conn) == ids


def test_the_schema_has_every_table_the_docs_describe(pg_template: str) -> None:
    tables = sorted({row[0] for row in _schema(pg_template)["columns"]})
    assert tables == [
        "checklist_progress", "dead_letters", "deliveries", "deployment", "events", "facts_cache", "item_times", "ledger",
        "operations", "rule_results", "sweep_cursors",
    ]  # fmt: skip
    text = (__import__("pathlib").Path(__file__).parents[1] / "docs" / "state.md").read_text()
    assert all(f"`devflow.{t}`" in text for t in tables)


def test_the_digest_reads_of_version_4_are_served_by_its_indexes(pg_template: str) -> None:
    """The store's history queries (``PostgresStore.times_between``, ``recording_since``,
    ``count_events``), planned with sequential scans off: each finds an index that serves it."""
    import psycopg

    indexes = {name for name, _ in _schema(pg_template)["indexes"]}
    assert {"item_times_by_first_response", "item_times_by_merge", "events_by_kind"} <= indexes
    window = "'2024-03-04'::timestamptz AND %s < '2024-03-11'::timestamptz"
    queries = {
        "item_times_by_first_response": "SELECT number FROM devflow.item_times WHERE repository = 'o/r'"
        f" AND first_response_at >= {window % 'first_response_at'}",
        "item_times_by_merge": "SELECT number FROM devflow.item_times WHERE repository = 'o/r'"
        f" AND merged_at >= {window % 'merged_at'}",
        "events_by_kind": "SELECT kind, min(recorded_at) FROM devflow.events WHERE repository = 'o/r' GROUP BY kind",
        "events_by_repository": "SELECT count(*) FROM devflow.events WHERE repository = 'o/r'"
        f" AND recorded_at >= {window % 'recorded_at'}",
    }
    with psycopg.connect(pg_url(pg_template), autocommit=True) as conn:
        conn.execute("SET enable_seqscan = off")
        for index, query in queries.items():
            plan = "\n".join(row[0] for row in conn.execute(f"EXPLAIN {query}").fetchall())
            assert index in plan, plan


def test_a_lock_row_left_by_a_crashed_migrator_does_not_block_the_next_one(pg_database: str) -> None:
    import psycopg

    _migrate(pg_database, only=migration_ids()[:1])
    with psycopg.connect(pg_url(pg_database), autocommit=True) as conn:
        conn.execute("INSERT INTO yoyo_lock (locked, ctime, pid) VALUES (1, now(), 999999)")
    started = time.monotonic()
    assert _migrate(pg_database) == migration_ids()[1:]
    assert time.monotonic() - started < 5  # yoyo alone would wait 10 s, then fail


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "devflow_action.cli", "state", *args], capture_output=True, text=True, timeout=60,
        env={**os.environ, **(env or {})},
    )  # fmt: skip


def test_two_processes_migrating_an_empty_database_at_once(pg_database: str) -> None:
    url = pg_url(pg_database, password="cli-Secret-pw")
    procs = [
        subprocess.Popen([sys.executable, "-m", "devflow_action.cli", "state", "migrate", "--url", url],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]  # fmt: skip
    outs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    said = sorted(out.split(": ", 1)[1].strip() for out, _ in outs)
    assert said == [
        f"applied {', '.join(migration_ids())}",
        f"the schema is current ({len(migration_ids())} migrations applied)",
    ]
    assert all("cli-Secret-pw" not in out + err for out, err in outs)


def test_state_status_and_events_commands(pg_database: str) -> None:
    url = pg_url(pg_database, password="status-Secret-pw")
    before = _cli("status", env={"DEVFLOW_STATE_URL": url})
    assert before.returncode == 0, before.stderr
    assert (
        f"migrations: 0 applied, {len(migration_ids())} pending" in before.stdout
        and "status-Secret-pw" not in before.stdout
    )
    assert "postgresql://postgres:***@" in before.stdout
    refused = _cli("events", "--url", url)
    assert refused.returncode == 1 and "run `devflow state migrate`" in refused.stderr
    from datetime import UTC, datetime

    from devflow_action.state.model import EventRecord, RunRecord

    store = open_store(url)
    assert store is not None
    now = datetime.now(UTC)
    store.record_run(RunRecord(EventRecord("run:5", "octo/repo", "issues.opened", now, 1, "issue", 3, "alice", now)))
    store.close()
    after = _cli("status", "--url", url)
    assert f"migrations: {len(migration_ids())} applied, 0 pending" in after.stdout and "events: 1" in after.stdout
    listed = _cli("events", "--url", url, "--repo", "octo/repo", "--format", "json")
    assert [(e["event_key"], e["kind"], e["number"], e["actor"]) for e in json.loads(listed.stdout)] == [
        ("run:5", "issues.opened", 3, "alice")
    ]
    assert "octo/repo#3  issues.opened  run:5  alice" in _cli("events", "--url", url).stdout


def test_state_commands_without_a_url_or_with_an_unreachable_one() -> None:
    missing = _cli("status", env={"DEVFLOW_STATE_URL": ""})
    assert missing.returncode == 1 and "pass --url or set DEVFLOW_STATE_URL" in missing.stderr
    down = _cli("status", "--url", "redis://:down-Secret-pw@127.0.0.1:1/0")
    assert down.returncode == 2 and "Redis (redis://:***@127.0.0.1:1/0) failed connecting" in down.stderr
    assert "down-Secret-pw" not in down.stderr + down.stdout
    service = _cli("migrate", "--url", "https://devflow.example.com")
    assert (
        service.returncode == 1
        and "an https:// URL names the orchestration service, not a state store" in service.stderr
    )
