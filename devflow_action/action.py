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

from . import digest_command
from .app import app_token
from .app.checks import COMPLETION_EVENTS, handle_completion
from .app.config_source import load_config
from .app.context import RunContext
from .app.event import Result, handle_event
from .app.review import REVIEW_TRIGGERS, handle_review
from .app.state_wiring import choose, failure_text, open_state, secrets_of, state_required_failed, summary_markdown
from .config.model import Config
from .diagnostics import ConfigError, Diagnostic, escape_data, escape_markdown, markdown_code
from .events.catalog import RULE_TRIGGERS
from .events.normalize import PayloadError, normalize
from .exits import Exit, UsageError, env_number
from .github.budget import CallBudget
from .github.client import GhClient
from .github.errors import GitHubError
from .github.executor import Report
from .github.facts import DEFAULT_SELF_LOGIN
from .github.retry import Policy
from .handler import guarded
from .notify import Notice
from .notify import from_config as notifier
from .redact import register_secret
from .report import plan_markdown, plan_text
from .sweep_render import SWEEP_COMMANDS, SWEEP_MAX_CALLS, action_sweeps, is_sweep
from .workflow import append_summary, commands_stopped, escape_log, input_bool, input_value, set_outputs

if TYPE_CHECKING:
    from .state.guard import Guarded

COMMANDS = ("auto", "validate", *SWEEP_COMMANDS, "digest")
DEFAULT_MAX_CALLS = 200
DEFAULT_DEADLINE = 300.0  # seconds: well inside the shipped workflows' 10-minute job timeout
DEFAULT_BACKOFF = Policy.initial  # seconds before the first retry; doubled at each attempt


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
    if choice.url is not None and choice.url.backend == "service":  # no store: the service keeps its own
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


def _state_verdict(state: Guarded | None, code: Exit, env: Mapping[str, str], out: TextIO) -> Exit:
    """After a sweep or digest run: what the state recorded goes in the summary, what it failed to
    record in an annotation; a required state that failed makes the run exit 2."""
    if state is None:
        return code
    append_summary(summary_markdown(state), env)
    lost = failure_text(state)
    if lost:
        print(f"::{'error' if state_required_failed(state) else 'warning'}::Devflow: {escape_data(lost)}", file=out)
    if state_required_failed(state) and code == Exit.OK:
        return Exit.STOPPED
    return code


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
    sweeping = is_sweep(command, event_name)  # sweeps (sweep_render.py) list many items: a larger default
    max_calls = int(
        env_number(
            env, "DEVFLOW_MAX_CALLS", SWEEP_MAX_CALLS if sweeping else DEFAULT_MAX_CALLS, what="DEVFLOW_MAX_CALLS"
        )
    )
    deadline = env_number({"d": input_value("deadline", "", env)}, "d", DEFAULT_DEADLINE, what="input 'deadline'")
    attempt = int(env_number(env, "GITHUB_RUN_ATTEMPT", 1))
    backoff = env_number(env, "DEVFLOW_RETRY_BACKOFF", DEFAULT_BACKOFF)
    try:
        payload = json.loads(Path(_required(env, "GITHUB_EVENT_PATH")).read_text(encoding="utf-8"))
        event = normalize(event_name, payload)
    except (OSError, ValueError, PayloadError) as exc:
        raise UsageError(f"cannot read the event payload: {exc}") from None

    if app_token.configured(env):  # a GitHub App: Devflow writes as the App's installation
        token = app_token.installation_token(env, repository, api_url)
        _mask([token], out)
    budget = CallBudget(max_calls, deadline=deadline)
    policy = Policy(initial=backoff, max_backoff=min(Policy.max_backoff, 16 * backoff))
    with GhClient(repository, token, api_url=api_url, budget=budget, policy=policy) as client:
        client.graphql_url = env.get("GITHUB_GRAPHQL_URL") or None  # auto-merge's mutations
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
        except GitHubError:  # the config fetch failed: nothing planned, nothing done; the handler reports it
            set_outputs(_outputs(None, Report(), budget.written), env)
            raise
        for warning in config.warnings:
            print(warning.annotation(), file=out)
        print(f"Devflow: configuration {escape_log(config_path)} read from {escape_log(where)}", file=out)
        if command == "validate":
            print(f"Devflow: {escape_log(config_path)} is valid ({len(config.rules)} rules)", file=out)
            append_summary(f"## Devflow\n\n{markdown_code(config_path)} is valid ({len(config.rules)} rules).", env)
            return Exit.OK
        scheduled_digest = command == "auto" and event_name == "schedule" and config.digest is not None
        if command == "digest" or scheduled_digest or sweeping:
            # on `schedule`, every scheduled section the config has: the sweeps (stale), then the digest;
            # with a state store, sweeps keep their cursor in it and the digest reads history from it
            ctx.store = state = _open_state(env, config, state_required, dry_run, out)
            code = Exit.OK
            try:
                if sweeping and not (scheduled_digest and config.stale is None):
                    code = Exit(action_sweeps(ctx, config, command, event_name, repository, env, out))
                if command == "digest" or scheduled_digest:
                    done = digest_command.action(config, repository, token, env, out, budget, dry_run=dry_run,
                                                 run_key=ctx.run_key, store=state)  # fmt: skip
                    code = max(code, Exit(done)) if code != Exit.USER else code
            finally:
                if state is not None:
                    state.close()
            return _state_verdict(state, code, env, out)
        if event_name not in RULE_TRIGGERS | REVIEW_TRIGGERS | set(COMPLETION_EVENTS):
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
            if event_name in COMPLETION_EVENTS:  # checks finished: the checklists they concern (app/checks.py)
                results = handle_completion(ctx, config, event_name, payload)
            else:
                results = [handle_event(ctx, config, event)] if event_name in RULE_TRIGGERS else []
            if not any(r.report.stopped for r in results):  # commands, reviewers, auto-merge: app/review.py
                more = handle_review(ctx, config, event, payload, workspace)
                silent = not (results and (results[0].plan.rules or results[0].plan.operations))
                if more and results and event_name not in COMPLETION_EVENTS and silent:
                    results = []  # no rule for this event: the commands' (or policy's) result says it all
                results += more
        finally:
            if state is not None:
                state.close()
    if not results:
        note = f"nothing to do for this '{event_name}' event"
        print(f"::notice::Devflow: {escape_data(note)}", file=out)
        append_summary(f"## Devflow\n\n{escape_markdown(note)}.", env)
        set_outputs(_outputs(None, Report(), 0), env)
        return Exit.OK
    calls, writes = budget.calls, budget.written  # writes GitHub accepted, not tried
    report = _merged([r.report for r in results])
    for result in results:
        _log(result, calls, writes, dry_run, out)
    summary = "\n\n".join(_summary(r, calls, writes, dry_run) for r in results)
    append_summary(summary + (f"\n\n{summary_markdown(state)}" if state else ""), env)
    set_outputs(_outputs(results[0], report, writes, results), env)
    lost = failure_text(state) if state is not None else None
    if lost and state is not None:
        print(f"::{'error' if state_required_failed(state) else 'warning'}::Devflow: {escape_data(lost)}", file=out)
    if not dry_run:
        _notify(config, repository, report, env, out)
    if report.stopped:
        print(f"::error::Devflow stopped with work left: {escape_data(report.stopped)}; "
              "re-run the job to apply the rest", file=out)  # fmt: skip
        return Exit.STOPPED
    if state is not None and state_required_failed(state):
        return Exit.STOPPED
    if report.refused:
        print(f"::error::{escape_data(report.refused)}", file=out)
        return Exit.USER
    if report.count("failed"):
        print("::error::GitHub refused some operations (see above)", file=out)
        return Exit.USER
    return Exit.OK


def _notify(config: Config, repository: str, report: Report, env: Mapping[str, str], out: TextIO) -> None:
    """The `notify` section's `stopped` and `refused` notices for a rules run; a failing sink warns."""
    refused = report.refused or ("GitHub refused some operations" if report.count("failed") else None)
    if report.stopped:
        notice = Notice("stopped", f"Devflow stopped with work left on {repository}", report.stopped)
    elif refused:
        notice = Notice("refused", f"GitHub refused Devflow's operations on {repository}", refused)
    else:
        return
    for warning in notifier(config.notify, env).send(notice).warnings:
        print(f"::warning::Devflow: notification failed: {escape_data(warning)}", file=out)


def _merged(reports: list[Report]) -> Report:
    merged = Report([o for r in reports for o in r.outcomes])
    merged.stopped = next((r.stopped for r in reports if r.stopped), None)
    merged.refused = next((r.refused for r in reports if r.refused), None)
    return merged


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


def _outputs(result: Result | None, report: Report, writes: int, results: list[Result] | None = None) -> dict[str, str]:
    """``plan``: the run's first plan (the rules'); ``plans``: every plan the run made (rules, the
    checklist of each pull request a check concerned, commands, reviewers, auto-merge), in order."""
    everything = results if results is not None else ([result] if result else [])
    return {
        "plan": json.dumps(result.plan.as_json() if result else None, ensure_ascii=False),
        "plans": json.dumps([r.plan.as_json() for r in everything], ensure_ascii=False),
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
            print(f"  {o.status}: {o.operation['type']}" + (f" ({escape_log(o.detail)})" if o.detail else ""), file=out)
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
