"""The digest with a state store (real Postgres and Redis, the GitHub test server's GraphQL): the
trend over the last four windows and the previous window's times come from what the store recorded,
a first response beyond the comments GitHub's read takes comes from it too; the window's own numbers
and the calls stay GitHub's. A store that fails, or has recorded nothing, leaves the GitHub-only digest.

The store's history is written through its own write path (``record_run`` with the item's times), as
the event path leaves it (app/record.py); the week is tests/digest_fixture.py's.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest

from devflow_action.app.digest import DigestResult
from devflow_action.app.record import times_of
from devflow_action.config.loader import load_text
from devflow_action.digest_command import make
from devflow_action.engine.digest_render import as_json
from devflow_action.events.normalize import normalize
from devflow_action.github.budget import CallBudget
from devflow_action.state import open_store
from devflow_action.state.guard import Guarded
from devflow_action.state.model import EventRecord, ItemTimes, RunRecord, StateStore

from .conftest import load_payload
from .digest_fixture import CONFIG, EXPECTED, NOW, D, H, seed, t
from .ghserver import GitHubTestServer
from .integration_helpers import FAST

REPO = "octo-org/octo-repo"


def digest(server: GitHubTestServer, store: Any = None, *, dry_run: bool = True) -> tuple[DigestResult, CallBudget]:
    env = {"GITHUB_API_URL": server.url, "GITHUB_GRAPHQL_URL": f"{server.url}/graphql"}
    budget = CallBudget(100)
    result = make(load_text(CONFIG), REPO, server.token, env, budget, dry_run=dry_run, policy=FAST,
                  clock=lambda: NOW, store=store)  # fmt: skip
    return result, budget


@pytest.fixture
def week(gh_server: GitHubTestServer) -> GitHubTestServer:
    seed(gh_server)
    return gh_server


@pytest.fixture
def store(make_url: Callable[..., str]) -> Iterator[StateStore]:
    s = open_store(make_url())
    assert s is not None
    yield s
    s.close()


def recorded(store: StateStore, key: str, kind: str, at: str, number: int, **times: str) -> None:
    """One event as the event path records it, with what it told about the item's timeline."""
    when = t(at)
    fields: dict[str, Any] = {k: t(v) for k, v in times.items()}
    item_times = ItemTimes(**fields) if times else None
    store.record_run(RunRecord(EventRecord(key, REPO, kind, when, 1, "issue", number, "someone", when),
                               times=item_times))  # fmt: skip


def history(store: StateStore) -> None:
    """Recording since 02-15 (so the window 02-12 .. 02-19 is not covered); by window:
    02-19 .. 02-26: #4 answered after 1 d (the fixture's dave, opened 02-20);
    02-26 .. 03-04: #20 (opened 02-01, long before) answered after 26 d; #21 merged after 4 d;
    03-04 .. 03-11: #7 answered after 8 d, #4 merged."""
    recorded(store, "run:1", "issues.opened", "2024-02-15T09:00", 19, opened_at="2024-02-15T09:00")
    recorded(store, "run:2", "issue_comment.created", "2024-02-15T10:00", 19)
    recorded(store, "run:3", "pull_request.closed", "2024-02-15T11:00", 18)
    recorded(store, "run:4", "issue_comment.created", "2024-02-21T00:00", 4, opened_at="2024-02-20T00:00",
             first_response_at="2024-02-21T00:00")  # fmt: skip
    recorded(store, "run:5", "issue_comment.created", "2024-02-27T00:00", 20, opened_at="2024-02-01T00:00",
             first_response_at="2024-02-27T00:00")  # fmt: skip
    recorded(store, "run:6", "pull_request.closed", "2024-02-28T00:00", 21, opened_at="2024-02-24T00:00",
             merged_at="2024-02-28T00:00", closed_at="2024-02-28T00:00")  # fmt: skip
    recorded(store, "run:7", "issue_comment.created", "2024-03-09T00:00", 7, opened_at="2024-03-01T00:00",
             first_response_at="2024-03-09T00:00")  # fmt: skip
    recorded(store, "run:8", "pull_request.closed", "2024-03-05T00:00", 4, opened_at="2024-02-20T00:00",
             merged_at="2024-03-05T00:00")  # fmt: skip


def test_with_a_store_the_digest_shows_the_trend_and_the_previous_windows_times_at_no_extra_call(
    week: GitHubTestServer, store: StateStore
) -> None:
    history(store)
    result, budget = digest(week, Guarded(store, "the test store"))
    assert result.digest is not None
    got = as_json(result.digest)
    # the window's own numbers are GitHub's, as without a store
    assert (got["counts"], got["times"]) == (EXPECTED["counts"], EXPECTED["times"])
    assert [(u["number"], u["age_s"]) for u in got["unanswered"]] == EXPECTED["unanswered"]
    # no digest covered the previous window: its times are the store's (#20 after 26 d, #21 merged after 4 d)
    assert got["previous"]["counts"] == EXPECTED["previous_counts"]
    assert got["previous"]["times"] == {"response_median_s": 26 * D, "response_p90_s": 26 * D,
                                        "merge_median_s": 4 * D, "merge_p90_s": 4 * D}  # fmt: skip
    assert got["previous"]["times_from"] == "state"
    assert [(r["since"][:10], r["events"], r["responses"], r["response_median_s"], r["prs_merged"])
            for r in got["trend"]] == [
        ("2024-02-12", None, None, None, None),  # the store began recording on 02-15: not vouched for
        ("2024-02-19", 1, 1, 1 * D, 0),
        ("2024-02-26", 2, 1, 26 * D, 1),
        ("2024-03-04", 2, 1, 8 * D, 1),
    ]  # fmt: skip
    md = result.markdown
    assert "**Trend**, as the state store recorded it" in md
    assert (
        "| 2024-02-12 – 2024-02-19 | — | — | — | — |" in md and "| 2024-02-26 – 2024-03-04 | 2 | 1 | 26.0 d | 1 |" in md
    )
    assert "| time to first response, median | 6.0 h | 26.0 d |" in md
    assert "the state store's record of it (no digest covered it)" in md
    assert result.history is not None and "since 2024-02-15 09:00 UTC" in result.history
    assert [r.operation for r in week.graphql_log] == ["DigestPage", "DigestHistory"]
    assert budget.calls == 2


def test_the_previous_digests_own_times_are_kept_over_the_stores(week: GitHubTestServer, store: StateStore) -> None:
    history(store)
    first, _ = digest(week, dry_run=False)  # a digest of 02-26 .. 03-04, posted a week earlier
    earlier = first.markdown.replace('"until":"2024-03-11T00:00:00+00:00"', '"until":"2024-03-04T00:00:00+00:00"')
    (issue,) = [i for i in week.state.issues.values() if i.title == "Weekly contributor digest"]
    issue.body = earlier
    result, _ = digest(week, Guarded(store, "the test store"))
    assert result.digest is not None and result.digest.previous is not None
    assert result.digest.previous.times_from == "digest"
    assert result.digest.previous.times == first.digest.times  # type: ignore[union-attr]
    assert "times_from" not in as_json(result.digest)["previous"]


def test_a_first_response_beyond_the_comments_read_comes_from_the_store(
    week: GitHubTestServer, store: StateStore
) -> None:
    week.state.add_issue("Long thread", "zed", number=14, author_association="NONE", created_at=t("2024-03-05T00:00"),
                         updated_at=t("2024-03-07T00:00"))  # fmt: skip
    for minute in range(31):  # more than the 30 comments the read takes
        week.state.add_comment(14, "bump", "zed", created_at=f"2024-03-05T01:{minute:02d}:00Z")
    week.state.add_comment(14, "looking", "maint", created_at="2024-03-07T00:00:00Z")
    alone, _ = digest(week)
    assert alone.digest is not None and 14 in [w.item.number for w in alone.digest.unanswered]
    recorded(store, "run:1", "issue_comment.created", "2024-03-07T00:00", 14, opened_at="2024-03-05T00:00",
             first_response_at="2024-03-07T00:00")  # fmt: skip
    result, _ = digest(week, Guarded(store, "the test store"))
    assert result.digest is not None and 14 not in [w.item.number for w in result.digest.unanswered]
    # responses in the window: #1 2 h, #3 6 h, #14 2 d (from the store), #7 8 d
    assert result.digest.times.response_median == (6 * H + 2 * D) / 2


def test_a_store_that_fails_leaves_the_github_only_digest_and_says_what_was_not_read(
    week: GitHubTestServer, make_url: Callable[..., str], server_address: tuple[str, int]
) -> None:
    from .tcpproxy import Proxy

    alone, _ = digest(week)
    proxy = Proxy(*server_address)
    inner = open_store(make_url(port=proxy.port))
    assert inner is not None
    history(inner)
    proxy.cut()
    guard = Guarded(inner, "the test store")
    result, budget = digest(week, guard)
    assert result.markdown == alone.markdown and budget.calls == 2
    assert result.history == "the state store could not be read: this digest is from GitHub alone"
    assert guard.unrecorded == ["reading the digest's history"] and guard.problems
    guard.close()


def test_a_store_with_nothing_recorded_for_the_repository_adds_nothing(
    week: GitHubTestServer, store: StateStore
) -> None:
    alone, _ = digest(week)
    store.record_run(RunRecord(EventRecord("run:9", "someone/else", "issues.opened", NOW, 1, "issue", 1)))
    result, _ = digest(week, Guarded(store, "the test store"))
    assert result.markdown == alone.markdown
    assert result.history is not None and "has recorded nothing for this repository yet" in result.history
    assert "trend" not in as_json(result.digest)  # type: ignore[arg-type]


def test_without_a_store_the_digest_has_no_trend_and_no_history_note(week: GitHubTestServer) -> None:
    result, _ = digest(week)
    assert result.digest is not None and result.digest.trend is None and result.history is None
    assert "Trend" not in result.markdown and "trend" not in as_json(result.digest)


@pytest.mark.parametrize(
    ("responder", "association", "author_association", "recorded_as"),
    [
        ("maint", "COLLABORATOR", "NONE", "maint"),  # a maintainer answers an outsider
        ("helper", "CONTRIBUTOR", "NONE", None),  # another contributor is not a response
        ("ci[bot]", "COLLABORATOR", "NONE", None),  # nor is a bot, whatever its association
        ("maint", "COLLABORATOR", "MEMBER", None),  # a maintainer's own item owes no response
        ("newcomer", "NONE", "NONE", None),  # the author answering themself
    ],
)
def test_the_store_records_the_digests_first_response(
    responder: str, association: str, author_association: str, recorded_as: str | None
) -> None:
    payload = load_payload("issue_comment.created")
    payload["issue"]["user"]["login"], payload["issue"]["author_association"] = "newcomer", author_association
    payload["comment"]["user"]["login"], payload["comment"]["author_association"] = responder, association
    payload["comment"]["user"]["type"] = "Bot" if responder.endswith("[bot]") else "User"
    times = times_of(normalize("issue_comment", payload), "github-actions[bot]", datetime.now())
    assert times.first_responder == recorded_as
    assert (times.first_response_at is not None) == (recorded_as is not None)


# -- through the entry points: the action's orchestration-url, `devflow digest --state-url` ------------
PASSWORD = "Digest-State-Passw0rd"


@pytest.fixture
def lately(make_url: Callable[..., str]) -> Iterator[str]:
    """A store (its URL, with a password) that has recorded this repository for three weeks: an item
    opened 12 days before today's window ends, answered by a maintainer 2 days later."""
    from datetime import UTC, timedelta

    url = make_url(password=PASSWORD)
    s = open_store(url)
    assert s is not None
    until = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start, opened = until - timedelta(days=21), until - timedelta(days=12)
    s.record_run(RunRecord(EventRecord("run:1", REPO, "issue_comment.created", start, 1, "issue", 1)))
    s.record_run(RunRecord(EventRecord("run:2", REPO, "issue_comment.created", opened + timedelta(days=2), 1, "issue",
                                       2), times=ItemTimes(opened, opened + timedelta(days=2), "maint")))  # fmt: skip
    s.close()
    yield url


def test_the_action_reads_the_history_from_its_orchestration_url_and_never_shows_the_password(
    tmp_path: Any, gh_server_factory: Any, lately: str
) -> None:
    from .test_digest_action import TOKEN, action
    from .test_state_action import only_masked

    server = gh_server_factory(token=TOKEN)
    run = action(tmp_path, server, inputs={"command": "digest", "orchestration-url": lately})
    assert run.code == 0, run.stdout + run.stderr
    assert "**Trend**, as the state store recorded it" in run.summary
    assert "History: read from the state store, which has recorded this repository" in run.summary
    trend = json.loads(run.outputs["digest"])["trend"]
    assert [(r["responses"], r["response_median_s"]) for r in trend][-2:] == [(1, 2 * D), (0, None)]
    assert "State: recorded in " in run.summary  # the store's own line: the digest recorded nothing
    only_masked(run, PASSWORD)


def test_devflow_digest_reads_the_store_named_by_state_url_or_its_variable(
    tmp_path: Any, gh_server_factory: Any, lately: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from .test_digest_action import TOKEN, cli

    server = gh_server_factory(token=TOKEN)
    with_flag = cli(server, "--repo", REPO, "--format", "json", "--state-url", lately, cwd=tmp_path)
    assert with_flag.returncode == 0, with_flag.stderr
    assert [r["responses"] for r in json.loads(with_flag.stdout)["trend"]][-2:] == [1, 0]
    assert "devflow: reading history from " in with_flag.stderr and ":***@" in with_flag.stderr
    monkeypatch.setenv("DEVFLOW_STATE_URL", lately)  # the helper passes the environment on
    from_env = cli(server, "--repo", REPO, "--format", "json", cwd=tmp_path)
    assert json.loads(from_env.stdout)["trend"] == json.loads(with_flag.stdout)["trend"]
    for proc in (with_flag, from_env):
        assert PASSWORD not in proc.stdout + proc.stderr


def test_devflow_digest_with_an_unreachable_store_warns_and_prints_the_github_only_digest(
    tmp_path: Any, gh_server_factory: Any
) -> None:
    from .test_digest_action import TOKEN, cli

    server = gh_server_factory(token=TOKEN)
    down = f"postgresql://devflow:{PASSWORD}@127.0.0.1:1/devflow"
    proc = cli(server, "--repo", REPO, "--format", "json", "--state-url", down, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "trend" not in json.loads(proc.stdout)
    assert "devflow: warning: the state store was not read: Postgres (postgresql://devflow:***@" in proc.stderr
    assert "History: the state store could not be read: this digest is from GitHub alone" in proc.stderr
    assert PASSWORD not in proc.stdout + proc.stderr
