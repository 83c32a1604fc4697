"""Point a release's action.yml at the prebuilt image: rewrite `runs.image`, keep every other byte.

    python3 scripts/release_action_yml.py --image ghcr.io/OWNER/REPO --digest sha256:HEX [action.yml]

The release workflow (.github/workflows/release.yml) runs this on the release commit, with the
digest the image build pushed. The result runs `docker://ghcr.io/OWNER/REPO@sha256:HEX`: pinned by
digest, so a release tag always runs the exact image that was built, attested and tested for it.
The default branch keeps `image: Dockerfile` (docs/releasing.md). Only the standard library is
used, so it runs on any runner's python3 without an install. Exit 1, with the file unchanged, on a
malformed image name or digest, or an action.yml without exactly one `image:` under a docker `runs:`.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

# GHCR names are lower case; a repository's own name may hold dots, dashes and underscores.
IMAGE = re.compile(r"ghcr\.io/[a-z0-9](?:[a-z0-9-]*[a-z0-9])?/[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?")
DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
TOP_LEVEL = re.compile(r"[^\s#]")  # a line that starts a top-level key ends the `runs:` block
RUNS = re.compile(r"runs:[ \t]*(?:#.*)?\r?\n?")
KEY = re.compile(
    r"(?P<indent>[ \t]+)(?P<key>[\w-]+):(?P<sep>[ \t]*)(?P<value>[^#\r\n]*?)(?P<rest>[ \t]*(?:#.*)?\r?\n?)"
)


class ReleaseError(Exception):
    pass


def image_reference(image: str, digest: str) -> str:
    if not IMAGE.fullmatch(image):
        raise ReleaseError(f"image must be ghcr.io/<owner>/<repo> in lower case, got {image!r}")
    if not DIGEST.fullmatch(digest):
        raise ReleaseError(f"digest must be sha256: and 64 lower-case hex digits, got {digest!r}")
    return f"docker://{image}@{digest}"


def rewrite(text: str, reference: str) -> str:
    """``text`` with the value of ``runs.image`` replaced by ``reference``; nothing else changes."""
    lines = text.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if RUNS.fullmatch(line)]
    if len(starts) != 1:
        raise ReleaseError("action.yml must have exactly one top-level `runs:` mapping")
    end = next((i for i in range(starts[0] + 1, len(lines)) if TOP_LEVEL.match(lines[i])), len(lines))
    block = [(i, m) for i in range(starts[0] + 1, end) if (m := KEY.fullmatch(lines[i]))]
    indent = min((len(m["indent"]) for _, m in block), default=0)
    keys = {m["key"]: (i, m) for i, m in block if len(m["indent"]) == indent}
    using = keys.get("using")
    if using is None or using[1]["value"].strip("'\"") != "docker":
        raise ReleaseError("runs.using must be docker")
    found = [(i, m) for i, m in block if len(m["indent"]) == indent and m["key"] == "image"]
    if len(found) != 1 or not found[0][1]["value"]:
        raise ReleaseError("runs must have exactly one `image:` with a value")
    i, m = found[0]
    lines[i] = f"{m['indent']}image:{m['sep'] or ' '}{reference}{m['rest']}"
    return "".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--image", required=True, help="ghcr.io/<owner>/<repo>, lower case")
    parser.add_argument("--digest", required=True, help="sha256:<64 hex digits>, as the build pushed it")
    parser.add_argument("path", nargs="?", default="action.yml", type=Path)
    args = parser.parse_args(argv)
    try:
        reference = image_reference(args.image, args.digest)
        text = args.path.read_bytes().decode("utf-8")
        new = rewrite(text, reference)
    except (ReleaseError, OSError, UnicodeDecodeError) as exc:
        print(f"release_action_yml: {exc}", file=sys.stderr)
        return 1
    args.path.write_bytes(new.encode("utf-8"))
    print(f"{args.path}: runs.image is now {reference}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
