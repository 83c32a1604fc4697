"""Use case step: the onboarding checklist's progress in the state store (when there is one).

Before the engine runs, the progress recorded for the pull request and its author is read into
``Facts.checklist_progress``: a person's tick recorded once stays ticked even when Devflow's comment
was deleted or edited since (``engine.checklist``). After the writes, what changed is recorded, not in
a dry run and not when the comment could not be brought up to date (the next event tries again).
Without a store nothing is read or written: the comment alone carries the progress, as before.
"""

from __future__ import annotations

from dataclasses import replace

from ..config.model import Config
from ..engine import checklist
from ..events.model import Event, Facts
from ..github.executor import Report
from .context import RunContext


def _who(config: Config, event: Event) -> str | None:
    """The contributor whose progress is kept (the pull request's author), when the checklist applies."""
    if config.onboarding is None or not checklist.applies(config.onboarding, event) or event.author is None:
        return None
    return event.author.login


def read(ctx: RunContext, config: Config, event: Event, facts: Facts) -> tuple[Facts, dict[str, str] | None]:
    """The facts with the recorded progress, and that progress as read (None: nothing to keep)."""
    login = _who(config, event)
    if ctx.store is None or login is None or event.number is None:
        return facts, None
    recorded = ctx.store.checklist_marks(event.repository, event.number, login)
    ticked = tuple(sorted((item, by) for item, by in recorded.items() if by))
    return replace(facts, checklist_progress=ticked), recorded


def write(
    ctx: RunContext, config: Config, event: Event, facts: Facts, report: Report, recorded: dict[str, str] | None
) -> None:
    login = _who(config, event)
    if ctx.store is None or ctx.dry_run or recorded is None or login is None or event.number is None:
        return
    assert config.onboarding is not None
    comment = [o for o in report.outcomes if o.operation.get("marker") == checklist.MARKER]
    if any(o.status in ("failed", "left") for o in comment):
        return
    now = checklist.marks(event, config.onboarding, facts)
    changed = {item: by for item, by in now.items() if recorded.get(item) != by}
    if changed:
        ctx.store.set_checklist(event.repository, event.number, login, changed)
