"""The pure digest: who counts as a response, percentiles, the Markdown's escaping and hidden data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from devflow_action.engine.digest import (
    SECTIONS_ALL,
    Activity,
    Item,
    Response,
    compute,
    first_response,
    nearest_rank,
)
from devflow_action.engine.digest_render import MARKER, markdown, previous_times

SINCE = datetime(2024, 3, 4, tzinfo=UTC)
UNTIL = SINCE + timedelta(days=7)


def item(number: int = 1, title: str = "t", author: str = "alice", **kw: object) -> Item:
    defaults: dict[str, object] = {
        "url": f"https://github.com/o/r/issues/{number}",
        "pull": False,
        "author_bot": False,
        "association": "NONE",
        "created_at": SINCE + timedelta(days=1),
        "updated_at": SINCE + timedelta(days=1),
    }
    defaults.update(kw)
    return Item(number, title, author=author, **defaults)  # type: ignore[arg-type]


def digest_of(*items: Item) -> str:
    return markdown(compute(Activity("o/r", SINCE, UNTIL, items), 7, SECTIONS_ALL))


def test_a_response_is_a_maintainers_and_never_a_bots_or_the_authors_own() -> None:
    at = SINCE + timedelta(days=2)
    own = Response("maint", False, "OWNER", at)
    bot = Response("helper", True, "COLLABORATOR", at)
    reader = Response("bob", False, "CONTRIBUTOR", at)
    answer = Response("maint", False, "MEMBER", at + timedelta(hours=1))
    assert first_response(item(author="maint", responses=(own,))) is None
    assert first_response(item(responses=(bot, reader))) is None
    assert first_response(item(responses=(bot, reader, answer))) == answer


def test_p90_is_the_nearest_rank() -> None:
    assert nearest_rank([float(n) for n in range(10, 0, -1)], 0.9) == 9.0
    assert nearest_rank([5.0], 0.9) == 5.0 and nearest_rank([], 0.9) is None


def test_user_text_in_the_markdown_is_inert() -> None:
    text = digest_of(
        item(1, "</td><script>x</script> [click](javascript:alert(1)) | @everyone", author="mal-lory"),
        item(2, f"{MARKER} fake", url="javascript:alert(1)"),
    )
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "\\[click\\](javascript:alert(1)) \\| @\u200beveryone" in text
    assert text.count(MARKER) == 1  # a title cannot forge the marker that finds the digest issue
    assert "#2 &lt;!-- devflow:digest --&gt; fake" in text and "](javascript:" not in text.replace("\\](", "")


def test_previous_times_are_read_only_from_a_digest_of_the_window_just_before() -> None:
    body = digest_of(item(responses=(Response("maint", False, "OWNER", SINCE + timedelta(days=1, hours=3)),)))
    got = previous_times(body, UNTIL)
    assert got is not None and got.response_median == 3 * 3600
    assert previous_times(body, UNTIL + timedelta(days=1)) is None  # a different window: not compared
    assert previous_times(body.replace('"v":1', '"v":2'), UNTIL) is None
    assert previous_times(body.replace('"response_median_s":10800.0', '"response_median_s":"x"'), UNTIL) is None
    assert previous_times("no data here", UNTIL) is None
