"""Events and actions a rule's ``on`` may name. ``pull_request_target`` runs are seen as ``pull_request``."""

from __future__ import annotations

EVENT_ACTIONS: dict[str, tuple[str, ...]] = {
    "issues": (
        "opened", "edited", "deleted", "transferred", "pinned", "unpinned", "closed", "reopened", "assigned",
        "unassigned", "labeled", "unlabeled", "locked", "unlocked", "milestoned", "demilestoned",
    ),
    "pull_request": (
        "opened", "edited", "closed", "reopened", "synchronize", "assigned", "unassigned", "labeled",
        "unlabeled", "ready_for_review", "converted_to_draft", "review_requested", "review_request_removed",
        "locked", "unlocked", "milestoned", "demilestoned", "auto_merge_enabled", "auto_merge_disabled",
    ),
    "issue_comment": ("created", "edited", "deleted"),
    "pull_request_review": ("submitted", "edited", "dismissed"),
}  # fmt: skip

# Events whose payload carries an issue or a pull request, and the trigger names that map onto them.
RULE_EVENTS = frozenset(EVENT_ACTIONS)
TRIGGER_ALIASES = {"pull_request_target": "pull_request"}

EVENT_KEYS: tuple[str, ...] = tuple(
    key for name, actions in EVENT_ACTIONS.items() for key in (name, *(f"{name}.{a}" for a in actions))
)
