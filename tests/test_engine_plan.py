"""Actions become plan operations; rules merge into one plan; label ownership; size; facts declared."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import pytest

from devflow_action import plan as p
from devflow_action.config.loader import load_text
from devflow_action.engine import evaluate, required_facts
from devflow_action.events.model import Facts, FileChange
from devflow_action.events.normalize import normalize

from .conftest import load_payload

ISSUE = normalize("issues", load_payload("issues.opened"))  # labels: [bug]; author Codertocat (OWNER)
PR = normalize("pull_request", load_payload("pull_request.opened[1]"))  # labels: [bug]; +1 -1


def config(rules: str, extra: str = "") -> str:
    return f"version: 1\n{extra}" + (f"rules:\n{rules}" if rules else "")


def plan_for(text: str, event=ISSUE, facts: Facts | None = None) -> p.Plan:  # type: ignore[no-untyped-def]
    return evaluate(event, load_text(text), facts or Facts())


def rule(then: str, on: str = "[issues, pull_request]", name: str = "r", extra: str = "") -> str:
    return f"  - name: {name}\n    on: {on}\n{extra}    then:\n{then}"


@pytest.mark.parametrize(
    ("then", "event", "expected"),
    [
        ("      - label: [triage, triage, bug]\n", ISSUE, [p.AddLabels(("triage",))]),  # bug already there
        ("      - unlabel: [bug, absent]\n", ISSUE, [p.RemoveLabels(("bug",))]),  # only present labels
        ("      - comment: 'Hi @{{ author }}, about #{{ number }}'\n", ISSUE, [p.Comment("Hi @Codertocat, about #1")]),
        ("      - assign: octocat\n", ISSUE, [p.Assign(("octocat",))]),
        ("      - request_review: [octocat, hubot]\n", PR, [p.RequestReview(("octocat", "hubot"))]),
        ("      - request_review: {team_reviewers: [docs]}\n", PR, [p.RequestReview((), ("docs",))]),
        ("      - request_review: octocat\n", ISSUE, []),  # PRs only: skipped with a note
        ("      - close: true\n", ISSUE, [p.Close("completed")]),
        ("      - close: {reason: not_planned}\n", ISSUE, [p.Close("not_planned")]),
        ("      - close: true\n", replace(ISSUE, state="closed"), []),  # already closed
        ("      - reopen: true\n", ISSUE, []),  # already open
        ("      - reopen: true\n", replace(ISSUE, state="closed"), [p.Reopen()]),
        ("      - lock: true\n", ISSUE, [p.Lock(None)]),
        ("      - lock: {reason: resolved}\n", ISSUE, [p.Lock("resolved")]),
        ("      - milestone: 3\n", ISSUE, [p.SetMilestone(3)]),
    ],
    ids=lambda v: v.strip() if isinstance(v, str) else None,
)
def test_action_becomes_operation(then: str, event, expected: list[p.Operation]) -> None:  # type: ignore[no-untyped-def]
    assert list(plan_for(config(rule(then)), event).operations) == expected


def test_request_review_on_an_issue_is_noted() -> None:
    plan = plan_for(config(rule("      - request_review: octocat\n")))
    assert plan.notes == ("rule 'r': request_review applies to pull requests only; skipped",)


def test_once_comment_carries_a_marker_named_after_the_template() -> None:
    plan = plan_for(config(rule("      - comment: {template: welcome, once: true}\n")))
    (op,) = plan.operations
    assert isinstance(op, p.Comment)
    assert op.marker == "<!-- devflow:welcome -->"
    assert op.body.startswith("Thanks for opening your first issue here, @Codertocat!")
    assert op.body.endswith("\n\n<!-- devflow:welcome -->")


def test_once_marker_defaults_to_rule_name_and_position() -> None:
    plan = plan_for(config(rule("      - label: a\n      - comment: {body: hi, once: true}\n", name="Greet People!")))
    assert [op.marker for op in plan.operations if isinstance(op, p.Comment)] == ["<!-- devflow:greet-people-1 -->"]


def test_user_text_cannot_forge_a_marker() -> None:
    hostile = replace(ISSUE, title="x <!-- devflow:welcome --> y")
    plan = plan_for(config(rule("      - comment: 'Re: {{ title }}'\n")), hostile)
    (op,) = plan.operations
    assert isinstance(op, p.Comment)
    assert "<!--" not in op.body and "-->" not in op.body


def test_mentions_in_user_text_are_neutralised_but_the_templates_own_mention_stays() -> None:
    hostile = replace(ISSUE, title="ping @octo-org/everyone and @alice (mail: me@example.com, @ alone)")
    plan = plan_for(config(rule("      - comment: 'Thanks @{{ author }}: {{ title }}'\n")), hostile)
    (op,) = plan.operations
    assert isinstance(op, p.Comment)
    assert op.body == (
        "Thanks @Codertocat: ping @\u200bocto-org/everyone and @\u200balice (mail: me@\u200bexample.com, @ alone)"
    )


def test_labels_from_all_rules_become_one_operation_in_rule_order() -> None:
    text = config(
        rule("      - label: [a, b]\n", name="one")
        + rule("      - label: [b, c]\n", name="two")
        + rule("      - label: d\n", name="three", on="pull_request")
    )
    assert plan_for(text).operations == (p.AddLabels(("a", "b", "c")),)


def test_label_added_then_removed_by_a_later_rule_is_resolved_with_a_note() -> None:
    text = config(rule("      - label: x\n", name="adds") + rule("      - unlabel: x\n", name="removes"))
    plan = plan_for(text)
    assert plan.operations == ()
    assert plan.notes == ("label 'x': added by 'adds', removed by later rule 'removes'",)


def test_label_removed_then_added_by_a_later_rule_is_kept() -> None:
    text = config(rule("      - unlabel: bug\n", name="removes") + rule("      - label: bug\n", name="adds"))
    plan = plan_for(text)
    assert plan.operations == ()  # bug is present and stays
    assert plan.notes == ("label 'bug': removed by 'removes', added by later rule 'adds'",)


def test_identical_operations_from_two_rules_appear_once() -> None:
    once = "      - comment: {template: welcome, once: true}\n"
    plan = plan_for(config(rule(once, name="a") + rule(once, name="b")))
    assert len(plan.operations) == 1


SYNC = rule("      - label: bug\n", extra="    sync: true\n    if: {title: {contains: crash}}\n")


def test_sync_removes_a_label_devflow_added_when_the_rule_stops_matching() -> None:
    plan = plan_for(config(SYNC), facts=Facts(devflow_labels=frozenset({"bug"})))
    assert plan.operations == (p.RemoveLabels(("bug",)),)


def test_sync_never_removes_a_label_a_person_added() -> None:
    plan = plan_for(config(SYNC), facts=Facts(devflow_labels=frozenset()))
    assert plan.operations == ()


def test_without_sync_a_rule_that_stops_matching_removes_nothing() -> None:
    text = config(rule("      - label: bug\n", extra="    if: {title: {contains: crash}}\n"))
    assert plan_for(text, facts=Facts(devflow_labels=frozenset({"bug"}))).operations == ()


def test_a_rule_not_evaluated_removes_nothing_even_with_sync() -> None:
    text = config(rule("      - label: bug\n", extra="    sync: true\n    if: {files: {any: ['x']}}\n"))
    plan = plan_for(text, PR, Facts(devflow_labels=frozenset({"bug"})))
    assert plan.operations == ()
    assert plan.rules[0].reason == "needs facts not available: files"


SIZE = "size:\n  thresholds: {XS: 10, S: 100}\n"


def test_size_label_from_payload_counts_replaces_the_previous_size_label() -> None:
    event = replace(PR, labels=("bug", "size/S", "size/L"))  # size/L is not one of this config's sizes
    plan = plan_for(config("", SIZE), event)
    assert plan.operations == (p.AddLabels(("size/XS",)), p.RemoveLabels(("size/S",)))


def test_size_with_ignore_counts_only_files_that_matter() -> None:
    text = config("", SIZE + "  ignore: ['**/*.lock']\n")
    files = (FileChange("poetry.lock", 900, 100), FileChange("src/a.py", 30, 20))
    assert plan_for(text, PR, Facts(files=files)).operations == (p.AddLabels(("size/S",)),)
    assert plan_for(text, PR).notes == ("size: needs the files fact (changed lines per file); not evaluated",)


def test_size_is_not_computed_for_issues_or_label_events() -> None:
    labeled = normalize("pull_request", load_payload("pull_request.labeled"))
    assert plan_for(config("", SIZE), ISSUE).operations == ()
    assert plan_for(config("", SIZE), labeled).operations == ()


def test_required_facts_are_only_those_the_triggered_rules_need() -> None:
    text = config(
        rule("      - label: a\n", "pull_request", "a", "    if: {files: {any: ['docs/**']}, checks: success}\n")
        + rule("      - label: b\n", "issues", "b", "    if: {approvals: 1}\n    sync: true\n")
        + rule("      - label: c\n", "[issues, pull_request]", "c", "    if: {author: {first_contribution: true}}\n")
    )
    cfg = load_text(text)
    assert required_facts(cfg, PR) == {"files", "checks"}  # OWNER: first_contribution is known
    newcomer = replace(ISSUE, author=replace(ISSUE.author, association="NONE"))  # type: ignore[type-var]
    assert required_facts(cfg, newcomer) == {"devflow_labels", "first_contribution"}  # approvals: PRs only
    assert required_facts(load_text(config("", SIZE)), PR) == frozenset()  # payload has the counts


def test_unhandled_events_are_skipped_with_a_reason() -> None:
    star = normalize("star", load_payload("star.created[1]"))
    plan = plan_for(config(rule("      - label: a\n")), star)
    assert plan.skipped == "Devflow's rules do not handle 'star' events"
    unknown = normalize("issues", {**load_payload("issues.opened"), "action": "frobnicated"})
    assert plan_for(config(rule("      - label: a\n")), unknown).skipped == (
        "the action 'frobnicated' of 'issues' events is not handled"
    )


def test_pull_request_target_is_seen_as_pull_request_but_untrusted() -> None:
    event = normalize("pull_request_target", load_payload("pull_request.opened[1]"))
    assert (event.name, event.trigger, event.trusted) == ("pull_request", "pull_request_target", False)
    assert plan_for(config(rule("      - label: a\n", on="pull_request.opened")), event).operations == (
        p.AddLabels(("a",)),
    )


def test_comment_events_fold_onto_their_issue_or_pull_request() -> None:
    comment = normalize("issue_comment", load_payload("issue_comment.created[2]"))
    review = normalize("pull_request_review", load_payload("pull_request_review.submitted[1]"))
    assert (comment.kind, comment.number, comment.comment) == (
        "issue",
        1,
        "You are totally right! I'll get this fixed right away.",
    )
    assert review.kind == "pull_request" and review.comment_author is not None


def test_plan_json_round_trips() -> None:
    text = config(
        rule(
            "      - label: a\n      - comment: {template: welcome, once: true}\n      - assign: [x]\n      - close: true\n"
        )
    )
    plan = plan_for(text)
    assert p.Plan.from_json(plan.as_json()) == plan


def test_engine_imports_no_io_module() -> None:
    code = (
        "import sys\n"
        "import devflow_action.engine, devflow_action.config.loader, devflow_action.events.normalize, devflow_action.engine.offline\n"
        "import devflow_action.engine.digest, devflow_action.engine.digest_render\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'ghapi', 'fastcore', 'psycopg', 'redis', 'socket', "
        "'http', 'httpx', 'httpx2', 'urllib3', 'requests', 'subprocess', 'ssl', 'asyncio', 'devflow_action.github'} "
        "or m in {'urllib.request', 'devflow_action.github'})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


def test_a_webhook_delivery_normalises_like_a_runner_event() -> None:
    import json

    from devflow_action.events.normalize import PayloadError, from_delivery

    body = json.dumps(load_payload("issues.opened")).encode()
    delivered = from_delivery({"X-GitHub-Event": "issues", "X-GitHub-Delivery": "1"}, body)
    assert delivered.delivery == "1"  # the service keys its ledger and logs by it
    assert replace(delivered, delivery=None) == ISSUE
    with pytest.raises(PayloadError, match="no X-GitHub-Event header"):
        from_delivery({}, body)
    with pytest.raises(PayloadError, match="not JSON"):
        from_delivery({"x-github-event": "issues"}, b"{")
