"""Reads a digest window through GraphQL: one call per page of 100 issues *and* 100 pull requests.

Cost, for a window where ``I`` issues and ``P`` pull requests were updated (docs/digest.md):

1. ``max(ceil(I/100), ceil(P/100), 1)`` page calls. Issues come from ``repository.issues(filterBy:
   {since})``, pull requests from ``repository.pullRequests(orderBy: UPDATED_AT DESC)`` until one is
   older than the window: the repository's connections, so nothing is capped (search stops at 1,000).
   Each node carries its author, timestamps, its first 30 comments and 20 reviews with the authors'
   associations, and its requested reviewers. The first page also finds the digest issue (or
   discussion) and the repository's id, so posting needs no extra read.
2. ``ceil(C/100)`` calls (at least one) of aliased ``search`` counts: the history of the ``C`` authors
   whose first contribution is in question, the previous window's counts and the stale candidates.

Limit: a maintainer's first response that comes after 30 other comments (or 20 other reviews) is not
seen; such an item shows as unanswered.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ..config.digest import StaleRule
from ..engine.digest import Counts, Item, Previous, Response, StaleList, history_candidates, is_maintainer
from .errors import MalformedAnswer
from .graphql import GraphQLClient

PAGE = 100
COMMENTS = 30
REVIEWS = 20
HISTORY_BATCH = 100  # aliased searches per call (one GraphQL point: each asks for one node)
STALE_SHOWN = 10

_ACTOR = "author { __typename login }"
_COMMENTS = f"comments(first: {COMMENTS}) {{ totalCount pageInfo {{ endCursor }} nodes {{ createdAt authorAssociation {_ACTOR} }} }}"  # noqa: E501
_ITEM = f"number title url state createdAt updatedAt closedAt authorAssociation {_ACTOR} {_COMMENTS}"
_REVIEWER = "requestedReviewer { __typename ... on User { login } ... on Team { slug } ... on Bot { login } ... on Mannequin { login } }"  # noqa: E501
_FOUND = "id number title body createdAt author { login }"

PAGE_QUERY = f"""query DigestPage($owner: String!, $name: String!, $since: DateTime!, $issues: Boolean!,
    $pulls: Boolean!, $issueCursor: String, $pullCursor: String, $setup: Boolean!, $findIssue: Boolean!,
    $findDiscussion: Boolean!, $find: String!) {{
  rateLimit {{ cost remaining resetAt }}
  viewer @include(if: $setup) {{ login }}
  repository(owner: $owner, name: $name) {{
    id
    issues(first: {PAGE}, after: $issueCursor, filterBy: {{since: $since}},
           orderBy: {{field: UPDATED_AT, direction: DESC}}) @include(if: $issues) {{
      pageInfo {{ hasNextPage endCursor }}
      nodes {{ {_ITEM} }}
    }}
    pullRequests(first: {PAGE}, after: $pullCursor,
                 orderBy: {{field: UPDATED_AT, direction: DESC}}) @include(if: $pulls) {{
      pageInfo {{ hasNextPage endCursor }}
      nodes {{
        {_ITEM} isDraft mergedAt
        reviews(first: {REVIEWS}) {{ totalCount nodes {{ createdAt submittedAt authorAssociation {_ACTOR} }} }}
        reviewRequests(first: 10) {{ nodes {{ {_REVIEWER} }} }}
      }}
    }}
    recent: issues(first: 20, states: OPEN, orderBy: {{field: CREATED_AT, direction: DESC}}) @include(if: $findIssue) {{
      nodes {{ {_FOUND} }}
    }}
    discussionCategories(first: 100) @include(if: $findDiscussion) {{ nodes {{ id name }} }}
    recentDiscussions: discussions(first: 20,
                                   orderBy: {{field: CREATED_AT, direction: DESC}}) @include(if: $findDiscussion) {{
      nodes {{ {_FOUND} }}
    }}
  }}
  found: search(query: $find, type: ISSUE, first: 20) @include(if: $findIssue) {{
    nodes {{ ... on Issue {{ {_FOUND} }} }}
  }}
  foundDiscussions: search(query: $find, type: DISCUSSION, first: 20) @include(if: $findDiscussion) {{
    nodes {{ ... on Discussion {{ {_FOUND} }} }}
  }}
}}"""


@dataclass(frozen=True)
class Posted:
    """An issue or discussion that may be the digest's."""

    id: str
    number: int
    title: str
    body: str
    author: str
    created_at: str


@dataclass
class Setup:
    """What the first page learnt for posting."""

    repository_id: str = ""
    viewer: str = ""
    categories: dict[str, str] = field(default_factory=dict)  # name -> id
    candidates: list[Posted] = field(default_factory=list)  # issues or discussions that may be the digest


@dataclass(frozen=True)
class Target:
    """Where the digest goes: ``kind`` "issue" or "discussion", and the title it is found by."""

    kind: str
    title: str


def _time(value: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise MalformedAnswer("GitHub's answer has a timestamp that is not a string")
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise MalformedAnswer(f"GitHub's answer has a malformed timestamp {value[:40]!r}") from None


def _login(actor: Any) -> tuple[str, bool]:
    """(login, bot); a deleted account is GitHub's `ghost`."""
    if not isinstance(actor, dict):
        return "ghost", False
    return str(actor.get("login") or "ghost"), actor.get("__typename") == "Bot"


def _responses(nodes: Iterable[Any]) -> list[Response]:
    out = []
    for node in nodes:
        login, bot = _login(node.get("author"))
        at = _time(node.get("submittedAt") or node.get("createdAt"))
        if at is not None:
            out.append(Response(login, bot, str(node.get("authorAssociation") or "NONE"), at))
    return out


def _beyond(connection: dict[str, Any]) -> bool:
    """More comments (or reviews) than the page read: a later first response is not seen."""
    total = connection.get("totalCount")
    return isinstance(total, int) and total > len(connection["nodes"])


def parse_item(node: dict[str, Any], pull: bool) -> Item:
    try:
        login, bot = _login(node.get("author"))
        responses = _responses(node["comments"]["nodes"])
        more = _beyond(node["comments"])
        reviewers: list[str] = []
        requested: list[str] = []
        if pull:
            more = more or _beyond(node["reviews"])
            reviews = _responses(node["reviews"]["nodes"])
            responses += reviews
            reviewers = [r.login for r in reviews if not r.bot]
            for entry in node["reviewRequests"]["nodes"]:
                who = entry.get("requestedReviewer") or {}
                name = who.get("login") or who.get("slug")
                if name:
                    requested.append(str(name))
        created, updated = _time(node["createdAt"]), _time(node["updatedAt"])
        assert created is not None and updated is not None
        return Item(
            number=int(node["number"]),
            title=str(node["title"]),
            url=str(node["url"]),
            pull=pull,
            author=login,
            author_bot=bot,
            association=str(node.get("authorAssociation") or "NONE"),
            created_at=created,
            updated_at=updated,
            closed_at=_time(node.get("closedAt")),
            merged_at=_time(node.get("mergedAt")) if pull else None,
            open=node["state"] == "OPEN",
            draft=bool(node.get("isDraft")),
            responses=tuple(sorted(responses, key=lambda r: r.at)),
            reviewers=tuple(reviewers),
            requested=tuple(requested),
            more=more,
        )
    except (KeyError, TypeError, ValueError, AssertionError) as exc:
        raise MalformedAnswer(f"GitHub's answer for an issue or pull request lacks {exc}") from None


def _posted(nodes: Iterable[Any]) -> list[Posted]:
    out = []
    for n in nodes:
        if isinstance(n, dict) and n.get("id"):
            login, _ = _login(n.get("author"))
            out.append(Posted(n["id"], int(n["number"]), str(n["title"]), str(n.get("body") or ""), login,
                              str(n["createdAt"])))  # fmt: skip
    return out


def find_query(repository: str, target: Target) -> str:
    title = target.title.replace('"', " ")
    kind = "is:issue is:open " if target.kind == "issue" else ""
    return f'repo:{repository} {kind}in:title "{title}"'


@dataclass
class Reader:
    gql: GraphQLClient
    owner: str
    name: str

    @property
    def repository(self) -> str:
        return f"{self.owner}/{self.name}"

    def window(self, since: datetime, target: Target | None) -> tuple[list[Item], Setup]:
        """Every issue and pull request updated since ``since``; and what posting needs."""
        setup = Setup()
        items: dict[tuple[bool, int], Item] = {}
        cursors: dict[bool, str | None] = {False: None, True: None}
        more = {False: True, True: True}
        first = True
        while more[False] or more[True] or first:
            data = self.gql.execute(
                PAGE_QUERY,
                {
                    "owner": self.owner,
                    "name": self.name,
                    "since": since.isoformat(),
                    "issues": more[False],
                    "pulls": more[True],
                    "issueCursor": cursors[False],
                    "pullCursor": cursors[True],
                    "setup": first,
                    "findIssue": first and target is not None and target.kind == "issue",
                    "findDiscussion": first and target is not None and target.kind == "discussion",
                    "find": find_query(self.repository, target) if target else "",
                },
            )
            repo = data.get("repository")
            if not isinstance(repo, dict):
                raise MalformedAnswer("GitHub's answer has no repository")
            if first:
                setup = self._setup(data, repo)
                first = False
            for pull, key in ((False, "issues"), (True, "pullRequests")):
                if not more[pull]:
                    continue
                conn = repo.get(key) or {}
                nodes = [parse_item(n, pull) for n in conn.get("nodes") or []]
                fresh = [i for i in nodes if i.updated_at >= since]
                items.update({(pull, i.number): i for i in fresh})
                page = conn.get("pageInfo") or {}
                # Pull requests have no `since` filter: ordered by update, the first older one ends them.
                more[pull] = bool(page.get("hasNextPage")) and len(fresh) == len(nodes)
                cursors[pull] = page.get("endCursor")
        return list(items.values()), setup

    def _setup(self, data: dict[str, Any], repo: dict[str, Any]) -> Setup:
        setup = Setup(repository_id=str(repo.get("id") or ""), viewer=str((data.get("viewer") or {}).get("login", "")))
        cats = (repo.get("discussionCategories") or {}).get("nodes") or []
        setup.categories = {str(c["name"]): str(c["id"]) for c in cats if isinstance(c, dict)}
        for source in ((data.get("found") or {}).get("nodes"), (repo.get("recent") or {}).get("nodes"),
                       (data.get("foundDiscussions") or {}).get("nodes"),
                       (repo.get("recentDiscussions") or {}).get("nodes")):  # fmt: skip
            for posted in _posted(source or []):
                if posted.id not in {c.id for c in setup.candidates}:
                    setup.candidates.append(posted)
        return setup

    def history(
        self, items: list[Item], since: datetime, until: datetime, window_days: int, stale_query: str | None
    ) -> tuple[frozenset[str], Counts, Any]:
        """Who opened something before ``since`` (among the authors in question), the previous window's
        counts and the stale search's answer: aliased searches, 100 a call."""
        authors = history_candidates(items, since, until)
        returning: set[str] = set()
        before = since.date().isoformat()
        prev_since = (since - timedelta(days=window_days)).date().isoformat()
        prev_last = (since - timedelta(days=1)).date().isoformat()
        repo = f"repo:{self.repository}"
        extra = {
            "pio": f"{repo} is:issue created:{prev_since}..{prev_last}",
            "pic": f"{repo} is:issue closed:{prev_since}..{prev_last}",
            "ppo": f"{repo} is:pr created:{prev_since}..{prev_last}",
            "ppm": f"{repo} is:pr merged:{prev_since}..{prev_last}",
        }
        batches = [authors[i : i + HISTORY_BATCH] for i in range(0, len(authors), HISTORY_BATCH)] or [[]]
        counts, stale = Counts(), None
        for n, batch in enumerate(batches):
            queries = {f"h{j}": f"{repo} author:{login} created:<{before}" for j, login in enumerate(batch)}
            if n == 0:
                queries.update(extra)
                if stale_query is not None:
                    queries["stale"] = stale_query
            data = self.gql.execute(_aliased(queries, STALE_SHOWN), queries)
            for j, login in enumerate(batch):
                if _count(data, f"h{j}") > 0:
                    returning.add(login.lower())
            if n == 0:
                counts = Counts(_count(data, "pio"), _count(data, "pic"), _count(data, "ppo"), _count(data, "ppm"))
                stale = data.get("stale")
        return frozenset(returning), counts, stale


def _aliased(queries: dict[str, str], stale_shown: int) -> str:
    params = ", ".join(f"${k}: String!" for k in queries)
    fields = []
    for k in queries:
        if k == "stale":
            fields.append(
                f"stale: search(query: $stale, type: ISSUE, first: {stale_shown}) {{ issueCount nodes {{ "
                f"... on Issue {{ {_STALE} }} ... on PullRequest {{ {_STALE} }} }} }}"
            )
        else:
            fields.append(f"{k}: search(query: ${k}, type: ISSUE, first: 1) {{ issueCount }}")
    return f"query DigestHistory({params}) {{\n  " + "\n  ".join(fields) + "\n}"


_STALE = f"number title url createdAt updatedAt authorAssociation {_ACTOR}"


def _count(data: dict[str, Any], key: str) -> int:
    value = (data.get(key) or {}).get("issueCount")
    if not isinstance(value, int):
        raise MalformedAnswer(f"GitHub's search answer has no count for {key}")
    return value


def stale_list(answer: Any, after_days: int, label: str) -> StaleList:
    nodes = (answer or {}).get("nodes") or []
    oldest = []
    for n in nodes:
        login, bot = _login(n.get("author"))
        created, updated = _time(n.get("createdAt")), _time(n.get("updatedAt"))
        if created is None or updated is None:
            raise MalformedAnswer("GitHub's search answer lacks timestamps")
        oldest.append(Item(int(n["number"]), str(n["title"]), str(n["url"]), "/pull/" in str(n["url"]), login, bot,
                           str(n.get("authorAssociation") or "NONE"), created, updated))  # fmt: skip
    return StaleList(int((answer or {}).get("issueCount") or 0), tuple(oldest), after_days, label)


def stale_query(repository: str, rule: StaleRule, until: datetime) -> str:
    """GitHub search for what the `stale` rule would mark: open, quiet for `after_days`, not yet labelled,
    exemptions applied. Oldest activity first."""
    cutoff = (until - timedelta(days=rule.after_days)).date().isoformat()
    parts = [f"repo:{repository}", "is:open", f"updated:<{cutoff}"]
    parts += [f'-label:"{name}"' for name in (rule.label, *rule.exempt_labels) if '"' not in name]
    if rule.exempt_assignees:
        parts.append("no:assignee")
    if rule.exempt_milestones:
        parts.append("no:milestone")
    if rule.exempt_draft:
        parts.append("-is:draft")
    return " ".join([*parts, "sort:updated-asc"])


def previous(since: datetime, window_days: int, counts: Counts) -> Previous:
    return Previous(since - timedelta(days=window_days), since, counts)


def pages_needed(issues: int, pulls: int) -> int:
    return max(1, math.ceil(issues / PAGE), math.ceil(pulls / PAGE))


__all__ = ["Posted", "Reader", "Setup", "Target", "is_maintainer", "pages_needed", "parse_item", "stale_list"]
