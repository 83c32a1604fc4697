"""The pure stale decisions (engine/stale.py): what the listing decides alone, what needs history, and
what counts as activity. Items are the real issue and pull request of GitHub's example payloads."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from devflow_action import plan as p
from devflow_action.config.loader import load_text
from devflow_action.engine.stale import CLOSE_MARKER, MARK_MARKER, decide, quiet_since_marking, window_start
from devflow_action.events.model import Activity, Event
from devflow_action.events.normalize import from_item

from .conftest import load_payload

NOW = datetime(2026, 6, 1, tzinfo=UTC)
BOT = "github-actions[bot]"
ISSUE = from_item("Codertocat/Hello-World", load_payload("issues.opened")["issue"])
PR = from_item("Codertocat/Hello-World", load_payload("pull_request.opened[1]")["pull_request"])


def cfg(extra: str = ""):  # type: ignore[no-untyped-def]
    config = load_text(f"version: 1\nstale:\n  after_days: 60\n  close_after_days: 14\n{extra}")
    assert config.stale is not None
    return config.stale


def item(days: float, labels: tuple[str, ...] = ("bug",), base: Event = ISSUE, **changes: object) -> Event:
    return replace(base, labels=labels, updated_at=NOW - timedelta(days=days), created_at=NOW - timedelta(days=400),
                   **changes)  # type: ignore[arg-type]  # fmt: skip


def decision(event: Event, history: list[Activity] | None = None, config=None):  # type: ignore[no-untyped-def]
    return decide(event, config or cfg(), label="stale", now=NOW, self_login=BOT, history=history)


def at(days: float) -> datetime:
    return NOW - timedelta(days=days)


def test_an_item_idle_for_after_days_is_marked_with_the_label_then_the_comment() -> None:
    d = decision(item(61))
    assert d.verdict == "mark" and d.reason == "no activity for 61 days"
    assert d.operations[0] == p.AddLabels(("stale",))
    assert isinstance(d.operations[1], p.Comment) and d.operations[1].body.endswith(MARK_MARKER)
    assert "This issue has had no activity" in d.operations[1].body
    assert decision(item(59)).verdict == "active"


def test_a_marked_item_not_updated_since_close_after_days_is_closed_without_reading_history() -> None:
    d = decision(item(15, ("bug", "Stale")))  # the label matched ignoring case
    assert d.verdict == "close" and [op.type for op in d.operations] == ["comment", "close"]
    assert d.operations[1] == p.Close("not_planned") and CLOSE_MARKER in d.operations[0].body


def test_a_marked_item_updated_since_needs_its_history() -> None:
    assert decision(item(3, ("stale",))).verdict == "needs_history"


def test_a_persons_comment_after_the_marking_unmarks_the_item() -> None:
    history = [
        Activity("labeled", BOT, True, at(5), label="stale"),
        Activity("commented", BOT, True, at(5), body=f"marked\n\n{MARK_MARKER}"),
        Activity("commented", "alice", False, at(2), body="still broken"),
    ]
    d = decision(item(2, ("stale",)), history)
    assert d.verdict == "unmark" and d.operations == (p.RemoveLabels(("stale",)),)
    assert d.reason == "commented by @alice on 2026-05-30"


@pytest.mark.parametrize(
    "noise",
    [
        Activity("commented", "renovate[bot]", True, at(2), body="bump"),  # a bot
        Activity("commented", BOT, True, at(2), body="hello"),  # Devflow itself
        Activity("commented", "maintainer", False, at(2), body="note <!-- devflow:run:7:0 -->"),  # Devflow's text
        Activity("subscribed", "alice", False, at(2)),  # not activity
        Activity("unlabeled", "alice", False, at(2), label="STALE"),  # the stale label itself
    ],
)
def test_bots_devflow_and_passive_events_do_not_count_as_activity(noise: Activity) -> None:
    history = [Activity("labeled", BOT, True, at(5), label="stale"), Activity("commented", BOT, True, at(5),
               body=MARK_MARKER), noise]  # fmt: skip
    assert decision(item(2, ("stale",)), history).verdict == "wait"
    assert decision(item(2, ("stale",)), [*history, replace(noise, at=at(1))]).verdict == "wait"
    due = [replace(history[0], at=at(15)), replace(history[1], at=at(15)), noise]
    assert decision(item(2, ("stale",)), due).verdict == "close"  # closed from the marking's date


def test_a_missing_mark_comment_is_posted_and_a_posted_close_comment_is_not_repeated() -> None:
    labelled = Activity("labeled", BOT, True, at(3), label="stale")
    d = decision(item(3, ("stale",)), [labelled])
    assert d.verdict == "wait" and [op.type for op in d.operations] == ["comment"]
    by_person = replace(labelled, actor="maintainer", bot=False)
    assert decision(item(3, ("stale",)), [by_person]).operations == ()  # a person's label: no comment to repair
    closing = [replace(labelled, at=at(20)), Activity("commented", BOT, True, at(1), body=f"bye\n{CLOSE_MARKER}")]
    d = decision(item(1, ("stale",)), closing)
    assert d.verdict == "close" and d.operations == (p.Close("not_planned"),)


def test_exemptions_come_before_any_write_or_read() -> None:
    assert decision(item(90, ("pinned",)), config=cfg("  exempt_labels: [Pinned]\n")).verdict == "exempt"
    assert decision(item(90, assignees=("octocat",)), config=cfg("  exempt_assignees: true\n")).verdict == "exempt"
    assert decision(item(90, milestone=3), config=cfg("  exempt_milestones: true\n")).verdict == "exempt"
    assert decision(item(90, base=PR, draft=True), config=cfg("  exempt_draft: true\n")).verdict == "exempt"
    assert decision(item(3, ("stale", "pinned")), config=cfg("  exempt_labels: [pinned]\n")).verdict == "exempt"
    assert decision(item(90, base=PR), config=cfg("  only_issues: true\n")).verdict == "skip"
    assert decision(item(90), config=cfg("  only_prs: true\n")).verdict == "skip"


def test_exempt_if_uses_rule_conditions_and_asks_for_facts_it_needs() -> None:
    config = cfg("  exempt_if: {author: {association: [OWNER, MEMBER]}}\n")
    assert decision(item(90), config=config).reason == "exempt: author.association in ['MEMBER', 'OWNER']"
    needs = cfg("  exempt_if: {author: {first_contribution: true}}\n")
    newcomer = item(90, author=replace(ISSUE.author, association="NONE"))  # type: ignore[type-var]
    assert decision(newcomer, config=needs).verdict == "needs_facts"


def test_without_close_after_days_items_are_only_marked() -> None:
    config = load_text("version: 1\nstale: {after_days: 30, comment: false}\n").stale
    assert config is not None
    d = decide(item(40), config, label="stale", now=NOW, self_login=BOT)
    assert d.operations == (p.AddLabels(("stale",)),)  # no comment
    assert decide(item(40, ("stale",)), config, label="stale", now=NOW, self_login=BOT).verdict == "wait"
    assert window_start(config, NOW) == at(30)


def test_closed_items_are_skipped() -> None:
    assert decision(item(90, state="closed")).verdict == "skip"


def test_an_item_whose_last_update_is_its_marking_comment_needs_no_history() -> None:
    marking = Activity("commented", BOT, True, at(3), body=f"marked\n\n{MARK_MARKER}")
    waiting = item(3, ("stale",))
    assert quiet_since_marking(waiting, [marking])
    assert decide(waiting, cfg(), label="stale", now=NOW, self_login=BOT, quiet=True).verdict == "wait"
    reply = Activity("commented", "alice", False, at(3), body="same second")
    assert not quiet_since_marking(waiting, [marking, reply])  # a reply in the same second: read the history
    assert not quiet_since_marking(item(1, ("stale",)), [marking])  # updated after the comment
    assert not quiet_since_marking(waiting, [])
