"""Secrets never shown: the run's token and other registered values, and credential-looking strings,
are removed from every message Devflow prints; text from servers is cut to one short line."""

from __future__ import annotations

import re

MAX_MESSAGE = 200
# Credential-looking values: GitHub tokens (classic and fine-grained), JWTs, bearer/basic credentials.
_CREDENTIALS = re.compile(
    r"(gh[pousr]_[A-Za-z0-9_]{16,}|github_pat_[A-Za-z0-9_]{20,}|v1\.[0-9a-f]{40}"
    r"|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"
    r"|(?i:(?:bearer|token|basic)\s+)[A-Za-z0-9._~+/=-]{8,})"
)
_secrets: set[str] = set()


def register_secret(value: str) -> None:
    """A value never to show (the run's token, a URL's password): ``redact`` removes it everywhere."""
    if value and len(value) >= 4:
        _secrets.add(value)


def redact(text: str) -> str:
    for secret in sorted(_secrets, key=len, reverse=True):
        text = text.replace(secret, "***")
    return _CREDENTIALS.sub("***", text)


def one_line(text: str, limit: int = MAX_MESSAGE) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
