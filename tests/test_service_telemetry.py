"""Opt-in telemetry: off by default (the service connects to nothing but Redis, Postgres and GitHub);
on, the report holds exactly the fields docs/service.md lists and nothing from the payloads (every
real payload of every handled event goes through the worker first); one report per interval however
many workers look; a slow or absent collector holds nothing up."""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devflow_action.events.catalog import EVENT_KEYS
from devflow_action.plan import OPERATION_TYPES
from devflow_action.service import telemetry
from devflow_action.service.queue import make_broker
from devflow_action.service.settings import Settings
from devflow_action.service.webhook import HANDLED
from devflow_action.state.observability import Usage

from . import githubdata
from . import receivers as _receivers
from .service_helpers import Stack, wait_until
from .test_action_e2e import CONFIG

pytestmark = pytest.mark.integration
receivers = _receivers.receivers  # the fixture
DOCS = Path(__file__).resolve().parents[1] / "docs" / "service.md"
CONNECTS: list[tuple[str, Any]] = []  # (thread name, address) while a test listens
_listening = threading.Event()


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event == "socket.connect" and _listening.is_set():
        CONNECTS.append((threading.current_thread().name, args[1]))


sys.addaudithook(_audit)  # audit hooks cannot be removed: this one records only while a test listens


def documented_fields() -> list[str]:
    section = DOCS.read_text().split("\n## Telemetry\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([a-z_]+)` \|", section, flags=re.M)


def port(url: str) -> int:
    parts = urlsplit(url.split("?")[0])
    return int(parts.port or 0)


def test_telemetry_is_off_by_default_and_the_service_connects_only_to_its_backends_and_github(stack: Stack) -> None:
    stack.env["DEVFLOW_TELEMETRY_INTERVAL"] = "1"  # were it on, a report would be due at once
    before = set(threading.enumerate()) - {threading.main_thread()}
    _listening.set()
    try:
        stack.serve_thread()
        stack.worker_thread()
        payload = stack.issue_opened()
        delivery = str(uuid.uuid4())
        stack.post("issues", payload, delivery=delivery)
        wait_until(lambda: stack.delivery_status(delivery) == "done", 20, "the delivery")
        time.sleep(2.5)  # more than two intervals
        shown = stack.admin("GET", "/admin/api/telemetry").json()
    finally:
        _listening.clear()
    assert not any(t.name == "telemetry" for t in threading.enumerate())
    allowed = {port(stack.env["DEVFLOW_REDIS_URL"]), port(stack.env["DEVFLOW_DATABASE_URL"]), port(stack.gh.url),
               port(stack.base)}  # fmt: skip
    ours = [(name, addr) for name, addr in CONNECTS if name not in {t.name for t in before}]
    assert ours and {addr[0] for _, addr in ours} == {"127.0.0.1"}
    assert {addr[1] for _, addr in ours} <= allowed, ours
    # what would be sent can be seen without sending it
    assert shown["enabled"] is False and list(shown["report"]) == documented_fields()
    assert shown["report"]["period_seconds"] == 1 and shown["report"]["worker_processes"] == 1


def real_payloads() -> list[tuple[str, dict[str, Any]]]:
    return [(e.event, e.payload()) for e in githubdata.examples() if e.event in HANDLED]


IDENTIFYING = {"login", "name", "full_name", "title", "body", "message", "email", "username", "description",
               "html_url", "url", "node_id"}  # fmt: skip
VOCABULARY = set(EVENT_KEYS) | set(OPERATION_TYPES) | set(telemetry.KNOWN_STATUSES) | set(telemetry.FIELDS)


def identifying(value: Any, key: str = "") -> set[str]:
    """Names, logins, titles, bodies and URLs anywhere in a payload (not GitHub's own vocabulary)."""
    if isinstance(value, dict):
        return {s for k, v in value.items() for s in identifying(v, k)}
    if isinstance(value, list):
        return {s for v in value for s in identifying(v, key)}
    if isinstance(value, str) and key in IDENTIFYING and len(value) >= 4 and not value.isdigit():
        return {value} - VOCABULARY
    return set()


def test_a_report_holds_the_documented_fields_and_nothing_from_any_real_payload(stack: Stack, receivers: Any) -> None:
    collector = receivers("/v1/report")
    stack.env.update(DEVFLOW_TELEMETRY_URL=collector.url, DEVFLOW_TELEMETRY_INTERVAL="3600")
    stack.serve_thread()
    stack.worker_thread(threads=8)
    stack.issue_opened(CONFIG)  # the test server's repository and its rules: some operations are applied
    payloads = real_payloads()
    deliveries = [str(uuid.uuid4()) for _ in payloads]
    for delivery, (event, payload) in zip(deliveries, payloads, strict=True):
        assert stack.post(event, payload, delivery=delivery).status_code == 202

    def finished() -> bool:
        rows = stack.sql("SELECT count(*) FROM devflow.deliveries WHERE status IN ('done', 'ignored', 'dead')")
        return int(rows[0][0]) == len(payloads)

    wait_until(finished, 90, "every delivery to be processed")
    settings_ = Settings.from_env(stack.env, role="worker")
    broker = make_broker(settings_)
    try:
        assert telemetry.Reporter(settings_, broker).tick() is True
    finally:
        broker.close()
    ((path, headers, body),) = collector.received
    report = json.loads(body)
    assert path == "/v1/report" and headers["Content-Type"] == "application/json"
    assert list(report) == documented_fields()
    assert sum(report["events"].values()) == len(payloads) and report["operations"]["add_labels"]["applied"] >= 1
    assert report["worker_processes"] == 1 and report["repositories"] >= 2
    assert uuid.UUID(report["deployment"]).version == 4
    text = body.decode()
    leaks = sorted(s for _, payload in payloads for s in identifying(payload) if s in text)
    assert leaks == []
    assert len({s for _, p in payloads for s in identifying(p)}) > 50  # the check had plenty to find


@settings(max_examples=200, deadline=None)
@given(
    events=st.dictionaries(st.text(max_size=30) | st.sampled_from(sorted(EVENT_KEYS)), st.integers(0, 10**7)),
    operations=st.dictionaries(
        st.tuples(
            st.text(max_size=20) | st.sampled_from(sorted(OPERATION_TYPES)),
            st.text(max_size=10) | st.sampled_from(sorted(telemetry.KNOWN_STATUSES)),
        ),
        st.integers(0, 10**7),
    ),
    repositories=st.integers(0, 10**6),
)
def test_a_report_never_carries_text_it_was_not_built_from_fixed_vocabulary(
    events: dict[str, int], operations: dict[tuple[str, str], int], repositories: int
) -> None:
    report = telemetry.build(Usage(events, operations, repositories, 3, 1), str(uuid.uuid4()), 86400, 2)
    assert list(report) == list(telemetry.FIELDS)
    allowed = set(EVENT_KEYS) | {"push", "other"}
    assert set(report["events"]) <= allowed
    assert set(report["operations"]) <= set(OPERATION_TYPES) | {"other"}
    assert all(set(v) <= telemetry.KNOWN_STATUSES | {"other"} for v in report["operations"].values())
    assert report["repositories"] == telemetry.rounded(repositories)


def test_rounding_keeps_small_counts_and_two_digits_of_large_ones() -> None:
    assert [telemetry.rounded(n) for n in (0, 7, 99, 100, 1234, 1250, 98765)] == [0, 7, 99, 100, 1200, 1200, 99000]


def test_any_number_of_workers_send_one_report_per_interval(stack: Stack, receivers: Any) -> None:
    collector = receivers()
    stack.env.update(DEVFLOW_TELEMETRY_URL=collector.url, DEVFLOW_TELEMETRY_INTERVAL="3600")
    s = Settings.from_env(stack.env, role="worker")
    broker = make_broker(s)
    workers = [telemetry.Reporter(s, broker) for _ in range(3)]
    try:
        sent = [w.tick() for _ in range(3) for w in workers]
    finally:
        for w in workers:
            w.close()
        broker.close()
    assert sent.count(True) == 1 and len(collector.received) == 1


def test_a_slow_or_absent_collector_never_holds_up_the_service(
    stack: Stack, receivers: Any, caplog: pytest.LogCaptureFixture
) -> None:
    slow = receivers()
    slow.delay = 5.0
    stack.env.update(DEVFLOW_TELEMETRY_URL=slow.url, DEVFLOW_TELEMETRY_INTERVAL="1", DEVFLOW_TELEMETRY_TIMEOUT="0.3")
    with caplog.at_level(logging.INFO):
        stack.serve_thread()
        halt = stack.worker_thread()
        wait_until(lambda: slow.received, 10, "the worker's own report to reach the collector")
        payload = stack.issue_opened()
        delivery = str(uuid.uuid4())
        started = time.monotonic()
        assert stack.post("issues", payload, delivery=delivery).status_code == 202
        wait_until(lambda: stack.delivery_status(delivery) == "done", 10, "the delivery")
        assert time.monotonic() - started < 3.0  # the collector is still sitting on the report
        wait_until(lambda: any(r.getMessage() == "telemetry report failed" for r in caplog.records), 5, "the log")
    failed = next(r for r in caplog.records if r.getMessage() == "telemetry report failed")
    assert "timed out" in failed.error  # type: ignore[attr-defined]
    assert stack.admin("GET", "/healthz", token=None).status_code == 200

    # nobody listening at all: one line, no exception, and the service carries on
    down = Settings.from_env({**stack.env, "DEVFLOW_TELEMETRY_URL": "http://127.0.0.1:9/report"}, role="worker")
    halt.set()  # the worker (and its reporter) stop: this report is ours alone
    wait_until(lambda: not any(t.name == "telemetry" for t in threading.enumerate()), 30, "the reporter to stop")
    stack.sql("UPDATE devflow.deployment SET telemetry_sent_at = NULL RETURNING id")
    broker = make_broker(down)
    try:
        caplog.clear()
        assert telemetry.Reporter(down, broker).tick() is True
    finally:
        broker.close()
    assert [r.getMessage() for r in caplog.records if r.name == "devflow.telemetry"] == ["telemetry report failed"]
