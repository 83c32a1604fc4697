"""GitHub's published data for the tests, the demo and the benchmarks: the one place that knows where it is.

The data comes from npm packages pinned in `tools/package.json` (see tests/README.md):

- `@octokit/webhooks-examples`: real webhook payloads, by event and action;
- `@octokit/openapi`: GitHub's REST API OpenAPI description (`generated/api.github.com.json`);
- `@octokit/graphql-schema`: GitHub's GraphQL schema (`schema.graphql`).

`python scripts/github_data.py` installs them (`./scripts/test` and `./scripts/demo` run it): the
first two into `tools/node_modules/`, the OpenAPI file alone into `.cache/github-data/node_modules/`.
`DEVFLOW_GITHUB_DATA` replaces both folders with one laid out the same way.

Payloads are named like `devflow plan --event` names events, plus an index among the examples of
that event and action, in the package's order: `"issues.opened"` is the first `issues` example whose
`action` is `opened`, `"pull_request.opened[1]"` the second, `"push"` the first `push` example (an event
without actions). Every call returns a fresh copy, so a test may change what it gets.
"""

from __future__ import annotations

import copy
import json
import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_JSON = ROOT / "tools" / "package.json"
DEFAULT_FOLDERS = (ROOT / "tools" / "node_modules", ROOT / ".cache" / "github-data" / "node_modules")
ENV = "DEVFLOW_GITHUB_DATA"

WEBHOOK_EXAMPLES = ("@octokit/webhooks-examples", "api.github.com/index.json")
OPENAPI = ("@octokit/openapi", "generated/api.github.com.json")
GRAPHQL_SCHEMA = ("@octokit/graphql-schema", "schema.graphql")
FETCH_HINT = "run `python scripts/github_data.py` (./scripts/test and ./scripts/demo do)"

_NAME = re.compile(r"(?P<event>[a-z0-9_]+)(?:\.(?P<action>[a-z0-9_-]+))?(?:\[(?P<index>\d+)\])?")


class MissingData(RuntimeError):
    """GitHub's data is not installed (or not the pinned version)."""


@dataclass(frozen=True)
class Example:
    """One payload of the package: `name` is what `load_payload` takes back."""

    event: str
    action: str | None
    index: int  # among the examples of this event and action

    @property
    def name(self) -> str:
        key = self.event if self.action is None else f"{self.event}.{self.action}"
        return key if self.index == 0 else f"{key}[{self.index}]"

    def payload(self) -> dict[str, Any]:
        return copy.deepcopy(_by_key()[(self.event, self.action)][self.index])


def folders() -> tuple[Path, ...]:
    """Where the packages are looked for: ``$DEVFLOW_GITHUB_DATA`` (folders joined by ``os.pathsep``)
    when set, e.g. by scripts/mutation, whose copy of the tests in mutants/ has no node_modules."""
    override = os.environ.get(ENV)
    return tuple(Path(f) for f in override.split(os.pathsep) if f) if override else DEFAULT_FOLDERS


@cache
def pinned_versions() -> dict[str, str]:
    manifest = json.loads(PACKAGE_JSON.read_text(encoding="utf-8"))
    versions = dict(manifest["devDependencies"])
    for name, pin in manifest["devflowExtract"].items():
        if not name.startswith("//"):
            versions[name] = pin["version"]
    return versions


def data_file(package: str, relative: str) -> Path:
    """A file of a pinned package, from the first folder that holds the package."""
    for folder in folders():
        root = folder / package
        if not (root / relative).is_file():
            continue
        version = json.loads((root / "package.json").read_text(encoding="utf-8")).get("version")
        if version != pinned_versions()[package]:
            raise MissingData(
                f"{root} is {package}@{version}, tools/package.json pins {pinned_versions()[package]}: {FETCH_HINT}"
            )
        return root / relative
    where = " or ".join(str(f) for f in folders())
    raise MissingData(f"GitHub's data is missing: no {package}/{relative} in {where}; {FETCH_HINT}")


def problem() -> str | None:
    """Why the data cannot be used, or None when every file is there (for a clear early stop)."""
    try:
        for package, relative in (WEBHOOK_EXAMPLES, OPENAPI, GRAPHQL_SCHEMA):
            data_file(package, relative)
    except MissingData as exc:
        return str(exc)
    return None


def openapi_path() -> Path:
    """GitHub's REST API description (OpenAPI 3.0.3, as redistributed by @octokit/openapi)."""
    return data_file(*OPENAPI)


def graphql_schema_path() -> Path:
    """GitHub's GraphQL schema (SDL)."""
    return data_file(*GRAPHQL_SCHEMA)


@cache
def _events() -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = json.loads(data_file(*WEBHOOK_EXAMPLES).read_text(encoding="utf-8"))
    return events


@cache
def _by_key() -> dict[tuple[str, str | None], list[dict[str, Any]]]:
    grouped: dict[tuple[str, str | None], list[dict[str, Any]]] = {}
    for event in _events():
        for payload in event["examples"]:
            grouped.setdefault((event["name"], payload.get("action")), []).append(payload)
    return grouped


def event_names() -> list[str]:
    """Every webhook event the package has examples for."""
    return [event["name"] for event in _events()]


def examples(event: str | None = None) -> list[Example]:
    """Every example (of one event), by event and action, each group in the package's order."""
    return [
        Example(name, action, index)
        for (name, action), payloads in _by_key().items()
        if event is None or name == event
        for index in range(len(payloads))
    ]


def payloads(event: str, action: str | None) -> list[dict[str, Any]]:
    """Fresh copies of every example of this event and action (`None`: an event without actions)."""
    return copy.deepcopy(_by_key().get((event, action), []))


def parse_name(name: str) -> Example:
    m = _NAME.fullmatch(name)
    if m is None:
        raise ValueError(f"bad payload name {name!r}: expected event[.action][[index]], e.g. 'issues.opened[1]'")
    example = Example(m["event"], m["action"], int(m["index"] or 0))
    found = _by_key().get((example.event, example.action), [])
    if example.index >= len(found):
        raise KeyError(f"no payload {name!r}: {len(found)} example(s) of {example.event} {example.action or ''}")
    return example


def load_payload(name: str) -> dict[str, Any]:
    """A fresh copy of one real payload by name: `"issues.opened"`, `"pull_request.opened[1]"`, `"push"`."""
    return parse_name(name).payload()
