"""The deployment examples (deploy/) stay true to the service: every variable they set is one the
service reads, every required one is set, and every command they run parses."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from devflow_action.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
READ = set(re.findall(r'"((?:DEVFLOW|GITHUB)_[A-Z_]+)"', (ROOT / "devflow_action/service/settings.py").read_text()))
REQUIRED = {"DEVFLOW_WEBHOOK_SECRET", "DEVFLOW_REDIS_URL", "DEVFLOW_DATABASE_URL", "DEVFLOW_ADMIN_TOKEN"}
WORKER = {"DEVFLOW_REDIS_URL", "DEVFLOW_DATABASE_URL", "DEVFLOW_APP_ID", "DEVFLOW_APP_PRIVATE_KEY"}


def kubernetes() -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all((ROOT / "deploy/kubernetes.yml").read_text()) if doc]


def test_the_examples_set_only_variables_the_service_reads_and_every_required_one() -> None:
    example = dict(
        line.split("=", 1) for line in (ROOT / "deploy/devflow.env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )  # fmt: skip
    assert set(example) <= READ and set(example) >= REQUIRED
    for doc in kubernetes():
        for container in doc.get("spec", {}).get("template", {}).get("spec", {}).get("containers", []):
            names = {e["name"] for e in container.get("env", [])}
            assert names <= READ | {"DEVFLOW_STATE_URL"}, names
            wanted = {"serve": REQUIRED, "worker": WORKER, "migrate": {"DEVFLOW_STATE_URL"}}[container["name"]]
            assert wanted <= names, container["name"]


def test_every_command_in_the_examples_parses() -> None:
    compose = yaml.safe_load((ROOT / "deploy/compose.yml").read_text())
    commands = [s["command"] for s in compose["services"].values() if "command" in s and "image" in s]
    commands += [
        c["args"]
        for doc in kubernetes()
        for c in doc.get("spec", {}).get("template", {}).get("spec", {}).get("containers", [])
    ]
    assert len(commands) == 6
    for args in commands:
        if args[0] in ("serve", "worker", "state"):
            build_parser().parse_args(args)


def test_without_the_service_extra_the_commands_say_what_to_install(monkeypatch: Any, capsys: Any) -> None:
    import importlib.util

    from devflow_action import cli

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "dramatiq" else real(name, *a))
    assert cli.main(["worker"]) == 1
    assert capsys.readouterr().err == (
        "devflow: error: the orchestration service needs its extra (dramatiq missing): "
        "pip install 'devflow-action[service]'\n"
    )
