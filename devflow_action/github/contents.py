"""A file on a branch with its blob sha: what the service caches each repository's ``.devflow.yml`` by."""

from __future__ import annotations

import base64
from urllib.parse import quote

from .client import GhClient
from .errors import MalformedAnswer, Refused


def read_blob(client: GhClient, path: str, ref: str | None = None) -> tuple[str, bytes] | None:
    """``(blob sha, bytes)`` of the file at ``ref`` (the default branch when None), or None when there
    is no such file (absent, a directory, a symlink or a submodule)."""
    try:
        item = client.request(
            "GET", "/repos/{owner}/{repo}/contents/" + quote(path, safe="/"), {}, {"ref": ref} if ref else None
        )
    except Refused as exc:
        if exc.status == 404:
            return None
        raise
    if isinstance(item, list):
        return None
    if not isinstance(item, dict) or not isinstance(item.get("sha"), str):
        raise MalformedAnswer("GitHub's answer for a file is not a JSON object with a sha")
    if item.get("type") != "file":
        return None
    try:
        return item["sha"], base64.b64decode(item.get("content") or "")
    except ValueError:
        raise MalformedAnswer("GitHub's answer for a file has invalid base64 content") from None
