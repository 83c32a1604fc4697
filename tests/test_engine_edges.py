"""The engine at its edges: which facts an event needs, when there is no work at all, size counting,
conflicts between rules, and the explanations a plan carries."""

from __future__ import annotations

from dataclasses import replace

import pytest

from devflow_action import plan as p
from devflow_action.config.loader import load_text
from devflow_action.engine import evaluate, has_work, required_facts
from devflow_action.events.model import Event, Facts, FileChange
from devflow_action.events.normalize import normalize

from .conftest import load_payload

ISSUE = normalize("issues", load_payload("issues.opened"))  # #1, labels [bug]
PR = normalize("pull_request", load_payload("pull_request.opened[1]"))  # #2, labels [bug], +1 -1


def rules(*bodies: str, size: str = "") -> str:
    return "version: 1\n" + size + "rules:\n" + "".join(bodies)


def rule(then: str, *, name: str = "r", on: str = "[issues, pull_request]", cond: str = "") -> str:
    return f"  - name: {name}\n    on: {on}\n" + (f"    if: {cond}\n" if cond else "") + f"    then: {then}\n"


# --- facts and work ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cond", "event", "needed"),
    [
        ("{files: {any: ['docs/**']}}", PR, {"files"}),
        ("{files: {any: ['docs/**']}}", ISSUE, set()),  # issues have no files
        ("{checks: success}", ISSUE, set()),
        ("{approvals: {at_least: 1}}", ISSUE, set()),
        ("{checks: success}", PR, {"checks"}),
        ("{labels: {has: bug}}", PR, set()),  # current labels come with the payload or the re-read
        ("{author: {first_contribution: true}}", ISSUE, set()),  # OWNER: the payload answers it
    ],
)
def test_required_facts(cond: str, event: Event, needed: set[str]) -> None:
    config = load_text(rules(rule("[{label: x}]", cond=cond)))
    assert required_facts(config, event) == frozenset(needed)


def test_size_needs_the_files_when_it_ignores_some_even_if_the_payload_has_counts() -> None:
    config = load_text("version: 1\nsize:\n  thresholds: {XS: 10}\n  ignore: ['*.lock']\n")
    assert PR.additions is not None and required_facts(config, PR) == frozenset({"files"})
    plain = load_text("version: 1\nsize:\n  thresholds: {XS: 10}\n")
    assert required_facts(plain, PR) == frozenset()  # the payload's counts are enough
    assert required_facts(plain, replace(PR, additions=None)) == frozenset({"files"})


def test_no_work_without_an_item_or_for_a_skipped_event() -> None:
    config = load_text(rules(rule("[{label: x}]")))
    assert has_work(config, ISSUE)
    assert not has_work(config, replace(ISSUE, number=None))
    assert not has_work(config, replace(ISSUE, skipped="not handled"))
    assert required_facts(
        load_text(rules(rule("[{label: x}]", cond="{checks: success}"))), replace(PR, skipped="x")
    ) == (frozenset())


# --- size -------------------------------------------------------------------------------------------

SIZE = "size:\n  thresholds: {XS: 2, S: 5, M: 8}\n"


@pytest.mark.parametrize(
    ("additions", "deletions", "label"),
    [
        (0, 0, "size/XS"),
        (1, 1, "size/XS"),
        (0, 2, "size/XS"),
        (2, 0, "size/XS"),
        (3, 0, "size/S"),
        (0, 3, "size/S"),
        (4, 4, "size/M"),
        (6, 3, "size/XL"),
    ],
)
def test_size_counts_additions_and_deletions(additions: int, deletions: int, label: str) -> None:
    event = replace(PR, additions=additions, deletions=deletions)
    assert evaluate(event, load_text("version: 1\n" + SIZE)).operations == (p.AddLabels((label,)),)


def test_size_from_files_counts_both_directions() -> None:
    facts = Facts(files=(FileChange("a.py", 2, 1), FileChange("b.py", 0, 3)))
    plan = evaluate(replace(PR, additions=None), load_text("version: 1\n" + SIZE), facts)
    assert plan.operations == (p.AddLabels(("size/M",)),)  # 6 lines


def test_size_replacing_a_rules_size_label_is_explained() -> None:
    config = load_text(rules(rule("[{label: size/XL}]", on="pull_request"), size=SIZE))
    plan = evaluate(replace(PR, labels=("size/XL",)), config)
    assert plan.operations == (p.AddLabels(("size/XS",)), p.RemoveLabels(("size/XL",)))
    assert plan.notes == ("label 'size/XL': added by 'r', removed by later rule 'size'",)


def test_a_rule_removing_the_size_label_loses_to_size() -> None:
    config = load_text(rules(rule("[{unlabel: size/XS}]", on="pull_request"), size=SIZE))
    plan = evaluate(replace(PR, labels=("size/XS",)), config)
    assert plan.operations == ()
    assert plan.notes == ("label 'size/XS': removed by 'r', added by later rule 'size'",)


# --- conflicts between rules ------------------------------------------------------------------------


def test_a_later_rule_removing_a_present_label_an_earlier_one_added_removes_it() -> None:
    config = load_text(rules(rule("[{label: bug}]", name="one"), rule("[{unlabel: bug}]", name="two")))
    plan = evaluate(ISSUE, config)  # the issue has `bug`
    assert plan.operations == (p.RemoveLabels(("bug",)),)
    assert plan.notes == ("label 'bug': added by 'one', removed by later rule 'two'",)


def test_a_later_rule_removing_an_absent_label_an_earlier_one_added_does_nothing() -> None:
    config = load_text(rules(rule("[{label: x}]", name="one"), rule("[{unlabel: x}]", name="two")))
    assert evaluate(ISSUE, config).operations == ()


def test_sync_removes_only_labels_devflow_added_when_the_rule_no_longer_matches() -> None:
    config = load_text(
        rules(rule("[{label: [bug, docs]}]", cond="{title: {contains: nothing-like-this}}") + "    sync: true\n")
    )
    event = replace(ISSUE, labels=("bug", "docs"))
    plan = evaluate(event, config, Facts(devflow_labels=frozenset({"docs"})))
    assert plan.operations == (p.RemoveLabels(("docs",)),)


# --- explanations -----------------------------------------------------------------------------------


def test_a_rule_without_conditions_matches_always() -> None:
    (result,) = evaluate(ISSUE, load_text(rules(rule("[{label: x}]")))).rules
    assert (result.name, result.matched, result.evaluated, result.matched_conditions) == ("r", True, True, ("always",))


def test_a_rule_missing_facts_is_not_evaluated_and_says_which() -> None:
    config = load_text(
        rules(rule("[{label: x}]", on="pull_request", cond="{all: [{checks: success}, {approvals: {at_least: 1}}]}"))
    )
    (result,) = evaluate(PR, config).rules
    assert (result.matched, result.evaluated) == (False, False)
    assert result.reason == "needs facts not available: approvals, checks"
    assert p.Plan.from_json(evaluate(PR, config).as_json()).rules[0].evaluated is False


def test_a_pull_request_only_action_on_an_issue_is_skipped_and_the_rest_applies() -> None:
    config = load_text(rules(rule("[{request_review: octocat}, {label: x}]", on="issues")))
    plan = evaluate(ISSUE, config)
    assert plan.operations == (p.AddLabels(("x",)),)
    assert plan.notes == ("rule 'r': request_review applies to pull requests only; skipped",)


def test_a_skipped_event_plans_nothing_and_says_why() -> None:
    skipped = replace(ISSUE, skipped="the action 'pinned' of 'issues' events is not handled")
    plan = evaluate(skipped, load_text(rules(rule("[{label: x}]"))))
    assert (plan.event, plan.repository, plan.number) == ("issues.opened", "Codertocat/Hello-World", 1)
    assert (plan.operations, plan.rules, plan.skipped) == ((), (), skipped.skipped)


def test_a_close_on_a_closed_issue_is_dropped_and_the_rules_other_actions_stay() -> None:
    closed = replace(ISSUE, state="closed")
    plan = evaluate(closed, load_text(rules(rule("[{close: true}, {label: x}]", on="issues"))))
    assert plan.operations == (p.AddLabels(("x",)),)


def test_a_plan_names_its_event_and_item() -> None:
    plan = evaluate(ISSUE, load_text(rules(rule("[{label: x}]"))))
    assert (plan.event, plan.repository, plan.number) == ("issues.opened", "Codertocat/Hello-World", 1)


def test_size_alone_is_work_for_a_pull_request() -> None:
    config = load_text("version: 1\n" + SIZE)
    assert has_work(config, PR) and not has_work(config, ISSUE)


def test_sync_removing_a_label_an_earlier_rule_added_names_both_rules() -> None:
    config = load_text(
        rules(
            rule("[{label: docs}]", name="adds"),
            rule("[{label: docs}]", name="syncs", cond="{title: {contains: nothing-like-this}}") + "    sync: true\n",
        )
    )
    plan = evaluate(replace(ISSUE, labels=("docs",)), config, Facts(devflow_labels=frozenset({"docs"})))
    assert plan.notes == ("label 'docs': added by 'adds', removed by later rule 'syncs'",)
