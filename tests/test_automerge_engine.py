"""The auto-merge policy's pure decision (engine/automerge.py): each condition's exact wording, what is
done when all hold or one stops holding, and the status comment, on GitHub's example pull request."""

from __future__ import annotations

from dataclasses import replace

from devflow_action import plan as p
from devflow_action.config.loader import load_text
from devflow_action.config.review import AutomergeConfig
from devflow_action.engine.automerge import MARKER, PullFacts, conditions, decide, opted_in, status_body
from devflow_action.events.model import Facts
from devflow_action.events.normalize import normalize

from .githubdata import load_payload

BOT = "github-actions[bot]"
EVENT = normalize("pull_request", load_payload("pull_request.labeled"))
READY = PullFacts(
    number=2,
    node_id="MDExOlB1bGxSZXF1ZXN0Mjc5MTQ3NDM3",
    head_sha="ec26c3e57ca3a959ca5aad62de7213c562f8c821",
    open=True,
    draft=False,
    mergeable=True,
    mergeable_state="blocked",
    labels=("AutoMerge",),
    auto_merge=None,
    auto_merge_by=None,
    approvers=("alice", "bob"),
    checks={"build": "success", "lint": "success"},
)


def config(extra: str = "") -> AutomergeConfig:
    loaded = load_text(f"version: 1\nautomerge:\n  method: squash\n  labels: [automerge]\n  approvals: 2\n{extra}")
    assert loaded.automerge is not None
    return loaded.automerge


def test_every_condition_is_worded_and_held_or_missing() -> None:
    cfg = config("  checks: [build, test, lint]\n  hold_labels: [hold, WIP]\n")
    pull = replace(READY, labels=("wip",), approvers=("alice",), checks={"build": "success", "lint": "failure"},
                   draft=True, mergeable=False, mergeable_state="behind")  # fmt: skip
    assert conditions(cfg, pull, EVENT, Facts()) == [
        ("open", True),
        ("not a draft", False),
        ("label `automerge`", False),
        ("no label `hold`", True),
        ("no label `WIP`", False),
        ("2 approval(s) from people with write access (has 1: alice)", False),
        ("check `build` passed", True),
        ("check `test` passed (it has not run)", False),
        ("check `lint` passed (it is failure)", False),
        ("no merge conflict", False),
        ("up to date with the base branch", False),
    ]
    held = conditions(cfg, replace(READY, checks={"build": "success", "test": "success", "lint": "success"}),
                      EVENT, Facts())  # fmt: skip
    assert all(ok for _, ok in held) and held[4] == ("no label `WIP`", True)
    assert held[5] == ("2 approval(s) from people with write access (has 2: alice, bob)", True)


def test_without_named_checks_every_check_must_pass_and_one_must_have_run() -> None:
    cfg = config()
    got = dict(conditions(cfg, replace(READY, checks={"z": "pending", "a": "failure", "m": "success"}), EVENT, Facts()))
    assert got["every check passed (`a` failure, `z` pending)"] is False
    assert (
        dict(conditions(cfg, replace(READY, checks=None), EVENT, Facts()))["every check passed (none has run yet)"]
        is False
    )
    assert dict(conditions(cfg, READY, EVENT, Facts()))["every check passed"] is True
    none = dict(conditions(AutomergeConfig(approvals=0), replace(READY, approvers=None), EVENT, Facts()))
    assert not any("approval" in text for text in none)  # approvals: 0 asks for none


def test_a_merge_conflict_is_read_from_mergeable_or_from_the_state() -> None:
    def conflict(mergeable: bool | None, state: str) -> bool:
        got = dict(conditions(config(), replace(READY, mergeable=mergeable, mergeable_state=state), EVENT, Facts()))
        return not got["no merge conflict"]

    assert conflict(False, "unknown") and conflict(None, "dirty") and conflict(True, "dirty")
    assert not conflict(None, "unknown")  # GitHub is still computing it: not a conflict yet


def test_if_conditions_are_listed_held_missing_or_not_known() -> None:
    cfg = config(
        "  if:\n    all:\n      - {title: {matches: '^Update'}}\n      - {author: {first_contribution: false}}\n"
        "      - {title: {matches: '^WIP'}}\n"
    )
    newcomer = replace(EVENT, author=replace(EVENT.author, association="NONE"))  # type: ignore[type-var]
    assert conditions(cfg, READY, newcomer, Facts())[-3:] == [
        ("title matches '^Update'", True),
        ("title matches '^WIP'", False),
        ("first_contribution (not known)", False),
    ]


def test_when_everything_holds_githubs_auto_merge_is_enabled_with_the_head_seen() -> None:
    verdict = decide(config(), READY, EVENT, Facts(), BOT)
    assert verdict.holds and verdict.rule.matched and verdict.rule.evaluated and verdict.rule.missing_conditions == ()
    assert verdict.rule.matched_conditions == tuple(text for text, _ in verdict.conditions)
    body = status_body(
        list(verdict.conditions),
        "GitHub's auto-merge is enabled (squash): it merges once GitHub's requirements are met",
    )
    assert verdict.operations == (
        p.EnableAutomerge(READY.node_id, "squash", READY.head_sha),
        p.UpsertComment(body, MARKER, None),
    )
    assert body == (
        "**Devflow auto-merge**: GitHub's auto-merge is enabled (squash): it merges once GitHub's requirements are met\n"
        "\n- [x] open\n- [x] not a draft\n- [x] label `automerge`\n- [x] no label `hold`\n"
        "- [x] 2 approval(s) from people with write access (has 2: alice, bob)\n- [x] every check passed\n"
        "- [x] no merge conflict\n- [x] up to date with the base branch\n\n<!-- devflow:automerge -->"
    )


def test_auto_merge_already_on_is_not_enabled_again_and_its_own_method_is_shown() -> None:
    pull = replace(READY, auto_merge="rebase", auto_merge_by="alice", status_comment=(7, "old"))
    (op,) = decide(config(), pull, EVENT, Facts(), BOT).operations
    assert isinstance(op, p.UpsertComment) and op.comment_id == 7
    assert op.body.startswith("**Devflow auto-merge**: GitHub's auto-merge is enabled (rebase): ")


def test_a_clean_pull_request_or_native_off_is_merged_directly() -> None:
    clean = decide(config(), replace(READY, mergeable_state="clean"), EVENT, Facts(), BOT)
    assert clean.operations[0] == p.Merge("squash", READY.head_sha)
    assert clean.operations[1].body.startswith("**Devflow auto-merge**: every condition holds: merging (squash)\n")  # type: ignore[union-attr]
    direct = decide(config("  native: false\n"), READY, EVENT, Facts(), BOT)
    assert direct.operations[0] == p.Merge("squash", READY.head_sha)


def test_a_condition_that_stops_holding_disables_only_the_auto_merge_devflow_enabled() -> None:
    held = replace(READY, labels=("automerge", "hold"), auto_merge="squash", auto_merge_by=BOT)
    verdict = decide(config(), held, EVENT, Facts(), BOT)
    assert not verdict.holds and verdict.rule == p.RuleResult(
        "automerge", False, True, tuple(t for t, ok in verdict.conditions if ok), ("no label `hold`",)
    )
    assert verdict.operations[0] == p.DisableAutomerge(READY.node_id)
    first = "**Devflow auto-merge**: waiting for 1 condition(s); auto-merge is disabled until they hold\n"
    assert verdict.operations[1].body.startswith(first)  # type: ignore[union-attr]
    assert "\n- [ ] no label `hold`\n" in verdict.operations[1].body  # type: ignore[union-attr]
    theirs = decide(config(), replace(held, auto_merge_by="alice"), EVENT, Facts(), BOT)
    assert [op.type for op in theirs.operations] == ["upsert_comment"]
    assert theirs.operations[0].body.startswith("**Devflow auto-merge**: waiting for 1 condition(s)\n")  # type: ignore[union-attr]


def test_the_status_comment_is_written_only_when_it_changes_and_the_pull_request_is_open() -> None:
    first = decide(config(), READY, EVENT, Facts(), BOT).operations[1]
    assert isinstance(first, p.UpsertComment)
    same = replace(READY, status_comment=(9, first.body))
    assert decide(config(), same, EVENT, Facts(), BOT).operations == (
        p.EnableAutomerge(READY.node_id, "squash", READY.head_sha),
    )
    assert decide(config(), replace(READY, open=False), EVENT, Facts(), BOT).operations == ()
    assert decide(
        config("  comment: false\n"), replace(READY, mergeable_state="clean"), EVENT, Facts(), BOT
    ).operations == (p.Merge("squash", READY.head_sha),)


def test_the_policy_speaks_about_a_pull_request_with_its_labels_or_after_speaking_before() -> None:
    cfg = config()
    unlabelled = replace(READY, labels=("bug",))
    assert opted_in(cfg, READY, BOT)  # labels ignore case
    assert not opted_in(cfg, unlabelled, BOT)
    assert opted_in(cfg, replace(unlabelled, status_comment=(1, "x")), BOT)
    assert opted_in(cfg, replace(unlabelled, auto_merge="merge", auto_merge_by=BOT), BOT)
    assert not opted_in(cfg, replace(unlabelled, auto_merge="merge", auto_merge_by="alice"), BOT)
    assert not opted_in(cfg, replace(unlabelled, auto_merge=None, auto_merge_by=BOT), BOT)


def test_names_cannot_close_their_code_span() -> None:
    cfg = config("  checks: ['ci `lint`']\n  hold_labels: ['do `not` merge']\n")
    got = conditions(cfg, replace(READY, checks={"ci `lint`": "failure"}), EVENT, Facts())
    assert ("no label `do 'not' merge`", True) in got
    assert ("check `ci 'lint'` passed (it is failure)", False) in got


def test_if_conditions_read_the_facts_given() -> None:
    cfg = config("  if: {author: {first_contribution: false}}\n")
    newcomer = replace(EVENT, author=replace(EVENT.author, association="NONE"))  # type: ignore[type-var]
    assert conditions(cfg, READY, newcomer, Facts(first_contribution=False))[-1] == (
        "author.first_contribution is false",
        True,
    )
    assert decide(cfg, READY, newcomer, Facts(first_contribution=False), BOT).holds
    assert len(conditions(cfg, READY, newcomer, Facts(first_contribution=False))) == 9  # 8 of the policy, then `if`
