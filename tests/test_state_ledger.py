"""The idempotency ledger in a real run: the GitHub test server, the real client, a real store.
A replayed event applies nothing twice; two runs racing on one event write once; what failed is
released for a re-run; a required store that fails stops the writes; operation keys name the
operation, not its place in the plan."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from devflow_action.app.context import RunContext
from devflow_action.app.event import Result, handle_event
from devflow_action.config.loader import load_text
from devflow_action.github.budget import CallBudget
from devflow_action.github.client import GhClient
from devflow_action.ledger import operation_keys
from devflow_action.state import open_store, parse
from devflow_action.state.guard import Guarded

from .ghserver import Faults, GitHubTestServer
from .integration_helpers import FAST, Scenario, scenario
from .tcpproxy import Proxy
from .test_integration import EVERYTHING

LABEL_AND_COMMENT = """version: 1
rules:
  - name: triage
    on: issues.opened
    then:
      - label: [triage, needs-info]
      - comment: Thanks for the report!
"""


def guarded(url: str, required: bool = False) -> Guarded:
    parsed = parse(url)
    assert parsed is not None
    return Guarded(open_store(parsed), parsed.shown, required)


def run(s: Scenario, store: Guarded | None, *, attempt: int = 1, fresh: bool = True, run_key: str = "4242") -> Result:
    budget = CallBudget(200)
    with GhClient(s.event.repository, s.server.token, api_url=s.server.url, policy=FAST, budget=budget) as client:
        ctx = RunContext(client, budget, run_key=run_key, attempt=attempt, policy=FAST, store=store)
        return handle_event(ctx, load_text(s.config_text), s.event, fresh=fresh)


def test_a_replayed_event_applies_nothing_twice_even_after_a_maintainer_undid_it(
    gh_server: GitHubTestServer, make_url: Callable[..., str]
) -> None:
    s = scenario(gh_server, "issues.opened", LABEL_AND_COMMENT)
    store = guarded(make_url())
    first = run(s, store)
    assert [o.status for o in first.report.outcomes] == ["applied", "applied"]
    # A maintainer removes one of the labels and deletes the comment on purpose.
    s.issue.labels.remove("needs-info")
    for cid in [c for c, comment in gh_server.state.comments.items() if comment.issue_number == 1]:
        del gh_server.state.comments[cid]
    gh_server.clear_log()
    replay = run(s, store, attempt=2, fresh=False)  # the job re-run: same run id, the item read again
    assert gh_server.writes == []
    assert [(o.status, o.detail) for o in replay.report.outcomes] == [
        ("skipped", "applied by an earlier run of this event (ledger)")
    ] * 2
    assert s.labels() == ["bug", "triage"] and s.comments() == []
    store.close()
    # Without the ledger, the same replay would apply both again: it is what prevented that.
    again = run(s, None, attempt=2, fresh=False)
    assert [o.status for o in again.report.outcomes] == ["applied", "applied"]


def test_two_runs_racing_on_one_event_write_once_and_leave_one_ledger_entry(
    gh_server_factory: Callable[..., GitHubTestServer], make_url: Callable[..., str]
) -> None:
    server = gh_server_factory(faults=Faults(latency=0.2))  # each write takes a while: the runs overlap
    s = scenario(
        server, "issues.opened", "version: 1\nrules:\n  - name: r\n    on: issues\n    then: [{label: triage}]\n"
    )
    stores = [guarded(make_url()), guarded(make_url())]  # two processes, two connections
    start = threading.Barrier(2)
    results: list[Result] = []

    def one(store: Guarded) -> None:
        start.wait()
        results.append(run(s, store))

    threads = [threading.Thread(target=one, args=(store,)) for store in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert [f"{w.method} {w.path}" for w in server.writes] == ["POST /repos/Codertocat/Hello-World/issues/1/labels"]
    statuses = sorted(o.status for r in results for o in r.report.outcomes)
    assert statuses == ["applied", "skipped"]
    assert stores[0].status().counts["ledger"] == 1
    for store in stores:
        store.close()


def test_a_refused_write_is_released_so_the_rerun_applies_it_and_nothing_else(
    gh_server: GitHubTestServer, make_url: Callable[..., str]
) -> None:
    s = scenario(gh_server, "issues.opened", LABEL_AND_COMMENT)
    s.issue.locked = True  # locked since the event: GitHub refuses the comment (403)
    store = guarded(make_url())
    first = run(s, store)
    assert [o.status for o in first.report.outcomes] == ["applied", "failed"]
    s.issue.locked = False
    gh_server.clear_log()
    again = run(s, store, attempt=2, fresh=False)
    assert [f"{w.method} {w.path}" for w in gh_server.writes] == [
        "POST /repos/Codertocat/Hello-World/issues/1/comments"
    ]
    assert [o.status for o in again.report.outcomes] == ["applied"]  # the labels are there: not planned
    store.close()


def test_a_required_store_that_stops_mid_run_stops_the_writes(
    gh_server: GitHubTestServer, make_url: Callable[..., str], server_address: tuple[str, int]
) -> None:
    proxy = Proxy(*server_address)
    s = scenario(gh_server, "pull_request.opened[1]", EVERYTHING)
    gh_server.state.add_collaborator("hubot")
    store = guarded(make_url(port=proxy.port), required=True)
    real = gh_server.handle

    def cut_after_first_write(method: str, *args: Any) -> Any:
        answer = real(method, *args)
        if method != "GET":
            proxy.cut()
        return answer

    gh_server.handle = cut_after_first_write  # type: ignore[method-assign,assignment]
    result = run(s, store)
    assert len(gh_server.writes) == 1  # written, then the store was gone: nothing more
    assert [o.status for o in result.report.outcomes] == ["applied"] + ["left"] * 5
    assert result.report.stopped is not None and "not recorded" in result.report.stopped
    assert store.problems and any("the event" in u for u in store.unrecorded)


def test_a_store_that_stops_mid_run_without_state_required_changes_nothing_on_github(
    gh_server: GitHubTestServer, make_url: Callable[..., str], server_address: tuple[str, int]
) -> None:
    proxy = Proxy(*server_address)
    s = scenario(gh_server, "pull_request.opened[1]", EVERYTHING)
    gh_server.state.add_collaborator("hubot")
    store = guarded(make_url(port=proxy.port))
    real = gh_server.handle

    def cut_after_first_write(method: str, *args: Any) -> Any:
        answer = real(method, *args)
        if method != "GET":
            proxy.cut()
        return answer

    gh_server.handle = cut_after_first_write  # type: ignore[method-assign,assignment]
    result = run(s, store)
    assert [o.status for o in result.report.outcomes] == ["applied"] * 6 and len(gh_server.writes) == 6
    assert result.report.stopped is None
    assert len(store.problems) == 1  # noted once; the store was not asked again (no second timeout)
    assert store.unrecorded[-1].startswith("the event pull_request.opened #2 with 1 rule result(s) and 6 operation")


def test_dry_runs_neither_claim_nor_record(gh_server: GitHubTestServer, make_url: Callable[..., str]) -> None:
    s = scenario(gh_server, "issues.opened", LABEL_AND_COMMENT)
    store = guarded(make_url())
    budget = CallBudget(200)
    with GhClient(s.event.repository, gh_server.token, api_url=gh_server.url, policy=FAST, budget=budget) as client:
        ctx = RunContext(client, budget, run_key="1", dry_run=True, policy=FAST, store=store)
        handle_event(ctx, load_text(s.config_text), s.event, fresh=True)
    assert store.status().counts.get("ledger", 0) == 0 and store.recent_events() == []
    store.close()


@pytest.mark.parametrize(
    ("operation", "keys"),
    [
        ({"type": "add_labels", "labels": ["bug", "ui"]}, ["add_labels:bug", "add_labels:ui"]),
        ({"type": "remove_labels", "labels": ["wip"]}, ["remove_labels:wip"]),
    ],
)
def test_label_changes_are_keyed_per_label(operation: dict[str, Any], keys: list[str]) -> None:
    assert operation_keys(operation) == keys


def test_other_operations_are_keyed_by_their_content_not_their_place() -> None:
    hello = {"type": "comment", "body": "hello", "marker": None}
    assert operation_keys(hello) == operation_keys(dict(reversed(list(hello.items()))))
    assert operation_keys(hello) != operation_keys({**hello, "body": "hello!"})
    assert operation_keys(hello)[0].startswith("comment:")
