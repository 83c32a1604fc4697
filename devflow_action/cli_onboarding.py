"""The onboarding commands of ``devflow``: ``init`` (maintainers), ``check`` and ``pr-body`` (contributors).

Thin like the rest of the CLI: arguments -> use case (app/init.py, app/check.py, app/pr_body.py) ->
rendering -> exit code. Results go to standard output, notes and progress to standard error.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TextIO

from .app.check import Checked, Step, check, selected
from .app.init import DEFAULT_PRESET, Initialised, init
from .app.pr_body import compose
from .config.extends import preset_names
from .config.loader import DEFAULT_PATH, load_file
from .config.model import Config
from .config.reading import local_reader
from .diagnostics import ConfigError, render
from .exits import Exit
from .local import git

_MARK = {"passed": "✔", "failed": "✘", "skipped": "–"}
_DONE = {"create": "created", "overwrite": "replaced", "unchanged": "unchanged", "skip": "skipped"}
_DRY = {"create": "would create", "overwrite": "would replace", "unchanged": "unchanged", "skip": "would skip"}


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("init", help="set up Devflow in a git repository: config, contributing guide, forms, workflows")
    p.add_argument("dir", nargs="?", default=".", type=Path, help="the repository (default: the current folder)")
    p.add_argument("--preset", default=DEFAULT_PRESET, help=f"one of: {', '.join(preset_names())} (default: minimal)")
    p.add_argument("--force", action="store_true", help="replace files that exist with other content")
    p.add_argument("--dry-run", action="store_true", help="say what would be written; write nothing")

    c = sub.add_parser("check", help="run the onboarding checklist's local steps in this repository")
    c.add_argument("--only", action="append", default=[], metavar="ID", help="run only this step (repeatable)")
    c.add_argument("--list", action="store_true", help="list the checklist's items and how each is checked")
    c.add_argument("--format", choices=("text", "json"), default="text")
    c.add_argument("--config", default=None, help="config file (default: .devflow.yml at the repository root)")

    b = sub.add_parser("pr-body", help="print a pull request description for this branch (gh pr create --body-file -)")
    b.add_argument("--config", default=None, help="config file (default: .devflow.yml at the repository root)")


def _config(repo: git.Repository, path: str | None) -> Config:
    where = Path(path) if path else repo.root / DEFAULT_PATH
    return load_file(where, path or DEFAULT_PATH, local_reader(repo.root))


def _invalid(exc: ConfigError, err: TextIO) -> int:
    print(render(exc.diagnostics, "text"), file=err)
    return Exit.USER


# --- init ----------------------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    out = sys.stdout
    result = init(args.dir, args.preset, force=args.force, dry_run=args.dry_run)
    words = _DRY if args.dry_run else _DONE
    print(f"Devflow for {result.repository} (default branch {result.repo.default_branch}), "
          f"preset '{result.preset}':", file=out)  # fmt: skip
    for w in result.files:
        print(f"  {words[w.action]:<13} {w.path}" + (f": {w.reason}" if w.reason else ""), file=out)
    if result.repo.name is None:
        print("note: the clone has no GitHub remote named origin, so OWNER/REPO stands in for the repository's "
              "name in CONTRIBUTING.md and .github/ISSUE_TEMPLATE/config.yml: add the remote, then run "
              "`devflow init --force`", file=out)  # fmt: skip
    if result.problems is not None:
        print(render(result.problems.diagnostics, "text"), file=out)
        print(f"✘ {DEFAULT_PATH} is not valid: fix it, then run `devflow validate`", file=out)
        return Exit.USER
    assert result.config is not None
    print(f"✔ {DEFAULT_PATH} is valid: {_describe(result.config)}", file=out)
    _checks_note(result, out)
    changed = [w.path for w in result.files if w.action in ("create", "overwrite")]
    if args.dry_run:
        print("Nothing was written (--dry-run).", file=out)
    elif not changed:
        print("Nothing to do: every file is as `devflow init` would write it.", file=out)
    else:
        tops = sorted({p.split("/")[0] for p in changed})
        print("Next: review the files, then commit and push them:", file=out)
        print(f"  git add {' '.join(tops)} && git commit -m 'Adopt Devflow' && git push", file=out)
    return Exit.OK


def _describe(config: Config) -> str:
    parts = [f"{len(config.rules)} rules"]
    o = config.onboarding
    if o is not None and o.checklist:
        checked = sum(1 for i in o.checklist if i.check)
        runs = sum(1 for i in o.checklist if i.run)
        parts.append(f"a checklist of {len(o.checklist)} items ({checked} checked on pull requests, "
                     f"{runs} run by `devflow check`)")  # fmt: skip
    return ", ".join(parts)


def _checks_note(result: Initialised, out: TextIO) -> None:
    o = result.config.onboarding if result.config else None
    if o is None or not any(i.check and i.check.kind == "ci" for i in o.checklist):
        return
    if result.ci_workflows:
        print(f"The checklist's CI item follows these workflows: {', '.join(result.ci_workflows)}", file=out)
    else:
        print("note: no CI workflow in .github/workflows yet, so the checklist's CI item follows check suites "
              "only; once you have CI, name its workflows under `workflow_run:` in .github/workflows/devflow.yml "
              "(docs/onboarding.md shows how)", file=out)  # fmt: skip


# --- check ---------------------------------------------------------------------------------------


def cmd_check(args: argparse.Namespace) -> int:
    out, err = sys.stdout, sys.stderr
    repo = git.inspect(Path.cwd())
    try:
        config = _config(repo, args.config)
    except ConfigError as exc:
        return _invalid(exc, err)
    only = [part for value in args.only for part in value.split(",") if part]
    if args.list:
        return _list(config, out)
    onboarding = config.onboarding
    if onboarding is None or (not onboarding.checklist and not onboarding.branch and not onboarding.commits):
        print(f"Nothing to check: {args.config or DEFAULT_PATH} has no onboarding checklist.", file=out)
        return Exit.OK
    live = out.isatty() and args.format == "text"
    text = args.format == "text"
    if text:
        steps = len(selected(onboarding, [i for i in only if i not in ("branch", "commits")]))
        where = f"on {repo.branch}" if repo.branch else "on a detached HEAD"
        print(f"devflow check: {steps} command(s) {where}", file=out, flush=True)

    def started(ident: str, command: str) -> None:
        if live:
            print(f"  … {ident:<14} {command}", end="", file=out, flush=True)

    def finished(step: Step) -> None:
        if not text:
            return
        if live:
            print("\r\033[K", end="", file=out)
        print(_step_line(step), file=out, flush=True)
        if step.output:
            print("\n".join(f"      | {line}" for line in step.output.splitlines()), file=out)

    result = check(config, repo, only, started, finished)
    if not text:
        print(json.dumps(result.as_json(), indent=2), file=out)
    else:
        _summary(result, out)
    return Exit.USER if result.failed else Exit.OK


def _step_line(step: Step) -> str:
    what = step.command or step.detail
    timing = f"  ({step.seconds:.1f}s{', ' + step.detail if step.command and step.detail else ''})"
    return f"  {_MARK[step.status]} {step.id:<14} {what}" + (timing if step.command else "")


def _summary(result: Checked, out: TextIO) -> None:
    if not result.steps:
        print("No step to run.", file=out)
        return
    print("", file=out)
    rows = [("step", "result", "required", "time")]
    for s in result.steps:
        rows.append((s.id, s.status, "yes" if s.required else "no", f"{s.seconds:.1f}s" if s.command else ""))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for i, row in enumerate(rows):
        print("  " + "  ".join(cell.ljust(widths[j]) for j, cell in enumerate(row)).rstrip(), file=out)
        if i == 0:
            print("  " + "  ".join("-" * w for w in widths), file=out)
    print("", file=out)
    failed = result.failed
    if not failed:
        optional = [s.id for s in result.steps if s.status == "failed"]
        extra = f" (optional step(s) failed: {', '.join(optional)})" if optional else ""
        print(f"All required steps passed{extra}. Next: `devflow pr-body`, then open your pull request.", file=out)
        return
    ids = ", ".join(s.id for s in failed)
    print(f"{len(failed)} required step(s) failed: {ids}. Fix them, then run `devflow check --only "
          f"{failed[0].id}`.", file=out)  # fmt: skip


def _list(config: Config, out: TextIO) -> int:
    o = config.onboarding
    if o is None or not o.checklist:
        print("The configuration has no onboarding checklist.", file=out)
        return Exit.OK
    rows = [("id", "required", "how it is checked")]
    for item in o.checklist:
        how = f"run: {item.run}" if item.run else f"on the pull request ({item.check.kind})" if item.check else "you"
        rows.append((item.id, "yes" if item.required else "no", how))
    for name in ("branch", "commits"):
        pattern = getattr(o, name)
        if pattern is not None:
            rows.append((name, "yes", f"matches {pattern.pattern}"))
    widths = [max(len(r[i]) for r in rows) for i in range(2)]
    for row in rows:
        print(f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]}", file=out)
    return Exit.OK


# --- pr-body -------------------------------------------------------------------------------------


def cmd_pr_body(args: argparse.Namespace) -> int:
    out, err = sys.stdout, sys.stderr
    repo = git.inspect(Path.cwd())
    try:
        config = _config(repo, args.config)
    except ConfigError as exc:
        return _invalid(exc, err)
    body = compose(config, repo)
    for note in body.notes:
        print(f"devflow: note: {note}", file=err)
    print(body.text, end="", file=out)
    return Exit.OK


COMMANDS = {"init": cmd_init, "check": cmd_check, "pr-body": cmd_pr_body}
