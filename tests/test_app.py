"""Use cases: when the payload stands for the item's state (freshness), and which `.devflow.yml` an
event runs with (workspace, base branch for pull requests Devflow must not trust, default branch)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from devflow_action.app.config_source import load_config
from devflow_action.app.context import RunContext
from devflow_action.app.event import FRESH_FOR, handle_event, is_fresh
from devflow_action.config.loader import load_text
from devflow_action.diagnostics import ConfigError
from devflow_action.events.model import Event
from devflow_action.events.normalize import normalize

from .conftest import load_payload
from .fakegithub import FakeGitHub

ISSUE = normalize("issues", load_payload("issues.opened"))  # labels [bug] in the payload
assert ISSUE.updated_at is not None
SENT = ISSUE.updated_at  # when GitHub sent the event
LABEL = load_text("version: 1\nrules:\n  - name: r\n    on: issues\n    then: [{label: triage}]\n")


def run(attempt: int, age: timedelta, event: Event = ISSUE) -> FakeGitHub:
    fake = FakeGitHub(labels=["bug", "triage"])  # the item now: someone already added `triage`
    ctx = RunContext(fake, clock=lambda: SENT + age, attempt=attempt)
    handle_event(ctx, LABEL, event)
    return fake


# --- freshness ------------------------------------------------------------------------------------


def test_first_attempt_for_a_recent_event_trusts_the_payload_and_reads_nothing() -> None:
    fake = run(attempt=1, age=timedelta(seconds=30))
    assert fake.calls == ["add_labels"]


def test_rerun_reads_the_item_first_and_writes_nothing_already_done() -> None:
    fake = run(attempt=2, age=timedelta(seconds=30))
    assert fake.calls == ["get_issue"]  # `triage` is there now: nothing to write


def test_event_older_than_five_minutes_reads_the_item_first() -> None:
    fake = run(attempt=1, age=FRESH_FOR + timedelta(seconds=1))
    assert fake.calls == ["get_issue"]


@pytest.mark.parametrize(
    ("attempt", "age", "fresh"),
    [
        (1, timedelta(0), True),
        (1, FRESH_FOR, True),  # the boundary is still fresh
        (1, FRESH_FOR + timedelta(seconds=1), False),
        (2, timedelta(0), False),
        (0, timedelta(0), True),  # no attempt number known: as a first attempt
    ],
)
def test_is_fresh(attempt: int, age: timedelta, fresh: bool) -> None:
    assert timedelta(minutes=5) == FRESH_FOR
    assert is_fresh(ISSUE, attempt, SENT + age) is fresh


def test_event_without_a_time_is_fresh_on_its_first_attempt() -> None:
    from dataclasses import replace

    undated = replace(ISSUE, updated_at=None)
    assert is_fresh(undated, 1, SENT + timedelta(days=1)) and not is_fresh(undated, 2, SENT)


# --- which configuration --------------------------------------------------------------------------

BASE_CONFIG = b"version: 1\nrules:\n  - name: from base\n    on: issues\n    then: [{label: base}]\n"
HEAD_CONFIG = "version: 1\nrules:\n  - name: from head\n    on: issues\n    then: [{label: head}]\n"


def pull(trigger: str, head_repo: str | None = None) -> Event:
    payload: dict[str, Any] = load_payload("pull_request.opened[1]")  # base branch `master`
    if head_repo:
        payload["pull_request"]["head"]["repo"]["full_name"] = head_repo
    return normalize(trigger, payload)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()  # a checkout of the pull request's head
    (tmp_path / ".devflow.yml").write_text(HEAD_CONFIG)
    return tmp_path


def load(event: Event, workspace: Path, path: str = ".devflow.yml", **kw: bool) -> tuple[str, str, FakeGitHub]:
    fake = FakeGitHub(contents={("master", ".devflow.yml"): BASE_CONFIG, (None, ".devflow.yml"): BASE_CONFIG})
    config, where = load_config(RunContext(fake), event, path, workspace, **kw)
    return config.rules[0].name, where, fake


@pytest.mark.parametrize(
    ("trigger", "head_repo"),
    [
        ("pull_request", "mallory/Hello-World"),  # a fork's pull request: its checkout is the fork's code
        ("pull_request_target", "mallory/Hello-World"),
        ("pull_request_target", None),  # runs with write access: never the head's config, fork or not
    ],
)
def test_pull_requests_devflow_must_not_trust_run_with_the_base_branchs_config(
    workspace: Path, trigger: str, head_repo: str | None
) -> None:
    name, where, fake = load(pull(trigger, head_repo), workspace)
    assert (name, where) == ("from base", "the base branch (master), not the pull request")
    assert fake.calls == ["get_file"]


def test_a_pull_request_from_the_same_repository_runs_with_the_workspace_config(workspace: Path) -> None:
    name, where, fake = load(pull("pull_request"), workspace)
    assert (name, where, fake.calls) == ("from head", "the workspace", [])


def test_validate_checks_the_workspace_copy_even_for_a_fork(workspace: Path) -> None:
    name, _, fake = load(pull("pull_request_target", "mallory/Hello-World"), workspace, trust_head=True)
    assert (name, fake.calls) == ("from head", [])


def test_a_fork_pull_request_without_a_config_on_the_base_branch_is_an_error(workspace: Path) -> None:
    fake = FakeGitHub()
    with pytest.raises(ConfigError, match=r"no configuration file at \.devflow\.yml on the base branch \(master\)"):
        load_config(RunContext(fake), pull("pull_request", "mallory/Hello-World"), ".devflow.yml", workspace)


def test_without_a_checkout_the_default_branchs_config_is_read(tmp_path: Path) -> None:
    name, where, fake = load(ISSUE, tmp_path)
    assert (name, where) == ("from base", "the default branch (no checkout in the workspace)")
    assert fake.calls == ["get_file"]


def test_a_checkout_without_the_file_is_an_error_naming_it(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    with pytest.raises(ConfigError, match=r"no configuration file at \.devflow\.yml in the checkout") as info:
        load_config(RunContext(FakeGitHub()), ISSUE, ".devflow.yml", tmp_path)
    assert info.value.diagnostics[0].file == ".devflow.yml"


@pytest.mark.parametrize("path", ["../.devflow.yml", "config/../../secrets.yml", "/etc/devflow.yml"])
def test_config_paths_outside_the_repository_are_refused_before_anything_is_read(tmp_path: Path, path: str) -> None:
    (tmp_path / "repo").mkdir()
    (tmp_path / ".devflow.yml").write_text(HEAD_CONFIG)  # what `../.devflow.yml` would reach
    fake = FakeGitHub(contents={(None, path): BASE_CONFIG, ("master", path): BASE_CONFIG})
    with pytest.raises(ConfigError, match="the config path must be relative to the repository root"):
        load_config(RunContext(fake), ISSUE, path, tmp_path / "repo")
    with pytest.raises(ConfigError, match="must be relative"):
        load_config(RunContext(fake), pull("pull_request_target"), path, tmp_path / "repo")
    assert fake.calls == []


def test_a_config_path_in_a_subdirectory_is_fine(tmp_path: Path) -> None:
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "devflow.yml").write_text(HEAD_CONFIG)
    config, _ = load_config(RunContext(FakeGitHub()), ISSUE, ".github/devflow.yml", tmp_path)
    assert config.rules[0].name == "from head"
