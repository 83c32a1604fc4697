"""The digest as Markdown (with Mermaid charts, which GitHub renders in issues, discussions and job
summaries) and as JSON. Pure. Every piece of user text (titles, logins) goes through
``escape_markdown``; links are GitHub's own https URLs or none.

The Markdown carries two hidden lines: the marker that finds the digest issue again
(``<!-- devflow:digest -->``) and the numbers of the run (``<!-- devflow:digest-data {...} -->``),
from which the next run reads the previous window's times. User text cannot forge either: it is
escaped, so it never contains ``<``.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from ..diagnostics import escape_markdown
from .digest import Counts, Digest, Item, Newcomer, Times, Waiting
from .digest_history import TrendRow

MARKER = "<!-- devflow:digest -->"
DATA_PREFIX = "<!-- devflow:digest-data "
MAX_ROWS = 25  # per list: the body stays far below GitHub's 65,536 characters
TITLES = {
    "new_contributors": "New contributors",
    "unanswered": "Unanswered",
    "awaiting_review": "Awaiting review",
    "stale": "Stale candidates",
    "metrics": "Metrics",
}
_SAFE_URL = re.compile(r"^https://[^\s()<>\[\]]+$")
_DATA = re.compile(re.escape(DATA_PREFIX) + r"(\{[^<>]*\}) -->")


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    minutes = seconds / 60
    if minutes < 60:
        return f"{minutes:.0f} min"
    hours = minutes / 60
    if hours < 48:
        return f"{hours:.1f} h"
    return f"{hours / 24:.1f} d"


def _link(item: Item) -> str:
    text = f"#{item.number} {escape_markdown(item.title)}"
    return f"[{text}]({item.url})" if _SAFE_URL.match(item.url) else text


def _person(login: str) -> str:
    shown = escape_markdown(login)
    return f"[{shown}](https://github.com/{login})" if re.fullmatch(r"[A-Za-z0-9-]+", login) else shown


def _day(when: datetime) -> str:
    return when.strftime("%Y-%m-%d")


def _more(total: int) -> list[str]:
    return ["", f"…and {total - MAX_ROWS} more."] if total > MAX_ROWS else []


def _new_contributors(d: Digest) -> list[str]:
    out = [f"### New contributors ({len(d.new_contributors)})", ""]
    if not d.new_contributors:
        return [*out, "Nobody opened their first issue or pull request here in this window."]
    out += [f"- {_person(n.login)}: {', '.join(_link(i) for i in n.items)}" for n in d.new_contributors[:MAX_ROWS]]
    return out + _more(len(d.new_contributors))


def _waiting_table(rows: tuple[Waiting, ...], reviewers: bool) -> list[str]:
    head = "| pull request | author | age | requested reviewers |" if reviewers else "| item | opened by | age |"
    out = [head, "| --- | --- | ---: |" + (" --- |" if reviewers else "")]
    for w in rows[:MAX_ROWS]:
        line = f"| {_link(w.item)} | {escape_markdown(w.item.author)} | {duration(w.age)} |"
        if reviewers:
            line += f" {', '.join(escape_markdown(r) for r in w.item.requested) or 'none'} |"
        out.append(line)
    return out + _more(len(rows))


def _unanswered(d: Digest) -> list[str]:
    out = [f"### Unanswered ({len(d.unanswered)})", ""]
    if not d.unanswered:
        return [*out, "Every open item active in this window has a maintainer's response."]
    return [*out, "Oldest first; no comment or review from a maintainer yet.", "", *_waiting_table(d.unanswered, False)]


def _awaiting(d: Digest) -> list[str]:
    out = [f"### Awaiting review ({len(d.awaiting_review)})", ""]
    if not d.awaiting_review:
        return [*out, "No open pull request active in this window is waiting for its first review."]
    return [*out, *_waiting_table(d.awaiting_review, True)]


def _stale(d: Digest) -> list[str]:
    if d.stale is None:
        return ["### Stale candidates", "", "No `stale` section is configured."]
    s = d.stale
    out = [f"### Stale candidates ({s.total})", ""]
    if not s.total:
        return [*out, f"No open item has gone {s.after_days} days without activity."]
    out.append(f"Open items without activity for {s.after_days} days, not yet labelled `{escape_markdown(s.label)}`"
               f"{' (the oldest ' + str(len(s.oldest)) + ')' if s.total > len(s.oldest) else ''}:")  # fmt: skip
    out.append("")
    out += [f"- {_link(i)}: last activity {_day(i.updated_at)}" for i in s.oldest]
    return out


def _change(now: int, before: int | None) -> str:
    if before is None:
        return "—"
    delta = now - before
    return f"{before} ({'+' if delta > 0 else ''}{delta})" if delta else f"{before} (=)"


def _metrics(d: Digest) -> list[str]:
    c, p = d.counts, d.previous
    pc = p.counts if p else None
    pt = p.times if p else None
    label = f"previous window ({_day(p.since)} – {_day(p.until)})" if p else "previous window"
    out = ["### Metrics", "", f"| | this window | {label} |", "| --- | ---: | ---: |"]
    for name, now, before in (
        ("issues opened", c.issues_opened, pc.issues_opened if pc else None),
        ("issues closed", c.issues_closed, pc.issues_closed if pc else None),
        ("pull requests opened", c.prs_opened, pc.prs_opened if pc else None),
        ("pull requests merged", c.prs_merged, pc.prs_merged if pc else None),
    ):
        out.append(f"| {name} | {now} | {_change(now, before)} |")
    t = d.times
    for name, now_t, before_t in (
        ("time to first response, median", t.response_median, pt.response_median if pt else None),
        ("time to first response, p90", t.response_p90, pt.response_p90 if pt else None),
        ("time to merge, median", t.merge_median, pt.merge_median if pt else None),
        ("time to merge, p90", t.merge_p90, pt.merge_p90 if pt else None),
    ):
        out.append(f"| {name} | {duration(now_t)} | {duration(before_t)} |")
    if p is not None and p.times is not None and p.times_from == "state":
        out += ["", "The previous window's times are the state store's record of it (no digest covered it)."]
    out += ["", *_trend(d.trend), *_charts(d)]
    return out


def _count(value: int | None) -> str:
    return "—" if value is None else str(value)


def _trend(rows: tuple[TrendRow, ...] | None) -> list[str]:
    """The last windows as the state store recorded them; only with a store that covers one of them."""
    if not rows:
        return []
    out = [
        "**Trend**, as the state store recorded it (— where it was not recording yet):",
        "",
        "| window | events recorded | first responses | time to first response, median | pull requests merged |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        median = duration(r.response_median) if r.responses is not None else "—"
        out.append(f"| {_day(r.since)} – {_day(r.until)} | {_count(r.events)} | {_count(r.responses)} | {median} "
                   f"| {_count(r.merged)} |")  # fmt: skip
    return [*out, ""]


def _charts(d: Digest) -> list[str]:
    days = ", ".join(f'"{day[5:]}"' for day, _, _ in d.opened_per_day)
    totals = [issues + pulls for _, issues, pulls in d.opened_per_day]
    pulls = [p for _, _, p in d.opened_per_day]
    names = ", ".join(f'"{name}"' for name, _ in d.response_buckets)
    counts = [n for _, n in d.response_buckets]
    return [
        "```mermaid",
        "xychart-beta",
        '    title "Opened per day: issues and pull requests (bars), pull requests (line)"',
        f"    x-axis [{days}]",
        f'    y-axis "opened" 0 --> {max([*totals, 1])}',
        f"    bar {totals}",
        f"    line {pulls}",
        "```",
        "",
        "```mermaid",
        "xychart-beta",
        '    title "Time to first response (responses given in this window)"',
        f"    x-axis [{names}]",
        f'    y-axis "responses" 0 --> {max([*counts, 1])}',
        f"    bar {counts}",
        "```",
    ]


RENDER = {
    "new_contributors": _new_contributors,
    "unanswered": _unanswered,
    "awaiting_review": _awaiting,
    "stale": _stale,
    "metrics": _metrics,
}


def markdown(d: Digest, *, title: str = "Contributor digest") -> str:
    lines = [
        MARKER,
        f"## {escape_markdown(title)}: {escape_markdown(d.repository)}",
        "",
        f"**{_day(d.since)} – {_day(d.until)}** ({d.window_days} days to 00:00 UTC) · "
        f"{d.items} issues and pull requests active",
    ]
    for section in d.sections:
        lines += ["", *RENDER[section](d)]
    lines += ["", "<sub>Devflow digest, updated in place on every run.</sub>", _data_line(d)]
    return "\n".join(lines) + "\n"


def _times_json(t: Times) -> dict[str, float | None]:
    return {
        "response_median_s": t.response_median,
        "response_p90_s": t.response_p90,
        "merge_median_s": t.merge_median,
        "merge_p90_s": t.merge_p90,
    }


def _counts_json(c: Counts) -> dict[str, int]:
    return {
        "issues_opened": c.issues_opened,
        "issues_closed": c.issues_closed,
        "prs_opened": c.prs_opened,
        "prs_merged": c.prs_merged,
    }


def _data_line(d: Digest) -> str:
    data = {"v": 1, "since": d.since.isoformat(), "until": d.until.isoformat(), **_times_json(d.times)}
    return DATA_PREFIX + json.dumps(data, separators=(",", ":")) + " -->"


def previous_times(body: str, since: datetime) -> Times | None:
    """The times a previous digest recorded, when it covered the window ending at ``since``."""
    m = _DATA.search(body or "")
    if m is None:
        return None
    try:
        data = json.loads(m.group(1))
        if data.get("v") != 1 or datetime.fromisoformat(data["until"]) != since:
            return None
        values = [data.get(k) for k in ("response_median_s", "response_p90_s", "merge_median_s", "merge_p90_s")]
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    if not all(v is None or isinstance(v, int | float) for v in values):
        return None
    return Times(*values)


def _item_json(item: Item) -> dict[str, Any]:
    return {"number": item.number, "title": item.title, "url": item.url, "author": item.author, "pull": item.pull}


def _newcomer_json(n: Newcomer) -> dict[str, Any]:
    return {"login": n.login, "items": [_item_json(i) for i in n.items]}


def as_json(d: Digest) -> dict[str, Any]:
    p = d.previous
    return {
        "repository": d.repository,
        "since": d.since.isoformat(),
        "until": d.until.isoformat(),
        "window_days": d.window_days,
        "items": d.items,
        "counts": _counts_json(d.counts),
        "times": _times_json(d.times),
        "previous": None
        if p is None
        else {
            "since": p.since.isoformat(),
            "until": p.until.isoformat(),
            "counts": _counts_json(p.counts),
            "times": _times_json(p.times) if p.times else None,
            **({"times_from": "state"} if p.times is not None and p.times_from == "state" else {}),
        },
        "new_contributors": [_newcomer_json(n) for n in d.new_contributors],
        "unanswered": [{**_item_json(w.item), "age_s": w.age} for w in d.unanswered],
        "awaiting_review": [
            {**_item_json(w.item), "age_s": w.age, "requested": list(w.item.requested)} for w in d.awaiting_review
        ],
        "stale": None
        if d.stale is None
        else {
            "total": d.stale.total,
            "after_days": d.stale.after_days,
            "oldest": [_item_json(i) for i in d.stale.oldest],
        },
        "opened_per_day": [{"day": day, "issues": i, "prs": p_} for day, i, p_ in d.opened_per_day],
        "response_buckets": [{"bucket": name, "responses": n} for name, n in d.response_buckets],
        **({"trend": [_trend_json(r) for r in d.trend]} if d.trend else {}),
    }


def _trend_json(r: TrendRow) -> dict[str, Any]:
    return {
        "since": r.since.isoformat(),
        "until": r.until.isoformat(),
        "events": r.events,
        "responses": r.responses,
        "response_median_s": r.response_median,
        "prs_merged": r.merged,
    }
