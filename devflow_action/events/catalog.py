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

# Trigger names that rules see as another event, and every trigger whose payload rules can read.
TRIGGER_ALIASES = {"pull_request_target": "pull_request"}
RULE_TRIGGERS = frozenset(EVENT_ACTIONS) | frozenset(TRIGGER_ALIASES)

EVENT_KEYS: tuple[str, ...] = tuple(
    key for name, actions in EVENT_ACTIONS.items() for key in (name, *(f"{name}.{a}" for a in actions))
)
