"""The digest's Markdown and JSON, pinned exactly from a Digest built by hand (Devflow's own data, not a
GitHub payload): every section, the previous window, the state store's trend and the Mermaid charts."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from devflow_action.engine.digest import (
    SECTIONS_ALL,
    Counts,
    Digest,
    Item,
    Newcomer,
    Previous,
    StaleList,
    Times,
    Waiting,
)
from devflow_action.engine.digest_history import TrendRow
from devflow_action.engine.digest_render import as_json, duration, markdown, previous_times

SINCE = datetime(2024, 3, 4, tzinfo=UTC)
UNTIL = SINCE + timedelta(days=7)
H = 3600.0


def item(number: int, title: str, author: str, *, pull: bool = False, url: str = "", **kw: object) -> Item:
    dates: dict[str, object] = {"created_at": SINCE + timedelta(days=1), "updated_at": SINCE + timedelta(days=2), **kw}
    url = url or f"https://github.com/o/r/issues/{number}"
    return Item(number, title, url, pull, author, False, "NONE", **dates)  # type: ignore[arg-type]


ALICE = item(1, "Crash on *start*", "alice")
BOB_PR = item(2, "Fix | pipe", "bob", pull=True, url="https://github.com/o/r/pull/2", requested=("maint", "o/team"))
LONE_PR = item(3, "Docs", "carol", pull=True, url="javascript:alert(1)")
OLD = item(12, "Old one", "hank", updated_at=datetime(2024, 1, 5, tzinfo=UTC))


def full() -> Digest:
    return Digest(
        repository="o/r",
        since=SINCE,
        until=UNTIL,
        window_days=7,
        items=9,
        new_contributors=(Newcomer("alice", (ALICE, LONE_PR)), Newcomer("x_y", (BOB_PR,))),
        unanswered=(Waiting(ALICE, 30 * 60), Waiting(LONE_PR, 3 * H)),
        awaiting_review=(Waiting(BOB_PR, 72 * H), Waiting(LONE_PR, 47 * H)),
        counts=Counts(issues_opened=5, issues_closed=2, prs_opened=3, prs_merged=1),
        times=Times(response_median=2 * H, response_p90=50 * H, merge_median=None, merge_p90=59.6 * 60),
        opened_per_day=(("2024-03-04", 1, 2), ("2024-03-05", 0, 0), ("2024-03-06", 3, 1)),
        response_buckets=(("under 1 h", 2), ("1–4 h", 0), ("over 7 d", 1)),
        previous=Previous(SINCE - timedelta(days=7), SINCE, Counts(3, 2, 4, 0), Times(H, 5 * H, 90.0, 50 * H), "state"),
        stale=StaleList(total=4, oldest=(OLD,), after_days=30, label="stale_now"),
        sections=SECTIONS_ALL,
        trend=(
            TrendRow(SINCE - timedelta(days=7), SINCE, None, None, None, None),
            TrendRow(SINCE, UNTIL, 12, 3, 5400.0, 2),
            TrendRow(UNTIL, UNTIL + timedelta(days=7), 4, 0, None, None),
        ),
    )


EXPECTED = """\
<!-- devflow:digest -->
## Weekly \\*digest\\*: o/r

**2024-03-04 – 2024-03-11** (7 days to 00:00 UTC) · 9 issues and pull requests active

### New contributors (2)

- [alice](https://github.com/alice): [#1 Crash on \\*start\\*](https://github.com/o/r/issues/1), #3 Docs
- x\\_y: [#2 Fix \\| pipe](https://github.com/o/r/pull/2)

### Unanswered (2)

Oldest first; no comment or review from a maintainer yet.

| item | opened by | age |
| --- | --- | ---: |
| [#1 Crash on \\*start\\*](https://github.com/o/r/issues/1) | alice | 30 min |
| #3 Docs | carol | 3.0 h |

### Awaiting review (2)

| pull request | author | age | requested reviewers |
| --- | --- | ---: | --- |
| [#2 Fix \\| pipe](https://github.com/o/r/pull/2) | bob | 3.0 d | maint, o/team |
| #3 Docs | carol | 47.0 h | none |

### Stale candidates (4)

Open items without activity for 30 days, not yet labelled `stale\\_now` (the oldest 1):

- [#12 Old one](https://github.com/o/r/issues/12): last activity 2024-01-05

### Metrics

| | this window | previous window (2024-02-26 – 2024-03-04) |
| --- | ---: | ---: |
| issues opened | 5 | 3 (+2) |
| issues closed | 2 | 2 (=) |
| pull requests opened | 3 | 4 (-1) |
| pull requests merged | 1 | 0 (+1) |
| time to first response, median | 2.0 h | 1.0 h |
| time to first response, p90 | 2.1 d | 5.0 h |
| time to merge, median | — | 2 min |
| time to merge, p90 | 60 min | 2.1 d |

The previous window's times are the state store's record of it (no digest covered it).

**Trend**, as the state store recorded it (— where it was not recording yet):

| window | events recorded | first responses | time to first response, median | pull requests merged |
| --- | ---: | ---: | ---: | ---: |
| 2024-02-26 – 2024-03-04 | — | — | — | — |
| 2024-03-04 – 2024-03-11 | 12 | 3 | 1.5 h | 2 |
| 2024-03-11 – 2024-03-18 | 4 | 0 | — | — |

```mermaid
xychart-beta
    title "Opened per day: issues and pull requests (bars), pull requests (line)"
    x-axis ["03-04", "03-05", "03-06"]
    y-axis "opened" 0 --> 4
    bar [3, 0, 4]
    line [2, 0, 1]
```

```mermaid
xychart-beta
    title "Time to first response (responses given in this window)"
    x-axis ["under 1 h", "1–4 h", "over 7 d"]
    y-axis "responses" 0 --> 2
    bar [2, 0, 1]
```

<sub>Devflow digest, updated in place on every run.</sub>
<!-- devflow:digest-data {"v":1,"since":"2024-03-04T00:00:00+00:00","until":"2024-03-11T00:00:00+00:00","response_median_s":7200.0,"response_p90_s":180000.0,"merge_median_s":null,"merge_p90_s":3576.0} -->
"""


def test_the_markdown_of_every_section_is_exactly_this() -> None:
    assert markdown(full(), title="Weekly *digest*") == EXPECTED


def test_durations_switch_unit_at_one_hour_and_at_two_days() -> None:
    assert [duration(s) for s in (None, 0.0, 59 * 60, 3600, 47.9 * H, 48 * H, 36 * 24 * H)] == [
        "—",
        "0 min",
        "59 min",
        "1.0 h",
        "47.9 h",
        "2.0 d",
        "36.0 d",
    ]


def test_empty_sections_say_why_and_a_digest_without_previous_or_store_shows_dashes() -> None:
    empty = replace(
        full(), new_contributors=(), unanswered=(), awaiting_review=(), previous=None, trend=None,
        stale=StaleList(total=0, oldest=(), after_days=45, label="stale"), times=Times(),
        opened_per_day=(("2024-03-04", 0, 0),), response_buckets=(("under 1 h", 0),),
    )  # fmt: skip
    got = markdown(empty)
    assert got.startswith("<!-- devflow:digest -->\n## Contributor digest: o/r\n")
    body = got.split("### ", 1)[1].split("```mermaid")[0]
    assert (
        body
        == """\
New contributors (0)

Nobody opened their first issue or pull request here in this window.

### Unanswered (0)

Every open item active in this window has a maintainer's response.

### Awaiting review (0)

No open pull request active in this window is waiting for its first review.

### Stale candidates (0)

No open item has gone 45 days without activity.

### Metrics

| | this window | previous window |
| --- | ---: | ---: |
| issues opened | 5 | — |
| issues closed | 2 | — |
| pull requests opened | 3 | — |
| pull requests merged | 1 | — |
| time to first response, median | — | — |
| time to first response, p90 | — | — |
| time to merge, median | — | — |
| time to merge, p90 | — | — |

"""
    )
    assert (
        '    y-axis "opened" 0 --> 1\n    bar [0]\n' in got and '    y-axis "responses" 0 --> 1\n    bar [0]\n' in got
    )
    unconfigured = markdown(replace(empty, stale=None))
    assert "\n\n### Stale candidates\n\nNo `stale` section is configured.\n\n### Metrics\n" in unconfigured


def test_the_sections_chosen_are_rendered_in_the_order_chosen() -> None:
    got = markdown(replace(full(), sections=("stale", "unanswered")))
    assert [line for line in got.splitlines() if line.startswith("### ")] == [
        "### Stale candidates (4)",
        "### Unanswered (2)",
    ]


def test_previous_times_from_a_digest_are_shown_without_the_state_stores_note() -> None:
    d = full()
    assert d.previous is not None
    got = markdown(replace(d, previous=replace(d.previous, times_from="digest")))
    assert "| time to first response, median | 2.0 h | 1.0 h |" in got
    assert "state store's record of it" not in got
    no_times = markdown(replace(d, previous=replace(d.previous, times=None)))
    assert "state store's record of it" not in no_times
    assert "| time to first response, median | 2.0 h | — |" in no_times


def test_long_lists_stop_at_25_rows_and_say_how_many_more() -> None:
    many = tuple(Waiting(item(n, f"n{n}", "zed"), 60.0) for n in range(1, 28))
    newcomers = tuple(Newcomer(f"p{n}", (item(n, "x", f"p{n}"),)) for n in range(1, 27))
    stale_all = StaleList(total=2, oldest=(OLD, ALICE), after_days=30, label="stale")
    got = markdown(replace(full(), unanswered=many, awaiting_review=many[:25], new_contributors=newcomers,
                           stale=stale_all))  # fmt: skip
    unanswered = got.split("### Unanswered (27)\n")[1].split("### Awaiting")[0]
    assert "#25 n25" in unanswered and "#26 n26" not in unanswered
    assert unanswered.endswith("\n\n…and 2 more.\n\n")
    awaiting = got.split("### Awaiting review (25)\n")[1].split("### Stale")[0]
    assert "#25 n25" in awaiting and "more." not in awaiting
    new = got.split("### New contributors (26)\n")[1].split("### Unanswered")[0]
    assert "[p25]" in new and "[p26]" not in new and new.endswith("\n\n…and 1 more.\n\n")
    # every stale candidate is listed: no "(the oldest N)"
    assert "not yet labelled `stale`:\n\n- [#12 Old one]" in got


def test_a_login_that_is_not_a_plain_github_name_is_not_linked() -> None:
    got = markdown(replace(full(), new_contributors=(Newcomer("dep[bot]", (ALICE,)), Newcomer("A-9", (ALICE,)))))
    assert "\n- dep\\[bot\\]: [#1" in got and "\n- [A-9](https://github.com/A-9): [#1" in got


def test_the_json_carries_every_number_and_item() -> None:
    got = as_json(full())
    assert json.loads(json.dumps(got)) == got
    one = {"number": 1, "title": "Crash on *start*", "url": "https://github.com/o/r/issues/1", "author": "alice",
           "pull": False}  # fmt: skip
    two = {"number": 2, "title": "Fix | pipe", "url": "https://github.com/o/r/pull/2", "author": "bob", "pull": True}
    three = {"number": 3, "title": "Docs", "url": "javascript:alert(1)", "author": "carol", "pull": True}
    assert got == {
        "repository": "o/r",
        "since": "2024-03-04T00:00:00+00:00",
        "until": "2024-03-11T00:00:00+00:00",
        "window_days": 7,
        "items": 9,
        "counts": {"issues_opened": 5, "issues_closed": 2, "prs_opened": 3, "prs_merged": 1},
        "times": {
            "response_median_s": 7200.0,
            "response_p90_s": 180000.0,
            "merge_median_s": None,
            "merge_p90_s": 3576.0,
        },
        "previous": {
            "since": "2024-02-26T00:00:00+00:00",
            "until": "2024-03-04T00:00:00+00:00",
            "counts": {"issues_opened": 3, "issues_closed": 2, "prs_opened": 4, "prs_merged": 0},
            "times": {
                "response_median_s": 3600.0,
                "response_p90_s": 18000.0,
                "merge_median_s": 90.0,
                "merge_p90_s": 180000.0,
            },
            "times_from": "state",
        },
        "new_contributors": [{"login": "alice", "items": [one, three]}, {"login": "x_y", "items": [two]}],
        "unanswered": [{**one, "age_s": 1800}, {**three, "age_s": 10800.0}],
        "awaiting_review": [
            {**two, "age_s": 259200.0, "requested": ["maint", "o/team"]},
            {**three, "age_s": 169200.0, "requested": []},
        ],
        "stale": {
            "total": 4,
            "after_days": 30,
            "oldest": [
                {
                    "number": 12,
                    "title": "Old one",
                    "url": "https://github.com/o/r/issues/12",
                    "author": "hank",
                    "pull": False,
                }
            ],
        },
        "opened_per_day": [
            {"day": "2024-03-04", "issues": 1, "prs": 2},
            {"day": "2024-03-05", "issues": 0, "prs": 0},
            {"day": "2024-03-06", "issues": 3, "prs": 1},
        ],
        "response_buckets": [
            {"bucket": "under 1 h", "responses": 2},
            {"bucket": "1–4 h", "responses": 0},
            {"bucket": "over 7 d", "responses": 1},
        ],
        "trend": [
            {
                "since": "2024-02-26T00:00:00+00:00",
                "until": "2024-03-04T00:00:00+00:00",
                "events": None,
                "responses": None,
                "response_median_s": None,
                "prs_merged": None,
            },
            {
                "since": "2024-03-04T00:00:00+00:00",
                "until": "2024-03-11T00:00:00+00:00",
                "events": 12,
                "responses": 3,
                "response_median_s": 5400.0,
                "prs_merged": 2,
            },
            {
                "since": "2024-03-11T00:00:00+00:00",
                "until": "2024-03-18T00:00:00+00:00",
                "events": 4,
                "responses": 0,
                "response_median_s": None,
                "prs_merged": None,
            },
        ],
    }


def test_the_json_without_previous_stale_or_trend() -> None:
    d = full()
    assert d.previous is not None
    bare = as_json(replace(d, previous=None, stale=None, trend=None))
    assert bare["previous"] is None and bare["stale"] is None and "trend" not in bare
    assert "trend" not in as_json(replace(d, trend=()))
    from_digest = as_json(replace(d, previous=replace(d.previous, times=None, times_from="state")))["previous"]
    assert from_digest["times"] is None and "times_from" not in from_digest
    assert "times_from" not in as_json(replace(d, previous=replace(d.previous, times_from="digest")))["previous"]


def test_previous_times_round_trip_and_refuse_anything_else() -> None:
    body = markdown(full())
    assert previous_times(body, UNTIL) == full().times
    assert previous_times(body, UNTIL - timedelta(seconds=1)) is None
    data = '<!-- devflow:digest-data {"v":1,"until":"2024-03-11T00:00:00+00:00"%s} -->'
    assert previous_times(data % "", UNTIL) == Times()
    assert previous_times(data % ',"merge_p90_s":7', UNTIL) == Times(merge_p90=7)
    for bad in (',"merge_p90_s":"7"', ',"merge_p90_s":[1]'):
        assert previous_times(data % bad, UNTIL) is None
    for broken in ('{"v":1}', '{"v":1,"until":"never"}', '{"v":1,"until":5}', '{"v":1,"until":}'):
        assert previous_times(f"<!-- devflow:digest-data {broken} -->", UNTIL) is None
    assert previous_times("", UNTIL) is None
