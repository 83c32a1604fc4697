"""The client's calls for sweeps: listings one page at a time, search, history and repository labels.

A mixin of ``GhClient`` (kept apart so the client's module stays small): every call goes through the
client's ``request`` (one retry policy, the run's budget). Listings return one ``Page`` and leave the
cursor to the caller, so a sweep can stop between any two pages and never pages by offset.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from ..events.model import Activity, RepoLabel
from .client_core import ClientCore
from .errors import MalformedAnswer
from .port import Page

PER_PAGE = 100
_LINK = re.compile(r'<([^>]+)>;\s*rel="(\w+)"')
_PAGE = re.compile(r"[?&]page=(\d+)")


def _links(headers: Mapping[str, str]) -> dict[str, str]:
    return {rel: url for url, rel in _LINK.findall(headers.get("link") or "")}


def _page(items: Sequence[Any], headers: Mapping[str, str], total: int | None = None) -> Page:
    links = _links(headers)
    last = _PAGE.search(links.get("last", ""))
    return Page(tuple(dict(i) for i in items), "next" in links, total, int(last.group(1)) if last else None)


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _activity(entry: Mapping[str, Any]) -> Activity:
    who = entry.get("actor") or entry.get("user") or {}
    login = str(who.get("login") or "") if isinstance(who, Mapping) else ""
    kind = str(entry.get("event") or "")
    committer: Mapping[str, Any] = entry["committer"] if isinstance(entry.get("committer"), Mapping) else {}
    at = _time(entry.get("created_at")) or _time(entry.get("submitted_at")) or _time(committer.get("date"))
    label: Mapping[str, Any] = entry["label"] if isinstance(entry.get("label"), Mapping) else {}
    return Activity(
        kind=kind,
        actor=login,
        bot=(isinstance(who, Mapping) and who.get("type") == "Bot") or login.endswith("[bot]"),
        at=at,
        label=str(label.get("name") or ""),
        body=str(entry.get("body") or "") if kind == "commented" else "",
    )


def comment_activity(item: Mapping[str, Any]) -> tuple[int | None, Activity]:
    """A comment of the repository's comments listing: the number of its issue, and the comment as an
    activity dated by its last update."""
    tail = str(item.get("issue_url") or "").rsplit("/", 1)[-1]
    entry = {**item, "event": "commented", "created_at": item.get("updated_at") or item.get("created_at")}
    return (int(tail) if tail.isdigit() else None), _activity(entry)


def _label(item: Mapping[str, Any]) -> RepoLabel:
    return RepoLabel(str(item["name"]), str(item.get("color") or ""), item.get("description"))


class SweepCalls(ClientCore):
    """Mixed into ``GhClient``."""

    def list_issues_page(self, query: Mapping[str, str], page: int) -> Page:
        """One page of the repository's issues and pull requests (``GET /repos/{o}/{r}/issues``)."""
        got = self.request(
            "GET", "/repos/{owner}/{repo}/issues", query={**query, "per_page": PER_PAGE, "page": page}, expect=list
        )
        return _page(got or [], self.last_headers)

    def list_comments_page(self, query: Mapping[str, str], page: int) -> Page:
        """One page of the repository's issue and pull request comments (``GET .../issues/comments``)."""
        got = self.request(
            "GET",
            "/repos/{owner}/{repo}/issues/comments",
            query={**query, "per_page": PER_PAGE, "page": page},
            expect=list,
        )
        return _page(got or [], self.last_headers)

    def search_issues_page(self, q: str, sort: str, order: str, page: int) -> Page:
        """One page of an issue search, always scoped to this repository."""
        got = self.request(
            "GET",
            "/search/issues",
            query={"q": f"repo:{self.owner}/{self.repo} {q}".strip(), "sort": sort, "order": order,
                   "per_page": PER_PAGE, "page": page},
            expect=dict,
        )  # fmt: skip
        items = got.get("items")
        if not isinstance(items, Sequence):
            raise MalformedAnswer("GitHub's search answer has no list of items")
        total = got.get("total_count")
        return _page(items, self.last_headers, total if isinstance(total, int) else None)

    def get_item(self, number: int) -> Mapping[str, Any]:
        item = self.request("GET", "/repos/{owner}/{repo}/issues/{issue_number}", {"issue_number": number}, expect=dict)
        return dict(item)

    def timeline(self, number: int) -> list[Activity]:
        items = self.pages("/repos/{owner}/{repo}/issues/{issue_number}/timeline", {"issue_number": number})
        return [_activity(e) for e in items if isinstance(e, Mapping)]

    def list_labels(self) -> list[RepoLabel]:
        return [_label(item) for item in self.pages("/repos/{owner}/{repo}/labels")]

    def create_label(self, name: str, color: str | None, description: str | None) -> None:
        data: dict[str, str] = {"name": name}
        if color is not None:
            data["color"] = color
        if description is not None:
            data["description"] = description
        self.request("POST", "/repos/{owner}/{repo}/labels", data=data)

    def update_label(
        self,
        name: str,
        *,
        new_name: str | None = None,
        color: str | None = None,
        description: str | None = None,
    ) -> None:
        data = {
            k: v for k, v in (("new_name", new_name), ("color", color), ("description", description)) if v is not None
        }
        self.request("PATCH", "/repos/{owner}/{repo}/labels/{name}", {"name": name}, data=data)

    def delete_label(self, name: str) -> None:
        self.request("DELETE", "/repos/{owner}/{repo}/labels/{name}", {"name": name})

    def add_labels_detailed(self, number: int, labels: Sequence[str]) -> list[RepoLabel]:
        """Like ``add_labels``, with the labels as GitHub answers them (color and description): a label
        GitHub has just created for the request has its default color and no description."""
        got = self.request(
            "POST",
            "/repos/{owner}/{repo}/issues/{issue_number}/labels",
            {"issue_number": number},
            data={"labels": list(labels)},
        )
        return [_label(item) for item in got or []]
