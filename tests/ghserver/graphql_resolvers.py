"""GraphQL answers from the test server's `State`: the fields Devflow asks for, strictly.

A field the server does not implement (or a filter it would silently ignore) is an error of the
answer *and* a recorded violation, so a test can never pass on a null the real GitHub would fill.
Bots are GraphQL `Bot`s whose login has no `[bot]` suffix, as on GitHub (REST says `name[bot]`);
`viewer` is the token's identity as GitHub names it (`github-actions[bot]`).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError

from .render_core import HTML, ts
from .search import SearchError, search
from .state import Comment, Discussion, Issue, Review, parse_time

if TYPE_CHECKING:
    from .server import GitHubTestServer

Fn = Callable[..., Any]


@dataclass(frozen=True)
class Actor:
    login: str  # as REST names it: `name[bot]` for bots
    viewer: bool = False

    @property
    def kind(self) -> str:
        return "Bot" if self.login.endswith("[bot]") and not self.viewer else "User"


@dataclass(frozen=True)
class Team:
    slug: str


@dataclass(frozen=True)
class Category:
    id: str
    name: str


class Repo:
    pass


def type_of(value: Any, info: Any, abstract: Any) -> str:
    if isinstance(value, Issue):
        return "PullRequest" if value.is_pull else "Issue"
    if isinstance(value, Actor):
        return value.kind
    if isinstance(value, Team):
        return "Team"
    if isinstance(value, Discussion):
        return "Discussion"
    raise GraphQLError(f"test server: no GraphQL type for {type(value).__name__} as {abstract}")


def _cursor(offset: int) -> str:
    return base64.b64encode(f"cursor:{offset}".encode()).decode()


def _offset(cursor: str | None) -> int:
    if cursor is None:
        return 0
    try:
        return int(base64.b64decode(cursor).decode().split(":", 1)[1])
    except (ValueError, IndexError):
        raise GraphQLError(f"`{cursor}` does not appear to be a valid cursor.") from None


def connection(items: list[Any], first: int | None, after: str | None = None, **extra: Any) -> dict[str, Any]:
    start = _offset(after)
    chunk = items[start : start + (first or 0)]
    end = start + len(chunk)
    return {
        "nodes": chunk,
        "edges": [{"node": node, "cursor": _cursor(start + i + 1)} for i, node in enumerate(chunk)],
        "totalCount": len(items),
        "pageInfo": {
            "hasNextPage": end < len(items),
            "hasPreviousPage": start > 0,
            "endCursor": _cursor(end) if chunk else None,
            "startCursor": _cursor(start + 1) if chunk else None,
        },
        **extra,
    }


def not_found(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"type": "NOT_FOUND"})


class Resolvers:
    def __init__(self, server: GitHubTestServer, cost: int) -> None:
        self.server = server
        self.state = server.state
        self.cost = cost
        self.table: dict[tuple[str, str], Fn] = {
            ("Query", "repository"): self.repository,
            ("Query", "viewer"): lambda _s: Actor(self.state.actor, viewer=True),
            ("Query", "rateLimit"): self.rate_limit,
            ("Query", "search"): self.search,
            ("Repository", "id"): lambda _s: f"R_{self.state.repo.id}",
            ("Repository", "nameWithOwner"): lambda _s: self.state.repo.full_name,
            ("Repository", "issues"): lambda _s, **a: self.items(False, **a),
            ("Repository", "pullRequests"): lambda _s, **a: self.items(True, **a),
            ("Repository", "discussionCategories"): self.categories,
            ("Repository", "discussions"): self.discussions,
            ("Mutation", "createIssue"): self.create_issue,
            ("Mutation", "updateIssue"): self.update_issue,
            ("Mutation", "closeIssue"): self.close_issue,
            ("Mutation", "createDiscussion"): self.create_discussion,
            ("Mutation", "updateDiscussion"): self.update_discussion,
            ("Mutation", "closeDiscussion"): self.close_discussion,
        }
        for kind in ("Issue", "PullRequest"):
            self.table.update({(kind, name): fn for name, fn in self.item_fields().items()})
        for kind in ("User", "Bot"):
            self.table[(kind, "login")] = lambda a: a.login if a.viewer else a.login.removesuffix("[bot]")
            self.table[(kind, "url")] = lambda a: f"{HTML}/{a.login.removesuffix('[bot]')}"
        self.table[("Team", "slug")] = self.table[("Team", "name")] = lambda t: t.slug
        self.table.update({("IssueComment", name): fn for name, fn in self.comment_fields().items()})
        self.table.update({("PullRequestReview", name): fn for name, fn in self.comment_fields().items()})
        self.table[("PullRequestReview", "state")] = lambda r: r.state
        self.table[("PullRequestReview", "submittedAt")] = lambda r: ts(r.submitted_at)
        self.table[("ReviewRequest", "requestedReviewer")] = lambda r: r
        self.table[("Label", "name")] = lambda name: name
        self.table[("DiscussionCategory", "id")] = lambda c: c.id
        self.table[("DiscussionCategory", "name")] = lambda c: c.name
        self.table.update({("Discussion", name): fn for name, fn in self.discussion_fields().items()})

    def unsupported(self, what: str) -> GraphQLError:
        """A request GitHub would answer that this server cannot: recorded, so no test passes on it."""
        self.server.violations.append(f"POST /graphql: not implemented by the test server: {what}")
        return GraphQLError(f"test server: {what} not implemented")

    def resolve(self, source: Any, info: Any, **args: Any) -> Any:
        parent, name = info.parent_type.name, info.field_name
        fn = self.table.get((parent, name))
        if fn is not None:
            return fn(source, **args)
        if isinstance(source, dict) and name in source:
            return source[name]
        raise self.unsupported(f"the field {parent}.{name}")

    # -- query ------------------------------------------------------------------------------------
    def repository(self, _source: Any, owner: str, name: str, followRenames: bool = True) -> Repo:
        repo = self.state.repo
        if (owner.lower(), name.lower()) != (repo.owner.lower(), repo.name.lower()):
            raise not_found(f"Could not resolve to a Repository with the name '{owner}/{name}'.")
        return Repo()

    def rate_limit(self, _source: Any, dryRun: bool = False) -> dict[str, Any]:
        rate = self.server.rate_snapshot()
        reset = datetime.fromtimestamp(rate["reset"], UTC)
        return {
            "cost": self.cost,
            "limit": rate["limit"],
            "remaining": rate["remaining"],
            "used": rate["used"],
            "resetAt": ts(reset),
            "nodeCount": 0,
        }

    def items(self, pulls: bool, first: int | None = None, after: str | None = None, **args: Any) -> dict[str, Any]:
        filters = dict(args.pop("filterBy", None) or {})
        states = args.pop("states", None) or filters.pop("states", None)
        order = args.pop("orderBy", None) or {"field": "CREATED_AT", "direction": "ASC"}
        since = parse_time(filters.pop("since", None))
        creator = filters.pop("createdBy", None)
        unsupported = [k for k, v in {**args, **filters}.items() if v not in (None, [], False)]  # defaults
        if unsupported:
            raise self.unsupported(f"filters {unsupported}")
        found = [
            i
            for i in self.state.issues.values()
            if i.is_pull == pulls
            and (states is None or self.item_state(i) in states)
            and (since is None or i.updated_at >= since)
            and (creator is None or i.user.lower() == creator.lower())
        ]
        key = {"CREATED_AT": "created_at", "UPDATED_AT": "updated_at"}.get(order["field"])
        if key is None:
            raise self.unsupported(f"orderBy {order['field']}")
        found.sort(key=lambda i: (getattr(i, key), i.number), reverse=order["direction"] == "DESC")
        return connection(found, first, after)

    def search(self, _source: Any, query: str, type: str, first: int | None = None, after: str | None = None,
               **args: Any) -> dict[str, Any]:  # fmt: skip
        words, sort, order = [], None, "desc"
        for token in query.split():
            if token.startswith("sort:"):
                sort, _, order = token[5:].partition("-")
            else:
                words.append(token)
        if type == "DISCUSSION":
            found_d = self.discussion_search(" ".join(words))
            return connection(found_d, first, after, issueCount=0, discussionCount=len(found_d))
        if type != "ISSUE":
            raise self.unsupported(f"search type {type}")
        try:
            found = search(self.state, " ".join(words), sort, order or "desc")
        except SearchError as exc:
            self.server.violations.append(f"POST /graphql: search: {exc}")
            raise GraphQLError(f"test server: {exc}") from None
        return connection(found, first, after, issueCount=len(found), discussionCount=0)

    def discussion_search(self, query: str) -> list[Discussion]:
        words = []
        for token in query.split():
            key, _, value = token.partition(":")
            if key == "repo" and value.lower() == self.state.repo.full_name.lower():
                continue
            if key == "in" and value == "title":
                continue
            if ":" in token:
                raise self.unsupported(f"discussion search qualifier {token}")
            words.append(token.strip('"').lower())
        text = " ".join(words)
        return sorted((d for d in self.state.discussions.values() if text in d.title.lower()), key=lambda d: -d.number)

    def categories(self, _source: Any, first: int | None = None, **_: Any) -> dict[str, Any]:
        cats = [Category(cid, name) for cid, name in self.state.discussion_categories.items()]
        return connection(cats, first)

    def discussions(self, _source: Any, first: int | None = None, after: str | None = None,
                    orderBy: dict[str, str] | None = None, **args: Any) -> dict[str, Any]:  # fmt: skip
        if any(v not in (None, [], False) for v in args.values()):
            raise self.unsupported(f"discussion filters {args}")
        order = orderBy or {"field": "CREATED_AT", "direction": "DESC"}
        key = "created_at" if order["field"] == "CREATED_AT" else "updated_at"
        found = sorted(self.state.discussions.values(), key=lambda d: (getattr(d, key), d.number),
                       reverse=order["direction"] == "DESC")  # fmt: skip
        return connection(found, first, after)

    # -- objects ----------------------------------------------------------------------------------
    @staticmethod
    def item_state(issue: Issue) -> str:
        if issue.is_pull and issue.merged_at is not None:
            return "MERGED"
        return issue.state.upper()

    def item_fields(self) -> dict[str, Fn]:
        state = self.state

        def comments(i: Issue, first: int | None = None, after: str | None = None) -> Any:
            return connection(state.issue_comments(i.number), first, after)

        def reviews(i: Issue, first: int | None = None, after: str | None = None, **a: Any) -> Any:
            if any(v not in (None, [], False) for v in a.values()):
                raise self.unsupported(f"review filters {a}")
            return connection([r for r in state.reviews if r.pull_number == i.number], first, after)

        def review_requests(i: Issue, first: int | None = None, after: str | None = None) -> Any:
            wanted: list[Any] = [Actor(u) for u in i.requested_reviewers] + [Team(t) for t in i.requested_teams]
            return connection(wanted, first, after)

        kind = "pull"
        return {
            "id": lambda i: f"{'PR' if i.is_pull else 'I'}_{i.id}",
            "number": lambda i: i.number,
            "title": lambda i: i.title,
            "body": lambda i: i.body or "",
            "url": lambda i: f"{HTML}/{state.repo.full_name}/{kind if i.is_pull else 'issues'}/{i.number}",
            "state": self.item_state,
            "closed": lambda i: i.state == "closed",
            "createdAt": lambda i: ts(i.created_at),
            "updatedAt": lambda i: ts(i.updated_at),
            "closedAt": lambda i: ts(i.closed_at),
            "mergedAt": lambda i: ts(i.merged_at),
            "merged": lambda i: i.merged_at is not None,
            "isDraft": lambda i: i.draft,
            "author": lambda i: Actor(i.user),
            "authorAssociation": lambda i: i.author_association,
            "comments": comments,
            "reviews": reviews,
            "reviewRequests": review_requests,
            "labels": lambda i, first=None, after=None, **_: connection(list(i.labels), first, after),
        }

    def comment_fields(self) -> dict[str, Fn]:
        return {
            "author": lambda c: Actor(c.user),
            "authorAssociation": lambda c: c.author_association,
            "createdAt": lambda c: ts(c.created_at if isinstance(c, Comment) else c.submitted_at),
            "body": lambda c: c.body,
            "url": lambda c: (
                f"{HTML}/{self.state.repo.full_name}#{'comment' if isinstance(c, Comment) else 'review'}-{c.id}"
            ),
        }

    def discussion_fields(self) -> dict[str, Fn]:
        return {
            "id": lambda d: f"D_{d.id}",
            "number": lambda d: d.number,
            "title": lambda d: d.title,
            "body": lambda d: d.body,
            "url": lambda d: f"{HTML}/{self.state.repo.full_name}/discussions/{d.number}",
            "author": lambda d: Actor(d.user),
            "createdAt": lambda d: ts(d.created_at),
            "category": lambda d: Category(d.category_id, self.state.discussion_categories[d.category_id]),
        }

    # -- mutations --------------------------------------------------------------------------------
    def _issue_by_id(self, node_id: str) -> Issue:
        for issue in self.state.issues.values():
            if not issue.is_pull and f"I_{issue.id}" == node_id:
                return issue
        raise not_found(f"Could not resolve to a node with the global id of '{node_id}'")

    def _check_repo(self, node_id: str) -> None:
        if node_id != f"R_{self.state.repo.id}":
            raise not_found(f"Could not resolve to a node with the global id of '{node_id}'")

    def create_issue(self, _source: Any, input: dict[str, Any]) -> dict[str, Any]:
        self._check_repo(input["repositoryId"])
        issue = self.state.add_issue(input["title"], self.state.actor, body=input.get("body"))
        return {"issue": issue, "clientMutationId": input.get("clientMutationId")}

    def update_issue(self, _source: Any, input: dict[str, Any]) -> dict[str, Any]:
        issue = self._issue_by_id(input["id"])
        if input.get("title") is not None:
            issue.title = input["title"]
        if input.get("body") is not None:
            issue.body = input["body"]
        issue.updated_at = self.state.now()
        return {"issue": issue, "clientMutationId": input.get("clientMutationId")}

    def close_issue(self, _source: Any, input: dict[str, Any]) -> dict[str, Any]:
        issue = self._issue_by_id(input["issueId"])
        if issue.state != "closed":
            issue.state, issue.closed_at = "closed", self.state.now()
            issue.state_reason = (input.get("stateReason") or "COMPLETED").lower()
            self.state.add_event(issue.number, "closed", state_reason=issue.state_reason)
        issue.updated_at = self.state.now()
        return {"issue": issue, "clientMutationId": input.get("clientMutationId")}

    def create_discussion(self, _source: Any, input: dict[str, Any]) -> dict[str, Any]:
        self._check_repo(input["repositoryId"])
        if input["categoryId"] not in self.state.discussion_categories:
            raise not_found(f"Could not resolve to a node with the global id of '{input['categoryId']}'")
        now = self.state.now()
        number = max(self.state.discussions, default=0) + 1
        found = Discussion(number, input["title"], input["body"], self.state.actor, input["categoryId"], now, now)
        found.id = self.state.next_id()
        self.state.discussions[number] = found
        return {"discussion": found, "clientMutationId": input.get("clientMutationId")}

    def close_discussion(self, _source: Any, input: dict[str, Any]) -> dict[str, Any]:
        for found in self.state.discussions.values():
            if f"D_{found.id}" == input["discussionId"]:
                found.closed = True
                return {"discussion": found, "clientMutationId": input.get("clientMutationId")}
        raise not_found(f"Could not resolve to a node with the global id of '{input['discussionId']}'")

    def update_discussion(self, _source: Any, input: dict[str, Any]) -> dict[str, Any]:
        for found in self.state.discussions.values():
            if f"D_{found.id}" == input["discussionId"]:
                if input.get("body") is not None:
                    found.body = input["body"]
                found.updated_at = self.state.now()
                return {"discussion": found, "clientMutationId": input.get("clientMutationId")}
        raise not_found(f"Could not resolve to a node with the global id of '{input['discussionId']}'")


__all__ = ["Actor", "Resolvers", "Review", "type_of"]
