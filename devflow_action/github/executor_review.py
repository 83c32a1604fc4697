"""The executor's operations for slash commands and auto-merge (the rest is in ``executor.py``).

Each compares with the observed state first, like every operation: only present assignees are
removed, a reply whose marker is already on the item is not posted again, a status comment is edited
in place. GitHub's native auto-merge cannot be enabled on a pull request that can merge right now
("clean status"): then it is merged directly, with the head the decision was made for.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from .. import plan as p
from .automerge_graphql import CLEAN_STATUS
from .errors import Refused

if TYPE_CHECKING:
    from .executor import Executor, Status

REVIEW_OPS = (p.Unassign, p.React, p.Reply, p.UpsertComment, p.EnableAutomerge, p.DisableAutomerge, p.Merge)


def apply_review(ex: Executor, op: p.Operation) -> tuple[Status, str]:
    port, n = ex.port, ex.number
    if isinstance(op, p.Unassign):
        present = [a for a in op.assignees if a in ex.state.assignees]

        def unassign() -> None:
            port.remove_assignees(n, present)
            ex.state = replace(ex.state, assignees=tuple(a for a in ex.state.assignees if a not in present))

        return ex._write(present, "not assigned", unassign)
    if isinstance(op, p.React):
        return ex._write(True, "", lambda: port.add_reaction(op.comment_id, op.content))
    if isinstance(op, p.Reply):
        return ex._comment(p.Comment(op.body, op.marker))
    if isinstance(op, p.UpsertComment):
        ident = op.comment_id
        if ident is not None:
            return ex._write(True, "", lambda: port.update_comment(ident, op.body))
        return ex._comment(p.Comment(op.body, op.marker))
    if isinstance(op, p.DisableAutomerge):
        return ex._write(True, "", lambda: port.disable_automerge(op.pull_request_id))
    if isinstance(op, p.Merge):
        return ex._write(True, "", lambda: port.merge_pull(n, op.method, op.sha))
    assert isinstance(op, p.EnableAutomerge)
    if ex.dry_run:
        return "dry-run", ""
    try:
        port.enable_automerge(op.pull_request_id, op.method, op.sha)
    except Refused as exc:
        if CLEAN_STATUS not in exc.message.lower():
            raise
        port.merge_pull(n, op.method, op.sha)
        return "applied", "merged now: GitHub said the pull request could already merge"
    return "applied", ""
