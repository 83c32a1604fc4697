"""A repository's week, seeded into the GitHub test server, with the digest's numbers worked out by hand.

Window: 2024-03-04 00:00 UTC to 2024-03-11 00:00 UTC (7 days; the run happens on 2024-03-11 at 09:00).
Maintainers: `maint` (COLLABORATOR), `octo-org` (OWNER). Every expected number below says why.

| # | kind | author (association) | opened | what happened |
| --- | --- | --- | --- | --- |
| 1 | issue | alice (NONE) | 03-05 10:00 | maint comments 03-05 12:00 (2 h) |
| 2 | PR | bob (FIRST_TIME_CONTRIBUTOR) | 03-06 00:00 | open, no review, review requested from maint; bob opened #11 in January: not new (trap 1) |
| 3 | PR | carol (CONTRIBUTOR) | 03-07 00:00 | maint approves 03-07 06:00 (6 h); merged 03-08 00:00 (24 h); her first ever: new (trap 2) |
| 4 | PR | dave (CONTRIBUTOR) | 02-20 00:00 | maint comments 02-21 (response before the window); merged 03-05 00:00: merged in the window, opened before (14 d) |
| 5 | issue | renovate[bot] (NONE) | 03-06 08:00 | a bot: never new, never unanswered |
| 6 | issue | octo-org (OWNER) | 03-08 00:00 | a maintainer's: never new, never unanswered |
| 7 | issue | erin (NONE) | 03-01 00:00 | erin and a bot comment; maint comments 03-09 00:00 (8 d); closed 03-09 |
| 8 | issue | frank (NONE) | 03-10 20:00 | frank comments, and helper[bot] with association COLLABORATOR: still unanswered |
| 9 | draft PR | gina (NONE) | 03-09 00:00 | a draft: new contributor, but neither unanswered nor awaiting review |
| 10 | issue | alice (NONE) | 03-06 12:00 | alice's second: unanswered |
| 11 | issue | bob (NONE) | 01-10 00:00 | closed 01-12: outside the window, found by the history search |
| 12 | issue | hank (NONE) | 2023-12-01 | quiet since 2024-01-05: a stale candidate (after 30 days) |
| 13 | issue | ivan (NONE) | 2023-11-01 | quiet, but labelled `pinned`: exempt |
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .ghserver import GitHubTestServer

NOW = datetime(2024, 3, 11, 9, 0, tzinfo=UTC)
H = 3600
D = 86400
CONFIG = """version: 1
digest:
  window_days: 7
  post: {issue_title: Weekly contributor digest}
stale: {label: stale, after_days: 30, exempt_labels: [pinned]}
"""


def t(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def seed(server: GitHubTestServer) -> None:
    st = server.state
    st.now = lambda: NOW
    st.add_collaborator("maint", "write")

    def issue(number: int, title: str, user: str, assoc: str, created: str, updated: str, **kw: Any) -> Any:
        return st.add_issue(title, user, number=number, author_association=assoc, created_at=t(created),
                            updated_at=t(updated), **kw)  # fmt: skip

    def pull(number: int, title: str, user: str, assoc: str, created: str, updated: str, **kw: Any) -> Any:
        return st.add_pull(title, user, number=number, author_association=assoc, created_at=t(created),
                           updated_at=t(updated), **kw)  # fmt: skip

    def comment(number: int, user: str, when: str) -> None:
        st.add_comment(number, "a comment", user, created_at=t(when))

    def review(number: int, user: str, when: str, state: str = "APPROVED") -> None:
        st.add_review(number, user, state).submitted_at = t(when)

    issue(1, "Crash when the *config* is empty", "alice", "NONE", "2024-03-05T10:00", "2024-03-05T12:00")
    comment(1, "maint", "2024-03-05T12:00")
    pull(2, "Fix typo in README", "bob", "FIRST_TIME_CONTRIBUTOR", "2024-03-06T00:00", "2024-03-06T00:00",
         requested_reviewers=["maint"])  # fmt: skip
    pull(3, "Add retries", "carol", "CONTRIBUTOR", "2024-03-07T00:00", "2024-03-08T00:00", state="closed",
         closed_at=t("2024-03-08T00:00"), merged_at=t("2024-03-08T00:00"))  # fmt: skip
    review(3, "maint", "2024-03-07T06:00")
    pull(4, "Speed up the loader", "dave", "CONTRIBUTOR", "2024-02-20T00:00", "2024-03-05T00:00", state="closed",
         closed_at=t("2024-03-05T00:00"), merged_at=t("2024-03-05T00:00"))  # fmt: skip
    comment(4, "maint", "2024-02-21T00:00")
    issue(5, "Dependency dashboard", "renovate[bot]", "NONE", "2024-03-06T08:00", "2024-03-06T08:00")
    issue(6, "Release 2.0 checklist", "octo-org", "OWNER", "2024-03-08T00:00", "2024-03-08T00:00")
    issue(7, "Docs: install on Windows", "erin", "NONE", "2024-03-01T00:00", "2024-03-09T00:00", state="closed",
          closed_at=t("2024-03-09T00:00"))  # fmt: skip
    comment(7, "erin", "2024-03-02T00:00")
    comment(7, "github-actions[bot]", "2024-03-02T00:05")
    comment(7, "maint", "2024-03-09T00:00")
    issue(8, "Question about <script> tags @maint", "frank", "NONE", "2024-03-10T20:00", "2024-03-10T21:00")
    comment(8, "frank", "2024-03-10T21:00")
    st.associations["helper[bot]"] = "COLLABORATOR"
    comment(8, "helper[bot]", "2024-03-10T20:30")
    pull(9, "WIP: plugin API", "gina", "NONE", "2024-03-09T00:00", "2024-03-09T00:00", draft=True)
    issue(10, "Feature: dark mode", "alice", "NONE", "2024-03-06T12:00", "2024-03-06T12:00")
    issue(11, "Old bug", "bob", "NONE", "2024-01-10T00:00", "2024-01-12T00:00", state="closed",
          closed_at=t("2024-01-12T00:00"))  # fmt: skip
    issue(12, "How do I configure X?", "hank", "NONE", "2023-12-01T00:00", "2024-01-05T00:00")
    issue(13, "Roadmap", "ivan", "NONE", "2023-11-01T00:00", "2023-11-02T00:00", labels=["pinned"])


EXPECTED: dict[str, Any] = {
    "since": "2024-03-04T00:00:00+00:00",
    "until": "2024-03-11T00:00:00+00:00",
    "items": 10,  # #1-#10 were active in the window; #11-#13 were not
    # issues opened: #1 #5 #6 #8 #10; closed: #7; PRs opened: #2 #3 #9; merged: #3 and #4 (opened before)
    "counts": {"issues_opened": 5, "issues_closed": 1, "prs_opened": 3, "prs_merged": 2},
    # responses given in the window: #1 2 h, #3 6 h (a review), #7 8 d; #4's came before the window
    # merges: #3 24 h, #4 14 d: median of two is their mean, p90 the larger (nearest rank)
    "times": {
        "response_median_s": 6 * H,
        "response_p90_s": 8 * D,
        "merge_median_s": (1 * D + 14 * D) / 2,
        "merge_p90_s": 14 * D,
    },
    # previous window (02-26 .. 03-03): #7 opened; #4 was opened on 02-20
    "previous_counts": {"issues_opened": 1, "issues_closed": 0, "prs_opened": 0, "prs_merged": 0},
    "new_contributors": {"alice": [1, 10], "carol": [3], "gina": [9], "frank": [8]},
    # oldest first; ages to the window's end
    "unanswered": [(2, 5 * D), (10, 4 * D + 12 * H), (8, 4 * H)],
    "awaiting_review": [(2, ["maint"])],
    "opened_per_day": [
        ("2024-03-04", 0, 0),
        ("2024-03-05", 1, 0),
        ("2024-03-06", 2, 1),
        ("2024-03-07", 0, 1),
        ("2024-03-08", 1, 0),
        ("2024-03-09", 0, 1),
        ("2024-03-10", 1, 0),
    ],
    "response_buckets": [0, 1, 1, 0, 0, 1],  # 2 h in 1-4 h, 6 h in 4-24 h, 8 d in > 7 d
    "stale": (1, [12]),
}
