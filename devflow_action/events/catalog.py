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

# GitHub's other webhook events and workflow triggers: real events that rules do not handle (an
# offline plan says so), as opposed to a misspelt name, which is an error with a suggestion.
OTHER_EVENTS = frozenset({
    "branch_protection_configuration", "branch_protection_rule", "check_run", "check_suite",
    "code_scanning_alert", "commit_comment", "create", "custom_property", "custom_property_values", "delete",
    "dependabot_alert", "deploy_key", "deployment", "deployment_protection_rule", "deployment_review",
    "deployment_status", "discussion", "discussion_comment", "fork", "github_app_authorization", "gollum",
    "installation", "installation_repositories", "installation_target", "label", "marketplace_purchase",
    "member", "membership", "merge_group", "meta", "milestone", "org_block", "organization", "package",
    "page_build", "personal_access_token_request", "ping", "project", "project_card", "project_column",
    "projects_v2", "projects_v2_item", "projects_v2_status_update", "public", "pull_request_review_comment",
    "pull_request_review_thread", "push", "registry_package", "release", "repository", "repository_advisory",
    "repository_dispatch", "repository_import", "repository_ruleset", "repository_vulnerability_alert",
    "schedule", "secret_scanning_alert", "secret_scanning_alert_location", "secret_scanning_scan",
    "security_advisory", "security_and_analysis", "sponsorship", "star", "status", "sub_issues", "team",
    "team_add", "watch", "workflow_call", "workflow_dispatch", "workflow_job", "workflow_run",
})  # fmt: skip
KNOWN_EVENTS = RULE_TRIGGERS | OTHER_EVENTS
