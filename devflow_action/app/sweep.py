"""What every sweep shares: cursor listings, the write cap, pacing, stops, and the result entry points render.

A sweep walks a listing page by page with a **cursor taken from the items themselves** (the last
timestamp seen, passed back as ``since`` or as a ``created:>=`` qualifier), never by page number: an
item closed or changed while the sweep runs can therefore never push another one out of view, and
the search API's 1,000-result window never ends a sweep early. Each item is decided by the pure
engine and applied by the idempotent executor. The run stops cleanly — the result says what is done
and what is left — when ``max-operations`` writes are spent, or the call budget, the deadline or
GitHub's rate limit run out; an item's plan is applied whole or not started.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from .. import plan as p
from ..github.errors import Refused, Stopped
from ..github.executor import Report
from ..github.port import GitHubPort, IssueState, Page
from .context import RunContext

T = TypeVar("T")
Status = Literal["changed", "dry-run", "unchanged", "failed", "left"]
DEFAULT_MAX_OPERATIONS = 100
# Refusals that would repeat for every item (bad credentials, a permission the token lacks): the sweep
# stops at the first. Other 403s are about one item (a locked conversation) and fail only it.
PERMISSION = "not accessible"  # "Resource not accessible by integration" / "... by personal access token"


@dataclass(frozen=True)
class ItemResult:
    ref: str  # "#12", or "label 'bug'"
    title: str = ""
    changes: tuple[str, ...] = ()  # "+bug", "-stale", "comment", "close", ...
    status: Status = "unchanged"
    detail: str = ""  # why (the decision), or what went wrong
    report: Report | None = None


@dataclass
class SweepResult:
    command: str
    dry_run: bool = False
    items: list[ItemResult] = field(default_factory=list)
    total: int | None = None  # items the listing holds, when GitHub says (search)
    complete: bool = False  # the listing was gone through to its end
    stopped: str | None = None  # why the run stopped with work left
    refused: str | None = None  # why it could not run (GitHub refused a listing or a permission)
    limited: bool = False  # stopped at the `limit` input
    calls: int = 0
    writes: int = 0
    max_operations: int = DEFAULT_MAX_OPERATIONS
    notes: list[str] = field(default_factory=list)

    def count(self, *statuses: Status) -> int:
        return sum(1 for i in self.items if i.status in statuses)

    @property
    def left(self) -> int | None:
        """Items of the listing not examined yet, when the total is known."""
        if self.complete or self.total is None:
            return 0 if self.complete else None
        return max(0, self.total - len(self.items) + self.count("left"))


Progress = Callable[[int, int | None, ItemResult], None]


class Sweep:
    """One run of one sweep command: counts writes against ``max_operations`` and records items."""

    def __init__(
        self,
        ctx: RunContext,
        command: str,
        *,
        max_operations: int = DEFAULT_MAX_OPERATIONS,
        limit: int | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.ctx = ctx
        self.limit = limit
        self.progress = progress
        self.result = SweepResult(command, ctx.dry_run, max_operations=max_operations)
        self._calls, self._writes = ctx.budget.calls, ctx.budget.writes
        self.spent = 0  # writes made (or, in a dry run, that would be made)

    def fits(self, needed: int) -> bool:
        """Whether an item needing ``needed`` writes may start. An item is never split; one that alone
        needs more than the cap is applied whole when it comes first, so a run always progresses."""
        return needed == 0 or self.spent == 0 or self.spent + needed <= self.result.max_operations

    def cap_reached(self, ref: str, title: str, needed: int) -> ItemResult:
        """Stop before an item that does not fit: it is left whole for the next run."""
        self.result.stopped = f"max-operations ({self.result.max_operations} writes) reached"
        return ItemResult(ref, title, (), "left", f"needs {needed} write{'s' * (needed != 1)}; left for the next run")

    def spend(self, needed: int) -> None:
        self.spent = self.spent + needed if self.ctx.dry_run else self.ctx.budget.writes - self._writes

    def record(self, item: ItemResult) -> None:
        self.result.items.append(item)
        if self.progress is not None:
            self.progress(len(self.result.items), self.result.total, item)

    def stops(self, exc: Stopped | Refused) -> SweepResult:
        """A read before the items (the repository's labels, a listing) failed: nothing was done."""
        if isinstance(exc, Stopped):
            self.result.stopped = str(exc)
        else:
            self.result.refused = str(exc)
        return self.finish(False)

    def drive(self, items: Iterable[T], handle: Callable[[T], ItemResult]) -> bool:
        """Feed items to ``handle`` until the listing ends (True) or the run stops (False)."""
        try:
            for raw in items:
                if self.limit is not None and len(self.result.items) >= self.limit:
                    self.result.limited = True
                    return False
                self.record(handle(raw))
                if self.result.stopped or self.result.refused:
                    return False
        except Stopped as exc:
            self.result.stopped = str(exc)
            return False
        except Refused as exc:
            self.result.refused = str(exc)
            return False
        return True

    def finish(self, complete: bool) -> SweepResult:
        r = self.result
        r.complete = complete and not (r.stopped or r.refused or r.limited)
        r.calls, r.writes = self.ctx.budget.calls - self._calls, self.ctx.budget.writes - self._writes
        return r


def item_failed(exc: Refused) -> bool:
    """A refusal about one item (gone, locked, invalid) is that item's failure; bad credentials and a
    missing permission stop the sweep."""
    return not (exc.status == 401 or (exc.status == 403 and PERMISSION in exc.message.lower()))


class Listing:
    """Items of a listing in cursor order, each once. ``fetch(cursor, page)`` asks GitHub for one page
    of the items at or after ``cursor`` (None: from the start); ``key`` names the item's timestamp
    the listing is sorted by. The next page is asked from the last item's timestamp, page 1 again;
    items sharing that timestamp come back and are skipped. Only when a whole page shares one
    timestamp does it move on by page number (more than 100 items updated in the same second).
    ``end(item)``: the listing ends at the first item for which it holds (items this run changed
    sort after it, so they are never listed again)."""

    def __init__(
        self,
        fetch: Callable[[str | None, int], Page],
        key: str,
        *,
        cursor: str | None = None,
        seen: set[int] | None = None,
        end: Callable[[Mapping[str, Any]], bool] | None = None,
        ident: str = "number",
        first: Page | None = None,
    ) -> None:
        self.fetch, self.key, self.cursor, self.end, self.ident = fetch, key, cursor, end, ident
        self.first = first  # page 1 when the caller has already read it
        self.seen = seen if seen is not None else set()
        self.total: int | None = None

    def __iter__(self) -> Iterator[Mapping[str, Any]]:
        cursor, page = self.cursor, 1
        while True:
            got = (
                self.first
                if self.first is not None and (cursor, page) == (self.cursor, 1)
                else self.fetch(cursor, page)
            )
            if self.total is None:
                self.total = got.total
            for item in got.items:
                if self.end is not None and self.end(item):
                    return
                number = item.get(self.ident)
                if isinstance(number, int) and number not in self.seen:
                    self.seen.add(number)
                    yield item
            if not got.more or not got.items:
                return
            first, last = (str(got.items[i].get(self.key) or "") for i in (0, -1))
            # a page all in one second: asking from that second again would return the same page
            cursor, page = (last, 1) if last and last != first else (cursor, page + 1)


def writes_needed(ops: Sequence[p.Operation], state: IssueState, creations: Callable[[Sequence[str]], int]) -> int:
    """Writes the executor will make for ``ops`` at most (``creations``: labels to create first)."""
    needed = 0
    patched = False
    for op in ops:
        if isinstance(op, p.AddLabels):
            missing = [label for label in op.labels if label not in state.labels]
            needed += (1 + creations(missing)) if missing else 0
        elif isinstance(op, p.RemoveLabels):
            needed += sum(1 for label in op.labels if label in state.labels)
        elif isinstance(op, p.Close | p.Reopen | p.SetMilestone):
            needed += 0 if patched else 1  # one PATCH for all of them
            patched = True
        else:
            needed += 1
    return needed


def changes_of(report: Report) -> tuple[str, ...]:
    """What a report did (or, in a dry run, would do), in short words for logs and summaries."""
    out: list[str] = []
    for o in report.outcomes:
        if o.status not in ("applied", "dry-run"):
            continue
        op = o.operation
        kind = op["type"]
        if kind == "add_labels":
            out += [f"+{label}" for label in op["labels"]]
        elif kind == "remove_labels":
            out += [f"-{label}" for label in op["labels"]]
        elif kind == "update_issue":
            out += [part["type"] for part in op["operations"]]
        elif kind == "assign":
            out += [f"assign @{a}" for a in op["assignees"]]
        else:
            out.append(kind)
    return tuple(out)


def status_of(report: Report, dry_run: bool) -> Status:
    if report.count("failed"):
        return "failed"
    if report.count("left"):
        return "left"
    if report.count("applied"):
        return "changed"
    return "dry-run" if dry_run and report.count("dry-run") else "unchanged"


def item_result(ref: str, title: str, report: Report, dry_run: bool, detail: str = "") -> ItemResult:
    problems = [o.detail for o in report.outcomes if o.status == "failed"]
    return ItemResult(ref, title, changes_of(report), status_of(report, dry_run), "; ".join(problems) or detail, report)


WRITES = frozenset(
    {
        "add_labels", "remove_label", "create_comment", "add_assignees", "request_reviewers", "update_issue",
        "lock", "create_label", "update_label", "delete_label", "add_labels_detailed",
    }
)  # fmt: skip


class Paced:
    """The sweep's gate for writes. It leaves at least ``interval`` seconds between them, as GitHub asks
    of clients that make many (its secondary rate limits; a wait that would pass the deadline stops
    the run instead), and it keeps a refusal for bad credentials or a missing permission (``fatal``):
    the executor reports a refused write as that item's failure, but such a refusal would repeat for
    every item, so the sweep stops."""

    def __init__(self, inner: GitHubPort, ctx: RunContext, interval: float) -> None:
        self._inner, self._ctx, self._interval = inner, ctx, interval
        self._last: float | None = None
        self.fatal: Refused | None = None

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if name not in WRITES:
            return attr

        def paced(*args: Any, **kwargs: Any) -> Any:
            budget = self._ctx.budget
            now = budget.clock()
            if self._interval > 0 and self._last is not None and now - self._last < self._interval:
                wait = self._interval - (now - self._last)
                budget.check_time(wait)
                self._ctx.policy.sleep(wait)
            try:
                return attr(*args, **kwargs)
            except Refused as exc:
                if not item_failed(exc):
                    self.fatal = exc
                raise
            finally:
                self._last = budget.clock()

        return paced

    def check(self, sweep: Sweep) -> None:
        """After an item: a fatal refusal ends the sweep (exit 1, the permission to grant in the message)."""
        if self.fatal is not None:
            sweep.result.refused = str(self.fatal)
