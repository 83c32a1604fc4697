"""pytest fixtures for the GitHub test server.

Enable them with `pytest_plugins = ["tests.ghserver.fixtures"]` in a conftest. Every server made by
these fixtures is checked at teardown: any contract violation (or internal server error) fails the test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .server import GitHubTestServer

RECORDING_PORT = 18765  # fixed port for pytest-recording cassettes (they match on host + port)


def check_server(server: GitHubTestServer) -> None:
    """Fail the current test if the server recorded violations or crashed in a handler."""
    problems = [f"contract violation: {v}" for v in server.violations]
    problems += [f"test-server error: {e}" for e in server.errors]
    problems += [f"test-server response off-contract: {p}" for p in server.response_problems]
    if problems:
        pytest.fail("GitHub test server:\n  " + "\n  ".join(problems), pytrace=False)


@pytest.fixture
def gh_server_factory() -> Iterator[Callable[..., GitHubTestServer]]:
    """Make started servers with custom options (`port=RECORDING_PORT`, `faults=...`, `token=...`)."""
    servers: list[GitHubTestServer] = []

    def make(**kwargs: Any) -> GitHubTestServer:
        server = GitHubTestServer(**kwargs).start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()
    for server in servers:
        check_server(server)


@pytest.fixture
def gh_server(gh_server_factory: Callable[..., GitHubTestServer]) -> GitHubTestServer:
    """A started server on an ephemeral port with an empty default repository (octo-org/octo-repo)."""
    return gh_server_factory()


@pytest.fixture
def gh_api(gh_server: GitHubTestServer) -> Any:
    """A sync `GhApi` client pointed at `gh_server`, with its token, owner and repo."""
    return gh_server.client()
