"""Shared fixtures: GitHub's published data (real webhook payloads, the REST OpenAPI description) comes
from pinned npm packages through tests/githubdata.py; `python scripts/github_data.py` installs them."""

from __future__ import annotations

from typing import Any

import pytest

from . import githubdata

pytest_plugins = ["tests.ghserver.fixtures", "tests.state_fixtures", "tests.service_helpers"]


def pytest_configure(config: pytest.Config) -> None:
    # Before any test module is imported (several load payloads at import time): stop with the reason.
    problem = githubdata.problem()
    if problem is not None:
        raise pytest.UsageError(problem)


def load_payload(name: str) -> dict[str, Any]:
    """A fresh copy of a real payload: `"issues.opened"`, `"pull_request.opened[1]"` (see githubdata)."""
    return githubdata.load_payload(name)
