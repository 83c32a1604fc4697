"""The GitHub port over one persistent httpx2 client, under one retry policy and a call budget.

Requests go straight to httpx2 (the path template filled with quoted route values, the query, a
JSON body): that is all the port needs, and it keeps the action's start fast (ghapi builds its
1,225 operations on every construction; see docs/startup.md). The base URL is ``GITHUB_API_URL``,
passed in by the action (GitHub Enterprise Server, and our test server). One persistent HTTP client
keeps the connection alive across calls. The token goes into the Authorization header only; it is
never logged.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx2

from .. import __version__
from ..events.model import FileChange
from .budget import CallBudget
from .client_review import ReviewCalls
from .errors import MalformedAnswer, Refused
from .port import IssueState
from .retry import Malformed, Policy, call
from .sweep_calls import SweepCalls
from .transport import RequestClock, bound

_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')


def _shaped(value: Any, expect: type) -> bool:
    if expect is dict:
        return isinstance(value, Mapping)
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)


@dataclass
class CallLog:
    """Every HTTP request made (retries included), for the report and the benchmarks."""

    budget: CallBudget
    entries: list[tuple[str, str, int]] = field(default_factory=list)  # (method, path, status)

    @property
    def calls(self) -> int:
        return self.budget.calls

    @property
    def writes(self) -> int:
        return self.budget.writes

    @property
    def written(self) -> int:
        return self.budget.written


class GhClient(
    SweepCalls, ReviewCalls
):  # sweeps' calls: sweep_calls.py; commands, reviewers, auto-merge: client_review.py
    def __init__(
        self,
        repository: str,
        token: str,
        *,
        api_url: str = "https://api.github.com",
        policy: Policy | None = None,
        budget: CallBudget | None = None,
        max_calls: int = 500,
        timeout: float = 30.0,
    ) -> None:
        owner, _, repo = repository.partition("/")
        self.owner, self.repo = owner, repo
        self.policy = policy or Policy()
        self.budget = budget or CallBudget(max_calls)
        self.timeout = timeout
        self.log = CallLog(self.budget)
        self.base_url = api_url.rstrip("/")
        headers = {"Accept": "application/vnd.github.v3+json", "User-Agent": f"devflow-action/{__version__}"}
        if token:
            headers["Authorization"] = f"token {token}"
        self.request_clock = RequestClock()
        self.http = bound(httpx2.Client(timeout=timeout, follow_redirects=True, headers=headers), self.request_clock)
        self.last_headers: Mapping[str, str] = {}  # of the last 2xx answer (the Link header pages)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> GhClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- plumbing -------------------------------------------------------------------------------

    def _once(
        self, verb: str, path: str, route: dict[str, Any], query: dict[str, Any] | None, data: Any, expect: type | None
    ) -> Any:
        self.budget.spend(write=verb != "GET")
        route = {"owner": self.owner, "repo": self.repo, **route}
        shown = path.format(**route)
        left = self.budget.time_left()
        limit = self.timeout if left is None else min(self.timeout, left)  # the request's total time
        self.request_clock.start(limit)
        self.http.timeout = httpx2.Timeout(max(0.1, limit))
        try:
            result = self._send(verb, path, route, query, data)
        except ValueError as exc:  # a 2xx whose JSON is truncated or not JSON at all
            self.log.entries.append((verb, shown, 200))
            if verb != "GET":
                self.budget.written += 1  # a 2xx to a write: it landed, whatever the body
            raise Malformed(type(exc).__name__) from None
        except httpx2.HTTPStatusError as exc:
            self.log.entries.append((verb, shown, exc.response.status_code))
            raise
        except httpx2.TransportError:
            self.log.entries.append((verb, shown, 0))
            self.budget.check_time()  # a timeout cut short by the deadline is the deadline
            raise
        self.log.entries.append((verb, shown, 200))
        if verb != "GET":
            self.budget.written += 1
        if expect is not None and not _shaped(result, expect):
            raise Malformed(f"expected a JSON {'object' if expect is dict else 'array'}")
        return result

    def _send(self, verb: str, path: str, route: dict[str, Any], query: dict[str, Any] | None, data: Any) -> Any:
        """One HTTP exchange: 2xx -> the decoded body; other statuses raise httpx2.HTTPStatusError."""
        url = self.base_url + path.format(**{k: quote(str(v), safe="") for k, v in route.items()})
        response = self.http.request(verb, url, params=query, json=data)
        response.raise_for_status()
        self.last_headers = response.headers
        if not response.content:
            return None
        kind = response.headers.get("content-type", "").lower()
        if "application/json" in kind or kind.endswith("+json"):
            return response.json()  # ValueError when truncated or not JSON
        return response.text  # an HTML error page, say: the caller's shape check rejects it

    def request(
        self,
        verb: str,
        path: str,
        route: dict[str, Any] | None = None,
        query: dict[str, Any] | None = None,
        data: Any = None,
        *,
        retry: bool = True,
        expect: type | None = None,
    ) -> Any:
        """One API call under the policy. ``expect``: the JSON type a 2xx must have (dict or list); any
        other answer (an HTML page, truncated JSON) is retried, then ends as ``MalformedAnswer``."""
        fn: Callable[[], Any] = lambda: self._once(verb, path, route or {}, query, data, expect)  # noqa: E731
        return call(fn, self.policy, self.budget, retry_server_errors=retry)

    def pages(self, path: str, route: dict[str, Any] | None = None, query: dict[str, Any] | None = None) -> list[Any]:
        """Every item of a paginated list, 100 per page, following GitHub's Link header."""
        items: list[Any] = []
        q = {**(query or {}), "per_page": 100}
        page = 1
        while True:
            got = self.request("GET", path, route, {**q, "page": page}, expect=list)
            items.extend(got or [])
            link = self.last_headers.get("link") or ""
            if not _NEXT.search(link):
                return items
            page += 1

    # --- reads ----------------------------------------------------------------------------------

    def get_issue(self, number: int) -> IssueState:
        item = self.request("GET", "/repos/{owner}/{repo}/issues/{issue_number}", {"issue_number": number}, expect=dict)
        return IssueState(
            labels=tuple(label["name"] for label in item.get("labels") or []),
            state=item.get("state") or "open",
            assignees=tuple(a["login"] for a in item.get("assignees") or []),
            milestone=(item.get("milestone") or {}).get("number"),
            locked=bool(item.get("locked")),
            comments=int(item.get("comments") or 0),
        )

    def list_pull_files(self, number: int) -> list[FileChange]:
        items = self.pages("/repos/{owner}/{repo}/pulls/{pull_number}/files", {"pull_number": number})
        return [FileChange(f["filename"], int(f.get("additions", 0)), int(f.get("deletions", 0))) for f in items]

    def count_authored(self, login: str, limit: int) -> int:
        """Issues and pull requests opened by ``login`` here, counted up to ``limit`` (one call)."""
        items = self.request(
            "GET",
            "/repos/{owner}/{repo}/issues",
            query={"creator": login, "state": "all", "per_page": limit},
            expect=list,
        )
        return len(items or [])

    def list_comments(self, number: int) -> list[tuple[int, str, str]]:
        items = self.pages("/repos/{owner}/{repo}/issues/{issue_number}/comments", {"issue_number": number})
        return [(int(c["id"]), str((c.get("user") or {}).get("login", "")), str(c.get("body") or "")) for c in items]

    def list_reviews(self, number: int) -> list[tuple[str, str]]:
        items = self.pages("/repos/{owner}/{repo}/pulls/{pull_number}/reviews", {"pull_number": number})
        return [((r.get("user") or {}).get("login", ""), str(r.get("state", ""))) for r in items]

    def checks_state(self, sha: str) -> str:
        """Combined state of commit statuses and check runs: failure, pending or success."""
        status = self.request("GET", "/repos/{owner}/{repo}/commits/{ref}/status", {"ref": sha}, expect=dict)
        runs = self.request(
            "GET", "/repos/{owner}/{repo}/commits/{ref}/check-runs", {"ref": sha}, {"per_page": 100}, expect=dict
        )
        states = [] if not status.get("statuses") else [status.get("state")]
        for run in runs.get("check_runs") or []:
            if run.get("status") != "completed":
                states.append("pending")
            elif run.get("conclusion") in ("success", "neutral", "skipped"):
                states.append("success")
            else:
                states.append("failure")
        if "failure" in states or "error" in states:
            return "failure"
        if "pending" in states or not states:
            return "pending"
        return "success"

    def label_events(self, number: int) -> list[tuple[str, str, str]]:
        items = self.pages("/repos/{owner}/{repo}/issues/{issue_number}/events", {"issue_number": number})
        return [
            (
                str(e.get("event")),
                str((e.get("label") or {}).get("name", "")),
                str((e.get("actor") or {}).get("login", "")),
            )
            for e in items
            if e.get("event") in ("labeled", "unlabeled")
        ]

    def list_requested_reviewers(self, number: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Pending review requests: logins and team slugs (one call: GitHub does not paginate these)."""
        got = self.request(
            "GET", "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers", {"pull_number": number}, expect=dict
        )
        users = tuple(str(u["login"]) for u in got.get("users") or [])
        return users, tuple(str(t["slug"]) for t in got.get("teams") or [])

    def get_pull(self, number: int) -> dict[str, Any]:
        item = self.request("GET", "/repos/{owner}/{repo}/pulls/{pull_number}", {"pull_number": number}, expect=dict)
        return dict(item)

    def list_pulls_for_head(self, head: str) -> list[dict[str, Any]]:
        items = self.request("GET", "/repos/{owner}/{repo}/pulls", query={"head": head, "state": "open"}, expect=list)
        return [dict(item) for item in items or []]

    def get_file(self, path: str, ref: str | None) -> bytes | None:
        """The file's bytes at ``ref`` (the default branch when None); None when there is no such file
        (absent, or a directory, a symlink or a submodule)."""
        try:
            # quoted here, keeping '/': route values are quoted whole, '/' included
            item = self.request(
                "GET", "/repos/{owner}/{repo}/contents/" + quote(path, safe="/"), {}, {"ref": ref} if ref else None
            )
        except Refused as exc:
            if exc.status == 404:
                return None
            raise
        if _shaped(item, list):  # a directory listing (ghapi gives arrays as fastcore's L, not list)
            return None
        if not isinstance(item, dict):
            raise MalformedAnswer("GitHub's answer for a file is not a JSON object")
        if item.get("type") != "file":
            return None
        try:
            return base64.b64decode(item.get("content") or "")
        except ValueError:
            raise MalformedAnswer("GitHub's answer for a file has invalid base64 content") from None

    # --- writes ---------------------------------------------------------------------------------

    def add_labels(self, number: int, labels: Sequence[str]) -> tuple[str, ...]:
        got = self.request(
            "POST",
            "/repos/{owner}/{repo}/issues/{issue_number}/labels",
            {"issue_number": number},
            data={"labels": list(labels)},
        )
        return tuple(label["name"] for label in got or [])

    def remove_label(self, number: int, label: str) -> None:
        try:
            self.request(
                "DELETE",
                "/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}",
                {"issue_number": number, "name": label},
            )
        except Refused as exc:
            if exc.status != 404:  # already gone: done
                raise

    def create_comment(self, number: int, body: str) -> None:
        # Server errors are not retried here: a POST that failed ambiguously may have landed, so the
        # executor re-checks the comment's marker before trying again. Rate limits are waited out
        # here like any call's (a rate-limited request is never applied).
        self.request(
            "POST",
            "/repos/{owner}/{repo}/issues/{issue_number}/comments",
            {"issue_number": number},
            data={"body": body},
            retry=False,
        )

    def update_comment(self, comment_id: int, body: str) -> None:
        # Idempotent (the same body twice is the same comment): retried like any call.
        route = {"comment_id": comment_id}
        self.request("PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id}", route, data={"body": body})

    def add_assignees(self, number: int, assignees: Sequence[str]) -> None:
        self.request(
            "POST",
            "/repos/{owner}/{repo}/issues/{issue_number}/assignees",
            {"issue_number": number},
            data={"assignees": list(assignees)},
        )

    def request_reviewers(self, number: int, reviewers: Sequence[str], team_reviewers: Sequence[str]) -> None:
        data: dict[str, list[str]] = {}
        if reviewers:
            data["reviewers"] = list(reviewers)
        if team_reviewers:
            data["team_reviewers"] = list(team_reviewers)
        self.request(
            "POST", "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers", {"pull_number": number}, data=data
        )

    def update_issue(self, number: int, fields: dict[str, object]) -> None:
        self.request("PATCH", "/repos/{owner}/{repo}/issues/{issue_number}", {"issue_number": number}, data=fields)

    def lock(self, number: int, reason: str | None) -> None:
        self.request(
            "PUT",
            "/repos/{owner}/{repo}/issues/{issue_number}/lock",
            {"issue_number": number},
            data={"lock_reason": reason} if reason else None,
        )
