"""Notifications: the digest and notices sent to Slack or by email, behind one interface.

A sink that fails (unreachable, refused, its secret not set) is a warning, never a failure of the run:
the work the notice is about is done, or stopped, whatever a chat server says. Secrets (the webhook
URL, the SMTP password) are read from the environment variables the config names, registered with
``redact`` before use, and so never reach a log or a summary.
"""

from __future__ import annotations

import http.client
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit

from ..config.digest import NotifyConfig
from ..redact import one_line, redact, register_secret

# What a sink may raise when it cannot deliver: the network, TLS, SMTP, HTTP, a missing secret.
DELIVERY_ERRORS = (OSError, http.client.HTTPException, ValueError, UnicodeError)


@dataclass(frozen=True)
class Notice:
    kind: str  # digest | stopped | refused (config.digest.NOTICES)
    subject: str
    text: str  # a few plain lines
    markdown: str | None = None  # the whole digest, for sinks that carry long text (email)


class Sink(Protocol):
    name: str
    on: tuple[str, ...]

    def send(self, notice: Notice) -> None: ...


@dataclass
class Outcome:
    sent: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class Notifier:
    sinks: Sequence[Sink] = ()

    def send(self, notice: Notice) -> Outcome:
        outcome = Outcome()
        for sink in self.sinks:
            if notice.kind not in sink.on:
                continue
            try:
                sink.send(notice)
            except DELIVERY_ERRORS as exc:
                outcome.warnings.append(redact(one_line(f"{sink.name}: {exc}")))
            else:
                outcome.sent.append(sink.name)
        return outcome


class MissingSecret(ValueError):
    pass


def https_or_loopback(url: str) -> bool:
    """Notices and reports go over TLS; plain http only to this machine (a local relay, the tests).
    The host is parsed, not prefix-matched: ``http://localhost.attacker.example`` is not this machine."""
    parts = urlsplit(url.strip())
    if parts.scheme == "https" and parts.hostname:
        return True
    return parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1")


def secret(env: Mapping[str, str], name: str | None, what: str) -> str | None:
    """The value of the variable ``name`` (registered as a secret), None when no variable is named."""
    if name is None:
        return None
    value = env.get(name, "")
    if not value:
        raise MissingSecret(f"the environment variable {name} ({what}) is not set")
    register_secret(value)
    return value


def from_config(config: NotifyConfig | None, env: Mapping[str, str]) -> Notifier:
    from .email import EmailSink
    from .slack import SlackSink

    sinks: list[Sink] = []
    if config is not None and config.slack is not None:
        sinks.append(SlackSink(config.slack.webhook_env, config.slack.on, env))
    if config is not None and config.email is not None:
        sinks.append(EmailSink(config.email, env))
    return Notifier(sinks)
