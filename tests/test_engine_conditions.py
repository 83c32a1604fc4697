"""Every condition and operator, table-driven, on real payloads from @octokit/webhooks-examples."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from devflow_action.config.loader import load_text
from devflow_action.engine import evaluate
from devflow_action.events.model import Event, Facts, FileChange
from devflow_action.events.normalize import normalize

from .conftest import load_payload

# issues.opened: "Spelling error in the README file", body "It looks like you accidently spelled
# 'commit' with two 't's.", labels [bug], author Codertocat (OWNER), created 2019-05-15T15:20:18Z.
ISSUE = normalize("issues", load_payload("issues.opened"))
# pull_request.opened[1]: #2 "Update the README with new information.", master <- changes, +1 -1.
PR = normalize("pull_request", load_payload("pull_request.opened[1]"))
COMMENT = normalize("issue_comment", load_payload("issue_comment.created[2]"))
REVIEW = normalize("pull_request_review", load_payload("pull_request_review.submitted[1]"))
NOW = datetime(2019, 6, 20, tzinfo=UTC)
FILES = (FileChange("docs/guide.md", 10, 2), FileChange("README.md", 1, 1))


def holds(condition: str, event: Event, facts: Facts | None = None) -> bool | None:
    """Evaluate one `if:` on an event: True, False, or None when a needed fact is missing."""
    config = load_text(
        f"version: 1\nrules:\n  - name: r\n    on: [{event.name}]\n    if: {condition}\n    then: [{{label: x}}]\n"
    )
    result = evaluate(event, config, facts or Facts(now=NOW)).rules[0]
    return result.matched if result.evaluated else None


CASES = [
    # text: equals, in, contains (case-insensitive), matches (RE2), shorthand
    ("{title: Spelling error in the README file}", ISSUE, None, True),
    ("{title: {equals: spelling error in the readme file}}", ISSUE, None, False),
    ("{title: {in: [a, Spelling error in the README file]}}", ISSUE, None, True),
    ("{title: {contains: readme}}", ISSUE, None, True),
    ("{title: {matches: '^Spelling'}}", ISSUE, None, True),
    ("{title: {matches: '^spelling'}}", ISSUE, None, False),
    ("{title: {matches: '(?i)^spelling'}}", ISSUE, None, True),
    ("{body: {contains: two 't's}}", ISSUE, None, True),
    ("{body: {matches: 'commit.*t'}}", ISSUE, None, True),
    ("{body: {contains: Steps to reproduce}}", ISSUE, None, False),
    ("{comment: {contains: 'you are totally right'}}", COMMENT, None, True),
    ("{comment: {matches: '^/retest'}}", COMMENT, None, False),
    ("{comment: {contains: anything}}", ISSUE, None, False),
    ("{base: master}", PR, None, True),
    ("{head: {equals: changes}}", PR, None, True),
    ("{head: {matches: '^release/'}}", PR, None, False),
    ("{state: open}", ISSUE, None, True),
    ("{state: {in: [closed]}}", ISSUE, None, False),
    # labels: has, any, none, matches
    ("{labels: {has: bug}}", ISSUE, None, True),
    ("{labels: {has: [bug, docs]}}", ISSUE, None, False),
    ("{labels: {any: [docs, bug]}}", ISSUE, None, True),
    ("{labels: {none: [bug]}}", ISSUE, None, False),
    ("{labels: {none: [wontfix]}}", ISSUE, None, True),
    ("{labels: {matches: '^b'}}", ISSUE, None, True),
    ("{labels: {has: bug}}", ISSUE, Facts(now=NOW, labels=("docs",)), False),  # current labels win
    # author: login, association, bot, first_contribution
    ("{author: {login: Codertocat}}", ISSUE, None, True),
    ("{author: {login: {matches: '^octo'}}}", ISSUE, None, False),
    ("{author: {association: OWNER}}", ISSUE, None, True),
    ("{author: {association: [MEMBER, COLLABORATOR]}}", ISSUE, None, False),
    ("{author: {bot: false}}", ISSUE, None, True),
    ("{author: {first_contribution: false}}", ISSUE, None, True),  # OWNER answers without a fact
    ("{commenter: {association: OWNER}}", COMMENT, None, True),
    ("{commenter: {login: Codertocat, bot: false}}", REVIEW, None, True),
    ("{commenter: {bot: true}}", ISSUE, None, False),  # no comment on an issues event
    # files: any, all, none, with ** and ! negation
    ("{files: {any: 'docs/**'}}", PR, Facts(files=FILES), True),
    ("{files: {all: ['docs/**', '**/*.md']}}", PR, Facts(files=FILES), True),
    ("{files: {all: ['docs/**']}}", PR, Facts(files=FILES), False),
    ("{files: {none: ['src/**']}}", PR, Facts(files=FILES), True),
    ("{files: {any: ['**/*.md', '!docs/**', '!README.md']}}", PR, Facts(files=FILES), False),
    ("{files: {any: ['**/*.md', '!docs/**']}}", PR, Facts(files=FILES), True),
    ("{files: {all: ['**']}}", PR, Facts(files=()), False),  # no files: `all` does not hold
    ("{files: {any: ['**']}}", PR, None, None),  # fact missing: not evaluated
    ("{files: {any: ['**']}}", ISSUE, None, False),  # issues have no files
    # numbers: equals, at_least, at_most, shorthand
    ("{additions: 1}", PR, None, True),
    ("{additions: {at_least: 2}}", PR, None, False),
    ("{deletions: {at_most: 1}}", PR, None, True),
    ("{changed_lines: {equals: 2}}", PR, None, True),
    ("{changed_lines: {at_least: 14}}", replace(PR, additions=None, deletions=None), Facts(files=FILES), True),
    ("{age_days: {at_least: 35}}", ISSUE, None, True),  # 35 days and 8 hours
    ("{age_days: {at_least: 36}}", ISSUE, None, False),
    ("{age_days: {at_most: 0}}", ISSUE, Facts(now=None), None),  # no clock: not evaluated
    ("{approvals: {at_least: 1}}", PR, Facts(approvals=2), True),
    ("{approvals: {at_least: 1}}", PR, Facts(approvals=0), False),
    ("{approvals: {at_least: 1}}", PR, None, None),
    # flags and states
    ("{draft: false}", PR, None, True),
    ("{draft: true}", replace(PR, draft=True), None, True),
    ("{draft: false}", ISSUE, None, False),  # issues are never PRs, draft or not
    ("{checks: success}", PR, Facts(checks="success"), True),
    ("{checks: {in: [failure, pending]}}", PR, Facts(checks="success"), False),
    ("{checks: success}", PR, None, None),
    # combinators, nested
    ("{all: [{title: {contains: readme}}, {labels: {has: bug}}]}", ISSUE, None, True),
    ("{any: [{title: {contains: nope}}, {labels: {has: bug}}]}", ISSUE, None, True),
    ("{not: {labels: {has: bug}}}", ISSUE, None, False),
    ("{not: {not: {labels: {has: bug}}}}", ISSUE, None, True),
    ("{any: [{all: [{state: open}, {not: {title: {contains: x}}}]}, {body: nope}]}", ISSUE, None, True),
    ("{title: {contains: readme}, labels: {has: docs}}", ISSUE, None, False),  # several keys: all
    ("{any: [{files: {any: ['**']}}, {labels: {has: docs}}]}", PR, None, None),  # unknown or false: unknown
    ("{any: [{files: {any: ['**']}}, {base: master}]}", PR, None, True),  # true wins over unknown
    ("{all: [{files: {any: ['**']}}, {base: develop}]}", PR, None, False),  # false wins over unknown
]


@pytest.mark.parametrize(("condition", "event", "facts", "expected"), CASES, ids=[c[0] for c in CASES])
def test_condition(condition: str, event: Event, facts: Facts | None, expected: bool | None) -> None:
    if facts is not None and facts.now is None and "age_days" not in condition:
        facts = replace(facts, now=NOW)
    assert holds(condition, event, facts) is expected


def test_first_contribution_uses_the_fact_only_when_the_association_is_none() -> None:
    newcomer = replace(ISSUE, author=replace(ISSUE.author, association="NONE"))  # type: ignore[type-var]
    assert holds("{author: {first_contribution: true}}", newcomer) is None
    assert holds("{author: {first_contribution: true}}", newcomer, Facts(first_contribution=True)) is True
    first_timer = replace(ISSUE, author=replace(ISSUE.author, association="FIRST_TIME_CONTRIBUTOR"))  # type: ignore[type-var]
    assert holds("{author: {first_contribution: true}}", first_timer) is True


def test_explanation_lists_matched_and_missing_conditions() -> None:
    config = load_text(
        "version: 1\nrules:\n  - name: r\n    on: issues\n    if:\n      all:\n"
        "        - title: {contains: readme}\n        - not: {labels: {has: bug}}\n    then: [{label: x}]\n"
    )
    rule = evaluate(ISSUE, config, Facts()).rules[0]
    assert rule.matched is False
    assert rule.matched_conditions == ("title contains 'readme'",)
    assert rule.missing_conditions == ("not labels has ['bug']",)


def test_hostile_regex_on_a_long_body_cannot_hang() -> None:
    # Backtracking engines take exponential time on (a+)+$ against "aaa…b"; RE2 is linear.
    config = load_text(
        "version: 1\nrules:\n  - name: r\n    on: issues\n    if: {body: {matches: '(a+)+$'}}\n    then: [{label: x}]\n"
    )
    event = replace(ISSUE, body="a" * 100_000 + "b")
    assert evaluate(event, config, Facts()).rules[0].matched is False
