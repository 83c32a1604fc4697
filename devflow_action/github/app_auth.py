"""GitHub App authentication: a JWT signed with the App's private key (RS256, PyJWT) buys an
installation access token for the installation a repository belongs to. Tokens are cached (by the
caller's ``TokenCache``, Redis in the service) until shortly before they expire.

Requests go through the same retry policy as every other GitHub call and fail as Devflow errors
(``Stopped`` / ``Refused``). Neither the key nor a token is ever put in a message.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

import httpx2

from .. import __version__
from ..exits import UsageError
from ..redact import register_secret
from .retry import Policy, call

JWT_LIFETIME = 540  # seconds: GitHub accepts at most 10 minutes; leave room for clock drift
CLOCK_DRIFT = 60  # iat is backdated by this much, as GitHub recommends
EARLY = 300  # a cached token is dropped this many seconds before it expires


class TokenCache(Protocol):
    def cached_value(self, name: str) -> str | None: ...
    def cache_value(self, name: str, value: str, ttl: float) -> None: ...


def load_private_key(value: str) -> str:
    """The PEM text itself, or the path of a file holding it; checked here, so that a bad key stops
    the worker at start with a clear message instead of failing every job."""
    text = value.strip()
    if not text.startswith("-----BEGIN"):
        try:
            text = Path(text).read_text(encoding="utf-8").strip()
        except OSError as exc:
            why = exc.strerror or type(exc).__name__
            raise UsageError(f"DEVFLOW_APP_PRIVATE_KEY is neither PEM text nor a readable file ({why})") from None
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        load_pem_private_key(text.encode(), password=None)
    except (ValueError, TypeError):
        raise UsageError("DEVFLOW_APP_PRIVATE_KEY is not an unencrypted PEM private key") from None
    register_secret(text)
    return text


def app_jwt(app_id: str, private_key: str, now: float) -> str:
    import jwt

    issued = int(now) - CLOCK_DRIFT
    claims = {"iat": issued, "exp": issued + JWT_LIFETIME, "iss": str(app_id)}
    token = jwt.encode(claims, private_key, algorithm="RS256")
    register_secret(token)
    return token


@dataclass
class AppAuth:
    app_id: str
    private_key: str  # PEM text (load_private_key)
    api_url: str = "https://api.github.com"
    cache: TokenCache | None = None
    policy: Policy = field(default_factory=Policy)
    clock: Callable[[], float] = time.time
    timeout: float = 30.0
    _http: Any = None

    def _client(self) -> Any:
        if self._http is None:
            self._http = httpx2.Client(
                timeout=self.timeout,
                headers={"Accept": "application/vnd.github+json", "User-Agent": f"devflow-action/{__version__}"},
            )
        return self._http

    def _request(self, verb: str, path: str) -> Any:
        def once() -> Any:
            headers = {"Authorization": f"Bearer {app_jwt(self.app_id, self.private_key, self.clock())}"}
            response = self._client().request(verb, self.api_url.rstrip("/") + path, headers=headers)
            response.raise_for_status()
            return response.json()

        return call(once, self.policy)

    def installation_id(self, repository: str) -> int:
        cached = self.cache.cached_value(f"installation:{repository}") if self.cache else None
        if cached:
            return int(cached)
        owner, _, repo = repository.partition("/")
        got = self._request("GET", f"/repos/{quote(owner, safe='')}/{quote(repo, safe='')}/installation")
        installation = int(got["id"])
        if self.cache:
            self.cache.cache_value(f"installation:{repository}", str(installation), 3600)
        return installation

    def token(self, installation: int) -> str:
        """An installation token, from the cache while it has more than ``EARLY`` seconds left."""
        name = f"token:{installation}"
        cached = self.cache.cached_value(name) if self.cache else None
        if cached:
            register_secret(cached)
            return cached
        got = self._request("POST", f"/app/installations/{installation}/access_tokens")
        token = str(got["token"])
        register_secret(token)
        expires = datetime.fromisoformat(str(got["expires_at"]).replace("Z", "+00:00")).timestamp()
        if self.cache:
            self.cache.cache_value(name, token, expires - self.clock() - EARLY)
        return token

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
