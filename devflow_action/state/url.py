"""The orchestration URL: which backend it names, what in it is secret, and how to show it.

The URL carries credentials (``postgresql://devflow:PASSWORD@db/devflow``); ``secrets`` lists what
the entry point masks before anything else is printed, and ``shown`` is the only form messages use.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

from ..exits import UsageError

SCHEMES = {
    "postgresql": "postgresql", "postgres": "postgresql", "redis": "redis", "rediss": "redis",
    "https": "service", "http": "service",  # the orchestration service: events are forwarded to it
}  # fmt: skip
LOOPBACK = ("127.0.0.1", "localhost", "::1")
SECRET_PARAMS = ("password", "sslpassword")  # libpq and redis-py accept credentials as parameters too


@dataclass(frozen=True)
class StateURL:
    url: str
    backend: str  # "postgresql" | "redis" | "service"

    @property
    def secrets(self) -> list[str]:
        """Values never to show: the password (as written and decoded), secret parameters, the URL."""
        parts = urlsplit(self.url)
        found = [self.url]
        if parts.password:
            found += [parts.password, unquote(parts.password)]
        found += [v for k, v in parse_qsl(parts.query) if k.lower() in SECRET_PARAMS and v]
        return [s for s in dict.fromkeys(found) if s]

    @property
    def shown(self) -> str:
        """The URL for messages: scheme, user, host, port and path; password and parameters hidden."""
        parts = urlsplit(self.url)
        user = f"{parts.username}:***@" if parts.password else (f"{parts.username}@" if parts.username else "")
        host = parts.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        port = f":{parts.port}" if _port(self.url) else ""
        query = "?…" if parts.query else ""
        return f"{parts.scheme}://{user}{host}{port}{parts.path}{query}"


def _port(url: str) -> bool:
    try:
        return urlsplit(url).port is not None
    except ValueError:
        return False


def parse(url: str) -> StateURL | None:
    """``None`` for an empty URL (no state: the default). A URL Devflow cannot use is a usage error
    whose message never repeats the URL (it may hold a password)."""
    url = url.strip()
    if not url:
        return None
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    if scheme not in SCHEMES:
        shown = f"'{scheme}://'" if scheme else "none"
        raise UsageError(
            f"the orchestration URL's scheme must be postgresql://, redis:// or rediss:// (state), or https:// "
            f"(the orchestration service) (got {shown}); leave it empty to run without either"
        )
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise UsageError(f"the orchestration URL ({scheme}://…) is malformed: check the host and port") from None
    if SCHEMES[scheme] == "redis" and not parts.hostname and not parts.path:
        raise UsageError("the orchestration URL names no Redis host (redis://host:6379/0)")
    if scheme == "http" and parts.hostname not in LOOPBACK:
        raise UsageError(
            "the orchestration service's URL must be https:// (the token signs the event, but the payload would "
            "travel in clear); http:// is accepted only for a service on this machine"
        )
    if SCHEMES[scheme] == "service" and not parts.hostname:
        raise UsageError("the orchestration URL names no host (https://devflow.example.com)")
    return StateURL(url, SCHEMES[scheme])
