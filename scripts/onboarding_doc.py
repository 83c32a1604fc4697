"""Write docs/onboarding.md by running everything it shows: `devflow init`, `devflow validate`,
`devflow check`, `devflow pr-body` and `devflow plan` in a sample repository made for the purpose,
then the action itself (as a runner starts it) against the local GitHub API test server for a
first-timer's pull request from a fork.

    .venv/bin/python scripts/onboarding_doc.py > docs/onboarding.md

Needs git, and GitHub's published data for the test server (`python scripts/github_data.py`).
"""
# ruff: noqa: E501  (the page's tables and the sample's files read better on one line each)

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.ghserver import GitHubTestServer  # noqa: E402
from tests.githubdata import load_payload  # noqa: E402

BIN = Path(sys.executable).parent
GIT_ENV = {"GIT_AUTHOR_NAME": "Ada", "GIT_AUTHOR_EMAIL": "ada@example.com", "GIT_COMMITTER_NAME": "Ada",
           "GIT_COMMITTER_EMAIL": "ada@example.com"}  # fmt: skip
ENV = {**os.environ, **GIT_ENV, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "NO_COLOR": "1"}
OUT: list[str] = []


def emit(text: str = "") -> None:
    """A line of the page; prose (not code, a table or a heading) is wrapped at 100 columns."""
    if text and not text.startswith(("```", "|", "#", "(`")) and "\n" not in text:
        text = textwrap.fill(text, 100, break_long_words=False, break_on_hyphens=False)
    OUT.append(text)


def sh(repo: Path, command: str, *, show: bool = True, cut: int | None = None) -> str:
    """Run ``command`` in the sample repository; with ``show``, put it and its output in the page."""
    done = subprocess.run(command, shell=True, cwd=repo, env=ENV, capture_output=True, text=True)
    text = (done.stdout + done.stderr).rstrip("\n")
    if show:
        lines = text.splitlines()
        shown = "\n".join(lines[:cut]) + ("\n..." if cut and len(lines) > cut else "")
        status = f"\n(exit status {done.returncode})" if done.returncode else ""
        emit(f"```console\n$ {command}\n{shown}{status}\n```")
    return text


def write(repo: Path, path: str, text: str) -> None:
    (repo / path).parent.mkdir(parents=True, exist_ok=True)
    (repo / path).write_text(text)


def sample(tmp: Path) -> Path:
    repo = tmp / "hello-app"
    repo.mkdir()
    for command in (
        "git init -q -b main",
        "git remote add origin git@github.com:octo-org/hello-app.git",
    ):
        sh(repo, command, show=False)
    write(repo, "hello.py", 'def greet(name):\n    return f"Hello, {name}!"\n')
    write(
        repo,
        "tests/test_hello.py",
        'from hello import greet\n\n\ndef test_greet():\n    assert greet("Ada") == "Hello, Ada!"\n',
    )
    write(repo, ".github/workflows/ci.yml",
          "name: CI\non: [push, pull_request]\npermissions:\n  contents: read\njobs:\n  test:\n"
          "    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
          "      - run: pip install pytest ruff && python -m pytest -q\n")  # fmt: skip
    sh(repo, "git add . && git commit -q -m 'Initial version'", show=False)
    return repo


def maintainer(repo: Path) -> None:
    emit("## 1. The maintainer: `devflow init`")
    emit()
    emit("In a clone of the repository (here `octo-org/hello-app`, a small Python project with a CI "
         "workflow), one command writes the configuration, the contributing guide, the issue forms, the "
         "pull request template and the workflows. The repository's name and default branch come from "
         "git (`git remote get-url origin`, `origin/HEAD`), without any network call:")  # fmt: skip
    emit()
    sh(repo, "devflow init --preset python")
    emit()
    emit("`.devflow.yml` is small: it extends the shipped `python` preset, which itself extends "
         "`bug-triage`, `pr-paths` and `first-timers` (which extends `welcome`):")  # fmt: skip
    emit()
    emit(f"```yaml\n{(repo / '.devflow.yml').read_text().rstrip()}\n```")
    emit()
    emit("Running it again changes nothing, and a file that exists with other content is never replaced "
         "without `--force` (`--dry-run` shows what would happen):")  # fmt: skip
    emit()
    sh(repo, "devflow init --preset python", cut=3)
    generated = (repo / "CONTRIBUTING.md").read_text()
    write(repo, "CONTRIBUTING.md", "# Contributing\n\nOur own guide.\n")
    sh(repo, "devflow init --preset python --dry-run", cut=4)
    write(repo, "CONTRIBUTING.md", generated)
    emit()
    emit("The events workflow it wrote follows the CI workflow it found, so that the checklist's CI item "
         "is ticked when CI finishes:")  # fmt: skip
    emit()
    workflow = (repo / ".github/workflows/devflow.yml").read_text()
    start = workflow.index("name: Devflow")
    emit(f"```yaml\n{workflow[start:].rstrip()}\n```")
    emit()
    emit("What the preset brings, merged (`devflow validate --show-merged`, first lines):")
    emit()
    sh(repo, "devflow validate --show-merged", cut=24)
    emit()
    emit("The maintainer adds a branch and a commit-message convention. `onboarding` is a mapping, so these "
         "keys are merged into the preset's (its checklist stays):")  # fmt: skip
    emit()
    with (repo / ".devflow.yml").open("a") as fh:
        fh.write("onboarding:\n  branch: '^(feat|fix|docs)/'\n  commits: '^(feat|fix|docs)(\\(.+\\))?: '\n")
    emit("```yaml\nonboarding:\n  branch: '^(feat|fix|docs)/'\n  commits: '^(feat|fix|docs)(\\(.+\\))?: '\n```")
    emit()
    sh(repo, "devflow validate")
    sh(repo, "git add . && git commit -q -m 'Adopt Devflow'", show=False)
    emit()
    emit("Then `git push`: from now on the workflows run on GitHub.")
    emit()


def issues(repo: Path, tmp: Path) -> None:
    emit("## 2. A newcomer looks for something to do")
    emit()
    emit("CONTRIBUTING.md points at issues labelled `good first issue` and at the *first contribution* "
         "issue form. The `first-timers` preset (part of `python`) labels new issues that look easy with "
         "`good first issue candidate`, for a maintainer to confirm, using the `difficulty` condition. "
         "Its explanation shows how the score was made; here for GitHub's example `issues.opened` "
         "payload, with a body that names the files and gives the steps:")  # fmt: skip
    emit()
    payload = load_payload("issues.opened")
    payload["issue"]["body"] = (
        "The README spells `commit` with two t's, in README.md and in docs/usage.md.\n\n"
        "Steps to reproduce\n1. Open https://github.com/octo-org/hello-app/blob/main/README.md#L3\n"
    )
    (tmp / "issue.json").write_text(json.dumps(payload))  # beside the sample repository
    sh(repo, "devflow plan --event issues.opened --payload ../issue.json")
    emit()
    emit("(`examples/payloads/issues.opened.json` is the same payload as GitHub published it; its short "
         "description scores 3, which is not at most 1.)")  # fmt: skip
    emit()


def contributor(repo: Path) -> str:
    emit("## 3. The contributor works locally: `devflow check`, `devflow pr-body`")
    emit()
    emit("Ada forks the repository, makes a branch and changes the greeting, without a test. "
         "`devflow check --list` shows the checklist and how each item is checked:")  # fmt: skip
    emit()
    sh(repo, "git checkout -q -b friendlier-greeting", show=False)
    write(repo, "hello.py", 'def greet(name):\n    return f"Hello, {name}! Welcome."\n')
    sh(repo, "git commit -q -am 'Make the greeting friendlier' -m 'Fixes #1'", show=False)
    emit("```console\n$ git checkout -b friendlier-greeting\n$ git commit -am 'Make the greeting friendlier' "
         "-m 'Fixes #1'\n```")  # fmt: skip
    emit()
    sh(repo, "devflow check --list")
    emit()
    emit("`devflow check` runs the steps with `run:` (each line appears when its step ends; in a terminal "
         "a live line shows the step running), then the branch name and commit messages:")  # fmt: skip
    emit()
    sh(repo, "devflow check")
    emit()
    emit("She renames the branch, rewords the commit and fixes the test:")
    emit()
    write(repo, "tests/test_hello.py",
          'from hello import greet\n\n\ndef test_greet():\n    assert greet("Ada") == "Hello, Ada! Welcome."\n')  # fmt: skip
    sh(repo, "git branch -q -m fix/friendlier-greeting && git add . && "
             "git commit -q --amend -m 'fix: make the greeting friendlier' -m 'Fixes #1'", show=False)  # fmt: skip
    emit("```console\n$ git branch -m fix/friendlier-greeting\n$ git commit -a --amend -m 'fix: make the greeting "
         "friendlier' -m 'Fixes #1'\n```")  # fmt: skip
    emit()
    sh(repo, "devflow check")
    emit()
    emit("`devflow pr-body` writes the description from the repository's template, the branch's commits "
         "and these results (kept in the git folder for the commit checked), ready for "
         "`gh pr create --body-file -`:")  # fmt: skip
    emit()
    body = sh(repo, "devflow pr-body")
    emit()
    return body


def on_github(body: str, tmp: Path) -> None:
    emit("## 4. On GitHub: the welcome and the tracked checklist")
    emit()
    emit("Ada opens the pull request from her fork with that description. The workflow runs on "
         "`pull_request_target`, reads `.devflow.yml` from the base branch (never from the pull request) "
         "and, as she is a first-time contributor, welcomes her and posts the checklist. Below is the "
         "action run as a runner starts it, against Devflow's GitHub API test server (which checks every "
         "request against GitHub's OpenAPI description); the event is GitHub's published "
         "`pull_request.opened` example with the repository, the author and the description changed to "
         "this walkthrough's.")  # fmt: skip
    emit()
    with GitHubTestServer() as server:
        payload = _pull_payload(body)
        number = payload["number"]
        server.state.seed_from_payload(payload)
        server.state.set_file(".devflow.yml", (tmp / "hello-app" / ".devflow.yml").read_text(), ref="main")
        server.state.add_file(number, "hello.py", additions=1, deletions=1)
        server.state.add_file(number, "tests/test_hello.py", additions=1, deletions=1)
        sha = payload["pull_request"]["head"]["sha"]
        server.state.add_check_run(sha, "test", "in_progress", None)
        log = _action(server, "pull_request_target", payload, tmp)
        emit(f"```console\n{log}\n```")
        emit()
        comment = next(c for c in server.state.issue_comments(number) if "devflow:checklist" in c.body)
        emit(f"The checklist comment, as posted by `{comment.user}` (Markdown source):")
        emit()
        emit(f"```markdown\n{comment.body}\n```")
        emit()
        emit("CI finishes. GitHub sends `workflow_run` (for GitHub Actions) or `check_suite` (other CI "
             "services) to the workflow; Devflow reads the pull request and its checks and edits the same "
             "comment. Here the `check_suite.completed` example, pointed at this pull request:")  # fmt: skip
        emit()
        server.state.check_runs[-1].status, server.state.check_runs[-1].conclusion = "completed", "success"
        suite = load_payload("check_suite.completed")
        suite["repository"] = payload["repository"]
        suite["check_suite"]["head_sha"] = sha
        suite["check_suite"]["pull_requests"][0].update(number=number)
        suite["check_suite"]["pull_requests"][0]["head"]["sha"] = sha
        server.clear_log()
        log = _action(server, "check_suite", suite, tmp)
        emit(f"```console\n{log}\n```")
        emit()
        edited = next(c for c in server.state.issue_comments(number) if "devflow:checklist" in c.body)
        assert edited.id == comment.id
        emit("The same comment (same id), edited in place:")
        emit()
        emit(f"```markdown\n{edited.body}\n```")
        emit()
        emit("Requests of that run:")
        emit()
        emit("```\n" + "\n".join(f"{r.method} {r.path}" for r in server.requests) + "\n```")
        emit()
        problems = server.violations + server.errors + server.response_problems
        if problems:
            raise SystemExit(f"the GitHub test server saw problems: {problems}")


def _pull_payload(body: str) -> dict[str, Any]:
    payload = load_payload("pull_request.opened")
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    repo = payload["repository"]
    repo.update(name="hello-app", full_name="octo-org/hello-app", default_branch="main")
    repo["owner"]["login"] = "octo-org"
    pull = payload["pull_request"]
    pull.update(title="fix: make the greeting friendlier", body=body, updated_at=now, comments=0,
                author_association="FIRST_TIME_CONTRIBUTOR")  # fmt: skip
    pull["user"]["login"] = payload["sender"]["login"] = "ada"
    pull["base"]["ref"] = "main"
    pull["head"]["ref"] = "fix/friendlier-greeting"
    pull["head"]["repo"]["full_name"] = "ada/hello-app"
    return payload


def _action(server: GitHubTestServer, event: str, payload: dict[str, object], tmp: Path) -> str:
    workspace = tmp / "workspace"
    workspace.mkdir(exist_ok=True)  # no checkout: the generated workflow has none
    (tmp / "event.json").write_text(json.dumps(payload))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_"))}
    env.update({
        "GITHUB_EVENT_NAME": event, "GITHUB_EVENT_PATH": str(tmp / "event.json"), "GITHUB_RUN_ID": "7",
        "GITHUB_REPOSITORY": "octo-org/hello-app", "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_API_URL": server.url, "GITHUB_STEP_SUMMARY": str(tmp / "summary.md"),
        "GITHUB_OUTPUT": str(tmp / "out"), "INPUT_GITHUB-TOKEN": server.token,
    })  # fmt: skip
    done = subprocess.run([sys.executable, "-P", "-m", "devflow_action"], cwd=workspace, env=env,
                          capture_output=True, text=True)  # fmt: skip
    if done.returncode:
        raise SystemExit(f"the action failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    # The runner consumes workflow commands: show the log as it reads in the job's page.
    lines = [line for line in done.stdout.splitlines() if not line.startswith("::")]
    return "\n".join(lines)


HEAD = """# Onboarding: from `devflow init` to a first contribution

This page walks through the whole path once, with the real output of every command (it is generated
by [`scripts/onboarding_doc.py`](../scripts/onboarding_doc.py), which runs them in a sample
repository): a maintainer adopts Devflow in one command; a first-time contributor finds something to
do, checks their work locally, opens a pull request with a good description, is welcomed, and is told
clearly what is missing, in one checklist comment that stays up to date.
"""

TAIL = """## Reference

### Presets (`--preset`, `extends:`)

| preset | brings |
| --- | --- |
| `minimal` | `welcome`, and a checklist: CONTRIBUTING read, the template filled in, a linked issue |
| `first-timers` | `welcome`; `good first issue candidate` on easy-looking issues (`difficulty`); the `minimal` checklist plus CI |
| `python` | `bug-triage`, `pr-paths`, `first-timers`; the checklist adds tests changed with the code, `python -m pytest -q` and `python -m ruff check .` (optional) |
| `javascript` | the same for JavaScript and TypeScript, with `npm test` and `npm run lint --if-present` (optional) |
| `docs` | `bug-triage`, `first-timers`, a `documentation` label; the checklist adds `git diff --check HEAD` and a preview of the pages |
| `bug-triage`, `welcome`, `pr-paths` | building blocks (docs/configuration.md#extends) |

### What `devflow init` writes

From [`devflow_action/templates/`](../devflow_action/templates), filled in for the repository:

| file in your repository | what |
| --- | --- |
| .devflow.yml | `version: 1` and `extends: [PRESET]` |
| CONTRIBUTING.md | where to start, how to propose a change, the checklist and its commands |
| .github/pull_request_template.md | What and why, How it was tested, and the checklist with each item's hidden marker |
| .github/ISSUE_TEMPLATE/ | bug.yml, feature.yml, first-contribution.yml (a guided form for newcomers), config.yml |
| .github/workflows/devflow.yml | the rules and the checklist: `issues`, `issue_comment`, `pull_request_target`, `check_suite`, and `workflow_run` of the CI workflows found |
| .github/workflows/devflow-config.yml | `command: validate` on pull requests that change .devflow.yml or .github/devflow/ |

Manual triage (`workflow_dispatch`) and scheduled runs (`schedule`: stale, digest) are not in the
workflow: the action has no such commands in this release.

### The checklist comment

- **One comment per pull request**, found by its hidden marker (`<!-- devflow:checklist -->`) among
  the comments written by Devflow's own identity (the workflow token's `github-actions[bot]`, or
  `DEVFLOW_SELF_LOGIN`): a comment anyone else writes with the marker is never taken for it. It is
  edited in place, never posted twice, and not written at all when nothing changed.
- **When**: `pull_request` (or `pull_request_target`) opened, reopened, synchronize, edited and
  ready_for_review, and check completion (`check_suite` or `workflow_run`, action `completed`). With
  `onboarding.on: first_timers` (the default) only for first-time contributors; `all` for everyone.
- **Ticks**: Devflow ticks an item whose `check` holds and unticks it when it stops holding; an item
  ticked in the comment by a person (a maintainer) stays ticked, whatever the checks say; an item
  ticked in the pull request's description is shown ticked while it is ticked there (contributors
  cannot edit Devflow's comment, but they own their description).
- **Cost**: at most one read (the pull request's comments; none for a pull request just opened) and
  one write (the post or the edit) beyond the facts the checks need: the changed files for `tests`,
  the head commit's checks for `ci`.
- **Checks** (`check:`): `template` (every section of the description filled in, or
  `{template: {sections: [...]}}`), `linked_issue` (`Fixes #123`, `closes owner/repo#4`, or an issue
  URL, outside the template's hidden hints), `tests` (`{tests: {source: [...], tests: [...]}}`: a
  test file changed when a source file did), `ci` (the head commit's checks and statuses),
  `branch` (the head branch matches `onboarding.branch`).

### `devflow check` and `devflow pr-body`

`devflow check` runs each item with `run:` through the shell, in the repository root, with
`DEVFLOW_BASE` (the commit the branch started from, or `HEAD`) and `DEVFLOW_BRANCH` set; checks the
branch name against `onboarding.branch` and each commit's first line since the default branch
against `onboarding.commits`; exits 1 when a required step fails (`required: false` items are
reported, not counted). `--only ID` (repeatable, or comma-separated) runs some steps, `--list`
shows every item and how it is checked, `--format json` prints the results as JSON. The results
for the commit checked are kept in the git folder (devflow-check.json), where `devflow pr-body`
finds them; they are ignored once HEAD moves. The commands come from the repository's own
`.devflow.yml`: running them is like running its test suite, and happens only when you run
`devflow check`.
"""


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        repo = sample(tmp)
        emit(HEAD)
        maintainer(repo)
        issues(repo, tmp)
        body = contributor(repo)
        on_github(body, tmp)
        emit(TAIL.rstrip())
    print("\n".join(OUT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
