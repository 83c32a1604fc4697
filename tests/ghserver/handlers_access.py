"""Handlers for collaborators / assignability and the GitHub App installation endpoints."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from .api import Ctx, Reply, not_found, route
from .render import ts

ROLE_TO_PERMISSION = {
    "admin": "admin",
    "maintain": "write",
    "write": "write",
    "triage": "read",
    "read": "read",
}


# -- collaborators ---------------------------------------------------------------------------------
def _collaborator(ctx: Ctx, login: str) -> dict[str, Any]:
    role = ctx.state.collaborators.get(login, "admin")
    perms = ("pull", "triage", "push", "maintain", "admin")
    rank = {"read": 0, "triage": 1, "write": 2, "maintain": 3, "admin": 4}[role]
    user = ctx.render.user(login) or {}
    return {**user, "permissions": {p: i <= rank for i, p in enumerate(perms)}, "role_name": role}


@route("repos/list-collaborators")
def list_collaborators(ctx: Ctx) -> Reply:
    logins = sorted(ctx.state.collaborators)
    if "permission" in ctx.params:
        wanted = {"pull": "read", "push": "write"}.get(ctx.params["permission"], ctx.params["permission"])
        logins = [lg for lg in logins if ctx.state.collaborators[lg] == wanted]
    return ctx.page(logins, lambda login: _collaborator(ctx, login))


@route("repos/check-collaborator")
def check_collaborator(ctx: Ctx) -> Reply:
    if ctx.params["username"] not in ctx.state.collaborators:
        return Reply(404)
    return Reply(204)


@route("repos/get-collaborator-permission-level")
def collaborator_permission(ctx: Ctx) -> Reply:
    login = ctx.params["username"]
    role = ctx.state.collaborators.get(login)
    if role is None:
        role = "none" if ctx.state.repo.private else "read"
        user = {**(ctx.render.user(login) or {}), "role_name": role}
    else:
        user = _collaborator(ctx, login)
    return Reply(200, {"permission": ROLE_TO_PERMISSION.get(role, "none"), "role_name": role, "user": user})


# -- GitHub App installation -----------------------------------------------------------------------
@route("apps/get-repo-installation")
def get_installation(ctx: Ctx) -> Reply:
    api, owner = ctx.base_url, ctx.state.repo.owner
    body = {
        "id": 4242,
        "app_id": 15368,
        "app_slug": "devflow",
        "target_id": ctx.state.user_id(owner),
        "target_type": ctx.state.repo.owner_type,
        "single_file_name": None,
        "repository_selection": "selected",
        "access_tokens_url": f"{api}/app/installations/4242/access_tokens",
        "repositories_url": f"{api}/installation/repositories",
        "html_url": "https://github.com/settings/installations/4242",
        "account": ctx.render.user(owner),
        "permissions": {"issues": "write", "pull_requests": "write", "contents": "read", "metadata": "read"},
        "events": ["issues", "issue_comment", "pull_request"],
        "created_at": "2024-01-01T00:00:00Z",
        "updated_at": "2024-01-01T00:00:00Z",
        "suspended_by": None,
        "suspended_at": None,
    }
    return Reply(200, body)


@route("apps/create-installation-access-token")
def create_token(ctx: Ctx) -> Reply:
    if ctx.params["installation_id"] != 4242:
        raise not_found()
    expires = ts(ctx.state.now() + timedelta(hours=1))
    perms = (ctx.body or {}).get("permissions") or {
        "issues": "write",
        "pull_requests": "write",
        "metadata": "read",
    }
    body = {
        "token": ctx.extra["token"],
        "expires_at": expires,
        "permissions": perms,
        "repository_selection": "selected",
    }
    return Reply(201, body)


@route("apps/list-repos-accessible-to-installation")
def installation_repos(ctx: Ctx) -> Reply:
    chunk, headers = ctx.paginate([ctx.render.repository()])
    return Reply(200, {"total_count": 1, "repositories": chunk, "repository_selection": "selected"}, headers)
