"""The action run as a GitHub runner would run it, against the local GitHub test server.

Seeds the server with the bundled payloads (examples/payloads), runs `python -P -m devflow_action`
with the runner's environment for an issue opened and a pull request opened, then prints the job
summary and what changed on "GitHub". The server checks every request against GitHub's REST OpenAPI
description, from a pinned npm package that `python scripts/github_data.py` installs (./scripts/demo
runs it first); without it this script stops with exit status 1.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.ghserver import GitHubTestServer, load_contract  # noqa: E402
from tests.githubdata import MissingData  # noqa: E402


def run(server: GitHubTestServer, event: str, payload_file: str, number: int, tmp: Path) -> int:
    payload = json.loads((ROOT / "examples" / "payloads" / payload_file).read_text())
    key = "pull_request" if "pull_request" in payload else "issue"
    payload[key]["updated_at"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")  # a live event is fresh
    server.state.seed_from_payload(payload)
    if key == "pull_request":  # what the PR changes: a README fix and a new docs page
        server.state.add_file(number, "README.md", additions=1, deletions=1)
        server.state.add_file(number, "docs/setup.md", additions=12, deletions=0)
    before = list(server.state.issues[number].labels)
    workspace = tmp / event
    workspace.mkdir()
    (workspace / ".git").mkdir()
    (workspace / ".devflow.yml").write_text((ROOT / "examples" / "devflow.yml").read_text())
    (tmp / f"{event}.json").write_text(json.dumps(payload))
    summary = tmp / f"{event}.summary.md"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_"))}
    env.update({
        "GITHUB_EVENT_NAME": event, "GITHUB_EVENT_PATH": str(tmp / f"{event}.json"),
        "GITHUB_REPOSITORY": payload["repository"]["full_name"], "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_API_URL": server.url, "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(tmp / "out"),
        "GITHUB_RUN_ID": "1", "INPUT_GITHUB-TOKEN": server.token,
    })  # fmt: skip
    print(f"\n===== {event}: python -P -m devflow_action (exit code below)")
    code = subprocess.run([sys.executable, "-P", "-m", "devflow_action"], cwd=workspace, env=env).returncode
    print(f"exit code: {code}\n\n----- job summary -----\n{summary.read_text()}")
    issue = server.state.issues[number]
    print("----- what changed on GitHub -----")
    print(f"labels of #{number}: {before} -> {issue.labels}")
    for comment in server.state.issue_comments(number):
        print(f"comment on #{number}: {comment.body.splitlines()[0]}")
    print(f"requests: {[f'{r.method} {r.path}' for r in server.requests]}")
    server.clear_log()
    return code


def main() -> int:
    try:
        load_contract()
    except MissingData as exc:
        print(f"demo_action: cannot start the GitHub test server: {exc}", file=sys.stderr)
        return 1
    with GitHubTestServer() as server, tempfile.TemporaryDirectory() as tmp:
        codes = [
            run(server, "issues", "issues.opened.json", 1, Path(tmp)),
            run(server, "pull_request", "pull_request.opened.json", 2, Path(tmp)),
        ]
        problems = server.violations + server.errors + server.response_problems
    if problems:
        print("demo_action: the GitHub test server saw problems:", *problems, sep="\n  ", file=sys.stderr)
    if any(codes):
        print(f"demo_action: the action failed (exit codes {codes})", file=sys.stderr)
    return 1 if problems or any(codes) else 0


if __name__ == "__main__":
    sys.exit(main())
