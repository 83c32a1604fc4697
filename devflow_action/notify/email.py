"""Email through SMTP with STARTTLS (stdlib smtplib and email). Credentials are never sent over a
connection that did not upgrade to TLS: a server without STARTTLS is a failure, not a fallback."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage

from ..config.digest import EmailSink as EmailSettings
from . import Notice, secret

TIMEOUT = 15.0


@dataclass
class EmailSink:
    settings: EmailSettings
    env: Mapping[str, str]
    name: str = "email"
    timeout: float = TIMEOUT
    tls: ssl.SSLContext = field(default_factory=ssl.create_default_context)
    on: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        self.on = self.settings.on

    def send(self, notice: Notice) -> None:
        s = self.settings
        user = secret(self.env, s.username_env, "the SMTP user name")
        password = secret(self.env, s.password_env, "the SMTP password")
        message = EmailMessage()
        message["Subject"] = " ".join(notice.subject.split())
        message["From"] = s.sender
        message["To"] = ", ".join(s.to)
        message.set_content(notice.text + ("\n\n" + notice.markdown if notice.markdown else "") + "\n")
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=self.timeout) as smtp:
            smtp.ehlo()
            if not smtp.has_extn("starttls"):
                raise smtplib.SMTPNotSupportedError(f"{s.smtp_host} does not offer STARTTLS; nothing was sent")
            smtp.starttls(context=self.tls)
            smtp.ehlo()
            if user is not None or password is not None:
                smtp.login(user or "", password or "")
            smtp.send_message(message)
