"""The GitHub Action's entry point (``python -P -m devflow_action`` in the container).

Thin: inputs → RunContext → use case → render → exit code (``exits.Exit``: 0 done; 1 config, usage
or GitHub refused; 2 stopped with work left, a re-run continues; 3 a bug, traceback in the log only).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from .app import app_token
from .app.config_source import load_config
from .app.context import RunContext
from .app.event import Result, handle_event
from .app.state_wiring import choose, failure_text, open_state, secrets_of, state_required_failed, summary_markdown
from .config.model import Config
from .diagnostics import ConfigError, Diagnostic, escape_data, escape_markdown
from .events.catalog import RULE_TRIGGERS
from .events.normalize import PayloadError, normalize
from .exits import Exit, UsageError
from .github.budget import CallBudget
from .github.client import GhClient
from .github.executor import Report
from .github.facts import DEFAULT_SELF_LOGIN
from .handler import guarded
from .redact import register_secret
from .report import plan_markdown, plan_text
from .workflow import append_summary, commands_stopped, input_bool, input_value, set_outputs

if TYPE_CHECKING:
    from .state.guard import Guarded

COMMANDS = ("auto", "validate")  # triage, stale, digest, sync-labels arrive with the features that build them
DEFAULT_MAX_CALLS = 200
DEFAULT_DEADLINE = 300.0  # seconds: well inside the shipped workflows' 10-minute job timeout


def main(env: Mapping[str, str] = os.environ, out: TextIO = sys.stdout) -> int:
    token = input_value("github-token", "", env) or env.get("GITHUB_TOKEN", "")
    # First thing: the runner hides these from every later log line, whoever prints them.
    state_secrets = secrets_of(input_value("orchestration-url", "", env), input_value("orchestration-token", "", env))
    _mask([token, *state_secrets], out)

    def report(code: Exit, message: str) -> None:
        if code == Exit.STOPPED:
            message = f"stopped with work left: {message}; re-run the job to continue"
        print(f"::error::{escape_data(message)}", file=out)
        append_summary(f"## Devflow\n\n**Error:** {escape_markdown(message)}", env)

    def print_traceback(text: str) -> None:
        with commands_stopped(out):  # a traceback may quote user text: never parsed as commands
            print(text, file=out)

    return guarded(lambda: _run(env, out, token), report, print_traceback)


def _mask(secrets: list[str], out: TextIO) -> None:
    for secret in secrets:
        if secret:
            print(f"::add-mask::{escape_data(secret)}", file=out, flush=True)
            register_secret(secret)


def _open_state(env: Mapping[str, str], config: Config, required: bool, dry_run: bool, out: TextIO) -> Guarded | None:
    """The state store the inputs or .devflow.yml name (docs/state.md), or None: GitHub only."""
    choice = choose(input_value("orchestration-url", "", env), required, config, env)
    if input_value("orchestration-token", "", env) and (choice.url is None or choice.url.backend != "service"):
        print("::notice::Devflow: orchestration-token is for an https:// orchestration URL (the orchestration "
              "service); it is not used here", file=out)  # fmt: skip
    if choice.url is not None and dry_run:  # a dry run records nothing: not even a connection or a migration
        print("Devflow: dry run: the state store is not used", file=out)
        return None
    if choice.url is None:
        if choice.required:
            raise UsageError("state-required is set, but no orchestration URL is configured (or its variable is empty)")
        return None
    if not input_value("orchestration-url", "", env):  # from .devflow.yml's url_env: mask it before use
        _mask(choice.url.secrets, out)
    state = open_state(choice.url, choice.required)
    print(f"Devflow: state in {escape_data(state.where)}, from {escape_data(choice.source)}", file=out)
    return state


def _forward(env: Mapping[str, str], config: Config, required: bool, event_name: str, out: TextIO) -> int | None:
    """An https:// orchestration URL: the service applies the event (docs/service.md); this run only
    forwards it and says where to follow it. None: no service URL, the run acts itself."""
    choice = choose(input_value("orchestration-url", "", env), required, config, env)
    if choice.url is None or choice.url.backend != "service":
        return None
    from .app.forward import forward

    if not input_value("orchestration-url", "", env):
        _mask(choice.url.secrets, out)
    body = Path(_required(env, "GITHUB_EVENT_PATH")).read_bytes()
    handed = forward(
        choice.url, input_value("orchestration-token", "", env), event_name, body, env.get("GITHUB_RUN_ID")
    )
    text = (f"the event was forwarded to the orchestration service ({handed.status}, delivery {handed.delivery}); "
            f"follow it at {handed.see}")  # fmt: skip
    print(f"::notice::Devflow: {escape_data(text)}", file=out)
    append_summary(f"## Devflow\n\n{escape_markdown(text[0].upper() + text[1:])}.", env)
    set_outputs(_outputs(None, Report(), 0), env)
    return Exit.OK


def _required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "")
    if not value:
        raise UsageError(f"{name} is not set: run Devflow inside a GitHub Actions workflow (or set it)")
    return value


def _number(env: Mapping[str, str], name: str, default: float, *, what: str) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise UsageError(f"{what} must be a number, got {raw!r}") from None
    if value <= 0 or value != value:
        raise UsageError(f"{what} must be positive, got {raw!r}")
    return value


def _run(env: Mapping[str, str], out: TextIO, token: str) -> int:
    command = input_value("command", "auto", env)
    if command not in COMMANDS:
        raise UsageError(f"unknown command '{command}'; this release has: {', '.join(COMMANDS)}")
    try:
        dry_run = input_bool("dry-run", False, env)
        state_required = input_bool("state-required", False, env)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    config_path = input_value("config", ".devflow.yml", env)
    event_name = _required(env, "GITHUB_EVENT_NAME")
    repository = _required(env, "GITHUB_REPOSITORY")
    api_url = env.get("GITHUB_API_URL", "https://api.github.com")
    workspace = Path(env.get("GITHUB_WORKSPACE", "."))
    max_calls = int(_number(env, "DEVFLOW_MAX_CALLS", DEFAULT_MAX_CALLS, what="DEVFLOW_MAX_CALLS"))
    deadline = _number({"d": input_value("deadline", "", env)}, "d", DEFAULT_DEADLINE, what="input 'deadline'")
    attempt = int(_number(env, "GITHUB_RUN_ATTEMPT", 1, what="GITHUB_RUN_ATTEMPT"))
    try:
        payload = json.loads(Path(_required(env, "GITHUB_EVENT_PATH")).read_text(encoding="utf-8"))
        event = normalize(event_name, payload)
    except (OSError, ValueError, PayloadError) as exc:
        raise UsageError(f"cannot read the event payload: {exc}") from None

    if app_token.configured(env):  # a GitHub App: Devflow writes as the App's installation
        token = app_token.installation_token(env, repository, api_url)
        _mask([token], out)
    budget = CallBudget(max_calls, deadline=deadline)
    with GhClient(repository, token, api_url=api_url, budget=budget) as client:
        ctx = RunContext(
            port=client,
            budget=budget,
            run_key=env.get("GITHUB_RUN_ID") or None,
            attempt=attempt,
            dry_run=dry_run,
            self_login=env.get("DEVFLOW_SELF_LOGIN", DEFAULT_SELF_LOGIN),
            policy=client.policy,
        )
        try:
            config, where = load_config(ctx, event, config_path, workspace, trust_head=command == "validate")
        except ConfigError as exc:
            return _config_failed(exc.diagnostics, env, out)
        for warning in config.warnings:
            print(warning.annotation(), file=out)
        print(f"Devflow: configuration {escape_data(config_path)} read from {escape_data(where)}", file=out)
        if command == "validate":
            print(f"Devflow: {escape_data(config_path)} is valid ({len(config.rules)} rules)", file=out)
            append_summary(f"## Devflow\n\n`{escape_markdown(config_path)}` is valid ({len(config.rules)} rules).", env)
            return Exit.OK
        if event_name not in RULE_TRIGGERS:
            note = (
                f"nothing to do for '{event_name}' events in this release "
                "(rules run on issues, pull requests and comments)"
            )
            print(f"::notice::Devflow: {escape_data(note)}", file=out)
            append_summary(f"## Devflow\n\n{escape_markdown(note)}.", env)
            set_outputs(_outputs(None, Report(), 0), env)
            return Exit.OK
        if not dry_run and (handed := _forward(env, config, state_required, event_name, out)) is not None:
            return handed
        ctx.store = state = _open_state(env, config, state_required, dry_run, out)
        try:
            result = handle_event(ctx, config, event)
        finally:
            if state is not None:
                state.close()
    calls, writes = budget.calls, budget.writes
    _log(result, calls, writes, dry_run, out)
    append_summary(_summary(result, calls, writes, dry_run) + (f"\n\n{summary_markdown(state)}" if state else ""), env)
    set_outputs(_outputs(result, result.report, writes), env)
    lost = failure_text(state) if state is not None else None
    if lost and state is not None:
        print(f"::{'error' if state_required_failed(state) else 'warning'}::Devflow: {escape_data(lost)}", file=out)
    if result.report.stopped:
        print(f"::error::Devflow stopped with work left: {escape_data(result.report.stopped)}; "
              "re-run the job to apply the rest", file=out)  # fmt: skip
        return Exit.STOPPED
    if state is not None and state_required_failed(state):
        return Exit.STOPPED
    if result.report.refused:
        print(f"::error::{escape_data(result.report.refused)}", file=out)
        return Exit.USER
    if result.report.count("failed"):
        print("::error::GitHub refused some operations (see above)", file=out)
        return Exit.USER
    return Exit.OK


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
    return Exit.USER


def _outputs(result: Result | None, report: Report, writes: int) -> dict[str, str]:
    return {
        "plan": json.dumps(result.plan.as_json() if result else None, ensure_ascii=False),
        "labels-added": json.dumps(report.labels("add_labels"), ensure_ascii=False),
        "labels-removed": json.dumps(report.labels("remove_labels"), ensure_ascii=False),
        "comments": str(report.comments),
        "operations": str(writes),
        "skipped": str(report.count("left")),
    }


UNDECIDED = "nothing was decided and nothing was written"


def _undecided(result: Result) -> str | None:
    """Why nothing was decided, when GitHub stopped or refused the reads the rules need: then the
    facts-less plan is not the plan, and is not shown as one."""
    why = result.report.stopped or result.report.refused
    return why if result.observed is None and why else None


def _log(result: Result, calls: int, writes: int, dry_run: bool, out: TextIO) -> None:
    with commands_stopped(out):  # rule names, titles and labels are user text
        undecided = _undecided(result)
        print(f"Devflow: {escape_data(undecided)}; {UNDECIDED}" if undecided else plan_text(result.plan), file=out)
        for o in result.report.outcomes:
            print(
                f"  {o.status}: {o.operation['type']}" + (f" ({escape_data(o.detail)})" if o.detail else ""), file=out
            )
        print(f"API calls: {calls} (writes: {writes}){' [dry run: nothing written]' if dry_run else ''}", file=out)


def _summary(result: Result, calls: int, writes: int, dry_run: bool) -> str:
    undecided = _undecided(result)
    body = f"{UNDECIDED.capitalize()}." if undecided else plan_markdown(result.plan)
    lines = ["## Devflow" + (" (dry run)" if dry_run else ""), "", body, ""]
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
    if result.report.refused:
        lines += [f"**Error:** {escape_markdown(result.report.refused)}", ""]
    lines.append(f"API calls: {calls} (writes: {writes})")
    return "\n".join(lines)
