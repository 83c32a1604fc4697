"""Rule engine throughput: events evaluated per second on one core, 50 rules of mixed conditions.

    python benchmarks/engine.py [--seconds 5]

Each event is normalised once (as a run does) and evaluated with the facts the rules need; the
figure is evaluations per second over every real issue, pull request, comment and review payload of
@octokit/webhooks-examples (tests/githubdata.py; `python scripts/github_data.py` installs it).
Run by hand; record the result in docs/benchmarks.md with the machine and the command.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from devflow_action.config.loader import load_text
from devflow_action.engine import evaluate
from devflow_action.events.model import Facts, FileChange
from devflow_action.events.normalize import normalize

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests import githubdata

CONDITIONS = [
    "{title: {matches: '(?i)\\\\b(bug|crash|regression|error)\\\\b'}}",
    "{body: {contains: Steps to reproduce}}",
    "{any: [{title: {contains: docs}}, {files: {all: ['docs/**', '**/*.md']}}]}",
    "{labels: {none: [wontfix, duplicate]}, author: {association: [OWNER, MEMBER]}}",
    "{all: [{draft: false}, {changed_lines: {at_most: 100}}, {base: {in: [main, master]}}]}",
    "{not: {author: {bot: true}}}",
    "{files: {any: ['src/**/*.py', '!src/vendor/**']}}",
    "{author: {first_contribution: true}}",
    "{age_days: {at_least: 30}, state: open}",
    "{comment: {matches: '(?i)^/(retest|lgtm|assign)\\\\b'}}",
]
EVENTS = ["[issues.opened, issues.edited]", "pull_request", "[issues, pull_request]", "issue_comment.created",
          "[pull_request.opened, pull_request.synchronize]"]  # fmt: skip


def config_text(n: int = 50) -> str:
    rules = []
    for i in range(n):
        rules.append(
            f"  - name: rule {i}\n    on: {EVENTS[i % len(EVENTS)]}\n    if: {CONDITIONS[i % len(CONDITIONS)]}\n"
            f"    then:\n      - label: [label-{i % 7}]\n"
            + ("      - comment: {template: welcome, once: true}\n" if i % 10 == 7 else "")
        )
    return "version: 1\nsize:\n  thresholds: {XS: 10, S: 100, M: 500}\nrules:\n" + "".join(rules)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    config = load_text(config_text())
    events = [
        normalize(example.event, example.payload())
        for name in ("issues", "pull_request", "issue_comment", "pull_request_review")
        for example in githubdata.examples(name)
    ]
    facts = Facts(
        now=datetime(2026, 1, 1, tzinfo=UTC),
        files=(FileChange("docs/a.md", 3, 1), FileChange("src/app/main.py", 40, 2), FileChange("README.md", 1, 0)),
        first_contribution=False,
    )
    count, ops = 0, 0
    start = time.perf_counter()
    deadline = start + args.seconds
    while time.perf_counter() < deadline:
        for event in events:
            ops += len(evaluate(event, config, facts).operations)
        count += len(events)
    elapsed = time.perf_counter() - start
    print(f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print(f"rules: {len(config.rules)}, distinct payloads: {len(events)}, evaluations: {count} in {elapsed:.2f} s")
    print(f"events per second (one core): {count / elapsed:,.0f}  (operations planned: {ops})")


if __name__ == "__main__":
    main()
