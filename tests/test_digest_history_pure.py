"""The digest's history computed from what the state store recorded (engine/digest_history.py): pure,
no Postgres. A number comes only from a window the store vouches for; anything else is None."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from devflow_action.engine.digest_history import (
    Recorded,
    RecordedItem,
    TrendRow,
    covers,
    median,
    merge_times,
    nearest_rank,
    response_times,
    trend,
)

W = timedelta(days=7)
T0 = datetime(2024, 2, 12, tzinfo=UTC)
WINDOWS = tuple((T0 + n * W, T0 + (n + 1) * W) for n in range(4))  # oldest first
H = timedelta(hours=1)


def at(window: int, hours: float = 0) -> datetime:
    return WINDOWS[window][0] + hours * H


ITEMS = {
    # answered in window 1 after 2 h; merged in window 2 after 10 days
    1: RecordedItem(opened_at=at(1), first_response_at=at(1, 2), merged_at=at(1) + timedelta(days=10)),
    # answered exactly at the start of window 2 (in it), 4 h after opening
    2: RecordedItem(opened_at=at(2, -4), first_response_at=at(2), merged_at=None),
    # answered exactly at the end of window 2: it belongs to window 3
    3: RecordedItem(opened_at=at(2, 1), first_response_at=at(3), merged_at=at(3)),
    # a response recorded before the item's opening (clocks): counted as 0 s, never negative
    4: RecordedItem(opened_at=at(2, 10), first_response_at=at(2, 9), merged_at=None),
    # the store never saw its opening: no time
    5: RecordedItem(opened_at=None, first_response_at=at(2, 1), merged_at=at(2, 1)),
}


def recorded(**kw: object) -> Recorded:
    base: dict[str, object] = {"windows": WINDOWS, "events": (7, 8, 9, 10), "items": ITEMS}
    base.update(kw)
    return Recorded(**base)  # type: ignore[arg-type]


def test_the_store_vouches_for_a_window_only_when_it_recorded_since_its_start() -> None:
    assert covers(T0, T0) and covers(T0 - H, T0)
    assert not covers(T0 + H, T0) and not covers(None, T0)


def test_response_times_count_responses_in_the_half_open_window_and_never_go_negative() -> None:
    r = recorded(responses_since=WINDOWS[1][0])
    assert response_times(r, *WINDOWS[0]) is None  # before the store recorded comments
    assert response_times(r, *WINDOWS[1]) == [2 * 3600.0]
    assert sorted(response_times(r, *WINDOWS[2]) or []) == [0.0, 4 * 3600.0]
    assert response_times(r, *WINDOWS[3]) == [3600.0 * (7 * 24 - 1)]
    assert response_times(recorded(), *WINDOWS[3]) is None  # comments never recorded


def test_merge_times_count_merges_in_the_window_from_the_store_that_saw_them() -> None:
    r = recorded(merges_since=WINDOWS[2][0])
    assert merge_times(r, *WINDOWS[1]) is None
    assert merge_times(r, *WINDOWS[2]) == [10 * 86400.0]
    assert merge_times(r, *WINDOWS[3]) == [3600.0 * (7 * 24 - 1)]
    assert merge_times(recorded(responses_since=T0), *WINDOWS[2]) is None  # comments recorded, merges not


def test_median_and_nearest_rank_of_nothing_is_nothing() -> None:
    assert median(None) is None and median([]) is None and median([3.0, 1.0, 2.0, 10.0]) == 2.5
    assert nearest_rank(None, 0.9) is None and nearest_rank([], 0.9) is None
    values = [float(n) for n in range(20, 0, -1)]
    assert nearest_rank(values, 0.9) == 18.0 and nearest_rank(values, 0.5) == 10.0
    assert nearest_rank(values, 0.0) == 1.0 and nearest_rank(values, 1.0) == 20.0


def test_the_trend_has_a_row_per_window_with_dashes_where_the_store_was_not_recording() -> None:
    r = recorded(events_since=WINDOWS[1][0] - H, responses_since=WINDOWS[2][0], merges_since=WINDOWS[1][0])
    assert trend(r) == (
        TrendRow(*WINDOWS[0], events=None, responses=None, response_median=None, merged=None),
        TrendRow(*WINDOWS[1], events=8, responses=None, response_median=None, merged=0),
        TrendRow(*WINDOWS[2], events=9, responses=2, response_median=2 * 3600.0, merged=1),
        TrendRow(*WINDOWS[3], events=10, responses=1, response_median=3600.0 * (7 * 24 - 1), merged=1),
    )


def test_events_need_a_count_for_the_window_and_the_events_recorded_since() -> None:
    short = trend(recorded(events_since=T0, events=(7, 8)))
    assert short is not None and [row.events for row in short] == [7, 8, None, None]
    only_responses = trend(recorded(responses_since=WINDOWS[3][0]))
    assert only_responses is not None
    assert [(row.events, row.responses, row.merged) for row in only_responses] == [
        (None, None, None), (None, None, None), (None, None, None), (None, 1, None)
    ]  # fmt: skip
    only_merges = trend(recorded(merges_since=WINDOWS[3][0]))
    assert only_merges is not None and [row.merged for row in only_merges] == [None, None, None, 1]


def test_no_trend_when_the_store_vouches_for_no_window() -> None:
    assert trend(recorded()) is None
    assert trend(recorded(events_since=WINDOWS[3][0] + H, responses_since=WINDOWS[3][1])) is None
    assert trend(recorded(windows=())) is None
