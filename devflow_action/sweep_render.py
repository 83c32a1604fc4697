"""Sweeps at the entry points: which sweeps a run does, progress lines, the job summary, outputs, exit code.

``command: auto`` picks sweeps by the event through ``AUTO`` (``workflow_dispatch`` → triage,
``schedule`` → every section in ``SCHEDULED`` the config has); a new scheduled section (the digest)
is one more entry there. The action (``action.py``) and the CLI (``cli.py``) call ``run_sweeps``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from .app import app_token
from .app.context import RunContext
from .app.labels import sync_labels
from .app.stale import stale
from .app.sweep import DEFAULT_MAX_OPERATIONS, ItemResult, SweepResult
from .app.triage import triage
from .config.loader import load_bytes, load_file
from .config.model import Config
from .diagnostics import ConfigError, Diagnostic, escape_data, escape_markdown
from .exits import Exit, UsageError
from .github.budget import CallBudget
from .github.client import GhClient
from .github.facts import DEFAULT_SELF_LOGIN
from .github.port import GitHubPort
from .report import one_line
from .workflow import append_summary, commands_stopped, input_value, set_outputs

SWEEP_COMMANDS = ("triage", "stale", "sync-labels")
# Scheduled sections: name -> whether the config has it. `schedule` runs every one present.
SCHEDULED: dict[str, Callable[[Config], bool]] = {"stale": lambda c: c.stale is not None}
AUTO: dict[str, Callable[[Config], tuple[str, ...]]] = {
    "workflow_dispatch": lambda c: ("triage",),
    "schedule": lambda c: tuple(name for name, present in SCHEDULED.items() if present(c)),
}
SWEEP_MAX_CALLS = 500  # half of GITHUB_TOKEN's hourly 1,000: event runs in the same hour keep the rest
WRITE_INTERVAL = 1.0  # seconds between writes: GitHub asks this of clients making many
SUMMARY_ROWS = 300


@dataclass(frozen=True)
class Options:
    query: str | None = None
    max_operations: int | None = None
    limit: int | None = None
    write_interval: float = WRITE_INTERVAL


def is_sweep(command: str, event_name: str) -> bool:
    return command in SWEEP_COMMANDS or (command == "auto" and event_name in AUTO)


def sweeps_for(command: str, event_name: str, config: Config) -> tuple[str, ...]:
    return (command,) if command in SWEEP_COMMANDS else AUTO[event_name](config)


def positive(raw: str, what: str) -> int | None:
    raw = raw.strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise UsageError(f"{what} must be a whole number of at least 1, got {raw!r}")
    return int(raw)


def run_sweeps(
    ctx: RunContext,
    config: Config,
    names: tuple[str, ...],
    repository: str,
    options: Options,
    line: Callable[[str], None],
) -> list[SweepResult]:
    """Run the sweeps in order; after one stops with work left, the others are not started."""
    results: list[SweepResult] = []
    for name in names:

        def progress(i: int, total: int | None, item: ItemResult, name: str = name) -> None:
            line(progress_line(name, i, total, item))

        cap = options.max_operations
        if name == "triage":
            result = triage(ctx, config, repository, query=options.query, max_operations=cap or DEFAULT_MAX_OPERATIONS,
                            limit=options.limit, progress=progress, write_interval=options.write_interval)  # fmt: skip
        elif name == "stale":
            result = stale(ctx, config, repository, max_operations=cap, limit=options.limit, progress=progress,
                           write_interval=options.write_interval)  # fmt: skip
        else:
            result = sync_labels(ctx, config, max_operations=cap or DEFAULT_MAX_OPERATIONS, progress=progress,
                                 write_interval=options.write_interval)  # fmt: skip
        results.append(result)
        if result.stopped or result.refused:
            break
    return results


def exit_code(results: list[SweepResult]) -> Exit:
    if any(r.stopped for r in results):
        return Exit.STOPPED
    if any(r.refused or r.count("failed") for r in results):
        return Exit.USER
    return Exit.OK


# --- rendering -------------------------------------------------------------------------------------


def progress_line(name: str, i: int, total: int | None, item: ItemResult) -> str:
    """``[120/800] #1234 +bug +needs-triage``; user text (labels, reasons) on one line."""
    where = f"[{i}/{total}]" if total else f"[{i}]"
    if item.status in ("failed", "left"):
        return one_line(f"{where} {item.ref} {item.status}: {item.detail}")
    what = " ".join(item.changes) if item.changes else "no change"
    if item.status == "dry-run":
        what += " (dry run)"
    why = f" ({item.detail})" if item.detail and name != "triage" else ""
    return one_line(f"{where} {item.ref} {what}{why}")


def status_text(r: SweepResult) -> str:
    changed = r.count("changed", "dry-run")
    verb = "would change" if r.dry_run else "changed"
    done = f"{len(r.items) - r.count('left')} examined, {changed} {verb}"
    if r.refused:
        return f"Could not run: {r.refused}. Done before that: {done}."
    left = r.left
    rest = f"{left} left" if left is not None else "more items left in the listing"
    if r.stopped:
        return f"Stopped with work left: {r.stopped}. Done this run: {done}; {rest}. Re-run to continue."
    if r.limited:
        return f"Stopped at the limit of {len(r.items)} items: {done}; {rest}."
    return f"Done: {done}; nothing left."


def summary(results: list[SweepResult], calls: int, writes: int) -> str:
    out: list[str] = []
    for r in results:
        out += [f"## Devflow: {r.command}" + (" (dry run)" if r.dry_run else ""), ""]
        out += [f"**{escape_markdown(status_text(r))}**", ""]
        out += [f"- {escape_markdown(n)}" for n in r.notes]
        rows = [i for i in r.items if i.status != "unchanged"]
        if rows:
            out += ["", "| item | title | changes | result |", "| --- | --- | --- | --- |"]
            for i in rows[:SUMMARY_ROWS]:
                result = i.status + (f": {i.detail}" if i.detail and i.status in ("failed", "left") else "")
                out.append(
                    f"| {escape_markdown(i.ref)} | {escape_markdown(i.title)} | "
                    f"{escape_markdown(', '.join(i.changes))} | {escape_markdown(result)} |"
                )
            if len(rows) > SUMMARY_ROWS:
                out.append(f"\n… and {len(rows) - SUMMARY_ROWS} more (the log lists every item).")
        out.append("")
    out.append(f"API calls: {calls} (writes: {writes})")
    return "\n".join(out)


def outputs(results: list[SweepResult], writes: int) -> dict[str, str]:
    added: list[str] = []
    removed: list[str] = []
    comments = left = 0
    for r in results:
        for i in r.items:
            if i.report is None:
                left += i.status == "left"
                continue
            added += [x for x in i.report.labels("add_labels") if x not in added]
            removed += [x for x in i.report.labels("remove_labels") if x not in removed]
            comments += i.report.comments
            left += i.report.count("left")
    plan = [
        {"command": r.command, "complete": r.complete, "stopped": r.stopped, "left": r.left,
         "items": [{"item": i.ref, "changes": list(i.changes), "result": i.status}
                   for i in r.items if i.status != "unchanged"]}
        for r in results
    ]  # fmt: skip
    return {
        "plan": json.dumps(plan, ensure_ascii=False),
        "labels-added": json.dumps(added, ensure_ascii=False),
        "labels-removed": json.dumps(removed, ensure_ascii=False),
        "comments": str(comments),
        "operations": str(writes),
        "skipped": str(left),
        "items": str(sum(len(r.items) - r.count("left") for r in results)),
        "complete": "true" if results and all(r.complete for r in results) else "false",
    }


def options_from(get: Mapping[str, str]) -> Options:
    """Options from inputs (``query``, ``max-operations``, ``limit``) and ``DEVFLOW_WRITE_INTERVAL``."""
    raw_interval = get.get("write-interval", "").strip()
    try:
        interval = float(raw_interval) if raw_interval else WRITE_INTERVAL
    except ValueError:
        raise UsageError(f"DEVFLOW_WRITE_INTERVAL must be a number of seconds, got {raw_interval!r}") from None
    return Options(
        query=get.get("query", "").strip() or None,
        max_operations=positive(get.get("max-operations", ""), "max-operations"),
        limit=positive(get.get("limit", ""), "limit"),
        write_interval=max(0.0, interval),
    )


def render_log(results: list[SweepResult], out: TextIO) -> None:
    for r in results:
        print(one_line(f"Devflow {r.command}: {status_text(r)}"), file=out)
        for note in r.notes:
            print(one_line(f"  note: {note}"), file=out)


# --- the action ------------------------------------------------------------------------------------


def action_sweeps(
    ctx: RunContext, config: Config, command: str, event_name: str, repository: str, env: Mapping[str, str], out: TextIO
) -> int:
    names = sweeps_for(command, event_name, config)
    if not names:
        sections = ", ".join([*SCHEDULED, "digest"])
        note = f"nothing to do on '{event_name}': the configuration has no scheduled section ({sections})"
        print(f"::notice::Devflow: {escape_data(note)}", file=out)
        append_summary(f"## Devflow\n\n{escape_markdown(note)}.", env)
        set_outputs(outputs([], 0), env)
        return Exit.OK
    inputs = {k: input_value(k, "", env) for k in ("query", "max-operations", "limit")}
    options = options_from({**inputs, "write-interval": env.get("DEVFLOW_WRITE_INTERVAL", "")})
    calls, writes = ctx.budget.calls, ctx.budget.writes
    with commands_stopped(out):  # progress lines carry user text (labels, reasons)
        results = run_sweeps(ctx, config, names, repository, options, lambda text: print(text, file=out, flush=True))
        render_log(results, out)
        calls, writes = ctx.budget.calls - calls, ctx.budget.writes - writes
        print(f"API calls: {calls} (writes: {writes}){' [dry run: nothing written]' if ctx.dry_run else ''}", file=out)
    append_summary(summary(results, calls, writes), env)
    set_outputs(outputs(results, writes), env)
    code = exit_code(results)
    for r in results:
        if r.stopped:
            print(f"::error::Devflow {r.command} stopped with work left: {escape_data(r.stopped)}; "
                  "re-run the workflow to continue where it stopped", file=out)  # fmt: skip
        elif r.refused:
            print(f"::error::Devflow {r.command}: {escape_data(r.refused)}", file=out)
        elif r.count("failed"):
            print(f"::error::Devflow {r.command}: GitHub refused {r.count('failed')} item(s) (see the log)", file=out)
    return code


# --- the CLI ---------------------------------------------------------------------------------------


def add_cli_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    helps = {
        "triage": "run the rules over the issues a search selects (default: open and unlabelled)",
        "stale": "mark inactive issues and pull requests stale, close them later (the `stale:` section)",
        "sync-labels": "create and update the repository's labels from `labels:`",
    }
    for name in SWEEP_COMMANDS:
        cmd = sub.add_parser(name, help=helps[name])
        cmd.add_argument("--repo", required=True, help="owner/name")
        cmd.add_argument("--config", default=".devflow.yml", help="local file; else read from the default branch")
        cmd.add_argument("--dry-run", action="store_true", help="show what would change, write nothing")
        cmd.add_argument("--max-operations", type=int, help="writes at most this many (default 100)")
        if name != "sync-labels":
            cmd.add_argument("--limit", type=int, help="examine at most this many items")
        if name == "triage":
            cmd.add_argument("--query", help="GitHub search syntax or issue numbers (default: is:open no:label)")


def cli_sweep(args: argparse.Namespace, env: Mapping[str, str] | None = None, out: TextIO | None = None) -> int:
    env = os.environ if env is None else env
    out = sys.stdout if out is None else out
    owner, _, name = args.repo.partition("/")
    if not owner or not name or "/" in name:
        raise UsageError(f"--repo must be owner/name, got {args.repo!r}")
    token = app_token.token_for(env, args.repo, env.get("GITHUB_API_URL", "https://api.github.com"))
    if not token and not args.dry_run:
        raise UsageError(
            "set GITHUB_TOKEN to a token that can write issues, or DEVFLOW_APP_ID and DEVFLOW_APP_PRIVATE_KEY "
            "for a GitHub App (or use --dry-run)"
        )
    options = options_from(
        {"query": getattr(args, "query", None) or "",
         "max-operations": str(args.max_operations or ""), "limit": str(getattr(args, "limit", None) or ""),
         "write-interval": env.get("DEVFLOW_WRITE_INTERVAL", "")}
    )  # fmt: skip
    max_calls = positive(env.get("DEVFLOW_MAX_CALLS", ""), "DEVFLOW_MAX_CALLS") or SWEEP_MAX_CALLS
    budget = CallBudget(max_calls)
    with GhClient(
        args.repo, token, api_url=env.get("GITHUB_API_URL", "https://api.github.com"), budget=budget
    ) as client:
        ctx = RunContext(
            client, budget, dry_run=args.dry_run, self_login=env.get("DEVFLOW_SELF_LOGIN", DEFAULT_SELF_LOGIN),
            policy=client.policy,
        )  # fmt: skip
        try:
            config = _config(client, args.config)
        except ConfigError as exc:
            print("\n".join(d.text() for d in exc.diagnostics), file=sys.stderr)
            return Exit.USER
        for warning in config.warnings:
            print(warning.text(), file=sys.stderr)
        results = run_sweeps(ctx, config, (args.command,), args.repo, options, lambda t: print(t, file=out, flush=True))
    render_log(results, out)
    print(f"API calls: {budget.calls} (writes: {budget.writes}){' [dry run: nothing written]' if args.dry_run else ''}",
          file=out)  # fmt: skip
    return exit_code(results)


def _config(port: GitHubPort, path: str) -> Config:
    """The local file when there is one (a maintainer's checkout), else the default branch's."""
    if Path(path).is_file():
        return load_file(path)
    data = port.get_file(path, None)
    if data is None:
        raise ConfigError([Diagnostic(0, 0, "", "no configuration file here nor on the default branch", file=path)])
    return load_bytes(data, path)
