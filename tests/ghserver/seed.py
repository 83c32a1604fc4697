"""Seeding a `State` from a real webhook payload (@octokit/webhooks-examples, see tests/githubdata.py)."""

from __future__ import annotations

from typing import Any

from ..githubdata import load_payload
from .state import Comment, Issue, Milestone, Review, State, fake_sha, parse_time

__all__ = ["load_payload", "seed_from_payload"]


def seed_from_payload(state: State, payload: dict[str, Any]) -> Issue | None:
    """Create the repository and the issue / PR (with labels, user, association) of a webhook payload."""
    repo = payload.get("repository")
    if repo:
        state.repo.owner = repo["owner"]["login"]
        state.repo.name = repo["name"]
        state.repo.id = repo.get("id", state.repo.id)
        state.repo.private = bool(repo.get("private"))
        state.repo.description = repo.get("description")
        state.repo.owner_type = repo["owner"].get("type", "User")
        old_default = state.repo.default_branch
        state.repo.default_branch = repo.get("default_branch") or old_default
        if state.repo.default_branch not in state.branches:
            state.branches[state.repo.default_branch] = state.branches.pop(old_default, fake_sha("main"))
        state.user_id(state.repo.owner, repo["owner"].get("id"))
    sender = payload.get("sender")
    if sender:
        state.user_id(sender["login"], sender.get("id"))
    data = payload.get("pull_request") or payload.get("issue")
    if data is None:
        return None
    issue = _seed_item(state, data, is_pull="pull_request" in payload or "head" in data)
    comment = payload.get("comment")
    if comment and "issue" in payload:
        _seed_comment(state, issue.number, comment)
    review = payload.get("review")
    if review and issue.is_pull:
        login = review["user"]["login"]
        state.user_id(login, review["user"].get("id"))
        when = parse_time(review.get("submitted_at")) or state.now()
        state.reviews.append(
            Review(
                review["id"],
                issue.number,
                login,
                review["state"].upper(),
                review.get("body") or "",
                review.get("commit_id") or issue.head_sha,
                when,
                review.get("author_association", "NONE"),
            )
        )
    return issue


def _seed_item(state: State, data: dict[str, Any], is_pull: bool) -> Issue:
    for entry in data.get("labels") or []:
        state.add_label(
            entry["name"],
            entry.get("color") or "ededed",
            entry.get("description"),
            bool(entry.get("default")),
        )
    user = data["user"]["login"]
    state.user_id(user, data["user"].get("id"))
    assignees = [a["login"] for a in data.get("assignees") or []]
    milestone = data.get("milestone")
    fields: dict[str, Any] = {
        "number": data["number"],
        "id": data.get("id", 0),
        "body": data.get("body"),
        "state": data.get("state", "open"),
        "state_reason": data.get("state_reason"),
        "locked": bool(data.get("locked")),
        "active_lock_reason": data.get("active_lock_reason"),
        "author_association": data.get("author_association", "NONE"),
        "labels": [entry["name"] for entry in data.get("labels") or []],
        "assignees": assignees,
        "milestone": Milestone(milestone["number"], milestone["title"], milestone.get("id", 0)) if milestone else None,
        "created_at": data.get("created_at"),
        "updated_at": data.get("updated_at"),
        "closed_at": data.get("closed_at"),
        "draft": bool(data.get("draft")),
    }
    if is_pull:
        fields.update(
            head_ref=data["head"]["ref"],
            head_sha=data["head"]["sha"],
            base_ref=data["base"]["ref"],
            base_sha=data["base"]["sha"],
            requested_reviewers=[u["login"] for u in data.get("requested_reviewers") or []],
            requested_teams=[t["slug"] for t in data.get("requested_teams") or []],
            merged_at=data.get("merged_at"),
            merge_commit_sha=data.get("merge_commit_sha"),
            merged_by=(data.get("merged_by") or {}).get("login"),
            mergeable=data.get("mergeable", True),
            commits=data.get("commits", 1),
        )
        state.branches[data["base"]["ref"]] = data["base"]["sha"]
    fields = {k: v for k, v in fields.items() if v is not None or k in ("body", "milestone")}
    state.issues.pop(data["number"], None)
    add = state.add_pull if is_pull else state.add_issue
    return add(data.get("title", ""), user, **fields)


def _seed_comment(state: State, number: int, data: dict[str, Any]) -> None:
    when = parse_time(data.get("created_at")) or state.now()
    user = data["user"]["login"]
    state.user_id(user, data["user"].get("id"))
    comment = Comment(
        data["id"],
        number,
        data.get("body") or "",
        user,
        when,
        parse_time(data.get("updated_at")) or when,
        data.get("author_association", "NONE"),
    )
    state.comments[comment.id] = comment
