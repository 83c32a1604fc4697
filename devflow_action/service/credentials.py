"""Which token a job writes with, and whose shared GitHub budget it draws from: ``GITHUB_TOKEN`` (one
budget for the token), or a GitHub App (one installation token and one budget per installation)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ..github.app_auth import AppAuth, load_private_key
from ..github.retry import Policy
from ..state.coordination import Coordination
from .settings import Settings


@dataclass
class Credentials:
    token: str = ""
    app: AppAuth | None = None

    @classmethod
    def from_settings(cls, settings: Settings, cache: Coordination) -> Credentials:
        if settings.app_id:
            key = load_private_key(settings.app_private_key)
            return cls(app=AppAuth(settings.app_id, key, settings.api_url, cache=cache, policy=Policy()))
        return cls(token=settings.github_token)

    def for_repository(self, repository: str, installation: int | None) -> tuple[str, str]:
        """``(token, budget scope)``. With an App, the payload's installation id when it has one."""
        if self.app is None:
            return self.token, "token:" + hashlib.sha256(self.token.encode()).hexdigest()[:12]
        if installation is None:
            installation = self.app.installation_id(repository)
        return self.app.token(installation), f"installation:{installation}"

    def close(self) -> None:
        if self.app is not None:
            self.app.close()
