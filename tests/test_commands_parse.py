"""Slash-command parsing: what a reader sees as quoted or as code is never run."""

from __future__ import annotations

import pytest

from devflow_action.language.commands import COMMANDS, parse, split_args


def names(text: str, known: frozenset[str] | None = None) -> list[tuple[str, tuple[str, ...]]]:
    return [(i.name, i.args) for i in parse(text, known).invocations]


def test_several_commands_in_one_comment_run_in_order() -> None:
    text = "Thanks!\n/label bug\n\n/assign @octocat\r\n/close"
    assert names(text) == [("label", ("bug",)), ("assign", ("@octocat",)), ("close", ())]


def test_quoted_arguments_keep_their_spaces() -> None:
    assert split_args("bug \"good first issue\" 'help wanted'") == ("bug", "good first issue", "help wanted")
    assert names('/label "good first issue" docs') == [("label", ("good first issue", "docs"))]


@pytest.mark.parametrize(
    "text",
    [
        "> /close",  # a quote of someone else's comment
        "  > /close",
        "`/close` closes an issue",  # a code span
        "```\n/close\n```",  # a fenced block
        "~~~sh\n/close\n~~~",
        "````\n```\n/close\n````",  # a longer fence is closed only by a fence as long
        "    /close",  # an indented code block
        "<!-- /close -->",  # an HTML comment (templates use them)
        "<!--\n/close\n-->",
        "Please /close this",  # not at the start of the line
        "/closed",  # another word
        "/usr/bin/env python is missing",  # a path
    ],
)
def test_quoted_and_code_are_never_run(text: str) -> None:
    assert names(text) == []


def test_text_after_a_closed_fence_runs_again() -> None:
    assert names("```\n/close\n```\n/reopen") == [("reopen", ())]
    assert names("<!-- hidden --> \n/hold") == [("hold", ())]


def test_near_misses_get_a_hint_and_other_words_are_ignored() -> None:
    parsed = parse("/lable bug\n/cc @someone\n/asign me\n/lable again")
    assert parsed.invocations == ()
    assert parsed.hints == (
        "`/lable` is not a command (did you mean `/label`?)",
        "`/asign` is not a command (did you mean `/assign`?)",
    )


def test_a_command_turned_off_is_neither_run_nor_hinted() -> None:
    known = frozenset(COMMANDS) - {"close"}
    parsed = parse("/close\n/label x", known)
    assert [i.name for i in parsed.invocations] == ["label"] and parsed.hints == ()


def test_command_names_ignore_case_and_lines_keep_their_number() -> None:
    parsed = parse("hello\n/LGTM")
    assert [(i.name, i.line, i.text) for i in parsed.invocations] == [("lgtm", 2, "/LGTM")]


def test_at_most_twenty_commands_per_comment() -> None:
    assert len(parse("/hold\n" * 50).invocations) == 20
