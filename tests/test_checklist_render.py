"""The onboarding checklist's exact comment and explanation (engine/checklist.py), who is asked for it,
and each check's edges, on GitHub's example pull request (see test_checklist.py for the overview)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from devflow_action import plan as p
from devflow_action.config.loader import load_text
from devflow_action.config.onboarding import Onboarding
from devflow_action.engine import checklist as c
from devflow_action.events.model import Author, Facts, FileChange, OwnComment

from .test_checklist import CONFIG, pull

ONBOARDING: Onboarding = CONFIG.onboarding  # type: ignore[assignment]  # the config has the section
FILLED = "## What and why\n\nFixes #7\n\n## How it was tested\n\nRan it.\n"
INTRO = (
    "@Codertocat, thanks for your pull request! Devflow ticks what it can verify and keeps this list up to date "
    "as you push. Tick the other items in your pull request's description once they are done; `devflow check` "
    "runs the local steps for you."
)


def onboarding(text: str) -> Onboarding:
    loaded = load_text(f"version: 1\nonboarding:\n{text}").onboarding
    assert loaded is not None
    return loaded


def test_the_comment_and_the_explanation_say_each_item_exactly() -> None:
    event = pull(FILLED, head="fix/x")
    rule, op = c.evaluate(event, ONBOARDING, Facts(files=(FileChange("src/a.py"),), checks="pending"))
    assert op == p.UpsertComment(
        "\n".join(
            [
                "### Checklist · 4 of 7 done",
                "",
                INTRO,
                "",
                "- [x] Describe it — ✅ filled in <!-- devflow:item:description:auto -->",
                "- [x] Say how you tested — ✅ filled in <!-- devflow:item:sections:auto -->",
                "- [x] Link the issue — ✅ links #7 <!-- devflow:item:issue:auto -->",
                "- [ ] Add tests — ❌ 1 source file(s) changed, no test file (e.g. `src/a.py`) <!-- devflow:item:tests -->",
                "- [ ] CI passes — ⏳ checks are running <!-- devflow:item:ci -->",
                "- [x] Name the branch — ✅ <!-- devflow:item:branch:auto -->",
                "- [ ] Read CONTRIBUTING.md — optional <!-- devflow:item:read -->",
                "",
                "Still required: tests, ci.",
                "",
                "<sub>Checked at `ec26c3e`.</sub>",
                c.MARKER,
            ]
        ),
        c.MARKER,
        None,
    )
    assert rule == p.RuleResult(
        c.NAME,
        True,
        matched_conditions=(
            "description: verified (filled in)",
            "sections: verified (filled in)",
            "issue: verified (links #7)",
            "branch: verified",
        ),
        missing_conditions=(
            "tests: failed (1 source file(s) changed, no test file (e.g. `src/a.py`))",
            "ci: waiting (checks are running)",
            "read: left to the contributor",
        ),
    )


def test_local_steps_person_ticks_and_description_ticks_are_shown_and_explained() -> None:
    config = onboarding(
        "  on: all\n  checklist:\n"
        "    - {id: lint, text: Lint passes, run: make lint}\n"
        "    - {id: docs, text: Docs updated, run: make docs}\n"
        "    - {id: notes, text: Release notes, required: false}\n"
        "    - {id: sign, text: Sign the CLA}\n"
    )
    earlier = (
        "- [X] Lint passes <!-- devflow:item:lint -->\n- [X] Release notes <!-- devflow:item:notes:auto -->\n"
        "- [ ] Sign the CLA <!-- devflow:item:sign -->\n- [x] a line a person added\n" + c.MARKER
    )
    event = replace(pull("- [x] Docs <!-- done? -->  updated\n"), author=None, head_sha=None)
    facts = Facts(
        own_comments=(OwnComment(3, "unrelated"), OwnComment(8, earlier)),
        checklist_progress=(("sign", "person"), ("notes", "auto")),
    )
    rule, op = c.evaluate(event, config, facts)
    assert isinstance(op, p.UpsertComment) and op.comment_id == 8
    assert op.body.split("\n")[0] == "### Checklist · 3 of 4 done"
    assert op.body.split("\n")[2].startswith("Thanks for your pull request! Devflow ticks")
    assert op.body.split("\n")[4:] == [
        "- [x] Lint passes <!-- devflow:item:lint -->",  # a person ticked it in the comment: no step shown
        "- [x] Docs updated — ticked in the description <!-- devflow:item:docs:body -->",
        "- [ ] Release notes — optional <!-- devflow:item:notes -->",  # Devflow's own tick of nothing: undone
        "- [x] Sign the CLA <!-- devflow:item:sign -->",  # recorded in the state store
        "",
        "Everything required is done: a maintainer will review your pull request.",
        "",
        "<sub>Checked.</sub>",
        c.MARKER,
    ]
    assert rule.matched_conditions == (
        "lint: ticked in the comment",
        "docs: ticked in the description",
        "sign: ticked in the comment",
    )
    assert c.marks(event, config, facts) == {"lint": "person", "docs": "body", "notes": "", "sign": "person"}
    untouched = c.evaluate(event, config, Facts())[1]
    assert isinstance(untouched, p.UpsertComment)
    assert (
        "- [ ] Lint passes — run `devflow check --only lint` (`make lint`) <!-- devflow:item:lint -->" in untouched.body
    )
    assert "Still required: lint, sign." in untouched.body


def test_first_timers_only_get_the_checklist_and_an_unknown_author_needs_the_fact() -> None:
    config = onboarding("  checklist:\n    - {id: read, text: Read it}\n")
    unknown = pull("x", association="NONE")
    assert c.evaluate(unknown, config, Facts()) == (
        p.RuleResult(c.NAME, False, False, reason="needs facts not available: first_contribution"),
        None,
    )
    assert c.evaluate(unknown, config, Facts(first_contribution=False)) == (
        p.RuleResult(c.NAME, False, missing_conditions=("author.first_contribution is true",)),
        None,
    )
    assert c.marks(unknown, config, Facts(first_contribution=False)) == {}
    assert c.marks(unknown, config, Facts()) == {}
    assert c.marks(unknown, config, Facts(first_contribution=True)) == {"read": ""}
    first = pull("x", association="FIRST_TIME_CONTRIBUTOR")
    assert c.marks(first, config, Facts(first_contribution=False)) == {"read": ""}  # the event's word first
    assert c.evaluate(first, config, Facts(first_contribution=False))[1] is not None
    assert c.marks(replace(first, author=None), config, Facts(first_contribution=True)) == {"read": ""}


def test_which_events_keep_the_checklist_up_to_date() -> None:
    config = onboarding("  checklist:\n    - {id: read, text: Read it}\n")
    everyone = onboarding("  on: all\n  checklist:\n    - {id: read, text: Read it}\n")
    owner, first = pull("x"), pull("x", association="FIRST_TIME_CONTRIBUTOR")
    assert c.applies(config, first) and c.applies(everyone, owner) and not c.applies(config, owner)
    assert c.applies(config, pull("x", association="NONE"))  # not known yet: read the fact
    assert c.applies(config, replace(first, author=None))
    for action in ("reopened", "synchronize", "edited", "ready_for_review"):
        assert c.applies(everyone, replace(owner, action=action))
    assert not c.applies(everyone, replace(owner, action="labeled"))
    assert not c.applies(everyone, replace(owner, state="closed"))
    assert not c.applies(everyone, replace(owner, name="issues"))
    assert not c.applies(everyone, replace(owner, number=None))
    assert not c.applies(everyone, replace(owner, skipped="a bot's event"))
    assert not c.applies(everyone, replace(owner, author=Author("dependabot[bot]", "NONE", bot=True)))
    assert not c.applies(None, owner) and not c.applies(Onboarding(on="all"), owner)


def test_each_check_asks_only_for_the_facts_it_reads() -> None:
    assert c.required_facts(ONBOARDING) == {"own_comments", "files", "checks"}
    assert c.required_facts(onboarding("  checklist:\n    - {id: a, text: A, check: ci}\n")) == {
        "own_comments",
        "first_contribution",
        "checks",
    }
    assert c.required_facts(onboarding("  on: all\n  checklist:\n    - {id: a, text: A, check: template}\n")) == {
        "own_comments"
    }


def check(
    kind: str, body: str = "", head: str | None = "fix/a", facts: Facts | None = None, config: Onboarding = ONBOARDING
) -> tuple[str, str]:
    item = next(i for i in config.checklist if i.id == kind)
    assert item.check is not None
    return c.check(item.check, pull(body, head=head), config, facts or Facts())


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("", ("failed", "the description is empty")),
        ("Just a line.", ("done", "filled in")),
        ("## What ##\n\ntext\n\n### Checklist\n\n- [ ] one\n* [x] two\n", ("done", "filled in")),
        ("# A\n\n<!-- hint -->\n\n## B *b*\n\n#### C\nc\n", ("failed", "still to fill in: A, B \\*b\\*")),
        ("#No heading\n\n##\tTab\n", ("failed", "still to fill in: Tab")),
        ("## Todo ##\n## INBOX##\n## #tag\n", ("failed", "still to fill in: Todo, INBOX, #tag")),
    ],
)
def test_the_template_check_reads_each_section(body: str, expected: tuple[str, str]) -> None:
    assert check("description", body) == expected


def test_named_sections_are_found_ignoring_case() -> None:
    assert check("sections", "## how it was tested\n\nRan it.\n") == ("done", "filled in")
    assert check("sections", "## How it was tested\n\n- [x] ran\n") == ("failed", "still to fill in: How it was tested")
    assert check("sections", "Ran it.\n") == ("failed", "still to fill in: How it was tested")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("closes #12", ("done", "links #12")),
        ("Fixed: octo-org/other#3", ("done", "links octo-org/other#3")),
        ("RESOLVES https://github.com/o/r/issues/4", ("done", "links https://github.com/o/r/issues/4")),
        ("The prefix #7 is wrong", ("failed", "no `Fixes #123` found")),
        ("fixes\t#5", ("done", "links #5")),
        ("fixes #x", ("failed", "no `Fixes #123` found")),
        ("Fixes <!-- the bug --> #7", ("done", "links #7")),  # the hidden comment is taken out
    ],
)
def test_the_linked_issue_check_reads_the_closing_keywords(body: str, expected: tuple[str, str]) -> None:
    assert check("issue", body) == expected


def test_the_ci_tests_and_branch_checks_say_what_they_found() -> None:
    assert check("ci", facts=Facts(checks="success")) == ("done", "all checks passed")
    assert check("ci", facts=Facts(checks="failure")) == ("failed", "a check failed: see the Checks tab")
    assert check("ci", facts=Facts(checks="pending")) == ("waiting", "checks are running")
    assert check("ci") == ("waiting", "not known yet")
    files = (FileChange("src/a.py"), FileChange("tests/a.py"), FileChange("tests/b.py"), FileChange("src/b.py"))
    assert check("tests", facts=Facts(files=files)) == ("done", "2 test file(s) changed")
    assert check(
        "tests", facts=Facts(files=(FileChange("lib/a.py"), FileChange("src/z.py"), FileChange("src/b.py")))
    ) == (
        "failed",
        "2 source file(s) changed, no test file (e.g. `src/z.py`)",
    )
    assert check("tests", facts=Facts(files=())) == ("done", "no source file changed")
    assert check("branch", head="feat/a") == ("done", "")
    assert check("branch", head="main") == ("failed", "branch `main` does not match `^(feat|fix)/`")
    assert check("branch", head="a  b\tc") == ("failed", "branch `a b c` does not match `^(feat|fix)/`")
    branch = ONBOARDING.checklist[5].check
    assert branch is not None and branch.kind == "branch"
    assert c.check(branch, replace(pull(""), head=""), ONBOARDING, Facts()) == ("waiting", "branch not known")
    # the config refuses a branch check without a pattern: an Onboarding built otherwise waits
    assert c.check(branch, pull("", head="feat/a"), replace(ONBOARDING, branch=None), Facts()) == (
        "waiting",
        "branch not known",
    )


def test_a_persons_tick_keeps_what_the_check_found() -> None:
    event = pull(FILLED, head="fix/x")
    earlier = "- [x] CI passes <!-- devflow:item:ci -->\n" + c.MARKER
    rule, op = c.evaluate(event, ONBOARDING, Facts(checks="failure", own_comments=(OwnComment(4, earlier),)))
    assert isinstance(op, p.UpsertComment)
    assert "\n- [x] CI passes — ❌ a check failed: see the Checks tab <!-- devflow:item:ci -->\n" in op.body
    assert "ci: ticked in the comment (a check failed: see the Checks tab)" in rule.matched_conditions


def test_a_first_timer_without_a_known_author_is_asked_by_the_facts() -> None:
    config = onboarding("  checklist:\n    - {id: read, text: Read it}\n")
    anonymous = replace(pull("x", association="NONE"), author=None)
    rule, op = c.evaluate(anonymous, config, Facts(first_contribution=True))
    assert rule.matched and isinstance(op, p.UpsertComment)
    assert c.evaluate(anonymous, config, Facts(first_contribution=False))[1] is None
