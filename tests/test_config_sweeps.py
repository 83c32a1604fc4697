"""The `stale:` section and label aliases in `.devflow.yml`: what loads, and the exact located errors."""

from __future__ import annotations

import pytest

from devflow_action.config.loader import load_text
from devflow_action.diagnostics import ConfigError


def errors(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_text(text)
    return [d.text() for d in info.value.diagnostics]


def test_a_full_stale_section_loads_into_its_model() -> None:
    config = load_text(
        "version: 1\nlabels:\n  Stale: {}\ntemplates:\n  nudge: 'Still needed, @{{ author }}?'\n"
        "stale:\n  label: stale\n  after_days: 30\n  close_after_days: 7\n  close_reason: completed\n"
        "  comment: nudge\n  close_comment: false\n  exempt_labels: [pinned]\n  exempt_assignees: true\n"
        "  exempt_milestones: true\n  exempt_draft: true\n  exempt_if: {author: {bot: true}}\n  only_prs: true\n"
        "  operations_per_run: 40\n"
    )
    stale = config.stale
    assert stale is not None and config.warnings == ()  # the label matches `Stale` ignoring case
    assert (stale.after_days, stale.close_after_days, stale.close_reason, stale.operations_per_run) == (
        30,
        7,
        "completed",
        40,
    )
    assert (
        stale.comment is not None
        and stale.comment.text == "Still needed, @{{ author }}?"
        and stale.close_comment is None
    )
    assert stale.exempt_if is not None and stale.only_prs and not stale.only_issues


def test_defaults_mark_after_60_days_with_the_built_in_comments_and_never_close() -> None:
    stale = load_text("version: 1\nstale: {}\n").stale
    assert stale is not None and (stale.label, stale.after_days, stale.close_after_days) == ("stale", 60, None)
    assert stale.comment is not None and stale.close_comment is not None


def test_stale_errors_are_located() -> None:
    assert errors("version: 1\nstale:\n  only_issues: true\n  only_prs: true\n  comment: stael\n") == [
        ".devflow.yml:4:13: stale.only_prs: `only_issues` and `only_prs` exclude each other: keep one",
        ".devflow.yml:5:12: stale.comment: unknown template 'stael' (did you mean 'stale'?)",
    ]
    assert errors("version: 1\nstale:\n  exempt_if: {titel: x}\n  close_reason: later\n")[0].startswith(
        ".devflow.yml:3:15: stale.exempt_if: unknown condition 'titel' (did you mean 'title'?)"
    )


def test_an_undeclared_stale_label_is_a_warning_when_labels_are_declared() -> None:
    config = load_text("version: 1\nlabels: {bug: {}}\nstale: {label: dormant}\n")
    assert [w.text() for w in config.warnings] == [
        ".devflow.yml:3:16: warning: stale.label: label 'dormant' is not declared under `labels`"
    ]
