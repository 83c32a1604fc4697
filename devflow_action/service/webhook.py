"""A webhook delivery at the door: its signature, its shape, and what the queue message carries.

GitHub signs the raw body with the webhook's secret: ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256>``.
The comparison is constant-time (``hmac.compare_digest``). Only a delivery whose signature holds is
parsed at all; a parsed one must be a JSON object with the headers GitHub always sends.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from ..events.catalog import RULE_TRIGGERS

MAX_BODY = 25 * 1024 * 1024  # GitHub caps payloads at 25 MB
HANDLED = RULE_TRIGGERS | {"push"}  # push: a change to .devflow.yml refreshes the cached config
_DELIVERY = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")
_EVENT = re.compile(r"^[a-z_]{1,60}$")


class Malformed(Exception):
    """The body or headers are not a GitHub delivery (400)."""


def sign(secret: bytes, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def signature_ok(secret: bytes, body: bytes, header: str | None) -> bool:
    if not header or not header.startswith("sha256="):
        return False
    return hmac.compare_digest(sign(secret, body).encode(), header.strip().encode("ascii", "replace"))


@dataclass(frozen=True)
class Delivery:
    """The queue message's arguments: everything a worker needs, nothing it must look up first."""

    delivery: str  # X-GitHub-Delivery
    event: str  # X-GitHub-Event
    payload: dict[str, Any]
    received_at: float  # epoch seconds, when it was acknowledged
    seq: int | None = None  # the item's sequence number (0: none); None: the one admission kept in Redis
    installation: int | None = None  # the GitHub App installation, when the payload names one
    # The payload as received: what the message carries (a JSON string encodes several times faster
    # than the same payload as objects, and the acknowledgement's speed is the webhook's budget)
    body: str = field(default="", repr=False, compare=False)

    @property
    def action(self) -> str | None:
        action = self.payload.get("action")
        return action if isinstance(action, str) else None

    @property
    def kind(self) -> str:
        return f"{self.event}.{self.action}" if self.action else self.event

    @property
    def repository(self) -> str:
        repo = self.payload.get("repository")
        return str(repo.get("full_name") or "") if isinstance(repo, dict) else ""

    @property
    def number(self) -> int | None:
        for key in ("pull_request", "issue"):
            item = self.payload.get(key)
            if isinstance(item, dict) and isinstance(item.get("number"), int):
                return int(item["number"])
        return None

    @property
    def item(self) -> str | None:
        number = self.number
        return f"{self.repository}#{number}" if number is not None and self.repository else None

    def as_message(self) -> dict[str, Any]:
        return {
            "delivery": self.delivery, "event": self.event, "body": self.body or json.dumps(self.payload),
            "received_at": self.received_at, "seq": self.seq, "installation": self.installation,
        }  # fmt: skip

    @classmethod
    def from_message(cls, data: Mapping[str, Any]) -> Delivery:
        body = str(data["body"])
        return cls(
            str(data["delivery"]), str(data["event"]), json.loads(body), float(data["received_at"]),
            None if data.get("seq") is None else int(data["seq"]), data.get("installation"), body,
        )  # fmt: skip


def parse(headers: Mapping[str, str], body: bytes, now: float) -> Delivery:
    """``headers`` with lower-case names. Raises ``Malformed`` with a short reason."""
    delivery = headers.get("x-github-delivery", "").strip()
    event = headers.get("x-github-event", "").strip()
    if not _DELIVERY.match(delivery):
        raise Malformed("missing or invalid X-GitHub-Delivery header")
    if not _EVENT.match(event):
        raise Malformed("missing or invalid X-GitHub-Event header")
    kind = headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if kind != "application/json":
        raise Malformed("the webhook's content type must be application/json")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Malformed("the body is not UTF-8") from None
    try:
        # orjson: three times as fast as json on a webhook's payload (the acknowledgement's budget),
        # and stricter: no NaN, no lone surrogates, neither of which GitHub sends
        payload = orjson.loads(text)
    except orjson.JSONDecodeError:
        raise Malformed("the body is not JSON") from None
    if not isinstance(payload, dict):
        raise Malformed("the body is not a JSON object")
    installation = payload.get("installation")
    inst_id = installation.get("id") if isinstance(installation, dict) else None
    found = Delivery(delivery, event, payload, now, installation=inst_id if isinstance(inst_id, int) else None,
                     body=text)  # fmt: skip
    if event in HANDLED and not found.repository:
        raise Malformed(f"a '{event}' payload must name its repository")
    return found
