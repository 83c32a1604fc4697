"""The action's process from start to exit on the PR-with-250-files scenario, and where its imports go.

    .venv/bin/python -m benchmarks.startup [--runs 20] [--importtime] [--source DIR]

Each run starts `python -P -m devflow_action` exactly as the runner does (event file, INPUT_*
variables, GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files, a checkout with `.devflow.yml`) against a
fresh GitHub test server (`tests/ghserver`) seeded with the pull request of the real
`pull_request.opened[1]` payload (octokit's webhooks-examples) and 250 changed files, with 5 path rules (the scenario of
`benchmarks/api_calls.py` and PEERS.md). The time is the wall clock from spawning the process to its
exit; setting up the server is not timed; the CPU time (user + system) of the process is shown
beside it, as it depends less on what else the machine is doing (the load average is printed too).
Every run must exit 0 after 3 file pages and 1 label write, or the benchmark fails. `--importtime`
adds `python -X importtime` of one such run, summed by top-level package. `--source DIR` times the
`devflow_action` package in DIR (say, a `git worktree` of an older commit) instead of the installed
one. Run by hand; record the result in docs/benchmarks.md with the machine and the command.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tests.ghserver import GitHubTestServer, load_payload
from tests.test_integration import PATH_RULES

TOKEN = "ghs_benchmarkTokenValue0123456789abcdef"
FILES = 250
EXPECTED_CALLS = ["GET /repos/Codertocat/Hello-World/pulls/2/files"] * 3 + [
    "POST /repos/Codertocat/Hello-World/issues/2/labels"
]


class ScenarioFailed(Exception):
    """The action did not do what the scenario needs (exit 0, 3 file pages, 1 label write)."""


@contextmanager
def scenario(workdir: Path) -> Iterator[tuple[GitHubTestServer, dict[str, str]]]:
    """A started, seeded server and the runner's environment for one run of the action."""
    payload = load_payload("pull_request.opened[1]")
    # The example payload is from 2019; a live event is seconds old (so it is trusted as current).
    payload["pull_request"]["updated_at"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    # The server's self-check of its own answers (each file page against the OpenAPI schema) tests
    # the server, not Devflow; GitHub does no such thing, so it stays out of the timed process.
    server = GitHubTestServer(token=TOKEN, check_responses=False)
    server.state.seed_from_payload(payload)
    server.state.add_files(2, FILES, prefix="src/module")
    workspace = workdir / "workspace"
    (workspace / ".git").mkdir(parents=True, exist_ok=True)  # a checkout: the config is read from it
    (workspace / ".devflow.yml").write_text(PATH_RULES)
    event_file, output, summary = workdir / "event.json", workdir / "output", workdir / "summary.md"
    event_file.write_text(json.dumps(payload))
    output.write_text("")
    summary.write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_", "PYTHON"))}
    env.update({
        "GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(event_file),
        "GITHUB_REPOSITORY": payload["repository"]["full_name"], "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_RUN_ID": "1234",
        "GITHUB_RUN_ATTEMPT": "1", "INPUT_GITHUB-TOKEN": TOKEN, "INPUT_CONFIG": ".devflow.yml",
        "INPUT_COMMAND": "auto", "INPUT_DRY-RUN": "false",
    })  # fmt: skip
    with server:
        env.update({"GITHUB_API_URL": server.url, "GITHUB_GRAPHQL_URL": f"{server.url}/graphql"})
        yield server, env


@dataclass
class Timing:
    wall: float  # seconds from spawning the process to its exit
    cpu: float  # its user + system CPU seconds
    stderr: str  # for -X importtime


def run_once(workdir: Path, python_flags: tuple[str, ...] = (), source: Path | None = None) -> Timing:
    """Run the action once on a fresh scenario; fails unless it did what the scenario needs."""
    with scenario(workdir) as (server, env):
        if source is not None:
            env["PYTHONPATH"] = str(source)  # ahead of the installed package on sys.path
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, *python_flags, "-P", "-m", "devflow_action"],
            cwd=env["GITHUB_WORKSPACE"], env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        calls = [f"{r.method} {r.path.split('?')[0]}" for r in server.requests]
        if proc.returncode != 0 or calls != EXPECTED_CALLS or server.violations:
            raise ScenarioFailed(f"exit {proc.returncode}, calls {calls}, violations {server.violations}:\n"
                                 f"{proc.stdout}\n{proc.stderr}")  # fmt: skip
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return Timing(wall, cpu, proc.stderr)


def import_breakdown(stderr: str, top: int = 12) -> list[tuple[str, float]]:
    """`-X importtime` lines summed by top-level package: self time in milliseconds, largest first."""
    by_package: dict[str, float] = defaultdict(float)
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _, name = line.removeprefix("import time:").split("|")
        by_package[name.strip().split(".")[0]] += int(self_us) / 1000
    return sorted(by_package.items(), key=lambda kv: -kv[1])[:top]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--importtime", action="store_true", help="add a -X importtime breakdown of one run")
    parser.add_argument("--source", type=Path, help="time the devflow_action package in this folder")
    args = parser.parse_args(argv)
    source = args.source.resolve() if args.source else None
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="devflow-startup-") as tmp:
        run_once(Path(tmp) / "warm-up", source=source)  # bytecode written, files in the page cache, as in the image
        runs = [run_once(Path(tmp) / f"run{i}", source=source) for i in range(args.runs)]
        importtime = run_once(Path(tmp) / "importtime", ("-X", "importtime"), source).stderr if args.importtime else ""
    load_after = os.getloadavg()
    walls, cpus = [r.wall for r in runs], [r.cpu for r in runs]
    print(f"machine: {os.cpu_count()} CPUs, {cpu_model()}, Python {platform.python_version()}; "
          f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after")  # fmt: skip
    print(f"PR with {FILES} files, 5 path rules: {args.runs} runs of python -P -m devflow_action"
          + (f" (devflow_action from {source})" if source else ""))  # fmt: skip
    print(f"process wall: median {statistics.median(walls):.3f} s, p90 {percentile(walls, 0.9):.3f} s, "
          f"min {min(walls):.3f} s, max {max(walls):.3f} s")  # fmt: skip
    print(f"process CPU (user + system): median {statistics.median(cpus):.3f} s, p90 {percentile(cpus, 0.9):.3f} s")
    if importtime:
        rows = import_breakdown(importtime)
        total = sum(ms for _, ms in import_breakdown(importtime, top=10_000))
        print(f"\nimports (self time by top-level package, one run under -X importtime): {total:.0f} ms in all")
        print("| package | ms |\n| --- | --- |")
        for name, ms in rows:
            print(f"| {name} | {ms:.1f} |")


if __name__ == "__main__":
    main()
