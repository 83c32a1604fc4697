"""User text in every rendering: hostile YAML keys, rule names, labels and titles cannot add lines to the
log or the terminal, start a workflow command, or add a heading, an image or a table row to the job
summary. Markdown is checked by rendering it with GitHub's own cmark (raw HTML let through, so any
that escaped would show), not by looking for characters."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options

from devflow_action.config.loader import load_text
from devflow_action.diagnostics import ConfigError, Diagnostic, escape_text, markdown_code, render

from .ghserver import GitHubTestServer
from .ghserver.seed import load_payload
from .test_action_e2e import TOKEN, fresh, run_action

HOSTILE = (
    'x\n\n# All checks passed\n<img src="https://evil.example/p.png">\n| a | b |\n``code`` **bold** @admin\r\x1b[2J'
)


def html(markdown: str) -> str:
    return str(cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE))


def hostile_config() -> str:
    key = json.dumps(HOSTILE)  # a JSON string is a YAML double-quoted scalar
    return (
        f"version: 1\nlabels:\n  {key}: {{color: nothex}}\n"
        f"rules:\n  - name: r\n    on: issues\n    then:\n      - {key}: x\n"
    )


def diagnostics() -> tuple[Diagnostic, ...]:
    with pytest.raises(ConfigError) as info:
        load_text(hostile_config())
    found = info.value.diagnostics
    assert {d.path for d in found} == {f"labels.{HOSTILE}.color", "rules[0].then[0]"}
    assert any(HOSTILE in d.message for d in found)  # the unknown action's name, quoted in the message
    return found


def test_text_keeps_each_diagnostic_on_its_own_line() -> None:
    found = diagnostics()
    lines = render(found, "text").split("\n")
    assert len(lines) == len(found) and all(line.startswith(".devflow.yml:") for line in lines)
    assert "\\n\\n# All checks passed\\n<img" in lines[0] and "\\x1b[2J" in lines[0]  # visible, not acted on


def test_annotations_are_one_command_each() -> None:
    found = diagnostics()
    lines = render(found, "github").split("\n")
    assert len(lines) == len(found) and all(
        re.match(r"::error file=\.devflow\.yml,line=\d+,col=\d+::", x) for x in lines
    )
    assert "%0A%0A# All checks passed%0A" in lines[0]


def test_markdown_adds_no_heading_image_or_row() -> None:
    found = diagnostics()
    rendered = html(render(found, "markdown"))
    assert rendered.count("<li>") == len(found)
    assert not re.search(r"<(h\d|img|table|tr|strong>bold)", rendered), rendered
    assert "# All checks passed" in rendered and "&lt;img" in rendered  # shown as text


def test_json_keeps_the_text_exactly() -> None:
    found = diagnostics()
    out = render(found, "json")
    assert [d["path"] for d in json.loads(out)] == [d.path for d in found]
    assert "\x1b" not in out and "\r" not in out  # escaped by JSON


@pytest.mark.parametrize("text", ["a`b", "``", "`x`", "x\ny", "<img src=x>", "# h", ""])
def test_a_code_span_shows_its_text_and_nothing_else(text: str) -> None:
    rendered = html(f"- {markdown_code(text)}" if text else "- x")
    assert "<img" not in rendered and "<h1" not in rendered
    if text:
        assert "<code>" in rendered


def test_plain_text_is_shown_as_written_except_control_characters() -> None:
    assert escape_text("50% done") == "50% done"
    assert escape_text("a\nb\r\x1b\u2028") == "a\\nb\\r\\x1b\\u2028"


# --- through the action's process -------------------------------------------------------------------------


def test_a_validate_run_on_hostile_keys_keeps_the_summary_and_log_intact(
    tmp_path: Path, gh_server: GitHubTestServer
) -> None:
    payload = load_payload("pull_request.opened[1]")
    run = run_action(tmp_path, gh_server, "pull_request", payload, config=hostile_config(),
                     inputs={"command": "validate"})  # fmt: skip
    assert run.code == 1, run.stdout + run.stderr
    rendered = html(run.summary)
    assert re.findall(r"<h\d>.*?</h\d>", rendered) == ["<h2>Devflow</h2>"]
    assert "<img" not in rendered and rendered.count("<li>") == 2
    annotations = [line for line in run.stdout.splitlines() if line.startswith("::error ")]
    assert len(annotations) == 2 and not any(line.startswith("#") for line in run.stdout.splitlines())


def test_an_auto_run_on_hostile_names_keeps_the_summary_table_intact(tmp_path: Path, gh_server_factory: Any) -> None:
    gh_server: GitHubTestServer = gh_server_factory(token=TOKEN)
    payload = fresh(load_payload("issues.opened"))
    payload["issue"]["title"] = HOSTILE
    gh_server.state.seed_from_payload(payload)
    key = json.dumps(HOSTILE)
    config = f"version: 1\nrules:\n  - name: {key}\n    on: issues\n    then: [{{label: {key}}}, {{label: '50%'}}]\n"
    run = run_action(tmp_path, gh_server, "issues", payload, config=config)
    assert run.code == 0, run.stdout + run.stderr
    rendered = html(run.summary)
    assert re.findall(r"<h\d>.*?</h\d>", rendered) == ["<h2>Devflow</h2>"] and "<img" not in rendered
    assert rendered.count("<tr>") == 1 + 1 + 1 + 1  # rules: header + one rule; operations: header + one
    assert "50%25" not in run.stdout + run.summary
