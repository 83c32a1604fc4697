"""The digest command for both entry points: the action (`command: digest`, and `auto` on `schedule`)
and the CLI (`devflow digest --repo owner/name`). Thin: environment -> clients -> use case -> render
-> exit code (0 done, 1 GitHub refused, 2 stopped with work left; ``exits.py``)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, TextIO

from .app.context import RunContext
from .app.digest import DigestResult, log_lines, run_digest, summary
from .config.model import Config
from .diagnostics import escape_data
from .engine.digest_render import as_json
from .exits import Exit
from .github.budget import CallBudget
from .github.client import GhClient
from .github.graphql import DEFAULT_URL, GraphQLClient
from .github.retry import Policy
from .notify import from_config
from .workflow import append_summary, commands_stopped, set_outputs

if TYPE_CHECKING:
    from .state.guard import Guarded
    from .state.model import StateStore


def graphql_url(env: Mapping[str, str]) -> str:
    """``GITHUB_GRAPHQL_URL`` as GitHub sets it; else derived from ``GITHUB_API_URL`` as GitHub lays them
    out (github.com: ``/graphql`` beside the API; Enterprise Server: ``/api/graphql`` beside ``/api/v3``)."""
    if env.get("GITHUB_GRAPHQL_URL"):
        return env["GITHUB_GRAPHQL_URL"]
    api = env.get("GITHUB_API_URL", "").rstrip("/")
    if not api:
        return DEFAULT_URL
    return api[: -len("/v3")] + "/graphql" if api.endswith("/api/v3") else api + "/graphql"


def make(
    config: Config,
    repository: str,
    token: str,
    env: Mapping[str, str],
    budget: CallBudget,
    *,
    dry_run: bool,
    window_days: int | None = None,
    policy: Policy | None = None,
    run_key: str | None = None,
    clock: Callable[[], datetime] | None = None,
    store: StateStore | None = None,
) -> DigestResult:
    policy = policy or Policy()
    api_url = env.get("GITHUB_API_URL", "https://api.github.com")
    with (
        GhClient(repository, token, api_url=api_url, budget=budget, policy=policy) as rest,
        GraphQLClient(token, graphql_url(env), policy=policy, budget=budget) as gql,
    ):
        ctx = RunContext(port=rest, budget=budget, run_key=run_key, dry_run=dry_run, policy=policy, store=store)
        if clock is not None:
            ctx.clock = clock
        return run_digest(
            ctx, gql, config, repository, window_days=window_days, notifier=from_config(config.notify, env)
        )


def exit_code(result: DigestResult) -> Exit:
    if result.stopped:
        return Exit.STOPPED
    if result.refused:
        return Exit.USER
    return Exit.OK


def action(config: Config, repository: str, token: str, env: Mapping[str, str], out: TextIO, budget: CallBudget,
           *, dry_run: bool, run_key: str | None, store: StateStore | None = None) -> int:  # fmt: skip
    result = make(config, repository, token, env, budget, dry_run=dry_run, run_key=run_key, store=store)
    with commands_stopped(out):  # titles and logins are user text
        for line in log_lines(result, budget.calls, budget.writes):
            print(escape_data(line), file=out)
    for warning in result.warnings:
        print(f"::warning::Devflow: notification failed: {escape_data(warning)}", file=out)
    append_summary(summary(result, budget.calls, budget.writes), env)
    numbers = as_json(result.digest) if result.digest else None
    set_outputs({"digest": json.dumps(numbers, ensure_ascii=False), "operations": str(budget.writes)}, env)
    if result.stopped:
        print(f"::error::Devflow stopped with work left: {escape_data(result.stopped)}; re-run the job to continue",
              file=out)  # fmt: skip
    if result.refused:
        print(f"::error::{escape_data(result.refused)}", file=out)
    return exit_code(result)


def _reading_store(state_url: str, err: TextIO) -> Guarded | None:
    """``--state-url`` (or ``$DEVFLOW_STATE_URL``): the digest reads history from it and writes nothing."""
    from .app.state_wiring import open_for_reading
    from .exits import UsageError
    from .state import parse

    url = parse(state_url)
    if url is None:
        return None
    if url.backend == "service":
        raise UsageError("--state-url: an https:// URL names the orchestration service, not a state store")
    store = open_for_reading(url)
    print(f"devflow: reading history from {store.where}", file=err)
    return store


def cli(config: Config, repository: str, token: str, env: Mapping[str, str], out: TextIO, err: TextIO, *,
        dry_run: bool, fmt: str, window_days: int | None, max_calls: int, state_url: str = "") -> int:  # fmt: skip
    budget = CallBudget(max_calls)
    store = _reading_store(state_url, err)
    try:
        result = make(config, repository, token, env, budget, dry_run=dry_run, window_days=window_days, store=store)
    finally:
        if store is not None:
            store.close()
    if store is not None and store.problems:
        print(f"devflow: warning: the state store was not read: {store.problems[0]}", file=err)
    if result.digest is not None:
        if fmt == "json":
            print(json.dumps({**as_json(result.digest), "calls": budget.calls, "writes": budget.writes}, indent=2,
                             ensure_ascii=False), file=out)  # fmt: skip
        else:
            print(result.markdown, file=out, end="")
    for line in log_lines(result, budget.calls, budget.writes):
        print(f"devflow: {line}", file=err)
    for warning in result.warnings:
        print(f"devflow: warning: notification failed: {warning}", file=err)
    if result.stopped:
        print(f"devflow: error: stopped with work left: {result.stopped}; run it again to continue", file=err)
    if result.refused:
        print(f"devflow: error: {result.refused}", file=err)
    return exit_code(result)
