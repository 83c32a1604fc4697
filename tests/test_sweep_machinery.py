"""The machinery sweeps share (app/sweep.py): cursor listings, the write estimate, pacing between writes."""

from __future__ import annotations

from typing import Any

import pytest

from devflow_action import plan as p
from devflow_action.app.context import RunContext
from devflow_action.app.sweep import Listing, Paced, writes_needed
from devflow_action.github.budget import CallBudget
from devflow_action.github.errors import DeadlineReached
from devflow_action.github.port import IssueState
from devflow_action.github.retry import Policy

from .fakegithub import FakeGitHub
from .ghserver import GitHubTestServer
from .ghserver.bulk import add_issues
from .sweep_helpers import ago, client_for


@pytest.mark.integration
def test_a_listing_with_more_than_a_page_in_one_second_sees_every_item_once(gh_server: GitHubTestServer) -> None:
    add_issues(gh_server.state, 150, lambda i: {"updated_at": ago(90) if i < 130 else ago(80, i)})  # 130 share a second
    client = client_for(gh_server, CallBudget(100))
    listing = Listing(
        lambda cursor, page: client.list_issues_page(
            {"state": "open", "sort": "updated", "direction": "asc", **({"since": cursor} if cursor else {})}, page
        ),
        "updated_at",
    )
    assert sorted(item["number"] for item in listing) == list(range(1, 151))
    pages = [r.path.split("?")[1] for r in gh_server.requests]
    assert pages[1] == "state=open&sort=updated&direction=asc&per_page=100&page=2"  # a page in one second: page 2
    assert len(pages) == 2


@pytest.mark.integration
def test_a_listing_ends_at_the_first_item_past_its_end_and_skips_items_seen_before(gh_server: GitHubTestServer) -> None:
    add_issues(gh_server.state, 5, lambda i: {"updated_at": ago(10 - i)})
    client = client_for(gh_server, CallBudget(100))
    fetch: Any = lambda cursor, page: client.list_issues_page({"sort": "updated", "direction": "asc"}, page)  # noqa: E731
    listing = Listing(fetch, "updated_at", seen={2}, end=lambda item: item["number"] == 4)
    assert [item["number"] for item in listing] == [1, 3]


def test_the_write_estimate_counts_what_the_executor_will_write() -> None:
    state = IssueState(labels=("bug", "stale"), state="open")
    ops = (
        p.AddLabels(("bug", "new")),
        p.RemoveLabels(("stale", "gone")),
        p.Comment("hi"),
        p.Close(),
        p.SetMilestone(2),
    )
    assert writes_needed(ops, state, lambda labels: 0) == 1 + 1 + 1 + 1  # close and milestone: one PATCH
    assert writes_needed(ops, state, lambda labels: len(labels)) == 5  # `new` is created first
    assert writes_needed((p.AddLabels(("bug",)),), state, lambda labels: 1) == 0


class Clock:
    def __init__(self) -> None:
        self.t = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.t += seconds


def test_writes_are_paced_and_reads_are_not() -> None:
    clock = Clock()
    fake = FakeGitHub()
    ctx = RunContext(fake, CallBudget(100, clock=clock), policy=Policy(sleep=clock.sleep))
    port: Any = Paced(fake, ctx, 1.0)
    port.add_labels(1, ["a"])
    port.get_issue(1)
    clock.t += 0.25
    port.create_comment(1, "x")
    port.remove_label(1, "a")
    assert clock.slept == [0.75, 1.0] and fake.calls == ["add_labels", "get_issue", "create_comment", "remove_label"]


def test_a_pacing_wait_past_the_deadline_stops_the_run() -> None:
    clock = Clock()
    fake = FakeGitHub()
    ctx = RunContext(fake, CallBudget(100, deadline=3.0, clock=clock), policy=Policy(sleep=clock.sleep))
    port: Any = Paced(fake, ctx, 5.0)
    port.add_labels(1, ["a"])
    clock.t = 1.0  # the next write would wait 4 s; the deadline is 2 s away
    with pytest.raises(DeadlineReached):
        port.add_labels(1, ["b"])
    assert fake.calls == ["add_labels"]
