"""Use case: the digest of a window — read through GraphQL, computed by the engine, posted in place,
sent to the notification sinks — and its renderings for a log and a job summary.

The window ends at 00:00 UTC on the day of the run and covers ``window_days`` whole days before it,
so a re-run on the same day reads the same window and a weekly schedule's windows follow each other
exactly (the previous digest's numbers then compare like with like).

GitHub stopping the read (rate limit, budget, deadline, unavailable) or refusing it ends the use case
with ``stopped`` / ``refused`` set and nothing posted: a digest is complete or not posted at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from ..config.digest import DigestConfig, stale_rule
from ..config.model import Config
from ..diagnostics import escape_markdown
from ..engine.digest import Activity, Digest, Previous, compute
from ..engine.digest_history import Recorded
from ..engine.digest_render import markdown, previous_times
from ..github.activity import Reader, Target, stale_list, stale_query
from ..github.digest_post import Published, digests, publish
from ..github.errors import Refused, Stopped
from ..github.graphql import GraphQLClient
from ..notify import Notice, Notifier
from .context import RunContext
from .digest_history import read_history

DEFAULT_TITLE = "Contributor digest"


@dataclass
class DigestResult:
    repository: str
    dry_run: bool
    digest: Digest | None = None
    markdown: str = ""
    published: Published | None = None
    would_post: str | None = None  # in a dry run: where it would have gone
    stopped: str | None = None
    refused: str | None = None
    warnings: list[str] = field(default_factory=list)  # notification sinks that failed
    notified: list[str] = field(default_factory=list)  # sinks that received something
    history: str | None = None  # with a state store: what it added, or why nothing


def window(now: datetime, days: int) -> tuple[datetime, datetime]:
    until = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return until - timedelta(days=days), until


def _target(settings: DigestConfig) -> Target | None:
    post = settings.post
    if post is None:
        return None
    if post.issue_title:
        return Target("issue", post.issue_title)
    return Target("discussion", post.discussion_title)


def run_digest(
    ctx: RunContext,
    gql: GraphQLClient,
    config: Config,
    repository: str,
    *,
    window_days: int | None = None,
    notifier: Notifier | None = None,
) -> DigestResult:
    settings = config.digest or DigestConfig()
    days = window_days or settings.window_days
    result = DigestResult(repository, ctx.dry_run)
    owner, _, name = repository.partition("/")
    reader = Reader(gql, owner, name)
    target = _target(settings)
    rule = stale_rule(config) if "stale" in settings.sections else None
    since, until = window(ctx.clock(), days)
    try:
        items, setup = reader.window(since, target)
        query = stale_query(repository, rule, until) if rule else None
        returning, counts, stale_answer = reader.history(items, since, until, days, query)
        found = digests(setup.candidates, target, setup.viewer) if target else []
        times = previous_times(found[0].body, since) if found else None
        own = {d.number for d in found} if target and target.kind == "issue" else set()
        recorded = None
        if ctx.store is not None:
            recorded = read_history(ctx.store, repository, until, days, items)
            result.history = _history_note(ctx.store, recorded)
        activity = Activity(
            repository,
            since,
            until,
            tuple(i for i in items if i.pull or i.number not in own),  # the digest issue is not activity
            returning,
            Previous(since - timedelta(days=days), since, counts, times),
            stale_list(stale_answer, rule.after_days, rule.label) if rule else None,
            recorded,
        )
        result.digest = compute(activity, days, settings.sections)
        title = target.title if target else DEFAULT_TITLE
        result.markdown = markdown(result.digest, title=title)
        if target is not None:
            where = f"the {target.kind} '{target.title}'"
            if ctx.dry_run:
                result.would_post = where
            else:
                category = settings.post.discussion_category if settings.post else None
                result.published = publish(gql, reader, setup, target, result.markdown, category)
    except Stopped as exc:
        result.stopped = str(exc)
    except Refused as exc:
        result.refused = str(exc)
    if notifier is not None and not ctx.dry_run:
        _notify(notifier, result)
    return result


def _history_note(store: object, recorded: Recorded | None) -> str:
    if not getattr(store, "ok", True):
        return "the state store could not be read: this digest is from GitHub alone"
    if recorded is None or recorded.events_since is None:
        return "the state store has recorded nothing for this repository yet: this digest is from GitHub alone"
    since = f"{recorded.events_since:%Y-%m-%d %H:%M} UTC"
    return f"read from the state store, which has recorded this repository's events since {since}"


def _notify(notifier: Notifier, result: DigestResult) -> None:
    if result.stopped:
        notice = Notice("stopped", f"Devflow digest of {result.repository} stopped with work left",
                        f"The digest was not finished: {result.stopped}. Re-run the job to continue.")  # fmt: skip
    elif result.refused:
        notice = Notice("refused", f"GitHub refused Devflow's digest of {result.repository}", result.refused)
    else:
        assert result.digest is not None
        link = f"\n\n{result.published.url}" if result.published else ""
        notice = Notice("digest", f"Contributor digest of {result.repository}", summary_line(result.digest) + link,
                        result.markdown)  # fmt: skip
    outcome = notifier.send(notice)
    result.notified += outcome.sent
    result.warnings += outcome.warnings


def summary_line(d: Digest) -> str:
    c = d.counts
    return (
        f"{d.since:%Y-%m-%d} – {d.until:%Y-%m-%d}: {c.issues_opened} issues opened, {c.issues_closed} closed; "
        f"{c.prs_opened} pull requests opened, {c.prs_merged} merged; {len(d.new_contributors)} new contributors, "
        f"{len(d.unanswered)} unanswered, {len(d.awaiting_review)} awaiting review"
    )


def log_lines(result: DigestResult, calls: int, writes: int) -> list[str]:
    """Plain lines for a log (each still to be escaped for workflow commands by the caller)."""
    lines = []
    if result.digest is not None:
        lines.append(f"Devflow digest of {result.repository}: {summary_line(result.digest)}")
    if result.published:
        p = result.published
        lines.append(f"Digest {p.action} in {p.kind} #{p.number}: {p.url}")
    if result.would_post:
        lines.append(f"Dry run: the digest would be posted to {result.would_post}; nothing was written")
    if result.history:
        lines.append(f"History: {result.history}")
    lines += [f"Notified: {name}" for name in result.notified]
    lines.append(f"API calls: {calls} (writes: {writes}){' [dry run: nothing written]' if result.dry_run else ''}")
    return lines


def summary(result: DigestResult, calls: int, writes: int) -> str:
    """The job summary: the digest itself, or why there is none."""
    head = "## Devflow digest" + (" (dry run)" if result.dry_run else "")
    parts = [head, ""]
    if result.stopped:
        parts += [f"**Stopped with work left:** {escape_markdown(result.stopped)}. Nothing was posted; "
                  "re-run the job to make the digest.", ""]  # fmt: skip
    elif result.refused:
        parts += [f"**Error:** {escape_markdown(result.refused)}. Nothing was posted.", ""]
    else:
        if result.published:
            p = result.published
            parts += [f"Posted: {p.action} {p.kind} [#{p.number}]({p.url}).", ""]
        elif result.would_post:
            parts += [f"Dry run: would be posted to {escape_markdown(result.would_post)}; nothing was written.", ""]
        parts.append(result.markdown)
        if result.history:
            parts += [f"History: {escape_markdown(result.history)}.", ""]
    parts += [f"- notification failed: {escape_markdown(w)}" for w in result.warnings]
    parts.append(f"API calls: {calls} (writes: {writes})")
    return "\n".join(parts)
