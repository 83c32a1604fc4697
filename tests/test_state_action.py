"""The action with a state store, end to end (`python -P -m devflow_action` against the GitHub test
server and a real Postgres or Redis): what is recorded, where the URL comes from, what happens when
the store is unreachable or stops half way (with and without `state-required`), that the URL's
password never shows, and that the default path imports no driver at all."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .ghserver import GitHubTestServer
from .ghserver.seed import load_payload
from .tcpproxy import Proxy
from .test_action_e2e import CONFIG, TOKEN, Run, fresh, run_action

PASSWORD = "Pg-Secret-Passw0rd"  # the tests prove it never shows
DOWN = f"postgresql://devflow:{PASSWORD}@127.0.0.1:1/devflow"  # nothing listens on port 1


@pytest.fixture
def server(gh_server_factory: Any) -> GitHubTestServer:
    s: GitHubTestServer = gh_server_factory(token=TOKEN)
    return s


def only_masked(run: Run, secret: str) -> None:
    """The secret shows only in the ::add-mask:: line that hides it (the runner consumes that line)."""
    lines = [line for line in run.stdout.splitlines() if secret in line]
    assert lines and all(line.startswith("::add-mask::") for line in lines), lines
    assert secret not in run.stderr + run.summary + json.dumps(run.outputs)


def issue_opened(server: GitHubTestServer) -> dict[str, Any]:
    payload = fresh(load_payload("issues.opened"))
    server.state.seed_from_payload(payload)
    return payload


def stored(backend: str, url: str) -> list[dict[str, Any]]:
    """What the store holds, read with the backend's own client (as a maintainer or a worker would)."""
    if backend == "postgresql":
        import psycopg
        from psycopg.rows import dict_row

        with psycopg.connect(url, row_factory=dict_row) as conn:
            return conn.execute(
                "SELECT e.event_key, e.kind, e.number, e.actor, r.rule, r.matched, o.type, o.status,"
                " (SELECT count(*) FROM devflow.ledger l WHERE l.event_key = e.event_key AND l.status = 'done')"
                " AS ledger FROM devflow.events e JOIN devflow.rule_results r ON r.event_id = e.id"
                " LEFT JOIN devflow.operations o ON o.event_id = e.id ORDER BY r.seq"
            ).fetchall()
    import redis

    from devflow_action.state.redisstore import split_prefix

    plain, prefix = split_prefix(url)
    client = redis.Redis.from_url(plain, decode_responses=True)
    try:
        out = []
        entries: list[tuple[str, dict[str, str]]] = client.xrange(f"{prefix}events:Codertocat/Hello-World")  # type: ignore[assignment]
        for _, f in entries:
            ledger = len(list(client.scan_iter(match=f"{prefix}ledger:{f['event_key']}:*")))
            for rule in json.loads(f["rules"]):
                for op in json.loads(f["operations"]):
                    out.append({"event_key": f["event_key"], "kind": f["kind"], "number": int(f["number"]),
                                "actor": f["actor"], "rule": rule["name"], "matched": rule["matched"],
                                "type": op["operation"]["type"], "status": op["status"], "ledger": ledger})  # fmt: skip
        return out
    finally:
        client.close()


def test_a_run_records_its_event_rule_results_and_operations_and_the_password_never_shows(
    tmp_path: Path, server: GitHubTestServer, backend: str, make_url: Callable[..., str]
) -> None:
    url = make_url(password=PASSWORD)
    run = run_action(tmp_path, server, "issues", issue_opened(server), inputs={"orchestration-url": url})
    assert run.code == 0, run.stdout + run.stderr
    assert server.state.issues[1].labels == ["bug", "triage"]
    assert stored(backend, url) == [
        {"event_key": "run:1234", "kind": "issues.opened", "number": 1, "actor": "Codertocat", "rule": "bugs",
         "matched": True, "type": "add_labels", "status": "applied", "ledger": 1},
    ]  # fmt: skip
    assert "State: recorded in " in run.summary and ":\\*\\*\\*@" in run.summary
    assert "::warning" not in run.stdout
    only_masked(run, PASSWORD)
    assert run.stdout.splitlines()[0] == f"::add-mask::{TOKEN}"


def test_the_url_can_come_from_the_variable_devflow_yml_names(
    tmp_path: Path, server: GitHubTestServer, pg_migrated: str
) -> None:
    from .state_fixtures import pg_url

    url = pg_url(pg_migrated, password=PASSWORD)
    config = CONFIG + "orchestration: {url_env: MY_STATE_URL}\n"
    run = run_action(tmp_path, server, "issues", issue_opened(server), config=config, env={"MY_STATE_URL": url})
    assert run.code == 0, run.stdout + run.stderr
    assert (
        "state in postgresql://postgres:***@" in run.stdout
        and "from $MY_STATE_URL (orchestration.url_env)" in run.stdout
    )
    assert "the 'orchestration' section is accepted but not built" not in run.stdout
    only_masked(run, PASSWORD)
    assert len(stored("postgresql", url)) == 1


def test_an_unreachable_store_does_not_stop_the_github_work(tmp_path: Path, server: GitHubTestServer) -> None:
    run = run_action(tmp_path, server, "issues", issue_opened(server), inputs={"orchestration-url": DOWN})
    assert run.code == 0, run.stdout + run.stderr
    assert server.state.issues[1].labels == ["bug", "triage"]
    warnings = [line for line in run.stdout.splitlines() if line.startswith("::warning::")]
    assert (
        len(warnings) == 1
        and "the state store failed (Postgres (postgresql://devflow:***@127.0.0.1:1/devflow) failed connecting"
        in warnings[0]
    )
    assert (
        "**State not recorded**: Postgres (postgresql://devflow:\\*\\*\\*@\u200b127.0.0.1:1/devflow) failed connecting"
        in run.summary
    )
    assert "- not recorded: the ledger for add\\_labels:triage" in run.summary
    assert "- not recorded: the event issues.opened #1 with 1 rule result(s) and 1 operation(s)" in run.summary
    assert "The GitHub work above did not depend on it and was done." in run.summary
    only_masked(run, PASSWORD)


def test_an_unreachable_required_store_writes_nothing_and_exits_2(tmp_path: Path, server: GitHubTestServer) -> None:
    run = run_action(tmp_path, server, "issues", issue_opened(server),
                     inputs={"orchestration-url": DOWN, "state-required": "true"})  # fmt: skip
    assert run.code == 2, run.stdout + run.stderr
    assert server.requests == [] and server.state.issues[1].labels == ["bug"]
    assert (
        "::error::stopped with work left: Postgres (postgresql://devflow:***@127.0.0.1:1/devflow) failed connecting"
        in run.stdout
    )
    assert "re-run the job to continue" in run.summary
    only_masked(run, PASSWORD)


@pytest.mark.parametrize(("backend", "required"), [("postgresql", False), ("redis", True)])
def test_a_store_stopped_half_way(
    tmp_path: Path, server: GitHubTestServer, backend: str, required: bool, make_url: Callable[..., str],
    server_address: tuple[str, int],
) -> None:  # fmt: skip
    """The store answers when the run starts, then stops before the first write (after the files read)."""
    payload = fresh(load_payload("pull_request.opened[1]"))
    server.state.seed_from_payload(payload)
    server.state.add_files(2, 3, prefix="docs/page")
    proxy = Proxy(*server_address)
    real = server.handle

    def stop_the_store_at_the_first_request(*args: Any) -> Any:
        proxy.cut()
        return real(*args)

    server.handle = stop_the_store_at_the_first_request  # type: ignore[method-assign,assignment]
    inputs = {
        "orchestration-url": make_url(password=PASSWORD, port=proxy.port),
        "state-required": str(required).lower(),
    }
    run = run_action(tmp_path, server, "pull_request", payload, inputs=inputs)
    assert server.requests[0].path.startswith("/repos/Codertocat/Hello-World/pulls/2/files")  # the store stopped here
    lost = "- not recorded: the ledger for add\\_labels:triage, add\\_labels:documentation, add\\_labels:size/XS"
    if required:
        assert run.code == 2, run.stdout + run.stderr
        assert server.writes == [] and server.state.issues[2].labels == ["bug"]
        assert "| add\\_labels triage, documentation, size/XS | left |" in run.summary
        assert lost in run.summary and "`state-required` is set" in run.summary
        assert any(line.startswith("::error::Devflow: the state store failed") for line in run.stdout.splitlines())
    else:
        assert run.code == 0, run.stdout + run.stderr
        assert server.state.issues[2].labels == ["bug", "triage", "documentation", "size/XS"]
        assert lost in run.summary and "- not recorded: the event pull\\_request.opened #2" in run.summary
        assert any(line.startswith("::warning::Devflow: the state store failed") for line in run.stdout.splitlines())
    only_masked(run, PASSWORD)


def test_an_unreachable_orchestration_service_stops_the_run_with_work_left(
    tmp_path: Path, server: GitHubTestServer
) -> None:
    run = run_action(tmp_path, server, "issues", issue_opened(server),
                     inputs={"orchestration-url": "https://127.0.0.1:1", "orchestration-token": "svc-Token-123"})  # fmt: skip
    assert run.code == 2, run.stdout + run.stderr
    assert "the orchestration service did not take the event: cannot reach it (ConnectError)" in run.stdout
    assert server.writes == []  # nothing applied here: the service would have
    only_masked(run, "svc-Token-123")


def test_state_required_without_a_url_is_a_usage_error(tmp_path: Path, server: GitHubTestServer) -> None:
    config = CONFIG + "orchestration: {url_env: UNSET_STATE_URL, state_required: true}\n"
    run = run_action(tmp_path, server, "issues", issue_opened(server), config=config)
    assert run.code == 1 and "state-required is set, but no orchestration URL is configured" in run.stdout
    assert server.writes == []


def test_the_default_path_imports_no_database_driver(tmp_path: Path, server: GitHubTestServer) -> None:
    """A whole run without an orchestration URL, then a look at what the interpreter loaded."""
    payload = issue_opened(server)
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    (workspace / ".git").mkdir()
    (workspace / ".devflow.yml").write_text(CONFIG)
    (tmp_path / "event.json").write_text(json.dumps(payload))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_"))}
    env.update({
        "GITHUB_EVENT_NAME": "issues", "GITHUB_EVENT_PATH": str(tmp_path / "event.json"),
        "GITHUB_REPOSITORY": "Codertocat/Hello-World", "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_API_URL": server.url, "GITHUB_RUN_ID": "1", "INPUT_GITHUB-TOKEN": TOKEN,
    })  # fmt: skip
    script = (
        "import io, json, os, sys\n"
        "from devflow_action import action\n"
        "code = action.main(os.environ, io.StringIO())\n"
        "print(json.dumps([code, sorted(m for m in sys.modules if m.split('.')[0] in ('psycopg', 'redis', 'yoyo'))]))\n"
    )
    proc = subprocess.run([sys.executable, "-P", "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    code, drivers = json.loads(proc.stdout.splitlines()[-1])
    assert (code, drivers) == (0, [])
    assert server.state.issues[1].labels == ["bug", "triage"]  # the run did its work
