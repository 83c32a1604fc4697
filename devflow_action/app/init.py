"""Use case: ``devflow init``, adopting Devflow in a repository in one command.

It writes ``.devflow.yml`` (extending a preset), CONTRIBUTING.md with the onboarding checklist, issue
forms, a pull request template and two workflows, filled in with the repository's name and default
branch as git knows them (no network). A file that exists is never overwritten without ``force``;
one whose content would not change is left alone, so running it twice changes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml

from ..config.extends import preset_names, preset_text
from ..config.loader import load_file, load_text
from ..config.model import Config
from ..config.onboarding import Onboarding
from ..config.reading import local_reader
from ..diagnostics import ConfigError
from ..exits import UsageError
from ..local import git
from ..suggest import did_you_mean

Action = Literal["create", "overwrite", "unchanged", "skip"]
DEFAULT_PRESET = "minimal"
UNKNOWN_REPOSITORY = "OWNER/REPO"
# template in the package -> where it goes in the repository
FILES = {
    "CONTRIBUTING.md": "CONTRIBUTING.md",
    "pull_request_template.md": ".github/pull_request_template.md",
    "ISSUE_TEMPLATE/bug.yml": ".github/ISSUE_TEMPLATE/bug.yml",
    "ISSUE_TEMPLATE/feature.yml": ".github/ISSUE_TEMPLATE/feature.yml",
    "ISSUE_TEMPLATE/first-contribution.yml": ".github/ISSUE_TEMPLATE/first-contribution.yml",
    "ISSUE_TEMPLATE/config.yml": ".github/ISSUE_TEMPLATE/config.yml",
    "workflows/devflow.yml": ".github/workflows/devflow.yml",
    "workflows/devflow-config.yml": ".github/workflows/devflow-config.yml",
}
CONFIG = ".devflow.yml"
CI_PLACEHOLDER = "  # __CI_WORKFLOWS__\n"


@dataclass(frozen=True)
class Written:
    path: str  # relative to the repository root
    action: Action
    reason: str = ""


@dataclass(frozen=True)
class Initialised:
    repo: git.Repository
    repository: str  # owner/name, or OWNER/REPO when the clone has no GitHub remote
    preset: str
    files: tuple[Written, ...]
    config: Config | None  # the configuration the repository has now (or would have, in a dry run)
    problems: ConfigError | None  # why that configuration is invalid
    ci_workflows: tuple[str, ...]  # workflows whose completion updates the checklist's CI item


def check_preset(name: str) -> str:
    if name not in preset_names():
        hint = did_you_mean(name, preset_names()) or ""
        raise UsageError(f"--preset: unknown preset '{name}'{hint}; shipped presets: {', '.join(preset_names())}")
    return name


def template(name: str) -> str:
    return (resources.files("devflow_action") / "templates" / name).read_text(encoding="utf-8")


def ci_workflows(root: Path) -> tuple[str, ...]:
    """Names of the repository's workflows that run on pushes or pull requests (its CI), whose
    completion ``workflow_run`` can follow. Devflow's own workflows are not CI."""
    folder = root / ".github" / "workflows"
    ours = {Path(target).name for target in FILES.values() if target.startswith(".github/workflows/")}
    names = []
    for path in sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")]) if folder.is_dir() else []:
        if path.name in ours:
            continue
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue  # not ours to judge: the repository's own CI lints it
        if not isinstance(data, dict):
            continue
        on = data.get("on", data.get(True))  # PyYAML reads the key `on` as true
        triggers = set(on) if isinstance(on, dict | list) else {on}
        if triggers & {"push", "pull_request"}:
            names.append(str(data.get("name") or path.relative_to(root).as_posix()))
    return tuple(names)


def _checklist_lines(onboarding: Onboarding | None, *, markers: bool) -> str:
    if onboarding is None or not onboarding.checklist:
        return "- [ ] The tests pass locally"
    lines = []
    for item in onboarding.checklist:
        how = []
        if item.run:
            how.append(f"run `{item.run}`")
        if item.check:
            how.append("Devflow checks it on your pull request")
        if not item.required:
            how.append("optional")
        if markers:
            lines.append(f"- [ ] {item.text} <!-- devflow:item:{item.id} -->")
        else:
            lines.append(f"- [ ] **{item.text}**" + (f" ({'; '.join(how)})" if how else ""))
    return "\n".join(lines)


def _commands(onboarding: Onboarding | None) -> str:
    runs = [item for item in onboarding.checklist if item.run] if onboarding else []
    if not runs:
        return "Run the tests before you push, and describe in the pull request how you tested your change."
    lines = [
        "Before you open the pull request, run the local steps. With Devflow's command line installed,",
        "`devflow check` runs them all and tells you what to fix; `devflow pr-body` then writes a",
        "description from this repository's template and your commits (`gh pr create --body-file -`).",
        "Or run them yourself:",
        "",
        "```sh",
        *[item.run or "" for item in runs],
        "```",
    ]
    return "\n".join(lines)


def _config_text(repository: str, preset: str) -> str:
    return (
        f"# Devflow for {repository}: triage, labels and the contributor checklist.\n"
        f"# `devflow validate --show-merged` shows this file with the '{preset}' preset merged in.\n"
        "version: 1\n"
        f"extends: [{preset}]\n"
        "# Add your own labels, templates and rules below. A rule named like one of the preset's\n"
        "# replaces it; `onboarding` keys set here replace the preset's (a list such as `checklist`\n"
        "# is replaced whole).\n"
    )


def plan(repo: git.Repository, preset: str) -> tuple[dict[str, str], tuple[str, ...], str]:
    """What ``init`` would write: path -> content, the CI workflows found, and the repository's name."""
    repository = repo.name or UNKNOWN_REPOSITORY
    preset_config = load_text(preset_text(preset), f"preset:{preset}")
    onboarding = preset_config.onboarding
    ci = ci_workflows(repo.root)
    values = {
        "__PROJECT__": repository.split("/")[-1] if repo.name else repo.root.name,
        "__REPOSITORY__": repository,
        "__DEFAULT_BRANCH__": repo.default_branch,
        "__CHECKLIST__": "",
        "__COMMANDS__": _commands(onboarding),
    }
    out = {CONFIG: _config_text(repository, preset)}
    for source, target in FILES.items():
        text = template(source)
        if source == "CONTRIBUTING.md":
            text = text.replace("__CHECKLIST__", _checklist_lines(onboarding, markers=False))
        elif source == "pull_request_template.md":
            text = text.replace("__CHECKLIST__", _checklist_lines(onboarding, markers=True))
        elif source == "workflows/devflow.yml":
            text = text.replace(CI_PLACEHOLDER, _workflow_run(ci))
        for key, value in values.items():
            text = text.replace(key, value)
        out[target] = text
    return out, ci, repository


def _workflow_run(names: tuple[str, ...]) -> str:
    if not names:
        return ""
    listed = ", ".join(json.dumps(name) for name in names)  # a JSON string is a YAML string too
    return f"  workflow_run:\n    workflows: [{listed}]\n    types: [completed]\n"


def init(path: Path, preset: str, *, force: bool = False, dry_run: bool = False) -> Initialised:
    repo = git.inspect(path)
    planned, ci, repository = plan(repo, check_preset(preset))
    written = []
    for target, content in planned.items():
        dest = repo.root / target
        if dest.is_dir():
            written.append(Written(target, "skip", "a folder is there"))
            continue
        if dest.exists():
            try:
                same = dest.read_text(encoding="utf-8") == content
            except (OSError, UnicodeDecodeError):
                same = False
            if same:
                written.append(Written(target, "unchanged"))
                continue
            if not force:
                written.append(Written(target, "skip", "exists with other content; --force replaces it"))
                continue
        action: Action = "overwrite" if dest.exists() else "create"
        if not dry_run:
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(content, encoding="utf-8")
        written.append(Written(target, action))
    config, problems = _validate(repo.root, planned[CONFIG], dry_run)
    return Initialised(repo, repository, preset, tuple(written), config, problems, ci)


def _validate(root: Path, planned: str, dry_run: bool) -> tuple[Config | None, ConfigError | None]:
    """The configuration the repository has after ``init``: the file on disk (written, or kept), or
    in a dry run what would be written where nothing is there yet."""
    path = root / CONFIG
    try:
        if dry_run and not path.exists():
            return load_text(planned, CONFIG, local_reader(root)), None
        return load_file(path, CONFIG, local_reader(root)), None
    except ConfigError as exc:
        return None, exc
