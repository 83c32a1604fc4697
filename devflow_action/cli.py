"""The `devflow` command. Thin: parse arguments, call the library, return an exit code.

Exit codes are the table in ``exits.py``, shared with the action: 0 success; 1 invalid input (config,
payload, facts), a usage error or output that cannot be written (a full disk); 2 stopped with work
left; 3 unexpected error (a bug); 141 the output's reader went away (``| head``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import __version__
from .cli_onboarding import COMMANDS as ONBOARDING_COMMANDS
from .cli_onboarding import add_parsers as add_onboarding_parsers
from .config.extends import merged_yaml
from .config.loader import DEFAULT_PATH, load_file
from .diagnostics import ConfigError, render
from .engine.offline import InputError, check_event, plan_offline
from .exits import Exit
from .handler import guarded
from .sweep_render import SWEEP_COMMANDS, add_cli_commands, cli_sweep

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_BUG = Exit.OK, Exit.USER, Exit.USER, Exit.BUG


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"devflow: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="devflow", description="Contributor-workflow automation for GitHub repositories.")
    parser.add_argument("--version", action="version", version=f"devflow {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    validate = sub.add_parser("validate", help="check a .devflow.yml and report every problem with its location")
    validate.add_argument("path", nargs="?", default=DEFAULT_PATH, help="config file (default: .devflow.yml)")
    validate.add_argument("--format", choices=("text", "json", "github"), default="text")
    validate.add_argument("--show-merged", action="store_true", help="print the config with what it extends merged in")

    plan = sub.add_parser("plan", help="show what the rules would do for an event, offline")
    plan.add_argument("--event", required=True, help="event name, optionally with its action: issues.opened")
    plan.add_argument("--payload", required=True, type=Path, help="webhook payload (JSON file)")
    plan.add_argument("--config", default=DEFAULT_PATH, help="config file (default: .devflow.yml)")
    plan.add_argument("--facts", type=Path, help='JSON file of facts beyond the payload, e.g. {"files": [...]}')
    plan.add_argument("--format", choices=("text", "json"), default="text")
    plan.add_argument("--show-merged", action="store_true", help="print the config with what it extends merged in")

    state = sub.add_parser("state", help="the optional state store: migrate, status, events (docs/state.md)")
    state.add_argument("action", choices=("migrate", "status", "events"))
    state.add_argument("--url", help="postgresql:// or redis:// URL (default: $DEVFLOW_STATE_URL, which keeps "
                       "the password out of the process list)")  # fmt: skip
    state.add_argument("--repo", help="events: only this repository (owner/name)")
    state.add_argument("--limit", type=int, default=20, help="events: how many, newest first (default 20)")
    state.add_argument("--format", choices=("text", "json"), default="text")
    add_cli_commands(sub)  # triage, stale, sync-labels: sweep_render.py

    digest = sub.add_parser("digest", help="the contributor digest of a repository, read through GitHub's GraphQL API")
    digest.add_argument("--repo", required=True, type=_repository, help="owner/name")
    digest.add_argument("--config", help="config file (default: .devflow.yml when it exists, else the defaults)")
    digest.add_argument("--dry-run", action="store_true", help="read and print; post and notify nothing")
    digest.add_argument("--format", choices=("markdown", "json"), default="markdown")
    digest.add_argument("--window-days", type=_positive, help="days covered (default: digest.window_days, or 7)")
    digest.add_argument("--max-calls", type=_positive, default=500, help="API call budget (default 500)")
    digest.add_argument("--state-url", help="a state store to read history from, read only (default: "
                        "$DEVFLOW_STATE_URL, which keeps the password out of the process list)")  # fmt: skip
    add_onboarding_parsers(sub)

    serve = sub.add_parser("serve", help="the orchestration service: webhooks, metrics, admin (docs/service.md)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--workers", type=int, default=1, help="uvicorn processes (default 1)")
    worker = sub.add_parser("worker", help="the orchestration service's workers: apply queued events")
    worker.add_argument("--processes", type=int, default=1, help="worker processes (default 1)")
    worker.add_argument("--threads", type=int, default=8, help="threads per process (default 8)")
    return parser


def _repository(text: str) -> str:
    owner, slash, name = text.partition("/")
    if not (owner and slash and name) or "/" in name or " " in text:
        raise argparse.ArgumentTypeError(f"expected owner/name, got {text!r}")
    return text


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number of at least 1, got {value}")
    return value


def cmd_validate(args: argparse.Namespace) -> int:
    try:
        config = load_file(args.path)
    except ConfigError as exc:
        print(render(exc.diagnostics, args.format))
        if args.format == "text":
            print(f"{len(exc.errors)} error(s) in {args.path}", file=sys.stderr)
        return EXIT_INVALID
    if args.show_merged:
        print(merged_yaml(config.merged, args.path, config.extends), end="")
    if args.format == "json" or config.warnings:
        print(render(config.warnings, args.format), file=sys.stderr if args.show_merged else sys.stdout)
    if args.format == "text":
        print(
            f"{args.path}: valid ({len(config.rules)} rules, {len(config.warnings)} warning(s))",
            file=sys.stderr,
        )
    return EXIT_OK


def _read_json(path: Path) -> Any:
    """A JSON input file; a problem names the file (and the line and column of a syntax error)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError([f"{path}: no such file"]) from None
    except IsADirectoryError:
        raise InputError([f"{path}: this is a directory; name a JSON file"]) from None
    except UnicodeDecodeError:
        raise InputError([f"{path}: not UTF-8 text; expected a JSON file"]) from None
    except OSError as exc:
        raise InputError([f"{path}: cannot read the file: {exc.strerror or exc}"]) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError([f"{path}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}"]) from None
    except RecursionError:
        raise InputError([f"{path}: not JSON this program can read: nested too deeply"]) from None


def cmd_plan(args: argparse.Namespace) -> int:
    try:
        check_event(args.event)  # first: a misspelt event is the cheapest mistake to report
    except InputError as exc:
        return _input_failed(exc)
    try:
        config = load_file(args.config)
    except ConfigError as exc:
        print(render(exc.diagnostics, "text"), file=sys.stderr)
        return EXIT_INVALID
    try:
        payload = _read_json(args.payload)
        facts = _read_json(args.facts) if args.facts else None
        result = plan_offline(
            config, args.event, payload, facts, payload_name=str(args.payload), facts_name=str(args.facts)
        )
    except InputError as exc:
        return _input_failed(exc)
    if args.format == "json":
        data = result.as_json()
        if args.show_merged:
            data["merged_config"] = config.merged
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        from .report import plan_text

        if args.show_merged:
            print(merged_yaml(config.merged, args.config, config.extends))
        print(plan_text(result))
    return EXIT_OK


def _input_failed(exc: InputError) -> int:
    for line in exc.lines:
        print(f"devflow: error: {line}", file=sys.stderr)
    return EXIT_INVALID


def cmd_digest(args: argparse.Namespace) -> int:
    import os

    from . import digest_command
    from .app import app_token
    from .config.model import Config
    from .exits import UsageError

    api_url = os.environ.get("GITHUB_API_URL", "https://api.github.com")
    token = app_token.token_for(os.environ, args.repo, api_url)
    if not token:
        raise UsageError(
            "GITHUB_TOKEN is not set: GitHub's GraphQL API needs a token (`gh auth token` gives one), "
            "or DEVFLOW_APP_ID and DEVFLOW_APP_PRIVATE_KEY for a GitHub App"
        )
    path = args.config or DEFAULT_PATH
    try:
        config = load_file(path) if args.config or Path(path).exists() else Config(version=1)
    except ConfigError as exc:
        print(render(exc.diagnostics, "text"), file=sys.stderr)
        return EXIT_INVALID
    state_url = args.state_url or os.environ.get("DEVFLOW_STATE_URL", "")
    return digest_command.cli(config, args.repo, token, os.environ, sys.stdout, sys.stderr, dry_run=args.dry_run,
                              fmt=args.format, window_days=args.window_days, max_calls=args.max_calls,
                              state_url=state_url)  # fmt: skip


def cmd_state(args: argparse.Namespace) -> int:
    from .app import state_admin

    url = args.url or os.environ.get(state_admin.URL_ENV, "")
    if args.action == "migrate":
        print(state_admin.migrate(url))
    elif args.action == "status":
        print(state_admin.status(url))
    else:
        print(state_admin.events(url, args.repo, args.limit, args.format))
    return EXIT_OK


def _service() -> Any:
    """The service's entry point; its dependencies load only for its commands."""
    from importlib.util import find_spec

    from .exits import UsageError

    missing = [name for name in ("starlette", "uvicorn", "dramatiq", "prometheus_client") if find_spec(name) is None]
    if missing:
        raise UsageError(f"the orchestration service needs its extra ({', '.join(missing)} missing): "
                         "pip install 'devflow-action[service]'")  # fmt: skip
    from .service import cli as service

    return service


def cmd_serve(args: argparse.Namespace) -> int:
    return int(_service().serve(args.host, args.port, max(1, args.workers)))


def cmd_worker(args: argparse.Namespace) -> int:
    return int(_service().worker(max(1, args.processes), max(1, args.threads)))


COMMANDS = {
    "validate": cmd_validate,
    "plan": cmd_plan,
    "state": cmd_state,
    **dict.fromkeys(SWEEP_COMMANDS, cli_sweep),
    "digest": cmd_digest,
    **ONBOARDING_COMMANDS,
    "serve": cmd_serve,
    "worker": cmd_worker,
}


def _report(code: Exit, message: str) -> None:
    if code == Exit.BUG:
        message = "unexpected error (a bug in Devflow); please report it with the traceback above"
    print(f"devflow: error: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return guarded(lambda: COMMANDS[args.command](args), _report, lambda text: print(text, file=sys.stderr, end=""))


if __name__ == "__main__":
    sys.exit(main())
