"""JSON shapes of GitHub REST responses (core objects), built from `State` objects.

API URLs point at the test server itself (so a client following `url` stays local); `html_url`s
point at https://github.com like the real thing.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any
from urllib.parse import quote

from .state import ChangedFile, Issue, Label, State, fake_sha

HTML = "https://github.com"
DOCS = "https://docs.github.com/rest"
# "<key>:<suffix of the repository API url>", as in GitHub's repository objects
_REPO_URL_KEYS = [
    "archive_url:/{archive_format}{/ref}",
    "assignees_url:/assignees{/user}",
    "blobs_url:/git/blobs{/sha}",
    "branches_url:/branches{/branch}",
    "collaborators_url:/collaborators{/collaborator}",
    "comments_url:/comments{/number}",
    "commits_url:/commits{/sha}",
    "compare_url:/compare/{base}...{head}",
    "contents_url:/contents/{+path}",
    "contributors_url:/contributors",
    "deployments_url:/deployments",
    "downloads_url:/downloads",
    "events_url:/events",
    "forks_url:/forks",
    "git_commits_url:/git/commits{/sha}",
    "git_refs_url:/git/refs{/sha}",
    "git_tags_url:/git/tags{/sha}",
    "hooks_url:/hooks",
    "issue_comment_url:/issues/comments{/number}",
    "issue_events_url:/issues/events{/number}",
    "issues_url:/issues{/number}",
    "keys_url:/keys{/key_id}",
    "labels_url:/labels{/name}",
    "languages_url:/languages",
    "merges_url:/merges",
    "milestones_url:/milestones{/number}",
    "notifications_url:/notifications{?since,all,participating}",
    "pulls_url:/pulls{/number}",
    "releases_url:/releases{/id}",
    "stargazers_url:/stargazers",
    "statuses_url:/statuses/{sha}",
    "subscribers_url:/subscribers",
    "subscription_url:/subscription",
    "tags_url:/tags",
    "teams_url:/teams",
    "trees_url:/git/trees{/sha}",
]


def ts(value: datetime | None) -> str | None:
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%SZ")


class CoreRenderer:
    """Users, labels, the repository, issues and pull requests."""

    def __init__(self, state: State, base_url: str) -> None:
        self.state = state
        self.api = base_url.rstrip("/")
        self._comment_counts: Counter[int] | None = None  # per request: a page of 100 issues counts once

    def comment_count(self, number: int) -> int:
        if self._comment_counts is None:
            self._comment_counts = Counter(c.issue_number for c in self.state.comments.values())
        return self._comment_counts[number]

    @property
    def repo_api(self) -> str:
        return f"{self.api}/repos/{self.state.repo.full_name}"

    @property
    def repo_html(self) -> str:
        return f"{HTML}/{self.state.repo.full_name}"

    # -- users, labels -----------------------------------------------------------------------------
    def user(self, login: str | None) -> dict[str, Any] | None:
        if login is None:
            return None
        uid = self.state.user_id(login)
        url = f"{self.api}/users/{login}"
        kind = "Bot" if login.endswith("[bot]") else "User"
        if login == self.state.repo.owner and self.state.repo.owner_type == "Organization":
            kind = "Organization"
        return {
            "login": login,
            "id": uid,
            "node_id": f"U_{uid}",
            "avatar_url": f"https://avatars.githubusercontent.com/u/{uid}?v=4",
            "gravatar_id": "",
            "url": url,
            "html_url": f"{HTML}/{login}",
            "followers_url": f"{url}/followers",
            "following_url": f"{url}/following{{/other_user}}",
            "gists_url": f"{url}/gists{{/gist_id}}",
            "starred_url": f"{url}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{url}/subscriptions",
            "organizations_url": f"{url}/orgs",
            "repos_url": f"{url}/repos",
            "events_url": f"{url}/events{{/privacy}}",
            "received_events_url": f"{url}/received_events",
            "type": kind,
            "site_admin": False,
        }

    def label(self, label: Label) -> dict[str, Any]:
        return {
            "id": label.id,
            "node_id": f"LA_{label.id}",
            "url": f"{self.repo_api}/labels/{quote(label.name, safe='')}",
            "name": label.name,
            "color": label.color,
            "default": label.default,
            "description": label.description,
        }

    def team(self, slug: str) -> dict[str, Any]:
        tid = 90000 + sum(map(ord, slug))
        org = self.state.repo.owner
        return {
            "id": tid,
            "node_id": f"T_{tid}",
            "url": f"{self.api}/teams/{tid}",
            "html_url": f"{HTML}/orgs/{org}/teams/{slug}",
            "name": slug,
            "slug": slug,
            "description": None,
            "privacy": "closed",
            "permission": "pull",
            "members_url": f"{self.api}/teams/{tid}/members{{/member}}",
            "repositories_url": f"{self.api}/teams/{tid}/repos",
            "parent": None,
            "type": "organization",
        }

    # -- repository --------------------------------------------------------------------------------
    def repository(self, full: bool = False) -> dict[str, Any]:
        repo = self.state.repo
        base = self.repo_api
        out: dict[str, Any] = {
            "id": repo.id,
            "node_id": f"R_{repo.id}",
            "name": repo.name,
            "full_name": repo.full_name,
            "private": repo.private,
            "owner": self.user(repo.owner),
            "html_url": self.repo_html,
            "description": repo.description,
            "fork": False,
            "url": base,
        }
        for entry in _REPO_URL_KEYS:
            key, suffix = entry.split(":", 1)
            out[key] = base + suffix
        open_count = sum(1 for i in self.state.issues.values() if i.state == "open")
        out.update(
            {
                "clone_url": f"{self.repo_html}.git",
                "git_url": f"git://github.com/{repo.full_name}.git",
                "ssh_url": f"git@github.com:{repo.full_name}.git",
                "svn_url": self.repo_html,
                "mirror_url": None,
                "homepage": None,
                "language": "Python",
                "forks": 0,
                "forks_count": 0,
                "stargazers_count": 0,
                "watchers": 0,
                "watchers_count": 0,
                "size": 100,
                "default_branch": repo.default_branch,
                "open_issues": open_count,
                "open_issues_count": open_count,
                "is_template": False,
                "topics": [],
                "has_issues": True,
                "has_projects": True,
                "has_wiki": True,
                "has_pages": False,
                "has_downloads": True,
                "has_discussions": False,
                "archived": False,
                "disabled": False,
                "visibility": "private" if repo.private else "public",
                "pushed_at": "2024-01-01T00:00:00Z",
                "created_at": "2020-01-01T00:00:00Z",
                "updated_at": "2024-01-01T00:00:00Z",
                "license": None,
                "permissions": {
                    "admin": False,
                    "maintain": False,
                    "push": True,
                    "triage": True,
                    "pull": True,
                },
            }
        )
        if full:
            out.update({"network_count": 0, "subscribers_count": 0})
        return out

    # -- issues and pull requests ------------------------------------------------------------------
    def issue(self, issue: Issue) -> dict[str, Any]:
        url = f"{self.repo_api}/issues/{issue.number}"
        kind = "pull" if issue.is_pull else "issues"
        out: dict[str, Any] = {
            "id": issue.id,
            "node_id": f"I_{issue.id}",
            "url": url,
            "repository_url": self.repo_api,
            "labels_url": f"{url}/labels{{/name}}",
            "comments_url": f"{url}/comments",
            "events_url": f"{url}/events",
            "html_url": f"{self.repo_html}/{kind}/{issue.number}",
            "number": issue.number,
            "state": issue.state,
            "state_reason": issue.state_reason,
            "title": issue.title,
            "body": issue.body,
            "user": self.user(issue.user),
            "labels": [self.label(label) for label in self.state.labels_on(issue)],
            "assignee": self.user(issue.assignees[0]) if issue.assignees else None,
            "assignees": [self.user(a) for a in issue.assignees],
            "milestone": self.milestone(issue),
            "locked": issue.locked,
            "active_lock_reason": issue.active_lock_reason,
            "comments": self.comment_count(issue.number),
            "closed_at": ts(issue.closed_at),
            "created_at": ts(issue.created_at),
            "updated_at": ts(issue.updated_at),
            "closed_by": None,
            "author_association": issue.author_association,
            "reactions": self.reactions(url),
        }
        if issue.is_pull:
            out["draft"] = issue.draft
            out["pull_request"] = {
                "url": f"{self.repo_api}/pulls/{issue.number}",
                "html_url": out["html_url"],
                "diff_url": f"{out['html_url']}.diff",
                "patch_url": f"{out['html_url']}.patch",
                "merged_at": ts(issue.merged_at),
            }
        return out

    def search_item(self, issue: Issue) -> dict[str, Any]:
        return {**self.issue(issue), "score": 1.0}

    def milestone(self, issue: Issue) -> dict[str, Any] | None:
        m = issue.milestone
        if m is None:
            return None
        url = f"{self.repo_api}/milestones/{m.number}"
        return {
            "url": url,
            "html_url": f"{self.repo_html}/milestone/{m.number}",
            "labels_url": f"{url}/labels",
            "id": m.id,
            "node_id": f"MI_{m.id}",
            "number": m.number,
            "state": m.state,
            "title": m.title,
            "description": None,
            "creator": self.user(self.state.repo.owner),
            "open_issues": 0,
            "closed_issues": 0,
            "created_at": "2020-01-01T00:00:00Z",
            "updated_at": "2020-01-01T00:00:00Z",
            "closed_at": None,
            "due_on": None,
        }

    def reactions(self, url: str) -> dict[str, Any]:
        counts = dict.fromkeys(("+1", "-1", "laugh", "confused", "heart", "hooray", "eyes", "rocket"), 0)
        return {"url": f"{url}/reactions", "total_count": 0, **counts}

    def branch(self, ref: str, sha: str) -> dict[str, Any]:
        return {
            "label": f"{self.state.repo.owner}:{ref}",
            "ref": ref,
            "sha": sha,
            "user": self.user(self.state.repo.owner),
            "repo": self.repository(),
        }

    def pull(self, pull: Issue, simple: bool = False) -> dict[str, Any]:
        issue = self.issue(pull)
        url = f"{self.repo_api}/pulls/{pull.number}"
        html = issue["html_url"]
        out: dict[str, Any] = {
            k: issue[k]
            for k in (
                "id",
                "number",
                "state",
                "locked",
                "title",
                "user",
                "body",
                "labels",
                "milestone",
                "active_lock_reason",
                "created_at",
                "updated_at",
                "closed_at",
                "assignee",
                "assignees",
                "author_association",
                "html_url",
                "draft",
            )
        }
        # `pull-request-simple` (pulls/list, request/remove reviewers) declares a label's description a
        # non-null string, while `pull-request`, `issue` and `label` allow null: every pull shape renders
        # "" for a label without one (what GitHub sends there is not known here).
        out["labels"] = [{**label, "description": label["description"] or ""} for label in out["labels"]]
        out.update(
            {
                "url": url,
                "node_id": f"PR_{pull.id}",
                "diff_url": f"{html}.diff",
                "patch_url": f"{html}.patch",
                "issue_url": f"{self.repo_api}/issues/{pull.number}",
                "commits_url": f"{url}/commits",
                "review_comments_url": f"{url}/comments",
                "review_comment_url": f"{self.repo_api}/pulls/comments{{/number}}",
                "comments_url": f"{self.repo_api}/issues/{pull.number}/comments",
                "statuses_url": f"{self.repo_api}/statuses/{pull.head_sha}",
                "merged_at": ts(pull.merged_at),
                "merge_commit_sha": pull.merge_commit_sha,
                "requested_reviewers": [self.user(u) for u in pull.requested_reviewers],
                "requested_teams": [self.team(t) for t in pull.requested_teams],
                "head": self.branch(pull.head_ref, pull.head_sha),
                "base": self.branch(pull.base_ref, pull.base_sha),
                "_links": {
                    name: {"href": href}
                    for name, href in (
                        ("self", url),
                        ("html", html),
                        ("issue", issue["url"]),
                        ("comments", issue["comments_url"]),
                        ("review_comments", f"{url}/comments"),
                        ("review_comment", f"{self.repo_api}/pulls/comments{{/number}}"),
                        ("commits", f"{url}/commits"),
                        ("statuses", f"{self.repo_api}/statuses/{pull.head_sha}"),
                    )
                },
                "auto_merge": pull.auto_merge,
            }
        )
        if not simple:
            merged = pull.merged_at is not None
            out.update(
                {
                    "merged": merged,
                    "mergeable": None if merged else pull.mergeable,
                    "rebaseable": pull.mergeable,
                    "mergeable_state": pull.mergeable_state or ("clean" if pull.mergeable else "dirty"),
                    "merged_by": self.user(pull.merged_by),
                    "comments": issue["comments"],
                    "review_comments": 0,
                    "maintainer_can_modify": False,
                    "commits": pull.commits,
                    "additions": sum(f.additions for f in pull.files),
                    "deletions": sum(f.deletions for f in pull.files),
                    "changed_files": len(pull.files),
                }
            )
        return out

    def diff_entry(self, pull: Issue, changed: ChangedFile) -> dict[str, Any]:
        sha = fake_sha("blob", pull.number, changed.filename)
        out: dict[str, Any] = {
            "sha": sha,
            "filename": changed.filename,
            "status": changed.status,
            "additions": changed.additions,
            "deletions": changed.deletions,
            "changes": changed.changes,
            "blob_url": f"{self.repo_html}/blob/{pull.head_sha}/{changed.filename}",
            "raw_url": f"{self.repo_html}/raw/{pull.head_sha}/{changed.filename}",
            "contents_url": f"{self.repo_api}/contents/{changed.filename}?ref={pull.head_sha}",
        }
        if changed.patch is not None:
            out["patch"] = changed.patch
        if changed.previous_filename is not None:
            out["previous_filename"] = changed.previous_filename
        return out


def error(message: str, doc: str = "", **extra: Any) -> dict[str, Any]:
    return {"message": message, "documentation_url": f"{DOCS}{doc}", **extra}
