"""The digest computed (engine/digest.py) from items built by hand (Devflow's own Item, not a GitHub
payload), every field of the result pinned: who is new, unanswered, awaiting review, the counts, the
times, the charts' data, and what the state store completes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from devflow_action.engine.digest import (
    Activity,
    Counts,
    Item,
    Newcomer,
    Previous,
    Response,
    Times,
    Waiting,
    compute,
    first_response,
    history_candidates,
    is_maintainer,
)
from devflow_action.engine.digest_history import Recorded, RecordedItem, TrendRow

SINCE = datetime(2024, 3, 4, tzinfo=UTC)
UNTIL = SINCE + timedelta(days=3)
H = 3600.0


def at(days: float, hours: float = 0) -> datetime:
    return SINCE + timedelta(days=days, hours=hours)


def item(number: int, author: str, opened: datetime, **kw: object) -> Item:
    fields: dict[str, object] = {"url": f"https://github.com/o/r/issues/{number}", "pull": False, "author_bot": False,
                                 "association": "NONE", "created_at": opened, "updated_at": opened, **kw}  # fmt: skip
    return Item(number, f"item {number}", author=author, **fields)  # type: ignore[arg-type]


def maint(when: datetime, login: str = "maint", association: str = "MEMBER") -> Response:
    return Response(login, False, association, when)


# The window is three days, 03-04 to 03-07.
OLD_PR = item(1, "dave", at(-10), pull=True, merged_at=at(0, 5), open=False, closed_at=at(0, 5))  # merged in: 10 d 5 h
ANSWERED = item(2, "Alice", at(0, 1), responses=(maint(at(0, 2)),))  # answered after exactly 1 h
QUICK = item(
    3,
    "alice",
    at(0, 3),
    responses=(
        maint(
            at(
                0,
                3,
            )
        ),
    ),
    open=False,
    closed_at=at(1),
)  # 0 s, closed
EARLY = item(4, "erin", at(0, 10), responses=(maint(at(0, 9)),))  # answered "before" opening: 0 s
PR = item(5, "bob", at(1), pull=True, reviewers=("BOB",), requested=("maint",))  # reviewed by its author only
REVIEWED = item(6, "carl", at(1, 2), pull=True, reviewers=("maint",), merged_at=at(2), open=False, closed_at=at(2))
DRAFT = item(7, "gina", at(1, 3), pull=True, draft=True)
BOT = item(8, "dep[bot]", at(1, 4), author_bot=True)
OWNER = item(9, "octo", at(1, 5), association="OWNER", responses=(maint(at(1, 6)),))  # not owed: not timed
LATE = item(10, "zed", at(2, 23), responses=(maint(at(3)),))  # answered at the window's end: not in it
AFTER = item(11, "yan", at(3))  # opened at the window's end: the next digest's
CLOSED_BEFORE = item(12, "erin", at(-5), open=False, closed_at=at(-1), updated_at=at(0, 4))
FOUR_HOURS = item(13, "hal", at(2), responses=(maint(at(2, 4)),))  # answered after exactly 4 h
# a bot with a maintainer's association and a reader commented: still unanswered
IVY = item(
    14, "ivy", at(2, 12), responses=(Response("ci[bot]", True, "MEMBER", at(2, 13)), maint(at(2, 14), "r", "NONE"))
)


def activity(**kw: object) -> Activity:
    items = (
        IVY,
        AFTER,
        LATE,
        FOUR_HOURS,
        OWNER,
        BOT,
        DRAFT,
        REVIEWED,
        PR,
        EARLY,
        QUICK,
        ANSWERED,
        OLD_PR,
        CLOSED_BEFORE,
    )
    base: dict[str, object] = {"items": items, "returning": frozenset({"carl"})}
    base.update(kw)
    return Activity("o/r", SINCE, UNTIL, **base)  # type: ignore[arg-type]


def test_the_window_computed_field_by_field() -> None:
    d = compute(activity(), 3, ("metrics",))
    assert (d.repository, d.since, d.until, d.window_days, d.items, d.sections) == ("o/r", SINCE, UNTIL, 3, 13,
                                                                                   ("metrics",))  # fmt: skip
    assert d.new_contributors == (
        Newcomer("Alice", (ANSWERED, QUICK)),  # grouped whatever the case; named as first spelt
        Newcomer("erin", (EARLY,)),  # her issue #12 was opened before the window, but not "returning"
        Newcomer("bob", (PR,)),
        Newcomer("gina", (DRAFT,)),
        Newcomer("hal", (FOUR_HOURS,)),
        Newcomer("ivy", (IVY,)),
        Newcomer("zed", (LATE,)),
    )
    # #12 is closed, #10 was answered (after the window), #7 is a draft, #8 a bot's, #9 a maintainer's
    assert d.unanswered == (Waiting(PR, 2 * 86400.0), Waiting(IVY, 12 * H))
    assert d.awaiting_review == (Waiting(PR, 2 * 86400.0),)
    assert d.counts == Counts(issues_opened=8, issues_closed=1, prs_opened=3, prs_merged=2)
    # responses: 1 h (#2), 0 s (#3), 0 s (#4), 4 h (#13); merges: 10 d 5 h (#1), 22 h (#6)
    assert d.times == Times(response_median=0.5 * H, response_p90=4 * H, merge_median=(245 + 22) / 2 * H,
                            merge_p90=245 * H)  # fmt: skip
    assert d.opened_per_day == (("2024-03-04", 3, 0), ("2024-03-05", 2, 3), ("2024-03-06", 3, 0))
    assert d.response_buckets == (
        ("under 1 h", 2), ("1–4 h", 1), ("4–24 h", 1), ("1–3 d", 0), ("3–7 d", 0), ("over 7 d", 0)
    )  # fmt: skip
    assert d.previous is None and d.stale is None and d.trend is None


def test_response_buckets_take_their_upper_bound_to_the_next_bucket() -> None:
    # answered after exactly 24 h, 72 h and 168 h, and after 9 days
    answered = [item(20 + n, f"p{n}", at(0, 1) - timedelta(hours=h), responses=(maint(at(0, 1)),))
                for n, h in enumerate((24, 72, 168, 216))]  # fmt: skip
    d = compute(activity(items=tuple(answered)), 3, ())
    assert d.response_buckets == (
        ("under 1 h", 0), ("1–4 h", 0), ("4–24 h", 0), ("1–3 d", 1), ("3–7 d", 1), ("over 7 d", 2)
    )  # fmt: skip


def test_a_response_is_the_first_maintainers_not_the_authors_in_another_case() -> None:
    own = Response("ALICE", False, "COLLABORATOR", at(0, 1))
    other = maint(at(0, 2), "owner", "OWNER")
    assert first_response(item(30, "alice", at(0), responses=(own, other))) == other
    assert first_response(item(30, "alice", at(0), responses=(own,))) is None
    assert is_maintainer("COLLABORATOR", False) and not is_maintainer("COLLABORATOR", True)
    assert not is_maintainer("CONTRIBUTOR", False)


def test_the_store_answers_only_for_an_item_whose_read_stopped_early() -> None:
    seen = Recorded(
        windows=(),
        events=(),
        items={},
        answered={
            10: at(
                2,
                23,
            ),
            5: at(2),
        },
    )
    d = compute(activity(items=(replace(LATE, responses=(), more=True), PR), recorded=seen), 3, ())
    # #10 answered (by the store) at opening: a 0 s response in the window; #5's read was complete
    assert [w.item.number for w in d.unanswered] == [5]
    assert d.times.response_median == 0.0
    assert d.trend is None  # the store vouches for no window


def test_the_previous_windows_times_come_from_the_store_only_when_no_digest_recorded_them() -> None:
    before = (SINCE - timedelta(days=3), SINCE)
    store_items = {
        40: RecordedItem(opened_at=before[0], first_response_at=before[0] + timedelta(hours=2), merged_at=None),
        41: RecordedItem(opened_at=before[0], first_response_at=before[0] + timedelta(hours=6), merged_at=None),
        42: RecordedItem(opened_at=before[0], first_response_at=None, merged_at=before[0] + timedelta(hours=5)),
    }
    store = Recorded(windows=(before, (SINCE, UNTIL)), events=(4, 5), items=store_items, events_since=before[0],
                     responses_since=before[0], merges_since=before[0])  # fmt: skip
    github = Previous(before[0], before[1], Counts(1, 2, 3, 4))
    d = compute(activity(items=(), previous=github, recorded=store), 3, ())
    assert d.previous == Previous(before[0], before[1], Counts(1, 2, 3, 4), Times(4 * H, 6 * H, 5 * H, 5 * H), "state")
    assert d.trend == (TrendRow(*before, 4, 2, 4 * H, 1), TrendRow(SINCE, UNTIL, 5, 0, None, 0))

    recorded_by_digest = replace(github, times=Times(response_median=1.0))
    assert compute(activity(previous=recorded_by_digest, recorded=store), 3, ()).previous == recorded_by_digest
    assert compute(activity(previous=github), 3, ()).previous == github  # no store
    blind = replace(store, responses_since=SINCE, merges_since=None)
    assert compute(activity(previous=github, recorded=blind), 3, ()).previous == github
    merges_only = replace(store, responses_since=None)
    got = compute(activity(previous=github, recorded=merges_only), 3, ()).previous
    assert got == Previous(*before, Counts(1, 2, 3, 4), Times(None, None, 5 * H, 5 * H), "state")


def test_history_is_asked_for_people_new_in_the_window_and_not_already_known() -> None:
    items = [
        AFTER, LATE, OWNER, BOT, PR, QUICK, ANSWERED, CLOSED_BEFORE, EARLY,
        item(50, "Kim", at(1)), item(51, "kim", at(0, 5)), item(52, "nat", SINCE),
    ]  # fmt: skip
    # erin opened #12 before the window (already read); yan's item is after it; octo and the bot never ask
    assert history_candidates(items, SINCE, UNTIL) == ["nat", "Alice", "kim", "bob", "zed"]


def test_the_window_includes_its_first_instant() -> None:
    first = item(60, "una", SINCE, pull=True, merged_at=SINCE + timedelta(hours=2), open=False, closed_at=SINCE)
    d = compute(activity(items=(first, item(61, "vic", SINCE - timedelta(seconds=1)))), 3, ())
    assert d.counts == Counts(issues_opened=0, issues_closed=0, prs_opened=1, prs_merged=1)
    assert d.opened_per_day[0] == ("2024-03-04", 0, 1) and d.new_contributors == (Newcomer("una", (first,)),)
