"""The deployment examples (deploy/) stay true to the service: every variable they set is one the
service reads, every required one is set, and every command they run parses."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import uuid
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx2
import pytest
import yaml

from devflow_action.cli import build_parser
from devflow_action.service.webhook import sign

from .ghserver.seed import load_payload
from .service_helpers import ADMIN, SECRET, free_port, wait_until
from .state_fixtures import pg_url, redis_url
from .test_action_e2e import CONFIG, TOKEN, fresh

ROOT = Path(__file__).resolve().parents[1]
READ = set(re.findall(r'"((?:DEVFLOW|GITHUB)_[A-Z_]+)"', (ROOT / "devflow_action/service/settings.py").read_text()))
REQUIRED = {"DEVFLOW_WEBHOOK_SECRET", "DEVFLOW_REDIS_URL", "DEVFLOW_DATABASE_URL", "DEVFLOW_ADMIN_TOKEN"}
WORKER = {"DEVFLOW_REDIS_URL", "DEVFLOW_DATABASE_URL", "DEVFLOW_APP_ID", "DEVFLOW_APP_PRIVATE_KEY"}


def kubernetes() -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all((ROOT / "deploy/kubernetes.yml").read_text()) if doc]


def example_env() -> dict[str, str]:
    """deploy/devflow.env.example as Compose's ``env_file`` reads it."""
    text = (ROOT / "deploy/devflow.env.example").read_text()
    return dict(line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))


def test_the_examples_set_only_variables_the_service_reads_and_every_required_one() -> None:
    example = example_env()
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


# -- what the examples point at, checked against the code and a running service ----------------------
SAMPLE = {  # a value of the right shape for each key of the Kubernetes Secret
    "webhook-secret": "whsec-Sample-Secret-0123456789", "admin-token": "admin-Sample-Token-0123456789",
    "redis-url": "redis://redis:6379/0", "database-url": "postgresql://devflow:pw@db/devflow",
    "app-id": "12345", "app-private-key": "/run/secrets/github_app_key",
}  # fmt: skip


def containers() -> dict[str, dict[str, Any]]:
    return {
        c["name"]: c for doc in kubernetes() for c in doc.get("spec", {}).get("template", {}).get("spec", {}).get(
            "containers", [])
    }  # fmt: skip


def by_kind(kind: str) -> list[dict[str, Any]]:
    return [doc for doc in kubernetes() if doc["kind"] == kind]


def option(args: list[str], name: str) -> str:
    return args[args.index(name) + 1]


def test_the_kubernetes_containers_environment_satisfies_the_service_settings() -> None:
    from devflow_action.service.settings import Settings

    for role in ("serve", "worker"):
        env = {e["name"]: SAMPLE[e["valueFrom"]["secretKeyRef"]["key"]] for e in containers()[role]["env"]}
        assert {e["valueFrom"]["secretKeyRef"]["name"] for e in containers()[role]["env"]} == {"devflow"}
        Settings.from_env(env, role=role)  # raises UsageError naming what is missing or wrong


def test_the_kubernetes_ports_probes_selectors_and_grace_period_agree() -> None:
    from devflow_action.service.settings import Settings

    serve = containers()["serve"]
    port = int(option(serve["args"], "--port"))
    assert [p["containerPort"] for p in serve["ports"]] == [port]
    for probe in ("readinessProbe", "livenessProbe"):
        assert serve[probe]["httpGet"] == {"path": "/healthz", "port": port}
    deployments = {d["metadata"]["name"]: d for d in by_kind("Deployment")}
    for d in deployments.values():
        assert d["spec"]["selector"]["matchLabels"].items() <= d["spec"]["template"]["metadata"]["labels"].items()
    pod = deployments["devflow-serve"]["spec"]["template"]
    assert pod["metadata"]["annotations"]["prometheus.io/port"] == str(port)
    (service,) = by_kind("Service")
    assert service["spec"]["selector"].items() <= pod["metadata"]["labels"].items()
    assert [p["targetPort"] for p in service["spec"]["ports"]] == [port]
    (hpa,) = by_kind("HorizontalPodAutoscaler")
    assert hpa["spec"]["scaleTargetRef"]["name"] in deployments
    assert deployments[hpa["spec"]["scaleTargetRef"]["name"]]["spec"]["template"]["spec"]["containers"][0]["name"] == (
        "worker"
    )  # fmt: skip
    grace = deployments["devflow-worker"]["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    assert grace >= Settings.job_deadline + 30  # running jobs finish after SIGTERM (worker.py)
    compose = yaml.safe_load((ROOT / "deploy/compose.yml").read_text())
    minutes = compose["services"]["worker"]["stop_grace_period"]
    assert minutes.endswith("m") and int(minutes[:-1]) * 60 >= Settings.job_deadline + 30


@pytest.mark.integration
def test_the_compose_services_run_natively_with_the_example_environment_and_take_a_delivery(
    pg_database: str, redis_prefix: str, gh_server_factory: Any, tmp_path: Path
) -> None:
    """No Docker engine here: the compose file's migrate, serve and worker run as the image would run
    them (its ENTRYPOINT and their commands, compose's ``$$`` unescaped), with devflow.env.example's
    variables filled in, against the test Postgres, Redis and GitHub; then one signed delivery goes
    through, and a running serve answers what the Kubernetes probes, scrape and autoscaler ask for."""
    compose = yaml.safe_load((ROOT / "deploy/compose.yml").read_text())["services"]
    dockerfile = (ROOT / "deploy/service.Dockerfile").read_text()
    entrypoint = json.loads(re.search(r"^ENTRYPOINT (.+)$", dockerfile, re.M).group(1))  # type: ignore[union-attr]
    gh = gh_server_factory(token=TOKEN)
    example = example_env()
    filled = {"DEVFLOW_WEBHOOK_SECRET": SECRET, "DEVFLOW_ADMIN_TOKEN": ADMIN, "DEVFLOW_REDIS_URL": redis_url(redis_prefix),
              "DEVFLOW_DATABASE_URL": pg_url(pg_database), "GITHUB_TOKEN": TOKEN}  # fmt: skip
    assert filled.keys() <= example.keys()
    ours = {k: v for k, v in os.environ.items() if not k.startswith(("DEVFLOW_", "GITHUB_"))}
    # the one variable added is GITHUB_API_URL (GitHub itself is the default); PATH finds `devflow`
    bin_dir = Path(sys.executable).parent
    env = {**ours, **example, **filled, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "GITHUB_API_URL": gh.url}

    migrate = compose["migrate"]["entrypoint"]
    assert migrate[:2] == ["sh", "-c"]
    done = subprocess.run([*migrate[:2], migrate[2].replace("$$", "$")], env=env, capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    k8s_job = containers()["migrate"]  # the Kubernetes Job's command, on the migrated database: nothing to do
    job_env = {**env, "DEVFLOW_STATE_URL": filled["DEVFLOW_DATABASE_URL"]}
    assert subprocess.run([*entrypoint, *k8s_job["args"]], env=job_env, capture_output=True, timeout=60).returncode == 0

    port = free_port()
    serve = compose["serve"]["command"]
    serve = [*serve[: serve.index("--host") + 1], "127.0.0.1", *serve[serve.index("--host") + 2 :]]
    serve[serve.index("--port") + 1] = str(port)
    logs = ExitStack()  # each process's log, in tmp_path: what to read when this fails
    procs = [
        subprocess.Popen(
            [*entrypoint, *args],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=logs.enter_context((tmp_path / name).open("wb")),
        )
        for name, args in (("serve.log", serve), ("worker.log", compose["worker"]["command"]))
    ]
    try:
        health = [a.replace(":8080/", f":{port}/") for a in compose["serve"]["healthcheck"]["test"][1:]]

        def healthy() -> bool:
            assert procs[0].poll() is None, (tmp_path / "serve.log").read_text()  # it refused to start: why
            return subprocess.run(health, env=env, capture_output=True).returncode == 0

        wait_until(healthy, 30, "the healthcheck")
        payload = fresh(load_payload("issues.opened"))
        gh.state.seed_from_payload(payload)
        gh.state.set_file(".devflow.yml", CONFIG)
        body = json.dumps(payload).encode()
        headers = {"content-type": "application/json", "x-github-event": "issues",
                   "x-github-delivery": str(uuid.uuid4()), "x-hub-signature-256": sign(SECRET.encode(), body)}  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        assert httpx2.post(f"{base}/webhook", content=body, headers=headers).status_code == 202
        number = payload["issue"]["number"]
        wait_until(lambda: "triage" in {label.name for label in gh.state.labels_on(gh.state.issues[number])}, 30,
                   "the worker to label the issue")  # fmt: skip

        pod = by_kind("Deployment")[0]["spec"]["template"]
        assert httpx2.get(f"{base}{containers()['serve']['readinessProbe']['httpGet']['path']}").status_code == 200
        metrics = httpx2.get(f"{base}{pod['metadata']['annotations']['prometheus.io/path']}").text
        (hpa,) = by_kind("HorizontalPodAutoscaler")
        for metric in hpa["spec"]["metrics"]:
            assert f"\n{metric['external']['metric']['name']} " in metrics
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(60)
        logs.close()
    assert [p.returncode for p in procs] == [-signal.SIGTERM, 0]  # serve re-raises SIGTERM after a clean stop
