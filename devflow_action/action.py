"""The GitHub Action's entry point (``python -P -m devflow_action`` in the container).

Exit codes: 0 done; 1 config or usage error (or GitHub refused an operation); 2 stopped by the call
budget or the rate limit with work left (a re-run applies the rest); 3 unexpected error, with the
traceback in the log and never in the job summary.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

from .config.loader import load_text
from .diagnostics import ConfigError, Diagnostic, escape_data, escape_markdown
from .events.catalog import RULE_TRIGGERS
from .events.model import Event
from .events.normalize import PayloadError, normalize
from .github.client import GhClient
from .github.executor import Report
from .github.facts import DEFAULT_SELF_LOGIN
from .github.run import Result, apply_event
from .report import plan_markdown, plan_text
from .workflow import append_summary, commands_stopped, input_bool, input_value, set_outputs

EXIT_OK, EXIT_USER, EXIT_STOPPED, EXIT_BUG = 0, 1, 2, 3
COMMANDS = ("auto", "validate")  # triage, stale, digest, sync-labels arrive with the features that build them
FRESH_FOR = timedelta(minutes=5)  # an event older than this may be stale: read the item before writing
DEFAULT_MAX_CALLS = 200


class UsageError(Exception):
    pass


def main(env: Mapping[str, str] = os.environ, out: TextIO = sys.stdout) -> int:
    try:
        return _run(env, out)
    except UsageError as exc:
        print(f"::error::{escape_data(str(exc))}", file=out)
        append_summary(f"## Devflow\n\n**Error:** {escape_markdown(str(exc))}", env)
        return EXIT_USER
    except Exception:
        traceback.print_exc()
        print("::error::Devflow hit an unexpected error (a bug in Devflow); the log has the traceback", file=out)
        append_summary("## Devflow\n\nUnexpected error (a bug in Devflow): see the job log.", env)
        return EXIT_BUG


def _required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "")
    if not value:
        raise UsageError(f"{name} is not set: run Devflow inside a GitHub Actions workflow (or set it)")
    return value


def _run(env: Mapping[str, str], out: TextIO) -> int:
    command = input_value("command", "auto", env)
    if command not in COMMANDS:
        raise UsageError(f"unknown command '{command}'; this release has: {', '.join(COMMANDS)}")
    try:
        dry_run = input_bool("dry-run", False, env)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    token = input_value("github-token", "", env) or env.get("GITHUB_TOKEN", "")
    config_path = input_value("config", ".devflow.yml", env)
    event_name = _required(env, "GITHUB_EVENT_NAME")
    repository = _required(env, "GITHUB_REPOSITORY")
    api_url = env.get("GITHUB_API_URL", "https://api.github.com")
    workspace = Path(env.get("GITHUB_WORKSPACE", "."))
    try:
        payload = json.loads(Path(_required(env, "GITHUB_EVENT_PATH")).read_text(encoding="utf-8"))
        event = normalize(event_name, payload)
    except (OSError, ValueError, PayloadError) as exc:
        raise UsageError(f"cannot read the event payload: {exc}") from None

    max_calls = int(env.get("DEVFLOW_MAX_CALLS", DEFAULT_MAX_CALLS))
    with GhClient(repository, token, api_url=api_url, max_calls=max_calls) as client:
        try:
            # Validation only reads the file, so it checks the workspace's copy (a PR's proposed config).
            text, where = _config_text(client, event, config_path, workspace, trust_head=command == "validate")
            config = load_text(text, config_path)
        except ConfigError as exc:
            return _config_failed(exc.diagnostics, env, out)
        for warning in config.warnings:
            print(warning.annotation(), file=out)
        print(f"Devflow: configuration {escape_data(config_path)} read from {where}", file=out)
        if command == "validate":
            print(f"Devflow: {escape_data(config_path)} is valid ({len(config.rules)} rules)", file=out)
            append_summary(f"## Devflow\n\n`{config_path}` is valid ({len(config.rules)} rules).", env)
            return EXIT_OK
        if event_name not in RULE_TRIGGERS:
            note = (
                f"nothing to do for '{event_name}' events in this release "
                "(rules run on issues, pull requests and comments)"
            )
            print(f"::notice::Devflow: {escape_data(note)}", file=out)
            append_summary(f"## Devflow\n\n{escape_markdown(note)}.", env)
            set_outputs(_outputs(None, Report(), 0), env)
            return EXIT_OK
        now = datetime.now(UTC)
        fresh = int(env.get("GITHUB_RUN_ATTEMPT", "1") or 1) <= 1 and (
            event.updated_at is None or now - event.updated_at <= FRESH_FOR
        )
        result = apply_event(
            config,
            event,
            client,
            fresh=fresh,
            now=now,
            dry_run=dry_run,
            run_key=env.get("GITHUB_RUN_ID") or None,
            self_login=env.get("DEVFLOW_SELF_LOGIN", DEFAULT_SELF_LOGIN),
        )
        calls, writes = client.log.calls, client.log.writes
    _log(result, calls, writes, dry_run, out)
    append_summary(_summary(result, calls, writes, dry_run), env)
    set_outputs(_outputs(result, result.report, writes), env)
    if result.report.stopped:
        print(f"::error::Devflow stopped with work left: {escape_data(result.report.stopped)}; "
              "re-run the job to apply the rest", file=out)  # fmt: skip
        return EXIT_STOPPED
    if result.report.count("failed"):
        print("::error::GitHub refused some operations (see above)", file=out)
        return EXIT_USER
    return EXIT_OK


def _config_text(
    client: GhClient, event: Event, path: str, workspace: Path, *, trust_head: bool = False
) -> tuple[str, str]:
    """The workspace's copy, unless the event is untrusted; the base branch through the API then.

    On ``pull_request_target`` and on pull requests from forks the workspace may hold the PR's own
    code, so the config is read from the base branch and nothing from the head is used."""
    if Path(path).is_absolute() or ".." in Path(path).parts:
        raise ConfigError([Diagnostic(0, 0, "", "the config path must be relative to the repository root", file=path)])
    if not trust_head and (not event.trusted or event.from_fork):
        ref = event.base
        text = client.get_file(path, ref)
        if text is None:
            raise ConfigError(
                [Diagnostic(0, 0, "", f"no configuration file at {path} on the base branch {ref}", file=path)]
            )
        return text, f"the base branch ({ref}), not the pull request"
    local = workspace / path
    if local.is_file():
        return local.read_text(encoding="utf-8"), "the workspace"
    if (workspace / ".git").exists():
        raise ConfigError(
            [
                Diagnostic(
                    0,
                    0,
                    "",
                    f"no configuration file at {path} in the checkout (create one with `devflow init`)",
                    file=path,
                )
            ]
        )
    text = client.get_file(path, None)
    if text is None:
        raise ConfigError(
            [
                Diagnostic(
                    0,
                    0,
                    "",
                    f"no configuration file at {path}: not in the workspace, nor on the default branch",
                    file=path,
                )
            ]
        )
    return text, "the default branch (no checkout in the workspace)"


def _config_failed(diagnostics: tuple[Diagnostic, ...], env: Mapping[str, str], out: TextIO) -> int:
    for d in diagnostics:
        print(d.annotation(), file=out)
    errors = [d for d in diagnostics if d.severity == "error"]
    append_summary(
        "## Devflow\n\nThe configuration is invalid; nothing was done.\n\n"
        + "\n".join(d.markdown() for d in diagnostics),
        env,
    )
    print(f"Devflow: {len(errors)} configuration error(s); nothing was done", file=out)
    return EXIT_USER


def _outputs(result: Result | None, report: Report, writes: int) -> dict[str, str]:
    return {
        "plan": json.dumps(result.plan.as_json() if result else None, ensure_ascii=False),
        "labels-added": json.dumps(report.labels("add_labels"), ensure_ascii=False),
        "labels-removed": json.dumps(report.labels("remove_labels"), ensure_ascii=False),
        "comments": str(report.comments),
        "operations": str(writes),
        "skipped": str(report.count("left")),
    }


def _log(result: Result, calls: int, writes: int, dry_run: bool, out: TextIO) -> None:
    with commands_stopped(out):  # rule names, titles and labels are user text
        print(plan_text(result.plan), file=out)
        for o in result.report.outcomes:
            print(
                f"  {o.status}: {o.operation['type']}" + (f" ({escape_data(o.detail)})" if o.detail else ""), file=out
            )
        print(f"API calls: {calls} (writes: {writes}){' [dry run: nothing written]' if dry_run else ''}", file=out)


def _summary(result: Result, calls: int, writes: int, dry_run: bool) -> str:
    lines = ["## Devflow" + (" (dry run)" if dry_run else ""), "", plan_markdown(result.plan), ""]
    if result.report.outcomes:
        lines += ["| operation | result | detail |", "| --- | --- | --- |"]
        for o in result.report.outcomes:
            what = o.operation["type"] + (f" {', '.join(o.operation['labels'])}" if "labels" in o.operation else "")
            lines.append(f"| {escape_markdown(what)} | {o.status} | {escape_markdown(o.detail)} |")
        lines.append("")
    if result.report.stopped:
        lines += [
            f"**Stopped with work left:** {escape_markdown(result.report.stopped)}. Re-run the job to apply the rest.",
            "",
        ]
    lines.append(f"API calls: {calls} (writes: {writes})")
    return "\n".join(lines)
