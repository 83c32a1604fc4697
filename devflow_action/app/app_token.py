"""Use case: the token a run writes with when a GitHub App is configured (``DEVFLOW_APP_ID`` and
``DEVFLOW_APP_PRIVATE_KEY``, PEM text or a file): the installation token of the repository's
installation, through the same code as the orchestration service's workers (``github/app_auth.py``),
without their Redis cache (a run asks once)."""

from __future__ import annotations

from collections.abc import Mapping

from ..exits import UsageError
from ..github.app_auth import AppAuth, load_private_key
from ..redact import register_secret


def configured(env: Mapping[str, str]) -> bool:
    return bool(env.get("DEVFLOW_APP_ID", "").strip() or env.get("DEVFLOW_APP_PRIVATE_KEY", "").strip())


def installation_token(env: Mapping[str, str], repository: str, api_url: str) -> str:
    app_id, key = env.get("DEVFLOW_APP_ID", "").strip(), env.get("DEVFLOW_APP_PRIVATE_KEY", "")
    if not app_id or not key.strip():
        raise UsageError("a GitHub App needs both DEVFLOW_APP_ID and DEVFLOW_APP_PRIVATE_KEY")
    auth = AppAuth(app_id, load_private_key(key), api_url)
    try:
        return auth.token(auth.installation_id(repository))
    finally:
        auth.close()


def token_for(env: Mapping[str, str], repository: str, api_url: str) -> str:
    """What the CLI writes with: the App's installation token when an App is configured (the action's
    and the workers' code path), else ``GITHUB_TOKEN`` (empty when unset). Registered as a secret."""
    token = installation_token(env, repository, api_url) if configured(env) else env.get("GITHUB_TOKEN", "")
    if token:
        register_secret(token)
    return token
