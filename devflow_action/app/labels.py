"""Use cases for repository labels: ``sync-labels``, and declared colors for labels rules create.

``sync_labels`` makes the repository's labels match ``labels:`` (``engine.labels.diff_labels``): one
read per 100 labels, one write per change, nothing deleted unless ``labels_prune: true``.

``LabelKeeper`` wraps the port so that a label a rule adds, and that does not exist yet, gets the
color and description ``labels:`` declares for it instead of GitHub's grey: a sweep knows the
repository's labels (it read them) and creates a missing declared label first; a single event does
not read them, and fixes the label right after the add when GitHub's answer shows it just made it
(its default color, no description): no read, one write the first time only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, cast

from ..config.model import Config, LabelSpec
from ..engine.labels import LabelChange, diff_labels, used_labels
from ..events.model import RepoLabel
from ..github.errors import Refused, Stopped
from ..github.port import GitHubPort
from .context import RunContext
from .sweep import DEFAULT_MAX_OPERATIONS, ItemResult, Paced, Progress, Sweep, SweepResult, item_failed

GITHUB_DEFAULT_COLOR = "ededed"  # what GitHub gives a label that an add creates


class LabelKeeper:
    def __init__(self, inner: GitHubPort, declared: Sequence[LabelSpec], known: Iterable[RepoLabel] | None = None):
        self._inner = inner
        self._specs = {s.name.casefold(): s for s in declared if s.color is not None or s.description is not None}
        self._known = None if known is None else {label.name.casefold() for label in known}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def creations(self, labels: Sequence[str]) -> int:
        """Labels an add of ``labels`` would create first (a sweep counts them against its cap)."""
        if self._known is None:
            return 0
        return sum(1 for label in labels if label.casefold() in self._specs and label.casefold() not in self._known)

    def add_labels(self, number: int, labels: Sequence[str]) -> tuple[str, ...]:
        wanted = {label.casefold() for label in labels}
        if not wanted & set(self._specs):
            return self._inner.add_labels(number, labels)
        if self._known is not None:
            for key in sorted(wanted & set(self._specs) - self._known):
                new = self._specs[key]
                try:
                    self._inner.create_label(new.name, new.color, new.description)
                except Refused as exc:
                    if exc.status != 422:  # 422: it exists after all (made meanwhile): fine
                        raise
                self._known.add(key)
            return self._inner.add_labels(number, labels)
        got = self._inner.add_labels_detailed(number, labels)
        for label in got:
            spec = self._specs.get(label.name.casefold())
            fresh = label.color.lower() == GITHUB_DEFAULT_COLOR and not label.description
            if spec is not None and label.name.casefold() in wanted and fresh and _differs(spec):
                self._inner.update_label(label.name, color=spec.color, description=spec.description)
        return tuple(label.name for label in got)


def _differs(spec: LabelSpec) -> bool:
    return (spec.color is not None and spec.color.lower() != GITHUB_DEFAULT_COLOR) or bool(spec.description)


def declares_looks(config: Config) -> bool:
    """Whether ``labels:`` gives any label a color or a description."""
    return any(s.color is not None or s.description is not None for s in config.labels or ())


def keeping(port: GitHubPort, config: Config, known: Iterable[RepoLabel] | None = None) -> GitHubPort:
    """``port`` with declared colors for created labels (itself when nothing is declared)."""
    if not config.labels or not declares_looks(config):
        return port
    return cast(GitHubPort, LabelKeeper(port, config.labels, known))


def sync_labels(
    ctx: RunContext,
    config: Config,
    *,
    max_operations: int = DEFAULT_MAX_OPERATIONS,
    progress: Progress | None = None,
    write_interval: float = 0.0,
) -> SweepResult:
    sweep = Sweep(ctx, "sync-labels", max_operations=max_operations, progress=progress)
    if config.labels is None:
        sweep.result.notes.append("the configuration has no `labels:` section: nothing to sync")
        return sweep.finish(True)
    port = cast(GitHubPort, Paced(ctx.port, ctx, write_interval))
    try:
        existing = ctx.port.list_labels()
    except (Stopped, Refused) as exc:
        return sweep.stops(exc)
    changes = diff_labels(config.labels, existing, prune=config.labels_prune, keep=used_labels(config))
    sweep.result.total = len(changes)
    if not config.labels_prune:
        pruning = diff_labels(config.labels, existing, prune=True, keep=used_labels(config))
        extra = sum(1 for c in pruning if c.kind == "delete")
        if extra:
            sweep.result.notes.append(f"{extra} label(s) not in the config kept (`labels_prune: true` deletes them)")

    def handle(change: LabelChange) -> ItemResult:
        ref = f"label '{change.name}'"
        if not sweep.fits(1):
            return sweep.cap_reached(ref, "", 1)
        if ctx.dry_run:
            sweep.spend(1)
            return ItemResult(ref, "", (change.text(),), "dry-run")
        try:
            done = _apply(port, change)
        except Refused as exc:
            if not item_failed(exc):
                raise
            return ItemResult(ref, "", (change.text(),), "failed", str(exc))
        sweep.spend(1)
        return ItemResult(ref, "", (change.text(),), "changed" if done else "unchanged", "" if done else "already so")

    complete = sweep.drive(changes, handle)
    return sweep.finish(complete)


def _apply(port: GitHubPort, change: LabelChange) -> bool:
    """Apply one change; False when GitHub shows it was already so (created or deleted meanwhile)."""
    try:
        if change.kind == "create":
            port.create_label(change.name, change.color, change.description)
        elif change.kind == "delete":
            port.delete_label(change.name)
        else:
            port.update_label(change.name, new_name=change.new_name, color=change.color, description=change.description)
    except Refused as exc:
        if (change.kind, exc.status) in (("create", 422), ("delete", 404)):
            return False
        raise
    return True
