"""`devflow check` and `devflow pr-body` on a sample project: a passing and a failing step, branch and
commit patterns, the summary, JSON, and a pull request description built from the results."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from devflow_action.cli import main

PY = sys.executable
CONFIG = f"""version: 1
onboarding:
  branch: '^(feat|fix|docs)/'
  commits: '^(feat|fix|docs): '
  checklist:
    - {{id: contributing, text: Read CONTRIBUTING.md}}
    - {{id: unit, text: The unit tests pass, run: '"{PY}" -m unittest -q'}}
    - {{id: style, text: No line longer than 20 characters, run: '"{PY}" lint.py'}}
    - {{id: docs, text: The docs build, run: 'exit 3', required: false}}
    - {{id: issue, text: Link the issue, check: linked_issue}}
"""
LINT = """import pathlib, sys
LIMIT = 20
lines = enumerate(pathlib.Path("app.py").read_text().splitlines(), 1)
long = [f"app.py:{i}: line too long" for i, line in lines if len(line) > LIMIT]
print("\\n".join(long))
sys.exit(1 if long else 0)
"""
TEMPLATE = """## What and why

<!-- What does this change, and why? -->

## How it was tested

## Checklist

- [ ] Read CONTRIBUTING.md
- [ ] The unit tests pass <!-- devflow:item:unit -->
- [ ] No line longer than 20 characters
"""


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(root), "-c", "user.name=Ada", "-c", "user.email=ada@example.com", *args],
        check=True, capture_output=True,
    )  # fmt: skip


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "sample"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / ".devflow.yml").write_text(CONFIG)
    (root / "lint.py").write_text(LINT.replace("LIMIT = 20", "LIMIT = 80"))
    (root / "test_app.py").write_text(
        "import unittest\n\n\nclass T(unittest.TestCase):\n    def test_ok(self):\n        self.assertTrue(True)\n"
    )
    (root / ".github").mkdir()
    (root / ".github" / "pull_request_template.md").write_text(TEMPLATE)
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "Initial")
    git(root, "checkout", "-q", "-b", "feat/greeting")
    (root / "app.py").write_text("GREETING = 'hello, contributors'\n")  # 33 characters
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "feat: greet contributors", "-m", "Fixes #12")
    (root / "lint.py").write_text(LINT)
    git(root, "commit", "-q", "-am", "tighten the line limit")
    monkeypatch.chdir(root)
    return root


def check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["check", *args])
    out, err = capsys.readouterr()
    return code, out + err


def test_a_failing_required_step_fails_the_run_with_its_output_and_a_summary(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = check(capsys)
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == "devflow check: 3 command(s) on feat/greeting"
    assert lines[1] == "  ✔ branch         feat/greeting"
    assert lines[2].startswith("  ✘ commits        1 of 2 do not match: ") and "'tighten the line limit'" in lines[2]
    assert lines[3].startswith(f'  ✔ unit           "{PY}" -m unittest -q  (')
    assert lines[4].startswith(f'  ✘ style          "{PY}" lint.py  (') and lines[4].endswith("s, exit 1)")
    assert lines[5] == "      | app.py:1: line too long"
    assert lines[6].startswith("  ✘ docs           exit 3  (") and lines[6].endswith(", exit 3)")
    table = "\n".join(lines[8:15])
    assert "step     result  required  time" in table
    assert "commits  failed  yes" in table and "docs     failed  no" in table
    assert lines[-1] == "2 required step(s) failed: commits, style. Fix them, then run `devflow check --only commits`."


def test_only_runs_the_steps_named_and_passes_when_they_do(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = check(capsys, "--only", "unit,branch")
    assert code == 0, out
    assert "style" not in out and "  ✔ unit " in out and "  ✔ branch " in out
    assert out.rstrip().endswith("All required steps passed. Next: `devflow pr-body`, then open your pull request.")
    code, out = check(capsys, "--only", "unti")
    assert code == 1 and "devflow: error: --only: no checklist item 'unti' (did you mean 'unit'?)" in out
    code, out = check(capsys, "--only", "issue")
    assert code == 1 and "'issue' has no `run` command" in out


def test_list_shows_how_each_item_is_checked(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = check(capsys, "--list")
    assert code == 0
    assert out.splitlines() == [
        "id            required  how it is checked",
        "contributing  yes       you",
        f'unit          yes       run: "{PY}" -m unittest -q',
        f'style         yes       run: "{PY}" lint.py',
        "docs          no        run: exit 3",
        "issue         yes       on the pull request (linked_issue)",
        "branch        yes       matches ^(feat|fix|docs)/",
        "commits       yes       matches ^(feat|fix|docs): ",
    ]


def test_json_reports_every_step(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 1 and data["ok"] is False and data["branch"] == "feat/greeting"
    assert [(s["id"], s["status"], s["required"]) for s in data["steps"]] == [
        ("branch", "passed", True), ("commits", "failed", True), ("unit", "passed", True),
        ("style", "failed", True), ("docs", "failed", False),
    ]  # fmt: skip
    assert data["steps"][3]["output"] == "app.py:1: line too long"


def test_on_the_default_branch_the_branch_step_says_so(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    git(project, "checkout", "-q", "main")
    code, out = check(capsys, "--only", "branch,commits")
    assert code == 1
    assert "  ✘ branch         you are on main: make a branch for your change" in out
    assert "  – commits        no commits to check: on main, or it is not in the clone" in out


def test_pr_body_fills_the_template_from_commits_and_check_results(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["pr-body"]) == 0
    body, notes = capsys.readouterr()
    assert "devflow: note: no `devflow check` results for this commit" in notes
    assert "- [ ] The unit tests pass <!-- devflow:item:unit -->" in body
    check(capsys, "--only", "unit")  # results kept for HEAD in the git folder
    assert main(["pr-body"]) == 0
    body, notes = capsys.readouterr()
    assert notes == ""
    assert body.startswith(
        "## What and why\n\n- feat: greet contributors\n- tighten the line limit\nFixes #12\n\n## How it was tested\n\n"
    )
    assert "`devflow check` at " in body and ": unit passed." in body
    assert "- [x] The unit tests pass <!-- devflow:item:unit -->" in body
    assert "- [ ] No line longer than 20 characters\n" in body and "- [ ] Read CONTRIBUTING.md\n" in body
    # Items the template lacks are added with their markers, for Devflow's comment to follow.
    assert body.endswith(
        "## Checklist\n\n- [ ] The docs build <!-- devflow:item:docs -->\n- [ ] Link the issue <!-- devflow:item:issue -->\n"
    )
    git(project, "commit", "-q", "--allow-empty", "-m", "fix: later")
    assert main(["pr-body"]) == 0
    assert "- [ ] The unit tests pass" in capsys.readouterr().out  # results were for another commit
