"""Label sync (`sync-labels`): the pure diff, then the real client against the GitHub test server; and
declared colors for labels that rules create."""

from __future__ import annotations

import pytest

from devflow_action.app.labels import sync_labels
from devflow_action.config.loader import load_text
from devflow_action.diagnostics import ConfigError
from devflow_action.engine.labels import LabelChange, diff_labels, used_labels
from devflow_action.events.model import RepoLabel
from devflow_action.exits import Exit

from .ghserver import GitHubTestServer
from .integration_helpers import scenario
from .sweep_helpers import sweep

CONFIG = """version: 1
labels:
  bug: {color: d73a4a, description: Something isn't working, aliases: [defect, "type: bug"]}
  documentation: {color: 0075ca}
  good first issue: {color: 7057ff, description: Good for newcomers}
  needs-triage: {}
rules:
  - {name: r, on: issues.opened, then: [{label: needs-triage}]}
"""


def specs(text: str = CONFIG) -> tuple:  # type: ignore[type-arg]
    config = load_text(text)
    assert config.labels is not None
    return config.labels


def test_diff_renames_an_alias_instead_of_creating_and_matches_names_ignoring_case() -> None:
    existing = [
        RepoLabel("Defect", "ee0701", None),  # bug's alias: renamed, its issues keep it
        RepoLabel("Documentation", "0075CA", None),  # same name and color, other case: left alone
        RepoLabel("good first issue", "7057ff", "Old text"),  # description updated
        RepoLabel("wontfix", "ffffff", None),  # not in the config: kept (no prune)
    ]
    assert diff_labels(specs(), existing) == [
        LabelChange("rename", "Defect", "bug", "d73a4a", "Something isn't working"),
        LabelChange("update", "good first issue", None, None, "Good for newcomers"),
        LabelChange("create", "needs-triage", None, None, None),
    ]


def test_an_alias_is_not_renamed_when_the_label_itself_exists() -> None:
    existing = [RepoLabel("bug", "d73a4a", "Something isn't working"), RepoLabel("defect", "ee0701", None)]
    assert [c.kind for c in diff_labels(specs(), existing)] == ["create", "create", "create"]  # the other three
    assert [c.name for c in diff_labels(specs(), existing, prune=True)][-1] == "defect"  # pruned only when asked


def test_prune_never_deletes_a_label_the_config_uses_elsewhere() -> None:
    config = load_text(CONFIG + "size: {thresholds: {S: 10}}\nstale: {label: Stale, exempt_labels: [pinned]}\n")
    existing = [RepoLabel(n) for n in ("size/S", "size/XL", "stale", "Pinned", "needs-triage", "random")]
    changes = diff_labels(specs(), existing, prune=True, keep=used_labels(config))
    assert [c.name for c in changes if c.kind == "delete"] == ["random"]


def test_aliases_that_are_declared_labels_or_repeat_are_config_errors() -> None:
    with pytest.raises(ConfigError) as info:
        load_text("version: 1\nlabels:\n  bug: {aliases: [defect]}\n  Bug: {}\n  defect: {aliases: [bug2]}\n"
                  "  other: {aliases: [bug2]}\n")  # fmt: skip
    assert [d.text() for d in info.value.diagnostics] == [
        ".devflow.yml:3:19: labels.bug.aliases[0]: alias 'defect' is a declared label ('defect')",
        ".devflow.yml:4:3: labels.Bug: label 'Bug' is also declared as 'bug' (GitHub ignores case)",
        ".devflow.yml:6:21: labels.other.aliases[0]: alias 'bug2' is a declared label ('defect')",
    ]


@pytest.mark.integration
def test_sync_creates_updates_and_renames_then_a_rerun_changes_nothing(gh_server: GitHubTestServer) -> None:
    s = gh_server.state
    s.add_label("Defect", color="ee0701")
    s.add_label("Documentation", color="0075ca")
    s.add_label("wontfix", color="ffffff")
    s.add_issue("crash", labels=["Defect"])
    lines: list[str] = []
    result, code = sweep(gh_server, sync_labels, CONFIG, lines=lines)
    assert code == Exit.OK and result.writes == 3
    assert lines == [
        "[1/3] label 'Defect' rename 'Defect': → 'bug', color d73a4a, description 'Something isn't working'",
        "[2/3] label 'good first issue' create 'good first issue': color 7057ff, description 'Good for newcomers'",
        "[3/3] label 'needs-triage' create 'needs-triage'",
    ]
    assert sorted(label.name for label in s.labels.values()) == [
        "Documentation", "bug", "good first issue", "needs-triage", "wontfix",
    ]  # fmt: skip
    assert s.issues[1].labels == ["bug"] and s.label("bug").color == "d73a4a"  # type: ignore[union-attr]
    assert result.notes == ["1 label(s) not in the config kept (`labels_prune: true` deletes them)"]
    gh_server.clear_log()
    again, code = sweep(gh_server, sync_labels, CONFIG)
    assert code == Exit.OK and again.items == [] and gh_server.writes == []


@pytest.mark.integration
def test_sync_dry_run_prints_the_diff_and_writes_nothing(gh_server: GitHubTestServer) -> None:
    gh_server.state.add_label("wontfix")
    result, code = sweep(gh_server, sync_labels, CONFIG + "labels_prune: true\n", dry_run=True)
    assert code == Exit.OK and gh_server.writes == []
    assert [(i.changes, i.status) for i in result.items][-1] == (("delete 'wontfix'",), "dry-run")


@pytest.mark.integration
def test_sync_prunes_only_when_asked(gh_server: GitHubTestServer) -> None:
    gh_server.state.add_label("wontfix")
    sweep(gh_server, sync_labels, CONFIG)
    assert gh_server.state.label("wontfix") is not None
    sweep(gh_server, sync_labels, CONFIG + "labels_prune: true\n")
    assert gh_server.state.label("wontfix") is None


@pytest.mark.integration
def test_sync_stops_at_max_operations_and_the_next_run_finishes(gh_server: GitHubTestServer) -> None:
    first, code = sweep(gh_server, sync_labels, CONFIG, max_operations=2)
    assert code == Exit.STOPPED and first.writes == 2 and first.left == 2
    second, code = sweep(gh_server, sync_labels, CONFIG, max_operations=2)
    assert code == Exit.OK and second.writes == 2 and len(gh_server.state.labels) == 4


@pytest.mark.integration
def test_a_label_an_event_creates_gets_its_declared_color_in_one_more_write(gh_server: GitHubTestServer) -> None:
    config = "version: 1\nlabels:\n  needs-triage: {color: fbca04, description: Not looked at}\n  bug: {}\n" + (
        "rules:\n  - {name: r, on: issues.opened, then: [{label: needs-triage}]}\n"
    )
    s = scenario(gh_server, "issues.opened", config)
    s.run()
    label = gh_server.state.label("needs-triage")
    assert label is not None and (label.color, label.description) == ("fbca04", "Not looked at")
    assert s.calls() == [
        "POST /repos/Codertocat/Hello-World/issues/1/labels",
        "PATCH /repos/Codertocat/Hello-World/labels/needs-triage",
    ]
    gh_server.clear_log()
    gh_server.state.issues[1].labels = []
    s.run(fresh=False)  # the label exists now: the add alone
    assert s.calls() == [
        "GET /repos/Codertocat/Hello-World/issues/1",
        "POST /repos/Codertocat/Hello-World/issues/1/labels",
    ]
