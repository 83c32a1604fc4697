"""The auto-merge policy against the GitHub test server: REST reads and writes, and GitHub's native
auto-merge through GraphQL mutations, each validated against GitHub's published schema (graphql-core).

The GraphQL endpoint is this module's own, small handler (``GraphQLServer``): it validates each
document and its variables against the schema of the pinned @octokit/graphql-schema package, then
applies the two mutations to the server's state the way GitHub does.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from typing import Any

import graphql
import pytest

from devflow_action.app.automerge import handle_automerge
from devflow_action.app.context import RunContext
from devflow_action.app.event import Result
from devflow_action.config.loader import load_text
from devflow_action.engine.automerge import MARKER
from devflow_action.events.normalize import normalize
from devflow_action.github import automerge_graphql as gql
from devflow_action.github.budget import CallBudget
from devflow_action.github.client import GhClient

from .ghserver import GitHubTestServer, RequestRecord, check_server
from .githubdata import graphql_schema_path, load_payload
from .integration_helpers import FAST

BOT = "github-actions[bot]"
CONFIG = "version: 1\nautomerge: {method: squash, labels: [automerge], checks: [build]}\n"


@cache
def schema() -> graphql.GraphQLSchema:
    """GitHub's schema. Its SDL defines two fields of `EnterpriseOwnerInfo` twice (identically), and its
    deprecations trip a schema rule: neither touches the mutations here, so both checks are skipped."""
    built = graphql.build_schema(graphql_schema_path().read_text(encoding="utf-8"), assume_valid_sdl=True)
    built._validation_errors = []
    return built


def check_document(query: str, variables: dict[str, Any]) -> list[str]:
    """What GitHub would reject in a document and its variables, as graphql-core says it."""
    document = graphql.parse(query)
    problems = [e.message for e in graphql.validate(schema(), document)]
    if problems:
        return problems
    operation = graphql.get_operation_ast(document)
    assert operation is not None
    coerced = graphql.execution.values.get_variable_values(schema(), operation.variable_definitions or [], variables)
    return [e.message for e in coerced] if isinstance(coerced, list) else []


class GraphQLServer(GitHubTestServer):
    """The REST test server plus ``POST /graphql`` for the two auto-merge mutations."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mutations: list[tuple[str, dict[str, Any]]] = []
        self.clean_on_enable = False  # GitHub finds the pull request mergeable now ("clean status")

    def handle(
        self, method: str, target: str, headers: dict[str, str], raw: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        if not (method == "POST" and target.partition("?")[0] == "/graphql"):
            return super().handle(method, target, headers, raw)
        body = json.loads(raw)
        problems = check_document(body["query"], body.get("variables") or {})
        if problems:
            self.violations.append(f"GraphQL: {problems}")
            answer: dict[str, Any] = {"errors": [{"message": m} for m in problems]}
        else:
            with self._lock:
                answer = self._mutate(body["query"], body["variables"])
        self.requests.append(RequestRecord("POST", "/graphql", body, 200))
        return 200, {"content-type": "application/json"}, json.dumps(answer).encode()

    def _mutate(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        pull = next(i for i in self.state.issues.values() if f"PR_{i.id}" == variables["pullRequestId"])
        name = "enablePullRequestAutoMerge" if "enablePullRequestAutoMerge" in query else "disablePullRequestAutoMerge"
        self.mutations.append((name, variables))
        if name == "enablePullRequestAutoMerge":
            if self.clean_on_enable or (pull.mergeable_state or "clean") == "clean":
                return {"data": {name: None}, "errors": [
                    {"type": "UNPROCESSABLE", "message": "Pull request Pull request is in clean status"}]}  # fmt: skip
            method = variables["mergeMethod"].lower()
            pull.auto_merge = {"enabled_by": self._user(self.state.actor), "merge_method": method,
                               "commit_title": pull.title, "commit_message": ""}  # fmt: skip
        else:
            pull.auto_merge = None
        request = {"mergeMethod": variables.get("mergeMethod", "MERGE")} if pull.auto_merge else None
        return {"data": {name: {"pullRequest": {"number": pull.number, "autoMergeRequest": request}}}}

    def _user(self, login: str) -> dict[str, Any]:
        from .ghserver.render import Renderer

        user = Renderer(self.state, self.url).user(login)
        assert user is not None
        return user


@pytest.fixture
def server() -> Iterator[GraphQLServer]:
    s = GraphQLServer().start()
    yield s
    s.stop()
    check_server(s)


def seed(server: GitHubTestServer, *, labels: tuple[str, ...] = ("automerge",), approved_by: str | None = "maria",
         build: str | None = "success", state: str | None = "blocked") -> Any:  # fmt: skip
    """Pull request #2 of pull_request.opened[1], opted in, approved by a collaborator with write
    access, its `build` check green; GitHub reports it `blocked` (waiting for its own rules)."""
    server.state.seed_from_payload(load_payload("pull_request.opened[1]"))
    pull = server.state.issues[2]
    pull.labels = [server.state.add_label(name).name for name in labels]
    pull.mergeable_state = state
    if approved_by:
        server.state.add_collaborator(approved_by, "write")
        server.state.add_review(2, approved_by, "APPROVED")
    if build:
        server.state.add_check_run(pull.head_sha, "build", conclusion=build)
    return pull


def evaluate(server: GitHubTestServer, name: str = "pull_request.labeled", config: str = CONFIG,
             payload: dict[str, Any] | None = None) -> list[Result]:  # fmt: skip
    payload = payload or load_payload(name)
    event = normalize(name.split(".")[0].split("[")[0], payload)
    budget = CallBudget(60)
    with GhClient(event.repository, server.token, api_url=server.url, policy=FAST, budget=budget) as client:
        client.graphql_url = f"{server.url}/graphql"
        ctx = RunContext(client, budget, run_key="7", policy=FAST)
        return handle_automerge(ctx, load_text(config), event, payload)


def status(server: GitHubTestServer) -> list[tuple[int, str]]:
    return [(c.id, c.body) for c in server.state.issue_comments(2) if MARKER in c.body and c.user == BOT]


def calls(server: GitHubTestServer) -> list[str]:
    return [f"{r.method} {r.path.split('?')[0].replace('/repos/Codertocat/Hello-World', '')}" for r in server.requests]


# --- the mutations -------------------------------------------------------------------------------


def test_the_mutations_are_valid_for_githubs_schema() -> None:
    assert check_document(gql.ENABLE, gql.enable_variables("PR_1", "squash", "a" * 40)) == []
    assert check_document(gql.DISABLE, {"pullRequestId": "PR_1"}) == []
    # the check bites: a misspelt field and a method GitHub does not have are both refused
    assert check_document(gql.ENABLE.replace("expectedHeadOid", "expectedHeadSha"), {}) != []
    assert check_document(gql.ENABLE, {**gql.enable_variables("PR_1", "squash", "a"), "mergeMethod": "FAST"}) != []


# --- enabled, explained, disabled ------------------------------------------------------------------


def test_conditions_hold_native_auto_merge_is_enabled_and_the_status_says_so(server: GraphQLServer) -> None:
    pull = seed(server)
    [result] = evaluate(server)
    assert server.mutations == [("enablePullRequestAutoMerge", {"pullRequestId": f"PR_{pull.id}",
                                 "mergeMethod": "SQUASH", "sha": pull.head_sha})]  # fmt: skip
    assert pull.auto_merge["merge_method"] == "squash" and pull.auto_merge["enabled_by"]["login"] == BOT
    [(_, body)] = status(server)
    assert body == (
        "**Devflow auto-merge**: GitHub's auto-merge is enabled (squash): it merges once GitHub's requirements are met\n\n"
        "- [x] open\n- [x] not a draft\n- [x] label `automerge`\n- [x] no label `hold`\n"
        "- [x] 1 approval(s) from people with write access (has 1: maria)\n- [x] check `build` passed\n"
        "- [x] no merge conflict\n- [x] up to date with the base branch\n\n" + MARKER
    )
    assert result.plan.rules[0].matched and result.report.count("failed") == 0


def test_missing_conditions_are_listed_and_nothing_is_enabled(server: GraphQLServer) -> None:
    seed(server, approved_by=None, build=None, state="behind")
    evaluate(server)
    assert server.mutations == []
    [(_, body)] = status(server)
    assert body.splitlines()[0] == "**Devflow auto-merge**: waiting for 3 condition(s)"
    assert "- [ ] 1 approval(s) from people with write access (has 0)" in body
    assert "- [ ] check `build` passed (it has not run)" in body
    assert "- [ ] up to date with the base branch" in body


def test_an_approval_without_write_access_does_not_count(server: GraphQLServer) -> None:
    seed(server, approved_by=None)
    server.state.add_collaborator("tina", "triage")
    server.state.add_review(2, "tina", "APPROVED")
    server.state.add_review(2, "stranger", "APPROVED")  # association NONE: no read needed
    evaluate(server)
    assert server.mutations == [] and "(has 0)" in status(server)[0][1]
    assert calls(server).count("GET /collaborators/tina/permission") == 1
    assert "GET /collaborators/stranger/permission" not in calls(server)


def test_a_review_event_reevaluates_and_edits_the_status_in_place(server: GraphQLServer) -> None:
    seed(server, approved_by=None)
    evaluate(server)
    [(ident, before)] = status(server)
    server.state.add_collaborator("maria", "write")
    server.state.add_review(2, "maria", "APPROVED")
    server.clear_log()
    evaluate(server, "pull_request_review.submitted[1]")
    [(same, after)] = status(server)
    assert same == ident and after != before and "(has 1: maria)" in after
    assert [m for m, _ in server.mutations] == ["enablePullRequestAutoMerge"]
    assert f"PATCH /issues/comments/{ident}" in calls(server) and "POST /issues/2/comments" not in calls(server)


@pytest.mark.parametrize("name", ["check_suite.completed", "check_run.completed"])
def test_a_completed_check_reevaluates_the_pull_requests_it_names(server: GraphQLServer, name: str) -> None:
    pull = seed(server, build="failure")
    evaluate(server)
    assert server.mutations == [] and "- [ ] check `build` passed (it is failure)" in status(server)[0][1]
    server.state.add_check_run(pull.head_sha, "build", conclusion="success")  # re-run, green
    evaluate(server, name)
    assert [m for m, _ in server.mutations] == ["enablePullRequestAutoMerge"]


def test_a_commit_status_finds_its_pull_request(server: GraphQLServer) -> None:
    pull = seed(server, build=None)
    server.state.add_status(pull.head_sha, "build", "success")
    payload = load_payload("status")
    payload["sha"] = pull.head_sha
    evaluate(server, "status", payload=payload)
    assert [m for m, _ in server.mutations] == ["enablePullRequestAutoMerge"]
    assert calls(server)[0] == f"GET /commits/{pull.head_sha}/pulls"


def test_a_hold_label_disables_the_auto_merge_devflow_enabled(server: GraphQLServer) -> None:
    pull = seed(server)
    evaluate(server)
    pull.labels.append(server.state.add_label("hold").name)
    evaluate(server)
    assert [m for m, _ in server.mutations] == ["enablePullRequestAutoMerge", "disablePullRequestAutoMerge"]
    assert pull.auto_merge is None
    body = status(server)[0][1]
    assert (
        body.splitlines()[0]
        == "**Devflow auto-merge**: waiting for 1 condition(s); auto-merge is disabled until they hold"
    )
    assert "- [ ] no label `hold`" in body


def test_auto_merge_a_person_enabled_is_left_alone(server: GraphQLServer) -> None:
    pull = seed(server, approved_by=None)
    pull.auto_merge = {"enabled_by": server._user("Codertocat"), "merge_method": "merge", "commit_title": "t",
                       "commit_message": ""}  # fmt: skip
    evaluate(server)
    assert server.mutations == [] and pull.auto_merge is not None


def test_a_mergeable_pull_request_is_merged_directly_with_the_head_it_was_decided_for(server: GraphQLServer) -> None:
    pull = seed(server, state="clean")
    evaluate(server)
    assert server.mutations == [] and pull.merged_at is not None
    merge = next(r for r in server.requests if r.method == "PUT")
    assert merge.body == {"merge_method": "squash", "sha": pull.head_sha}


def test_when_github_finds_it_clean_on_enable_it_is_merged(server: GraphQLServer) -> None:
    pull = seed(server)
    server.clean_on_enable = True
    [result] = evaluate(server)
    assert pull.merged_at is not None and result.report.outcomes[0].detail.startswith("merged now")


def test_native_off_merges_itself(server: GraphQLServer) -> None:
    pull = seed(server)
    evaluate(server, config=CONFIG.replace("checks: [build]", "checks: [build], native: false"))
    assert server.mutations == [] and pull.merged_at is not None


def test_the_if_conditions_of_the_rule_language_join_the_list(server: GraphQLServer) -> None:
    seed(server)
    evaluate(server, config=CONFIG.replace("checks: [build]", "checks: [build], if: {base: main}"))
    assert server.mutations == [] and "- [ ] base equals 'main'" in status(server)[0][1]


def test_pull_requests_that_did_not_opt_in_get_no_comment(server: GraphQLServer) -> None:
    seed(server, labels=())
    [result] = evaluate(server)
    assert server.writes == [] and result.plan.notes == (
        "auto-merge: #2 has not opted in (its labels lack the required ones)",
    )


def test_a_rerun_writes_nothing(server: GraphQLServer) -> None:
    seed(server)
    evaluate(server)
    writes = len(server.writes)
    evaluate(server)
    assert len(server.writes) == writes and len(server.mutations) == 1


def test_without_named_checks_every_check_must_pass_and_one_must_have_run(server: GraphQLServer) -> None:
    seed(server, build=None)
    evaluate(server, config="version: 1\nautomerge: {labels: [automerge]}\n")
    assert "- [ ] every check passed (none has run yet)" in status(server)[0][1]
