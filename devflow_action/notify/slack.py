"""Slack through an incoming webhook (stdlib HTTP: only the GitHub adapter uses httpx2)."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass

from . import Notice, https_or_loopback, secret

TIMEOUT = 10.0


def slack_escape(text: str) -> str:
    """Slack's three control characters; user text can then neither mention nor link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass
class SlackSink:
    webhook_env: str
    on: tuple[str, ...]
    env: Mapping[str, str]
    name: str = "slack"
    timeout: float = TIMEOUT

    def send(self, notice: Notice) -> None:
        url = secret(self.env, self.webhook_env, "the Slack webhook URL")
        assert url is not None
        if not https_or_loopback(url):
            raise ValueError(f"{self.webhook_env} is not an https URL")
        body = json.dumps({"text": f"*{slack_escape(notice.subject)}*\n{slack_escape(notice.text)}"}).encode()
        request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            response.read()
