"""JSON shapes of comments, events, reviews, statuses, check runs and file contents."""

from __future__ import annotations

import base64
from typing import Any

from .render_core import DOCS, HTML, CoreRenderer, error, ts
from .state import CheckRun, Comment, CommitStatus, Event, Review, fake_sha

__all__ = ["DOCS", "HTML", "Renderer", "error", "ts"]


class Renderer(CoreRenderer):
    """Everything a handler needs to answer in GitHub's shapes."""

    # -- comments, events, reviews -----------------------------------------------------------------
    def comment(self, comment: Comment) -> dict[str, Any]:
        issue = self.state.issues.get(comment.issue_number)
        kind = "pull" if issue and issue.is_pull else "issues"
        url = f"{self.repo_api}/issues/comments/{comment.id}"
        return {
            "id": comment.id,
            "node_id": f"IC_{comment.id}",
            "url": url,
            "html_url": f"{self.repo_html}/{kind}/{comment.issue_number}#issuecomment-{comment.id}",
            "issue_url": f"{self.repo_api}/issues/{comment.issue_number}",
            "body": comment.body,
            "user": self.user(comment.user),
            "created_at": ts(comment.created_at),
            "updated_at": ts(comment.updated_at),
            "author_association": comment.author_association,
            "performed_via_github_app": None,
            "reactions": self.reactions(url),
        }

    def event(self, event: Event) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": event.id,
            "node_id": f"E_{event.id}",
            "url": f"{self.repo_api}/issues/events/{event.id}",
            "actor": self.user(event.actor),
            "event": event.event,
            "commit_id": event.commit_id,
            "commit_url": f"{self.repo_api}/commits/{event.commit_id}" if event.commit_id else None,
            "created_at": ts(event.created_at),
            "performed_via_github_app": None,
        }
        if event.label is not None:
            out["label"] = {"name": event.label.name, "color": event.label.color}
        if event.assignee is not None:
            out["assignee"] = self.user(event.assignee)
            out["assigner"] = self.user(event.actor)
        if event.event in ("review_requested", "review_request_removed"):
            out["review_requester"] = self.user(event.actor)
            if event.reviewer:
                out["requested_reviewer"] = self.user(event.reviewer)
            if event.team:
                out["requested_team"] = self.team(event.team)
        if event.rename is not None:
            out["rename"] = {"from": event.rename[0], "to": event.rename[1]}
        if event.event in ("closed", "reopened"):
            out["state_reason"] = event.state_reason
        if event.event == "locked":
            out["lock_reason"] = event.lock_reason
        return out

    def timeline_comment(self, comment: Comment) -> dict[str, Any]:
        return {**self.comment(comment), "event": "commented", "actor": self.user(comment.user)}

    def review(self, review: Review, timeline: bool = False) -> dict[str, Any]:
        pull_url = f"{self.repo_api}/pulls/{review.pull_number}"
        html = f"{self.repo_html}/pull/{review.pull_number}#pullrequestreview-{review.id}"
        out: dict[str, Any] = {
            "id": review.id,
            "node_id": f"PRR_{review.id}",
            "user": self.user(review.user),
            "body": review.body,
            "state": review.state.lower() if timeline else review.state,
            "html_url": html,
            "pull_request_url": pull_url,
            "commit_id": review.commit_id,
            "submitted_at": ts(review.submitted_at),
            "author_association": review.author_association,
            "_links": {"html": {"href": html}, "pull_request": {"href": pull_url}},
        }
        if timeline:
            out["event"] = "reviewed"
        return out

    # -- commits, checks, contents -----------------------------------------------------------------
    def status(self, status: CommitStatus) -> dict[str, Any]:
        return {
            "url": f"{self.repo_api}/statuses/{status.sha}",
            "avatar_url": None,
            "id": status.id,
            "node_id": f"SC_{status.id}",
            "state": status.state,
            "description": status.description,
            "target_url": status.target_url,
            "context": status.context,
            "created_at": ts(status.created_at),
            "updated_at": ts(status.created_at),
            "creator": self.user(self.state.actor),
        }

    def app(self, slug: str) -> dict[str, Any]:
        return {
            "id": 15368,
            "slug": slug,
            "node_id": "A_15368",
            "client_id": "Iv1.0000000000000000",
            "owner": self.user("github"),
            "name": "GitHub Actions",
            "description": "Automate your workflow",
            "external_url": "https://help.github.com/en/actions",
            "html_url": f"{HTML}/apps/{slug}",
            "created_at": "2018-07-30T09:30:17Z",
            "updated_at": "2019-12-10T19:04:12Z",
            "permissions": {
                "checks": "write",
                "issues": "write",
                "pull_requests": "write",
                "metadata": "read",
            },
            "events": ["check_run", "issues", "pull_request"],
        }

    def check_run(self, run: CheckRun) -> dict[str, Any]:
        url = f"{self.repo_api}/check-runs/{run.id}"
        return {
            "id": run.id,
            "node_id": f"CR_{run.id}",
            "head_sha": run.head_sha,
            "external_id": "",
            "url": url,
            "html_url": f"{self.repo_html}/runs/{run.id}",
            "details_url": f"{self.repo_html}/runs/{run.id}",
            "status": run.status,
            "conclusion": run.conclusion,
            "started_at": ts(run.started_at),
            "completed_at": ts(run.completed_at),
            "name": run.name,
            "check_suite": {"id": 7000 + run.id},
            "output": {
                "title": None,
                "summary": None,
                "text": None,
                "annotations_count": 0,
                "annotations_url": f"{url}/annotations",
            },
            "app": self.app(run.app_slug),
            "pull_requests": [],
        }

    def content_file(self, path: str, sha: str, data: bytes) -> dict[str, Any]:
        encoded = base64.encodebytes(data).decode()  # GitHub wraps base64 at 60 chars; '\n' every 76 is fine
        blob = fake_sha("blob", path, data.hex())
        url = f"{self.repo_api}/contents/{path}?ref={sha}"
        git = f"{self.repo_api}/git/blobs/{blob}"
        html = f"{self.repo_html}/blob/{sha}/{path}"
        return {
            "type": "file",
            "encoding": "base64",
            "size": len(data),
            "name": path.rsplit("/", 1)[-1],
            "path": path,
            "content": encoded,
            "sha": blob,
            "url": url,
            "git_url": git,
            "html_url": html,
            "download_url": f"https://raw.githubusercontent.com/{self.state.repo.full_name}/{sha}/{path}",
            "_links": {"self": url, "git": git, "html": html},
        }
