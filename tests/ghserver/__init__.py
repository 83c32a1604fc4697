"""A GitHub REST API test server for integration tests (stdlib `http.server`, in-memory state).

    server = GitHubTestServer().start()          # or the `gh_server` / `gh_server_factory` fixtures
    server.state.seed_from_payload(load_payload("issues.opened"))  # real payloads: tests/githubdata.py
    api = server.client()                        # sync ghapi.GhApi bound to the (seeded) repository
    api.issues.add_labels(1, labels=["bug"])
    assert server.violations == [] and len(server.writes) == 1
    server.faults = Faults(fail_every=5)         # or latency / fail_at / rate_limit_after / ...
    server.stop()

Every REST request is checked against GitHub's REST API description (the whole OpenAPI file of the
pinned @octokit/openapi package, see spec.py), and `POST /graphql` answers GraphQL from the same
state, every query checked against GitHub's published schema (graphql.py); violations land in
`server.violations` and fail the test at fixture teardown (`check_server`).
"""

from .fixtures import RECORDING_PORT, check_server
from .seed import load_payload
from .server import Faults, GitHubTestServer, RequestRecord
from .spec import load_contract
from .state import DEFAULT_ACTOR, ChangedFile, Comment, Event, Issue, Label, Repository, State

__all__ = [
    "DEFAULT_ACTOR",
    "RECORDING_PORT",
    "ChangedFile",
    "Comment",
    "Event",
    "Faults",
    "GitHubTestServer",
    "Issue",
    "Label",
    "Repository",
    "RequestRecord",
    "State",
    "check_server",
    "load_contract",
    "load_payload",
]
