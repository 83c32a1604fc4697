"""The release workflow produces an action.yml that runs the prebuilt image, pinned by digest.

The release job's own shell steps (.github/workflows/release.yml) run here, offline, on a copy of the
repository with a local "origin": the rewritten action.yml is a valid action with the same inputs
and outputs, only `runs.image` changed; v1.2.3 and v1 point at the release commit; a later release
moves v1. The image job's build, smoke test and attestation need a registry and are checked as data.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from scripts import release_action_yml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = yaml.safe_load((ROOT / ".github" / "workflows" / "release.yml").read_text(encoding="utf-8"))
IMAGE = "ghcr.io/devflow/action"
DIGEST = "sha256:" + "0123456789abcdef" * 4
PINNED = re.compile(r"docker://ghcr\.io/[a-z0-9-]+/[a-z0-9._-]+@sha256:[0-9a-f]{64}")


def jobs() -> dict[str, Any]:
    found: dict[str, Any] = WORKFLOW["jobs"]
    return found


def steps_using(job: str, action: str) -> list[dict[str, Any]]:
    return [s for s in jobs()[job]["steps"] if str(s.get("uses", "")).split("@")[0] == action]


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def expressions(version: str) -> dict[str, str]:
    """What the runner would put in the release job's `${{ }}` expressions."""
    return {
        "inputs.version": version,
        "needs.image.outputs.image": IMAGE,
        "needs.image.outputs.digest": DIGEST,
    }


def evaluate(value: str, known: dict[str, str]) -> str:
    def one(m: re.Match[str]) -> str:
        assert m.group(1) in known, f"the test does not know the expression {m.group(1)!r}"
        return known[m.group(1)]

    return re.sub(r"\$\{\{\s*([^}]+?)\s*\}\}", one, value)


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A clone of a one-commit copy of the repository's release inputs, with a bare origin."""
    source = tmp_path / "source"
    (source / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "action.yml", source / "action.yml")
    shutil.copy(ROOT / "scripts" / "release_action_yml.py", source / "scripts" / "release_action_yml.py")
    git(tmp_path, "init", "-q", "--bare", "-b", "main", "origin.git")
    git(source, "init", "-q", "-b", "main")
    git(source, "add", ".")
    git(source, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "source")
    git(source, "push", "-q", str(tmp_path / "origin.git"), "main")
    git(tmp_path, "clone", "-q", str(tmp_path / "origin.git"), "work")
    work = tmp_path / "work"
    git(work, "checkout", "-q", "--detach")  # actions/checkout with `ref: github.sha`
    return work


def run_release_job(work: Path, version: str) -> None:
    """Every `run` step of the release job except the GitHub release (gh needs the API)."""
    known = expressions(version)
    for step in jobs()["release"]["steps"]:
        script = step.get("run")
        if script is None or "gh release" in script:
            continue
        assert "${{" not in script, "pass expressions through env:, never into the script"
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        env.update({name: evaluate(str(value), known) for name, value in (step.get("env") or {}).items()})
        env.update({"GITHUB_REPOSITORY": "devflow/action", "PATH": f"{Path(sys.executable).parent}:{env['PATH']}"})
        subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=work, env=env, check=True,
                       capture_output=True, text=True)  # fmt: skip


def test_release_job_makes_a_valid_digest_pinned_action_yml_and_tags(checkout: Path) -> None:
    source_text = (ROOT / "action.yml").read_text(encoding="utf-8")
    run_release_job(checkout, "1.2.3")
    origin = checkout.parent / "origin.git"
    released = git(origin, "show", "v1.2.3:action.yml") + "\n"

    (checkout.parent / "released").mkdir()
    (checkout.parent / "released" / "action.yml").write_text(released, encoding="utf-8")
    check = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-actions", "action.yml"],
        cwd=checkout.parent / "released", capture_output=True, text=True,
    )  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr
    before, after = yaml.safe_load(source_text), yaml.safe_load(released)
    assert after["runs"] == {"using": "docker", "image": f"docker://{IMAGE}@{DIGEST}"}
    assert PINNED.fullmatch(after["runs"]["image"])
    assert after["inputs"] == before["inputs"] and after["outputs"] == before["outputs"]
    changed = [(a, b) for a, b in zip(source_text.splitlines(), released.splitlines(), strict=True) if a != b]
    assert changed == [("  image: Dockerfile", f"  image: docker://{IMAGE}@{DIGEST}")]  # every other byte kept

    release, main = git(origin, "rev-parse", "v1.2.3^{commit}"), git(origin, "rev-parse", "main")
    assert git(origin, "rev-parse", "v1^{commit}") == release
    assert git(origin, "rev-parse", f"{release}^") == main  # the release commit sits on what was built
    assert git(origin, "show", "main:action.yml") + "\n" == source_text  # main keeps building the Dockerfile
    assert git(origin, "diff", "--name-only", main, release) == "action.yml"


def test_next_release_moves_the_major_tag_and_keeps_the_old_one(checkout: Path) -> None:
    run_release_job(checkout, "1.2.3")
    first = git(checkout.parent / "origin.git", "rev-parse", "v1.2.3^{commit}")
    git(checkout, "checkout", "-q", "--detach", "origin/main")
    run_release_job(checkout, "1.3.0")
    origin = checkout.parent / "origin.git"
    assert git(origin, "rev-parse", "v1^{commit}") == git(origin, "rev-parse", "v1.3.0^{commit}") != first
    assert git(origin, "rev-parse", "v1.2.3^{commit}") == first


def test_default_branch_action_yml_builds_from_the_dockerfile() -> None:
    assert yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))["runs"]["image"] == "Dockerfile"


def test_image_job_builds_both_platforms_attests_and_hands_on_the_pushed_digest() -> None:
    image = jobs()["image"]
    order = [str(s.get("uses", "")).split("@")[0] for s in image["steps"]]
    build = steps_using("image", "docker/build-push-action")[0]
    assert order.index("docker/setup-qemu-action") < order.index("docker/build-push-action")
    assert order.index("docker/setup-buildx-action") < order.index("docker/build-push-action")
    assert set(build["with"]["platforms"].split(",")) == {"linux/amd64", "linux/arm64"}
    assert build["with"]["push"] is True
    digest = f"${{{{ steps.{build['id']}.outputs.digest }}}}"
    assert image["outputs"]["digest"] == digest
    attest = steps_using("image", "actions/attest-build-provenance")[0]["with"]
    assert attest["subject-digest"] == digest and attest["push-to-registry"] is True
    assert order.index("actions/attest-build-provenance") > order.index("docker/build-push-action")
    assert jobs()["release"]["needs"] == "image"


def test_every_job_has_least_privilege_permissions() -> None:
    assert WORKFLOW["permissions"] == {}
    assert jobs()["image"]["permissions"] == {
        "contents": "read", "packages": "write", "id-token": "write", "attestations": "write",
    }  # fmt: skip
    assert jobs()["release"]["permissions"] == {"contents": "write"}
    checkout = steps_using("image", "actions/checkout")[0]
    assert checkout["with"]["persist-credentials"] is False  # the image job never pushes to git


@pytest.mark.parametrize(
    ("image", "digest", "why"),
    [
        ("ghcr.io/Devflow/action", DIGEST, "lower case"),
        ("docker.io/devflow/action", DIGEST, "ghcr.io/<owner>/<repo>"),
        (IMAGE, "sha256:abc", "64 lower-case hex"),
        (IMAGE, DIGEST.upper(), "64 lower-case hex"),
    ],
)
def test_script_refuses_a_bad_reference_and_leaves_the_file(tmp_path: Path, image: str, digest: str, why: str,
                                                            capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    target = tmp_path / "action.yml"
    shutil.copy(ROOT / "action.yml", target)
    assert release_action_yml.main(["--image", image, "--digest", digest, str(target)]) == 1
    assert why in capsys.readouterr().err
    assert target.read_bytes() == (ROOT / "action.yml").read_bytes()


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("name: x\nruns:\n  using: composite\n  steps: []\n", "runs.using must be docker"),
        ("name: x\nruns:\n  using: docker\n", "exactly one `image:`"),
        ("name: x\nruns:\n  using: docker\n  image: a\n  image: b\n", "exactly one `image:`"),
        ("name: x\n", "exactly one top-level `runs:`"),
    ],
)
def test_script_refuses_an_action_yml_it_cannot_rewrite_exactly(tmp_path: Path, text: str, why: str,
                                                               capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    target = tmp_path / "action.yml"
    target.write_text(text)
    assert release_action_yml.main(["--image", IMAGE, "--digest", DIGEST, str(target)]) == 1
    assert why in capsys.readouterr().err
    assert target.read_text() == text


def test_script_keeps_comments_quotes_and_line_endings(tmp_path: Path) -> None:
    before = "name: x\r\nruns:\r\n  using: 'docker'\r\n  image: 'Dockerfile'   # built on main\r\n  args: [a]\r\n"
    target = tmp_path / "action.yml"
    target.write_bytes(before.encode())
    assert release_action_yml.main(["--image", IMAGE, "--digest", DIGEST, str(target)]) == 0
    after = before.replace("'Dockerfile'", f"docker://{IMAGE}@{DIGEST}")
    assert target.read_bytes() == after.encode()
