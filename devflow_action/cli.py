"""The `devflow` command. Thin: parse arguments, call the library, return an exit code.

Exit codes are the table in ``exits.py``, shared with the action: 0 success; 1 invalid input (config,
payload) or a usage error; 2 stopped with work left; 3 unexpected error (a bug).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .config.loader import DEFAULT_PATH, load_file
from .diagnostics import ConfigError, render
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

    plan = sub.add_parser("plan", help="show what the rules would do for an event, offline")
    plan.add_argument("--event", required=True, help="event name, optionally with its action: issues.opened")
    plan.add_argument("--payload", required=True, type=Path, help="webhook payload (JSON file)")
    plan.add_argument("--config", default=DEFAULT_PATH, help="config file (default: .devflow.yml)")
    plan.add_argument("--facts", type=Path, help='JSON file of facts beyond the payload, e.g. {"files": [...]}')
    plan.add_argument("--format", choices=("text", "json"), default="text")
    add_cli_commands(sub)  # triage, stale, sync-labels: sweep_render.py
    return parser


def cmd_validate(args: argparse.Namespace) -> int:
    try:
        config = load_file(args.path)
    except ConfigError as exc:
        print(render(exc.diagnostics, args.format))
        if args.format == "text":
            print(f"{len(exc.errors)} error(s) in {args.path}", file=sys.stderr)
        return EXIT_INVALID
    if args.format == "json" or config.warnings:
        print(render(config.warnings, args.format))
    if args.format == "text":
        print(
            f"{args.path}: valid ({len(config.rules)} rules, {len(config.warnings)} warning(s))",
            file=sys.stderr,
        )
    return EXIT_OK


def cmd_plan(args: argparse.Namespace) -> int:
    from .engine.offline import plan_offline

    try:
        config = load_file(args.config)
    except ConfigError as exc:
        print(render(exc.diagnostics, "text"), file=sys.stderr)
        return EXIT_INVALID
    try:
        payload = json.loads(args.payload.read_text(encoding="utf-8"))
        facts = json.loads(args.facts.read_text(encoding="utf-8")) if args.facts else None
    except (OSError, ValueError) as exc:
        print(f"devflow: error: cannot read input: {exc}", file=sys.stderr)
        return EXIT_INVALID
    result = plan_offline(config, args.event, payload, facts)
    if isinstance(result, str):
        print(f"devflow: error: {result}", file=sys.stderr)
        return EXIT_INVALID
    if args.format == "json":
        print(json.dumps(result.as_json(), indent=2, ensure_ascii=False))
    else:
        from .report import plan_text

        print(plan_text(result))
    return EXIT_OK


COMMANDS = {"validate": cmd_validate, "plan": cmd_plan, **dict.fromkeys(SWEEP_COMMANDS, cli_sweep)}


def _report(code: Exit, message: str) -> None:
    if code == Exit.BUG:
        message = "unexpected error (a bug in Devflow); please report it with the traceback above"
    print(f"devflow: error: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return guarded(lambda: COMMANDS[args.command](args), _report, lambda text: print(text, file=sys.stderr, end=""))


if __name__ == "__main__":
    sys.exit(main())
