"""Posting the digest: one issue (or discussion), found again by its hidden marker and updated in place.

Finding it costs nothing extra: the first page of the window's read (``activity.PAGE_QUERY``) also asks
for GitHub's search by title *and* the 20 most recent open issues (or discussions). The search finds a
digest of any age; the recent list is read from the database, so it sees an issue created seconds ago,
which search (indexed with a delay) may not yet. A candidate is the digest when its body has the
marker, its title is the configured one, and it was written by this token's identity (so nobody can
make Devflow overwrite their issue by copying the marker).

Two runs that overlap can both find nothing and both create. Each run that created re-reads the recent
list after creating (one call, only on the run that creates): the lowest-numbered digest wins; a run
that created a higher-numbered one closes it as a duplicate of the winner and updates the winner. The
run that created the winner sees only numbers above its own, so both runs settle on the same issue.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..engine.digest_render import MARKER
from .activity import Posted, Reader, Setup, Target, _posted
from .errors import Refused
from .graphql import GraphQLClient

_OUT = "id number url"
CREATE_ISSUE = f"""mutation DigestCreateIssue($repo: ID!, $title: String!, $body: String!) {{
  createIssue(input: {{repositoryId: $repo, title: $title, body: $body}}) {{ issue {{ {_OUT} }} }}
}}"""
UPDATE_ISSUE = f"""mutation DigestUpdateIssue($id: ID!, $body: String!) {{
  updateIssue(input: {{id: $id, body: $body}}) {{ issue {{ {_OUT} }} }}
}}"""
CLOSE_ISSUE = """mutation DigestCloseDuplicate($id: ID!, $winner: ID!) {
  closeIssue(input: {issueId: $id, stateReason: DUPLICATE, duplicateIssueId: $winner}) { issue { id } }
}"""
CREATE_DISCUSSION = f"""mutation DigestCreateDiscussion($repo: ID!, $category: ID!, $title: String!, $body: String!) {{
  createDiscussion(input: {{repositoryId: $repo, categoryId: $category, title: $title, body: $body}}) {{
    discussion {{ {_OUT} }}
  }}
}}"""
UPDATE_DISCUSSION = f"""mutation DigestUpdateDiscussion($id: ID!, $body: String!) {{
  updateDiscussion(input: {{discussionId: $id, body: $body}}) {{ discussion {{ {_OUT} }} }}
}}"""
CLOSE_DISCUSSION = """mutation DigestCloseDuplicateDiscussion($id: ID!) {
  closeDiscussion(input: {discussionId: $id, reason: DUPLICATE}) { discussion { id } }
}"""
_FOUND = "id number title body createdAt author { login }"
RECHECK = f"""query DigestRecheck($owner: String!, $name: String!, $issue: Boolean!) {{
  repository(owner: $owner, name: $name) {{
    recent: issues(first: 20, states: OPEN, orderBy: {{field: CREATED_AT, direction: DESC}}) @include(if: $issue) {{
      nodes {{ {_FOUND} }}
    }}
    recentDiscussions: discussions(first: 20, orderBy: {{field: CREATED_AT, direction: DESC}}) @skip(if: $issue) {{
      nodes {{ {_FOUND} }}
    }}
  }}
}}"""


@dataclass(frozen=True)
class Published:
    kind: str  # issue | discussion
    number: int
    url: str
    action: str  # created | updated | joined (another run created it at the same time)


def same_identity(a: str, b: str) -> bool:
    """GraphQL names a bot author `name`, its viewer `name[bot]`."""
    return a.lower().removesuffix("[bot]") == b.lower().removesuffix("[bot]")


def digests(candidates: list[Posted], target: Target, viewer: str) -> list[Posted]:
    """The candidates that are this digest, lowest number first."""
    found = {
        c.id: c
        for c in candidates
        if MARKER in c.body and c.title.strip() == target.title.strip() and same_identity(c.author, viewer)
    }
    return sorted(found.values(), key=lambda c: c.number)


def publish(
    gql: GraphQLClient, reader: Reader, setup: Setup, target: Target, body: str, category: str | None
) -> Published:
    issue = target.kind == "issue"
    existing = digests(setup.candidates, target, setup.viewer)
    if existing:
        return _update(gql, issue, existing[0], body, "updated")
    if issue:
        created = gql.execute(
            CREATE_ISSUE, {"repo": setup.repository_id, "title": target.title, "body": body}, write=True, retry=False
        )["createIssue"]["issue"]
    else:
        if category not in setup.categories:
            names = ", ".join(sorted(setup.categories)) or "none"
            raise Refused(404, f"no discussion category named '{category}' (categories: {names})",
                          "fix digest.post.discussion_category, or create the category")  # fmt: skip
        created = gql.execute(
            CREATE_DISCUSSION,
            {"repo": setup.repository_id, "category": setup.categories[category], "title": target.title, "body": body},
            write=True,
            retry=False,
        )["createDiscussion"]["discussion"]
    data = gql.execute(RECHECK, {"owner": reader.owner, "name": reader.name, "issue": issue})
    repo = data.get("repository") or {}
    recent = _posted(((repo.get("recent") if issue else repo.get("recentDiscussions")) or {}).get("nodes") or [])
    winner = next(iter(digests(recent, target, setup.viewer)), None)
    if winner is None or winner.number >= int(created["number"]):
        return Published(target.kind, int(created["number"]), str(created["url"]), "created")
    if issue:
        gql.execute(CLOSE_ISSUE, {"id": created["id"], "winner": winner.id}, write=True)
    else:
        gql.execute(CLOSE_DISCUSSION, {"id": created["id"]}, write=True)
    return _update(gql, issue, winner, body, "joined")


def _update(gql: GraphQLClient, issue: bool, found: Posted, body: str, action: str) -> Published:
    if issue:
        out = gql.execute(UPDATE_ISSUE, {"id": found.id, "body": body}, write=True)["updateIssue"]["issue"]
    else:
        out = gql.execute(UPDATE_DISCUSSION, {"id": found.id, "body": body}, write=True)["updateDiscussion"][
            "discussion"
        ]
    return Published("issue" if issue else "discussion", int(out["number"]), str(out["url"]), action)
