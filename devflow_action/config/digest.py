"""The `digest` and `notify` sections: their schema fragments and their frozen models.

Secrets never appear in the file: a Slack webhook URL and SMTP credentials are named by the
environment variable (or workflow secret) that holds them, and read only when a notice is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SECTIONS = ("new_contributors", "unanswered", "awaiting_review", "stale", "metrics")
# What a sink can be told: the digest itself, notices of runs that stopped or were refused, and
# the orchestration service's dead letters (sent by its workers: docs/service.md).
NOTICES = ("digest", "stopped", "refused", "dead_letter")
DEFAULT_WINDOW_DAYS = 7
DEFAULT_DISCUSSION_TITLE = "Contributor digest"
Schema = dict[str, Any]


def _obj(doc: str, props: Schema, **extra: Any) -> Schema:
    return {"description": doc, "type": "object", "properties": props, "additionalProperties": False, **extra}


def _env_name(doc: str) -> Schema:
    return {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$", "description": doc,
            "x-hint": "name an environment variable, e.g. SLACK_WEBHOOK_URL (never the secret itself)"}  # fmt: skip


def _on() -> Schema:
    return {
        "type": "array",
        "minItems": 1,
        "items": {"enum": list(NOTICES)},
        "description": "What to send: `digest` (the digest), `stopped` (a run, the digest's or the rules', "
        "stopped with work left), `refused` (GitHub refused a run's reads or operations), `dead_letter` "
        "(the orchestration service gave up on an event of this repository).",
    }


def digest_schema() -> Schema:
    post = _obj(
        "Where the digest is posted besides the job summary: one issue (`issue_title`) or one discussion "
        "(`discussion_category`), updated in place on every run.",
        {
            "issue_title": {"type": "string", "minLength": 1, "description": "Title of the digest issue."},
            "discussion_category": {
                "type": "string",
                "minLength": 1,
                "description": "Name of the discussion category to post the digest in.",
            },
            "discussion_title": {
                "type": "string",
                "minLength": 1,
                "description": f"Title of the digest discussion (default '{DEFAULT_DISCUSSION_TITLE}').",
            },
        },
        minProperties=1,
    )
    return _obj(
        "Scheduled digest of contributor activity (`command: digest`, and `auto` on `schedule`).",
        {
            "window_days": {
                "type": "integer",
                "minimum": 1,
                "maximum": 366,
                "description": f"Days covered, ending when the run starts (default {DEFAULT_WINDOW_DAYS}).",
            },
            "post": post,
            "sections": {
                "type": "array",
                "minItems": 1,
                "uniqueItems": True,
                "items": {"enum": list(SECTIONS)},
                "description": "Sections, in order (default: all).",
            },
        },
    )


def notify_schema() -> Schema:
    slack = _obj(
        "Slack incoming webhook.",
        {"webhook_env": _env_name("Variable holding the webhook URL."), "on": _on()},
        required=["webhook_env"],
    )
    email = _obj(
        "Email through an SMTP server with STARTTLS.",
        {
            "smtp_host": {"type": "string", "minLength": 1, "description": "SMTP server."},
            "smtp_port": {"type": "integer", "minimum": 1, "maximum": 65535, "description": "Port (default 587)."},
            "from": {"type": "string", "minLength": 3, "description": "Sender address."},
            "to": {
                "anyOf": [
                    {"type": "string", "minLength": 3},
                    {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 3}},
                ],
                "description": "Recipient address, or a list.",
            },
            "username_env": _env_name("Variable holding the SMTP user name (omit for no login)."),
            "password_env": _env_name("Variable holding the SMTP password."),
            "on": _on(),
        },
        required=["smtp_host", "from", "to"],
    )
    return _obj("Notifications: the digest and notices, sent to Slack or by email.", {"slack": slack, "email": email})


@dataclass(frozen=True)
class DigestPost:
    issue_title: str | None = None
    discussion_category: str | None = None
    discussion_title: str = DEFAULT_DISCUSSION_TITLE


@dataclass(frozen=True)
class DigestConfig:
    window_days: int = DEFAULT_WINDOW_DAYS
    sections: tuple[str, ...] = SECTIONS
    post: DigestPost | None = None


@dataclass(frozen=True)
class SlackSink:
    webhook_env: str
    on: tuple[str, ...] = ("digest",)


@dataclass(frozen=True)
class EmailSink:
    smtp_host: str
    sender: str
    to: tuple[str, ...]
    smtp_port: int = 587
    username_env: str | None = None
    password_env: str | None = None
    on: tuple[str, ...] = ("digest",)


@dataclass(frozen=True)
class NotifyConfig:
    slack: SlackSink | None = None
    email: EmailSink | None = None


def post_problem(raw: Any) -> str | None:
    """The one rule the schema does not say: an issue or a discussion, not both."""
    if not isinstance(raw, dict):
        return None
    if "issue_title" in raw and "discussion_category" in raw:
        return "post to an issue (`issue_title`) or to a discussion (`discussion_category`), not both"
    if "discussion_title" in raw and "discussion_category" not in raw:
        return "`discussion_title` needs `discussion_category`"
    return None


def parse_digest(raw: dict[str, Any]) -> DigestConfig:
    """A section that passed the schema (and ``post_problem``)."""
    post = raw.get("post")
    return DigestConfig(
        window_days=int(raw.get("window_days", DEFAULT_WINDOW_DAYS)),
        sections=tuple(raw.get("sections") or SECTIONS),
        post=DigestPost(
            post.get("issue_title"),
            post.get("discussion_category"),
            post.get("discussion_title", DEFAULT_DISCUSSION_TITLE),
        )
        if isinstance(post, dict)
        else None,
    )


def parse_notify(raw: dict[str, Any]) -> NotifyConfig:
    slack, email = raw.get("slack"), raw.get("email")
    return NotifyConfig(
        slack=SlackSink(slack["webhook_env"], tuple(slack.get("on") or ("digest",))) if slack else None,
        email=EmailSink(
            smtp_host=email["smtp_host"],
            sender=email["from"],
            to=tuple([email["to"]] if isinstance(email["to"], str) else email["to"]),
            smtp_port=int(email.get("smtp_port", 587)),
            username_env=email.get("username_env"),
            password_env=email.get("password_env"),
            on=tuple(email.get("on") or ("digest",)),
        )
        if email
        else None,
    )


@dataclass(frozen=True)
class StaleRule:
    """What the digest's stale section needs of the `stale` section's rule."""

    label: str = "stale"
    after_days: int = 60
    exempt_labels: tuple[str, ...] = ()
    exempt_assignees: bool = False
    exempt_milestones: bool = False
    exempt_draft: bool = False


def stale_rule(config: Any) -> StaleRule | None:
    """The `stale` rule of a config, or None when it has no `stale` section. Read field by field from
    either a built section (``config.stale``) or the raw one kept among unbuilt ``config.sections``, so
    the digest works whichever way the stale feature is loaded."""
    section = getattr(config, "stale", None)
    if section is None:
        section = dict(getattr(config, "sections", ())).get("stale")
    if section is None:
        return None

    def get(name: str, default: Any) -> Any:
        value = section.get(name) if isinstance(section, dict) else getattr(section, name, None)
        return default if value is None else value

    return StaleRule(
        label=str(get("label", "stale")),
        after_days=int(get("after_days", 60)),
        exempt_labels=tuple(str(x) for x in get("exempt_labels", ())),
        exempt_assignees=bool(get("exempt_assignees", False)),
        exempt_milestones=bool(get("exempt_milestones", False)),
        exempt_draft=bool(get("exempt_draft", False)),
    )
