"""`extends:`: presets and repository files merged before a file's own content, with located errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from devflow_action.cli import main
from devflow_action.config.extends import preset_names
from devflow_action.config.loader import load_file, load_text
from devflow_action.diagnostics import ConfigError

TEAM = """version: 1
labels:
  team: {color: "112233"}
  bug: {color: d73a4a}
templates:
  hello: Hello from the team file
rules:
  - name: team
    on: issues.opened
    then: [{label: team}]
  - name: bugs
    on: issues.opened
    if: {title: {contains: bug}}
    then: [{label: bug}]
size:
  thresholds: {XS: 10, S: 100}
  ignore: ["**/*.lock"]
"""


def reader(files: dict[str, str]) -> Callable[[str], bytes | None]:
    """A repository holding ``files`` (path -> text)."""
    return lambda name: files[name].encode() if name in files else None


def errors(text: str, files: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_text(text, reader=reader(files or {}))
    return [d.text() for d in info.value.diagnostics]


def test_rules_are_appended_and_a_rule_of_the_same_name_replaces_the_extended_one_in_place() -> None:
    config = load_text(
        "version: 1\nextends: [team.yml]\nrules:\n"
        "  - {name: mine, on: issues.opened, then: [{label: mine}]}\n"
        "  - {name: team, on: issues.opened, then: [{label: ours}]}\n",
        reader=reader({"team.yml": TEAM}),
    )
    assert [(r.name, r.labels) for r in config.rules] == [("team", ("ours",)), ("bugs", ("bug",)), ("mine", ("mine",))]


def test_mappings_are_merged_and_lists_replaced() -> None:
    config = load_text(
        "version: 1\nextends: team.yml\nlabels:\n  bug: {description: Broken}\n  mine: {}\n"
        "size:\n  ignore: ['dist/**']\n",
        reader=reader({"team.yml": TEAM}),
    )
    assert config.labels is not None
    assert {spec.name: (spec.color, spec.description) for spec in config.labels} == {
        "team": ("112233", None), "bug": ("d73a4a", "Broken"), "mine": (None, None),
    }  # fmt: skip
    assert config.size is not None and config.size.ignore is not None
    assert config.size.ignore.patterns == ("dist/**",) and config.size.buckets == (("XS", 10), ("S", 100))
    assert config.merged["templates"] == {"hello": "Hello from the team file"}
    assert "extends" not in config.merged and config.extends == ("team.yml",)


def test_presets_extend_presets_and_are_merged_in_order() -> None:
    config = load_text("version: 1\nextends: [python]\n")
    names = [r.name for r in config.rules]
    assert names[:3] == ["new issues need triage", "bug reports", "bug reports without steps"]
    assert "welcome first-timers" in names and "newcomer-friendly issues" in names
    assert config.extends == ("preset:bug-triage", "preset:pr-paths", "preset:welcome", "preset:first-timers",
                              "preset:python")  # fmt: skip
    assert config.onboarding is not None and config.onboarding.item("tests") is not None


@pytest.mark.parametrize("name", preset_names())
def test_every_shipped_preset_loads_on_its_own_without_warnings(name: str) -> None:
    config = load_text(f"version: 1\nextends: [{name}]\n")
    assert config.rules and config.warnings == ()


def test_an_unknown_preset_is_located_with_the_closest_name() -> None:
    assert errors("version: 1\nextends:\n  - welcome\n  - pyton\n") == [
        ".devflow.yml:4:5: extends[1]: unknown preset 'pyton' (did you mean 'python'?)"
    ]


def test_a_cycle_is_located_where_it_closes() -> None:
    files = {"a.yml": "version: 1\nextends: [b.yml]\n", "b.yml": "version: 1\nextends:\n  - welcome\n  - a.yml\n"}
    assert errors("version: 1\nextends: [a.yml]\n", files) == [
        "b.yml:4:5: extends[1]: 'a.yml' extends itself: .devflow.yml -> a.yml -> b.yml -> a.yml"
    ]
    assert errors("version: 1\nextends: .devflow.yml\n", {".devflow.yml": "version: 1\n"}) == [
        ".devflow.yml:2:10: extends: '.devflow.yml' extends itself: .devflow.yml -> .devflow.yml"
    ]


def test_errors_inside_an_extended_file_name_that_file_and_its_line() -> None:
    broken = "version: 1\nrules:\n  - name: r\n    on: issues.opened\n    then: [{lable: x}]\n"
    assert errors(
        "version: 1\nextends: [team/broken.yml]\nlabels: {a: {color: red}}\n", {"team/broken.yml": broken}
    ) == [
        ".devflow.yml:3:21: labels.a.color: invalid value 'red': use six hex digits like d73a4a",
        "team/broken.yml:5:13: rules[0].then[0]: unknown action 'lable' (did you mean 'label'?)",
    ]


def test_missing_escaping_and_unreadable_paths_are_errors() -> None:
    assert errors("version: 1\nextends: [a/none.yml, ../up.yml, /etc/x.yml, 3]\n") == [
        ".devflow.yml:2:10: extends: expected a preset name or a list of preset names and paths",
    ]
    assert errors("version: 1\nextends: [a/none.yml, ../up.yml, /etc/x.yml]\n") == [
        ".devflow.yml:2:11: extends[0]: no file 'a/none.yml' in the repository",
        ".devflow.yml:2:23: extends[1]: '../up.yml': a path must be relative to the repository root, without '..'",
        ".devflow.yml:2:34: extends[2]: '/etc/x.yml': a path must be relative to the repository root, without '..'",
    ]
    with pytest.raises(ConfigError, match="no repository to read it from"):
        load_text("version: 1\nextends: [team.yml]\n")


def test_a_file_on_disk_extends_paths_of_its_repository_and_no_further(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "ci").mkdir()
    (tmp_path / "ci" / "team.yml").write_text(TEAM)
    outside = tmp_path.parent / f"{tmp_path.name}-outside.yml"
    outside.write_text(TEAM)
    (tmp_path / "ci" / "link.yml").symlink_to(outside)
    (tmp_path / ".devflow.yml").write_text("version: 1\nextends: [ci/team.yml]\n")
    assert [r.name for r in load_file(tmp_path / ".devflow.yml").rules] == ["team", "bugs"]
    (tmp_path / ".devflow.yml").write_text("version: 1\nextends: [ci/link.yml]\n")
    with pytest.raises(ConfigError, match=r"no file 'ci/link\.yml' in the repository"):
        load_file(tmp_path / ".devflow.yml")
    (tmp_path / ".git" / "config").write_text(TEAM)  # the checkout's credentials live here: never read
    (tmp_path / ".devflow.yml").write_text("version: 1\nextends: [.git/config]\n")
    with pytest.raises(ConfigError, match=r"no file '\.git/config' in the repository"):
        load_file(tmp_path / ".devflow.yml")


def test_validate_show_merged_prints_the_merged_configuration(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "team.yml").write_text(TEAM)
    path = tmp_path / ".devflow.yml"
    path.write_text(
        "version: 1\nextends: [welcome, team.yml]\nrules:\n  - {name: team, on: issues, then: [{label: bug}]}\n"
    )
    assert main(["validate", str(path), "--show-merged"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(
        f"# {path}, with preset:welcome, team.yml merged in\nversion: 1\nlabels:\n  first-contribution:\n"
    )
    merged = load_text(out, reader=None)
    assert [r.name for r in merged.rules] == ["welcome first-timers", "team", "bugs"]
    assert merged.rules[1].events == frozenset({"issues"})
    assert err.endswith("valid (3 rules, 0 warning(s))\n")


def test_plan_show_merged_adds_the_merged_configuration(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    payload = Path(__file__).resolve().parents[1] / "examples" / "payloads" / "issues.opened.json"
    (tmp_path / ".git").mkdir()
    path = tmp_path / ".devflow.yml"
    path.write_text("version: 1\nextends: bug-triage\n")
    args = ["plan", "--event", "issues.opened", "--payload", str(payload), "--config", str(path), "--show-merged"]
    assert main(args) == 0
    out, _ = capsys.readouterr()
    assert out.startswith(f"# {path}, with preset:bug-triage merged in\n") and "\nevent: issues.opened" in out
    assert main([*args, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr()[0])
    assert data["merged_config"]["rules"][0]["name"] == "new issues need triage"
