"""The stale decisions' edges (engine/stale.py): the exact day a threshold is crossed, the marking a
history is read from, who counts as activity, what each exemption says, and the comments' text. Items
are the real issue and pull request of GitHub's example payloads (see test_stale_engine.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from devflow_action import plan as p
from devflow_action.config.loader import load_text
from devflow_action.config.model import StaleConfig
from devflow_action.engine.stale import (
    CLOSE_MARKER,
    MARK_MARKER,
    decide,
    label_on,
    quiet_since_marking,
    stale_facts,
    window_start,
)
from devflow_action.events.model import Activity, Facts

from .test_stale_engine import BOT, ISSUE, NOW, PR, at, cfg, decision, item


def stale(text: str) -> StaleConfig:
    loaded = load_text(f"version: 1\nstale:\n{text}").stale
    assert loaded is not None
    return loaded


def test_the_thresholds_are_crossed_on_the_day_itself() -> None:
    assert decision(item(60)).verdict == "mark"
    assert decision(item(60 - 1 / 86_400)).verdict == "active"
    assert decision(item(59.5)).reason == "updated 59 days ago"
    assert decision(item(14, ("stale",))).verdict == "close"
    assert decision(item(14 - 1 / 86_400, ("stale",))).verdict == "needs_history"


def test_the_window_is_the_shorter_of_the_two_periods() -> None:
    assert window_start(cfg(), NOW) == at(14)
    assert window_start(stale("  after_days: 10\n  close_after_days: 30\n"), NOW) == at(10)
    assert window_start(stale("  after_days: 10\n"), NOW) == at(10)


def test_only_exempt_if_asks_for_facts() -> None:
    assert stale_facts(cfg()) == frozenset()
    assert stale_facts(cfg("  exempt_if: {author: {first_contribution: true}}\n")) == {"first_contribution"}


def test_the_label_is_found_as_the_item_spells_it() -> None:
    assert label_on(item(1, ("bug", "Stale")), "STALE") == "Stale"
    assert label_on(item(1, ("bug",)), "stale") is None
    d = decision(item(2, ("bug", "Stale")), [Activity("commented", "alice", False, at(1), body="back")])
    assert d.operations == (p.RemoveLabels(("Stale",)),)


def test_the_marking_and_closing_comments_carry_their_markers_after_the_text() -> None:
    config = load_text(
        "version: 1\ntemplates: {mark: 'Stale, {{ author }}?', bye: Closed.}\n"
        "stale: {after_days: 60, close_after_days: 14, comment: mark, close_comment: bye, close_reason: completed}\n"
    ).stale
    assert config is not None
    marked = decision(item(61), config=config)
    assert marked.operations == (p.AddLabels(("stale",)), p.Comment(f"Stale, Codertocat?\n\n{MARK_MARKER}"))
    closed = decision(item(20, ("stale",)), config=config)
    assert closed == replace(closed, verdict="close", reason="stale, not updated for 20 days")
    assert closed.operations == (p.Comment(f"Closed.\n\n{CLOSE_MARKER}"), p.Close("completed"))
    # a pull request is closed, not completed nor not planned: GitHub has no reason for those
    assert decision(item(20, ("stale",), base=PR)).operations[-1] == p.Close("completed")
    assert decision(item(20, ("stale",)), config=cfg("  close_comment: false\n")).operations == (
        p.Close("not_planned"),
    )


def test_with_closing_off_a_marked_item_waits_or_has_its_history_read() -> None:
    config = stale("  after_days: 30\n")
    d = decide(item(40, ("stale",)), config, label="stale", now=NOW, self_login=BOT)
    assert (d.verdict, d.reason, d.operations) == ("wait", "stale, not updated for 40 days (closing is off)", ())
    assert decide(item(30, ("stale",)), config, label="stale", now=NOW, self_login=BOT).verdict == "wait"
    assert decide(item(29, ("stale",)), config, label="stale", now=NOW, self_login=BOT).verdict == "needs_history"
    exempt = stale("  after_days: 30\n  exempt_labels: [pinned]\n")
    assert decide(item(5, ("stale", "pinned")), exempt, label="stale", now=NOW, self_login=BOT).verdict == "exempt"


def test_the_history_is_read_from_the_last_marking() -> None:
    history = [
        Activity("labeled", BOT, True, at(40), label="stale"),
        Activity("commented", "alice", False, at(30), body="back"),  # before the last marking: old news
        Activity("unlabeled", "alice", False, at(30), label="stale"),
        Activity("labeled", "maintainer", False, at(10), label="STALE"),  # marked again, by a person
        Activity("labeled", "alice", False, None, label="stale"),  # no time: not a marking
        Activity("commented", "alice", False, None, body="no time"),  # no time: not activity
    ]
    d = decision(item(10, ("stale",)), history)
    assert (d.verdict, d.reason, d.operations) == ("wait", "stale for 10 days, no activity since", ())
    reply = Activity("commented", "alice", False, at(10), body="same second")  # as late as the marking
    d = decision(item(10, ("stale",)), [*history, reply])
    assert (d.verdict, d.reason) == ("unmark", "commented by @alice on 2026-05-22")
    closing = decision(item(1, ("stale",)), history[:1])  # marked 40 days ago, nothing since
    assert (closing.verdict, closing.reason) == ("close", "stale for 40 days with no activity")
    assert [op.type for op in closing.operations] == ["comment", "close"]


def test_without_a_marking_in_the_history_the_item_counts_from_its_creation() -> None:
    created = replace(item(3, ("stale",)), created_at=at(5))
    d = decision(created, [Activity("commented", "alice", False, at(6), body="before it was created?")])
    assert (d.verdict, d.reason, d.operations) == ("wait", "stale for 5 days, no activity since", ())
    unknown = replace(item(3, ("stale",)), created_at=None)
    d = decision(unknown, [Activity("commented", "alice", False, at(90), body="old")])
    assert d.verdict == "unmark"  # nothing to count from: all of the history is after it
    assert decision(unknown, []).reason == "stale for 0 days, no activity since"


def test_devflows_own_identity_and_the_stale_label_are_not_activity_but_other_labels_are() -> None:
    marking = Activity("labeled", BOT, True, at(5), label="stale")
    mine = Activity("commented", BOT, False, at(2), body="hello")  # Devflow's login, not flagged a bot
    assert decision(item(2, ("stale",)), [marking, mine]).verdict == "wait"
    other = Activity("labeled", "alice", False, at(2), label="bug")
    assert decision(item(2, ("stale",)), [marking, other]).reason == "labeled by @alice on 2026-05-30"
    anonymous = Activity("committed", "", False, at(2))  # a commit without a GitHub account
    assert decision(item(2, ("stale",)), [marking, anonymous]).verdict == "unmark"
    plain = Activity("commented", "alice", False, at(2), body="<!-- a template's hint -->")
    assert decision(item(2, ("stale",)), [marking, plain]).verdict == "unmark"


def test_each_exemption_says_why() -> None:
    assert decision(item(90, ("bug", "Pinned")), config=cfg("  exempt_labels: [pinned]\n")).reason == (
        "exempt: label 'Pinned'"
    )
    assert decision(item(90, assignees=("octocat",)), config=cfg("  exempt_assignees: true\n")).reason == (
        "exempt: assigned"
    )
    assert decision(item(90, assignees=("octocat",))).verdict == "mark"  # off by default
    assert decision(item(90, milestone=3), config=cfg("  exempt_milestones: true\n")).reason == (
        "exempt: has a milestone"
    )
    assert decision(item(90, milestone=3)).verdict == "mark"
    assert decision(item(90, base=PR, draft=True), config=cfg("  exempt_draft: true\n")).reason == "exempt: draft"
    assert decision(item(90, base=PR, draft=False), config=cfg("  exempt_draft: true\n")).verdict == "mark"
    assert decision(item(90, base=PR, draft=True)).verdict == "mark"


def test_exempt_if_is_evaluated_with_the_facts_read_and_never_acts_on_what_is_unknown() -> None:
    config = cfg("  exempt_if: {author: {first_contribution: true}}\n")
    newcomer = item(90, author=replace(ISSUE.author, association="NONE"))  # type: ignore[type-var]

    def run(facts: Facts | None) -> tuple[str, str]:
        d = decide(newcomer, config, label="stale", now=NOW, self_login=BOT, facts=facts)
        return d.verdict, d.reason

    assert run(Facts(now=NOW, first_contribution=True)) == ("exempt", "exempt: author.first_contribution is true")
    assert run(Facts(now=NOW, first_contribution=False))[0] == "mark"
    assert run(Facts(now=NOW)) == ("exempt", "exempt: exempt_if could not be evaluated (first_contribution)")
    no_facts = cfg("  exempt_if: {title: {matches: 'Spelling'}}\n")
    assert decide(item(90), no_facts, label="stale", now=NOW, self_login=BOT).verdict == "exempt"


def test_quiet_since_marking_allows_two_seconds_between_the_comment_and_the_update() -> None:
    marking = Activity("commented", BOT, True, at(3), body=f"marked\n\n{MARK_MARKER}")
    older = Activity("commented", BOT, True, at(30), body=f"marked before\n\n{MARK_MARKER}")
    undated = Activity("commented", "alice", False, None, body="no time")

    def updated(seconds: float) -> bool:
        event = item(3, ("stale",))
        return quiet_since_marking(
            replace(event, updated_at=at(3) + timedelta(seconds=seconds)),
            [older, marking, undated, replace(marking, at=None)],
        )

    assert updated(2) and updated(-2) and updated(0)
    assert not updated(2.5) and not updated(-2.5)
    earlier_reply = Activity("commented", "alice", False, at(3) - timedelta(seconds=1), body="before")
    assert quiet_since_marking(item(3, ("stale",)), [marking, earlier_reply])
    assert not quiet_since_marking(replace(item(3, ("stale",)), updated_at=None), [marking])
    assert not quiet_since_marking(item(3, ("stale",)), [replace(marking, body="no marker")])


def test_skipped_and_undecided_items_say_why() -> None:
    assert decision(item(90, state="closed")).reason == "not an open item"
    assert decision(replace(item(90), number=None)).reason == "not an open item"
    assert decision(replace(item(90), updated_at=None)).reason == "not an open item"
    assert decision(item(90, base=PR), config=cfg("  only_issues: true\n")).reason == (
        "pull requests are not swept (only_issues)"
    )
    assert decision(item(90), config=cfg("  only_prs: true\n")).reason == "issues are not swept (only_prs)"
    assert decision(item(90, base=PR), config=cfg("  only_prs: true\n")).verdict == "mark"
    assert decision(item(3, ("stale",))).reason == "stale and updated since: who updated it?"
    quiet = decide(item(3, ("stale",)), cfg(), label="stale", now=NOW, self_login=BOT, quiet=True)
    assert quiet.reason == "stale; nothing happened since its marking"
    newcomer = item(90, author=replace(ISSUE.author, association="NONE"))  # type: ignore[type-var]
    needs = decision(newcomer, config=cfg("  exempt_if: {author: {first_contribution: true}}\n"))
    assert (needs.verdict, needs.reason) == ("needs_facts", "exempt_if needs facts")


def test_a_marked_item_long_idle_is_closed_not_left_waiting() -> None:
    assert decision(item(70, ("stale",))).verdict == "close"


def test_a_marking_exactly_close_after_days_old_closes() -> None:
    d = decision(item(1, ("stale",)), [Activity("labeled", BOT, True, at(14), label="stale")])
    assert (d.verdict, d.reason) == ("close", "stale for 14 days with no activity")
    d = decision(item(1, ("stale",)), [Activity("labeled", BOT, True, at(14) + timedelta(seconds=1), label="stale")])
    assert d.verdict == "wait"


def test_a_missing_marking_comment_is_posted_with_its_text_and_marker() -> None:
    config = cfg()
    assert config.comment is not None
    d = decision(item(3, ("stale",)), [Activity("labeled", BOT, True, at(3), label="stale")])
    assert (d.verdict, d.reason) == ("wait", "stale for 3 days; its comment was missing")
    assert d.operations == (p.Comment(f"{config.comment.render(item(3, ('stale',)))}\n\n{MARK_MARKER}"),)


def test_exempt_if_reads_the_time_and_lists_every_reason() -> None:
    aged = cfg("  exempt_if: {age_days: {at_least: 100}}\n")  # the item was created 400 days ago
    for marked in ((), ("stale",)):
        d = decide(item(90, marked), aged, label="stale", now=NOW, self_login=BOT)
        assert (d.verdict, d.reason) == ("exempt", "exempt: age_days at least 100")
    both = cfg("  exempt_if: {all: [{title: {matches: 'Spelling'}}, {author: {association: [OWNER]}}]}\n")
    assert decision(item(90), config=both).reason == (
        "exempt: title matches 'Spelling'; author.association in ['OWNER']"
    )
    unknown = cfg("  exempt_if: {any: [{author: {first_contribution: true}}, {checks: success}]}\n")
    newcomer = item(90, author=replace(ISSUE.author, association="NONE"))  # type: ignore[type-var]
    d = decide(newcomer, unknown, label="stale", now=NOW, self_login=BOT, facts=Facts(now=NOW))
    assert (d.verdict, d.reason) == ("exempt", "exempt: exempt_if could not be evaluated (checks, first_contribution)")


def test_a_marked_item_is_exempt_by_the_facts_read() -> None:
    config = cfg("  exempt_if: {author: {first_contribution: true}}\n")
    newcomer = item(20, ("stale",), author=replace(ISSUE.author, association="NONE"))  # type: ignore[type-var]
    d = decide(newcomer, config, label="stale", now=NOW, self_login=BOT, facts=Facts(now=NOW, first_contribution=True))
    assert (d.verdict, d.reason) == ("exempt", "exempt: author.first_contribution is true")
    assert decide(newcomer, config, label="stale", now=NOW, self_login=BOT).verdict == "needs_facts"
