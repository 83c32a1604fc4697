"""Handlers for reactions on issue comments and the pull requests of a commit (slash commands and
auto-merge use them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .api import Ctx, Reply, not_found, route
from .render import ts


@dataclass
class Reaction:
    id: int
    comment_id: int
    user: str
    content: str
    created_at: datetime


def _render(ctx: Ctx, reaction: Reaction) -> dict[str, Any]:
    return {
        "id": reaction.id,
        "node_id": f"REA_{reaction.id}",
        "user": ctx.render.user(reaction.user),
        "content": reaction.content,
        "created_at": ts(reaction.created_at),
    }


def _comment_id(ctx: Ctx) -> int:
    ident = int(ctx.params["comment_id"])
    if ident not in ctx.state.comments:
        raise not_found("/reactions/reactions")
    return ident


@route("reactions/list-for-issue-comment")
def list_reactions(ctx: Ctx) -> Reply:
    ident = _comment_id(ctx)
    items = [r for r in ctx.state.reactions if r.comment_id == ident]
    if "content" in ctx.params:
        items = [r for r in items if r.content == ctx.params["content"]]
    return ctx.page(items, lambda r: _render(ctx, r))


@route("reactions/create-for-issue-comment")
def create_reaction(ctx: Ctx) -> Reply:
    """GitHub answers 200 with the existing reaction when the same person already reacted so."""
    ident, content = _comment_id(ctx), ctx.body["content"]
    for reaction in ctx.state.reactions:
        if (reaction.comment_id, reaction.user, reaction.content) == (ident, ctx.actor, content):
            return Reply(200, _render(ctx, reaction))
    reaction = Reaction(ctx.state.next_id(), ident, ctx.actor, content, ctx.state.now())
    ctx.state.reactions.append(reaction)
    return Reply(201, _render(ctx, reaction))


@route("repos/list-pull-requests-associated-with-commit")
def pulls_for_commit(ctx: Ctx) -> Reply:
    sha = ctx.params["commit_sha"]
    pulls = [i for i in ctx.state.issues.values() if i.is_pull and sha in (i.head_sha, i.merge_commit_sha)]
    return ctx.page(pulls, lambda i: ctx.render.pull(i, simple=True))
