"""`devflow worker`: the configuration cache and its refresh by a push, retries of GitHub's server
errors, poison events in dead letters (retried and discarded from the admin API), per-item order,
and GitHub App authentication, against the real Redis, Postgres and the GitHub test server."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

from .ghserver import Faults
from .ghserver.seed import load_payload
from .service_helpers import Stack, wait_until
from .test_action_e2e import CONFIG, fresh

pytestmark = pytest.mark.integration

REVIEW_AUTHOR = """version: 1
rules:
  - name: docs
    on: pull_request.opened
    then: [{label: documentation}]
  - name: review
    on: pull_request.opened
    then: [{request_review: {reviewers: [Codertocat]}}]
"""  # Codertocat opened the PR: GitHub refuses (422) to request their own review


def done(stack: Stack, delivery: str, status: str = "done", timeout: float = 20) -> None:
    wait_until(lambda: stack.delivery_status(delivery) == status, timeout, f"delivery {delivery} to be {status}")


def push_touching(path: str | None) -> dict[str, Any]:
    """A real push to the default branch; the commit's file list says what it changed."""
    payload = load_payload("push[4]")
    if path is not None:
        payload["commits"][0]["modified"] = [path]
    return payload


def contents_reads(stack: Stack) -> int:
    return sum(1 for r in stack.gh.requests if r.method == "GET" and "/contents/" in r.path)


def test_the_config_is_cached_and_a_push_that_changes_it_refreshes_it(stack: Stack) -> None:
    stack.serve_thread()
    stack.worker_thread()
    payload = stack.issue_opened()
    first = str(uuid.uuid4())
    stack.post("issues", payload, delivery=first)
    done(stack, first)
    assert contents_reads(stack) == 1
    stack.gh.state.set_file(".devflow.yml", CONFIG.replace("then: [{label: triage}]", "then: [{label: needs-info}]"))

    readme = str(uuid.uuid4())
    stack.post("push", push_touching(None), delivery=readme)  # README.md only: the cache stands
    done(stack, readme, "ignored")
    second = str(uuid.uuid4())
    stack.post("issues", payload, delivery=second)
    done(stack, second)
    assert contents_reads(stack) == 1 and "needs-info" not in stack.labels(1)

    config = str(uuid.uuid4())
    stack.post("push", push_touching(".devflow.yml"), delivery=config)
    done(stack, config)
    third = str(uuid.uuid4())
    stack.post("issues", payload, delivery=third)
    done(stack, third)
    assert contents_reads(stack) == 2 and "needs-info" in stack.labels(1)


def test_github_server_errors_are_retried_and_the_event_applied_once(stack: Stack) -> None:
    stack.serve_thread()
    payload = stack.issue_opened()
    stack.gh.faults = Faults(fail_at={0, 1, 2, 3, 4, 5, 6, 7})  # the first eight requests answer 502
    delivery = str(uuid.uuid4())
    stack.post("issues", payload, delivery=delivery)
    stack.worker_thread()
    done(stack, delivery, timeout=30)
    assert stack.labels(1) == ["bug", "triage"] and len(stack.label_writes()) == 1
    attempts = stack.sql("SELECT attempts FROM devflow.deliveries WHERE delivery = %s", delivery)[0][0]
    assert attempts >= 2  # the client's own retries ran out at least once: Dramatiq retried the job


def test_a_poison_event_lands_in_dead_letters_and_is_retried_from_the_admin_api(stack: Stack) -> None:
    stack.serve_thread()
    stack.worker_thread()
    payload = fresh(load_payload("pull_request.opened"))
    stack.gh.state.seed_from_payload(payload)
    stack.gh.state.set_file(".devflow.yml", REVIEW_AUTHOR)
    delivery = str(uuid.uuid4())
    stack.post("pull_request", payload, delivery=delivery)
    done(stack, delivery, "dead", timeout=30)

    letters = stack.admin("GET", "/admin/api/dead-letters").json()["dead_letters"]
    assert len(letters) == 1
    letter = letters[0]
    assert {k: letter[k] for k in ("delivery", "event", "repository", "number", "attempts", "status")} == {
        "delivery": delivery, "event": "pull_request.opened", "repository": "Codertocat/Hello-World", "number": 2,
        "attempts": 3, "status": "open",
    }  # fmt: skip
    assert "Review cannot be requested from pull request author" in letter["error"]
    assert len(stack.label_writes()) == 1  # three attempts, one label write: the ledger had it

    # the maintainer fixes the rule; the push refreshes the cached config; the admin retries
    stack.gh.state.set_file(".devflow.yml", REVIEW_AUTHOR.replace("reviewers: [Codertocat]", "reviewers: [octocat]"))
    refresh = str(uuid.uuid4())
    stack.post("push", push_touching(".devflow.yml"), delivery=refresh)
    done(stack, refresh)
    retried = stack.admin("POST", f"/admin/api/dead-letters/{letter['id']}/retry")
    assert retried.status_code == 200 and retried.json()["status"] == "retried"
    done(stack, delivery)
    assert stack.gh.state.issues[2].requested_reviewers == ["octocat"]
    assert len(stack.label_writes()) == 1
    assert stack.admin("GET", "/admin/api/dead-letters").json() == {"dead_letters": []}
    assert stack.admin("POST", f"/admin/api/dead-letters/{letter['id']}/retry").status_code == 404  # once


def test_an_invalid_config_dead_letters_at_once_and_can_be_discarded(stack: Stack) -> None:
    stack.serve_thread()
    stack.worker_thread()
    payload = stack.issue_opened(
        config="version: 1\nrules:\n  - name: x\n    on: issues.opened\n    then: [{lable: x}]\n"
    )
    delivery = str(uuid.uuid4())
    stack.post("issues", payload, delivery=delivery)
    done(stack, delivery, "dead")
    [letter] = stack.admin("GET", "/admin/api/dead-letters").json()["dead_letters"]
    assert letter["attempts"] == 1
    assert letter["error"].startswith("the configuration is invalid: .devflow.yml:5:")
    assert "unknown action 'lable'" in letter["error"]
    discarded = stack.admin("POST", f"/admin/api/dead-letters/{letter['id']}/discard")
    assert discarded.json()["status"] == "discarded"
    assert (
        stack.admin("GET", "/admin/api/dead-letters?status=discarded").json()["dead_letters"][0]["id"] == letter["id"]
    )
    assert stack.label_writes() == []


def test_events_on_one_item_are_applied_in_the_order_they_arrived(stack: Stack) -> None:
    """Two deliveries for one issue; the queue is then reordered (as a retry or a redelivery would
    do): the worker still applies the first one first."""
    stack.serve_thread()
    payload = stack.issue_opened()
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    stack.post("issues", payload, delivery=first)
    stack.post("issues", payload, delivery=second)
    import redis

    from .service_helpers import QUICK  # noqa: F401  (timers: order_wait is 3 s)

    r = redis.Redis.from_url(stack.env["DEVFLOW_REDIS_URL"].split("?")[0])
    prefix = stack.env["DEVFLOW_REDIS_URL"].split("prefix=")[1].replace("%3A", ":")
    queue = f"{prefix}queue:deliveries"
    head = r.lpop(queue)
    assert isinstance(head, bytes)
    r.rpush(queue, head)  # the second delivery is now first in line
    stack.worker_thread(threads=2)
    done(stack, second)
    finished = dict(stack.sql("SELECT delivery, finished_at FROM devflow.deliveries"))
    assert finished[first] < finished[second]


def test_a_github_app_installation_token_is_fetched_once_and_cached(stack: Stack, tmp_path: Any) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    (tmp_path / "app.pem").write_bytes(pem)
    stack.env.pop("GITHUB_TOKEN")
    stack.env.update({"DEVFLOW_APP_ID": "15368", "DEVFLOW_APP_PRIVATE_KEY": str(tmp_path / "app.pem")})
    stack.serve_thread()
    stack.worker_thread()
    payload = stack.issue_opened()
    for _ in range(2):
        delivery = str(uuid.uuid4())
        stack.post("issues", payload, delivery=delivery)
        done(stack, delivery)
        time.sleep(0.05)
    app_calls = [(r.method, r.path) for r in stack.gh.requests if "installation" in r.path]
    assert app_calls == [
        ("GET", "/repos/Codertocat/Hello-World/installation"),
        ("POST", "/app/installations/4242/access_tokens"),
    ]  # the second delivery used the cached installation and token
    assert stack.labels(1) == ["bug", "triage"]


def test_a_repository_without_a_config_is_ignored_and_read_once(stack: Stack) -> None:
    stack.serve_thread()
    stack.worker_thread()
    payload = fresh(load_payload("issues.opened"))
    stack.gh.state.seed_from_payload(payload)  # no .devflow.yml on the default branch
    deliveries = [str(uuid.uuid4()), str(uuid.uuid4())]
    for delivery in deliveries:
        stack.post("issues", payload, delivery=delivery)
        done(stack, delivery, "ignored")
    [(outcome,)] = stack.sql("SELECT DISTINCT outcome FROM devflow.deliveries")
    assert outcome == "no .devflow.yml on the default branch"
    assert contents_reads(stack) == 1 and stack.gh.writes == []  # the absence is cached too


def test_the_worker_refuses_an_unmigrated_database_with_the_command_to_run(stack: Stack, pg_database: str) -> None:
    from devflow_action.exits import UsageError
    from devflow_action.service.settings import Settings
    from devflow_action.service.worker import run_one

    from .state_fixtures import pg_url

    stack.env["DEVFLOW_DATABASE_URL"] = pg_url(pg_database)
    with pytest.raises(UsageError, match=r"is not migrated .*run `devflow state migrate --url postgresql://"):
        run_one(Settings.from_env(stack.env, role="worker"), 1)


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (
            {"GITHUB_TOKEN": ""},
            "GitHub credentials are not set: GITHUB_TOKEN, or DEVFLOW_APP_ID and DEVFLOW_APP_PRIVATE_KEY",
        ),
        ({"DEVFLOW_APP_ID": "1"}, "a GitHub App needs both DEVFLOW_APP_ID and DEVFLOW_APP_PRIVATE_KEY"),
        ({"DEVFLOW_REDIS_URL": "postgresql://db/x"}, "DEVFLOW_REDIS_URL must be a redis:// URL (redis://host:6379/0)"),
        ({"DEVFLOW_MAX_RETRIES": "many"}, "DEVFLOW_MAX_RETRIES must be a number, got 'many'"),
    ],
)
def test_the_worker_says_what_is_wrong_with_its_environment(stack: Stack, change: dict[str, str], said: str) -> None:
    from devflow_action.exits import UsageError
    from devflow_action.service.settings import Settings

    with pytest.raises(UsageError) as caught:
        Settings.from_env({**stack.env, **change}, role="worker")
    assert str(caught.value) == said
