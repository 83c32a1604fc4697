"""The calls of slash commands, suggested reviewers and auto-merge, mixed into ``GhClient``.

Kept apart from ``client.py`` so that each feature's calls sit together; every call goes through the
client's one ``request`` (retry policy, call budget, deadline, error translation).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import automerge_graphql as gql
from .client_core import ClientCore
from .errors import Refused
from .retry import Malformed, call

LEVELS = ("read", "triage", "write", "maintain", "admin")
CHECK_OK = ("success", "neutral", "skipped")


class ReviewCalls(ClientCore):
    # --- reads ----------------------------------------------------------------------------------

    def get_permission(self, login: str) -> str:
        """The person's role here: read, triage, write, maintain or admin (``none`` without access)."""
        try:
            got = self.request(
                "GET", "/repos/{owner}/{repo}/collaborators/{username}/permission", {"username": login}, expect=dict
            )
        except Refused as exc:
            if exc.status == 404:  # not a user GitHub knows
                return "none"
            raise
        role = str(got.get("role_name") or "")
        # A custom role's name says nothing here: its base permission (admin/write/read) does.
        return role if role in LEVELS else str(got.get("permission") or "none")

    def list_reactions(self, comment_id: int) -> list[tuple[str, str]]:
        items = self.pages("/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions", {"comment_id": comment_id})
        return [(str((r.get("user") or {}).get("login", "")), str(r.get("content", ""))) for r in items]

    def list_comments(self, number: int) -> list[tuple[int, str, str]]:
        items = self.pages("/repos/{owner}/{repo}/issues/{issue_number}/comments", {"issue_number": number})
        return [(int(c["id"]), str((c.get("user") or {}).get("login", "")), str(c.get("body") or "")) for c in items]

    def get_pull(self, number: int) -> dict[str, Any]:
        item = self.request("GET", "/repos/{owner}/{repo}/pulls/{pull_number}", {"pull_number": number}, expect=dict)
        return dict(item)

    def list_open_pulls(self) -> list[dict[str, Any]]:
        return [dict(i) for i in self.pages("/repos/{owner}/{repo}/pulls", query={"state": "open"})]

    def pulls_for_commit(self, sha: str) -> list[int]:
        """Open pull requests whose head is ``sha`` (a ``status`` event names only the commit)."""
        items = self.pages("/repos/{owner}/{repo}/commits/{commit_sha}/pulls", {"commit_sha": sha})
        return [int(i["number"]) for i in items if i.get("state") == "open" and (i.get("head") or {}).get("sha") == sha]

    def list_review_details(self, number: int) -> list[tuple[str, str, str]]:
        """(login, state, author_association) of every review, oldest first."""
        items = self.pages("/repos/{owner}/{repo}/pulls/{pull_number}/reviews", {"pull_number": number})
        return [
            (str((r.get("user") or {}).get("login", "")), str(r.get("state", "")), str(r.get("author_association", "")))
            for r in items
        ]

    def check_states(self, sha: str) -> dict[str, str]:
        """Each check run and commit status of ``sha`` by name: success, failure or pending."""
        status = self.request("GET", "/repos/{owner}/{repo}/commits/{ref}/status", {"ref": sha}, expect=dict)
        runs = self.request(
            "GET", "/repos/{owner}/{repo}/commits/{ref}/check-runs", {"ref": sha}, {"per_page": 100}, expect=dict
        )
        out: dict[str, str] = {}
        for s in status.get("statuses") or []:
            state = str(s.get("state"))
            out[str(s.get("context"))] = "failure" if state == "error" else state
        for run in runs.get("check_runs") or []:
            if run.get("status") != "completed":
                out[str(run.get("name"))] = "pending"
            else:
                out[str(run.get("name"))] = "success" if run.get("conclusion") in CHECK_OK else "failure"
        return out

    # --- writes ---------------------------------------------------------------------------------

    def add_reaction(self, comment_id: int, content: str) -> None:
        # GitHub answers 200 with the existing reaction when it is already there: idempotent.
        self.request(
            "POST",
            "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions",
            {"comment_id": comment_id},
            data={"content": content},
        )

    def remove_assignees(self, number: int, assignees: Sequence[str]) -> None:
        self.request(
            "DELETE",
            "/repos/{owner}/{repo}/issues/{issue_number}/assignees",
            {"issue_number": number},
            data={"assignees": list(assignees)},
        )

    def update_comment(self, comment_id: int, body: str) -> None:
        # Idempotent (the same body twice is the same comment): retried like any call.
        route = {"comment_id": comment_id}
        self.request("PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id}", route, data={"body": body})

    def merge_pull(self, number: int, method: str, sha: str) -> None:
        self.request(
            "PUT",
            "/repos/{owner}/{repo}/pulls/{pull_number}/merge",
            {"pull_number": number},
            data={"merge_method": method, "sha": sha},
        )

    def enable_automerge(self, pull_request_id: str, method: str, sha: str) -> None:
        gql.enable(self._graphql, pull_request_id, method, sha)

    def disable_automerge(self, pull_request_id: str) -> None:
        gql.disable(self._graphql, pull_request_id)

    def _graphql(self, document: str, variables: dict[str, Any]) -> dict[str, Any]:
        url = self.graphql_url or gql.graphql_url(self.base_url)

        def once() -> dict[str, Any]:
            self.budget.spend(write=document.lstrip().startswith("mutation"))
            response = self.http.post(url, json={"query": document, "variables": variables})
            response.raise_for_status()
            try:
                answer = response.json()
            except ValueError:
                raise Malformed("not JSON") from None
            return gql.read_answer(answer)

        data: dict[str, Any] = call(once, self.policy, self.budget)
        return data
