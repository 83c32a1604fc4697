"""Notification sinks against local servers: Slack through a local HTTP endpoint, email through a local
SMTP server with STARTTLS (aiosmtpd). A failing sink is a warning without its secret, never an error."""

from __future__ import annotations

import json
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from devflow_action.config.digest import EmailSink as EmailSettings
from devflow_action.config.digest import NotifyConfig, SlackSink
from devflow_action.notify import Notice, Notifier, from_config
from devflow_action.notify.email import EmailSink
from devflow_action.redact import redact

NOTICE = Notice("digest", "Contributor digest of octo-org/octo-repo", "5 issues opened <@U123> & more", "## body")
HOOK_SECRET = "T000/B000/hooksecretvalue42"


@dataclass
class Hook:
    url: str
    received: list[Any] = field(default_factory=list)
    status: int = 200


@pytest.fixture
def hook() -> Iterator[Hook]:
    state = Hook("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            state.received.append((self.path, self.headers["content-type"], json.loads(body)))
            self.send_response(state.status)
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/services/{HOOK_SECRET}"
    yield state
    server.shutdown()
    server.server_close()


def free_port() -> int:
    """A port nothing listens on (once the probe socket is closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def slack(env: dict[str, str], on: tuple[str, ...] = ("digest",)) -> Notifier:
    return from_config(NotifyConfig(slack=SlackSink("SLACK_WEBHOOK_URL", on)), env)


def test_slack_receives_the_digest_with_user_text_escaped(hook: Hook) -> None:
    outcome = slack({"SLACK_WEBHOOK_URL": hook.url}).send(NOTICE)
    assert (outcome.sent, outcome.warnings) == (["slack"], [])
    ((path, kind, body),) = hook.received
    assert path == f"/services/{HOOK_SECRET}" and kind == "application/json"
    assert body == {"text": "*Contributor digest of octo-org/octo-repo*\n5 issues opened &lt;@U123&gt; &amp; more"}


def test_slack_is_told_only_what_its_config_asks_for(hook: Hook) -> None:
    outcome = slack({"SLACK_WEBHOOK_URL": hook.url}, on=("stopped",)).send(NOTICE)
    assert outcome.sent == [] and hook.received == []


def test_a_failing_slack_answer_is_a_warning_without_the_webhook_url(hook: Hook) -> None:
    hook.status = 500
    outcome = slack({"SLACK_WEBHOOK_URL": hook.url}).send(NOTICE)
    assert outcome.sent == [] and len(outcome.warnings) == 1
    assert "500" in outcome.warnings[0] and HOOK_SECRET not in outcome.warnings[0]
    assert HOOK_SECRET not in redact(f"anything quoting {hook.url}")  # registered as a secret when read


def test_an_unreachable_slack_and_a_missing_variable_are_warnings() -> None:
    port = free_port()
    outcome = slack({"SLACK_WEBHOOK_URL": f"http://127.0.0.1:{port}/services/x/y/zzzzzzzz"}).send(NOTICE)
    assert outcome.sent == [] and "slack: <urlopen error" in outcome.warnings[0]
    outcome = slack({}).send(NOTICE)
    assert outcome.warnings == ["slack: the environment variable SLACK_WEBHOOK_URL (the Slack webhook URL) is not set"]


@pytest.mark.parametrize(
    "url", ["http://hooks.example.org/services/x", "http://localhost.example.org/x", "http://127.0.0.1.example.org/x"]
)
def test_a_webhook_that_is_not_https_is_refused_before_anything_is_sent(url: str) -> None:
    outcome = slack({"SLACK_WEBHOOK_URL": url}).send(NOTICE)
    assert outcome.warnings == ["slack: SLACK_WEBHOOK_URL is not an https URL"]


# -- email ------------------------------------------------------------------------------------------
@dataclass
class Mailbox:
    messages: list[Any] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    port: int = 0
    client_tls: ssl.SSLContext | None = None


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:  # pragma: no cover - Debian has it
        pytest.fail("openssl is needed to make the SMTP server's test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def _smtp(certificate: tuple[Path, Path], starttls: bool) -> Iterator[Mailbox]:
    from aiosmtpd.smtp import AuthResult, LoginPassword

    box = Mailbox()
    cert, key = certificate
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            box.messages.append(envelope)
            return "250 OK"

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        assert isinstance(data, LoginPassword)
        box.logins.append((data.login.decode(), data.password.decode()))
        return AuthResult(success=data.password == b"s3cret-pass", handled=False)

    options: dict[str, Any] = {"authenticator": authenticate, "auth_require_tls": True}
    if starttls:
        options.update(tls_context=server_tls, require_starttls=True)
    box.port = free_port()  # aiosmtpd's controller checks its server by connecting to the port it was given
    controller = Controller(Handler(), hostname="127.0.0.1", port=box.port, **options)
    controller.start()
    box.client_tls = ssl.create_default_context(cafile=str(cert))
    yield box
    controller.stop()


@pytest.fixture
def mailbox(certificate: tuple[Path, Path]) -> Iterator[Mailbox]:
    yield from _smtp(certificate, starttls=True)


@pytest.fixture
def plain_mailbox(certificate: tuple[Path, Path]) -> Iterator[Mailbox]:
    yield from _smtp(certificate, starttls=False)


def email(box: Mailbox, env: dict[str, str], **settings: Any) -> Notifier:
    values: dict[str, Any] = {"smtp_host": "127.0.0.1", "sender": "devflow@example.org", "to": ("team@example.org",),
                              "smtp_port": box.port, "username_env": "SMTP_USER", "password_env": "SMTP_PASSWORD"}  # fmt: skip
    values.update(settings)
    assert box.client_tls is not None
    return Notifier([EmailSink(EmailSettings(**values), env, tls=box.client_tls)])


def test_email_goes_over_starttls_with_the_digest_in_the_body(mailbox: Mailbox) -> None:
    outcome = email(mailbox, {"SMTP_USER": "bot", "SMTP_PASSWORD": "s3cret-pass"}).send(NOTICE)
    assert (outcome.sent, outcome.warnings) == (["email"], [])
    (envelope,) = mailbox.messages
    assert (envelope.mail_from, envelope.rcpt_tos) == ("devflow@example.org", ["team@example.org"])
    text = envelope.content.decode()
    assert "Subject: Contributor digest of octo-org/octo-repo" in text and "## body" in text
    assert mailbox.logins == [("bot", "s3cret-pass")]


def test_a_refused_login_is_a_warning_without_the_password(mailbox: Mailbox) -> None:
    outcome = email(mailbox, {"SMTP_USER": "bot", "SMTP_PASSWORD": "wrong-pass-123"}).send(NOTICE)
    assert outcome.sent == [] and mailbox.messages == []
    assert "535" in outcome.warnings[0] and "wrong-pass-123" not in outcome.warnings[0]


def test_a_server_without_starttls_gets_no_credentials_and_no_mail(plain_mailbox: Mailbox) -> None:
    outcome = email(plain_mailbox, {"SMTP_USER": "bot", "SMTP_PASSWORD": "s3cret-pass"}).send(NOTICE)
    assert outcome.sent == [] and plain_mailbox.messages == [] and plain_mailbox.logins == []
    assert "does not offer STARTTLS" in outcome.warnings[0]


def test_an_unreachable_smtp_server_is_a_warning(mailbox: Mailbox) -> None:
    port = free_port()
    outcome = email(mailbox, {"SMTP_USER": "bot", "SMTP_PASSWORD": "s3cret-pass"}, smtp_port=port).send(NOTICE)
    assert outcome.sent == [] and "Connection refused" in outcome.warnings[0]


def test_one_failing_sink_does_not_stop_the_other(hook: Hook, mailbox: Mailbox) -> None:
    sinks = [*slack({"SLACK_WEBHOOK_URL": hook.url}).sinks, *email(mailbox, {}).sinks]  # email: no password set
    outcome = Notifier(sinks).send(NOTICE)
    assert outcome.sent == ["slack"] and len(hook.received) == 1
    assert outcome.warnings == ["email: the environment variable SMTP_USER (the SMTP user name) is not set"]
