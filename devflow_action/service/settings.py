"""The service's configuration, from the environment only (docs/service.md has the table). Every
problem is a ``UsageError`` naming the variable; secrets are registered for redaction first."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..exits import UsageError, env_number
from ..notify import https_or_loopback
from ..redact import register_secret
from ..state.url import StateURL, parse

QUEUE = "deliveries"


def _url(env: Mapping[str, str], name: str, backend: str, example: str) -> StateURL:
    raw = env.get(name, "").strip()
    if not raw:
        raise UsageError(f"{name} is not set ({example})")
    try:
        url = parse(raw)
    except UsageError as exc:
        raise UsageError(f"{name}: {exc}") from None
    if url is None or url.backend != backend:
        raise UsageError(f"{name} must be a {example.split('://')[0]}:// URL ({example})")
    for secret in url.secrets:
        register_secret(secret)
    return url


@dataclass(frozen=True)
class Settings:
    redis: StateURL
    database: StateURL
    webhook_secret: str = ""
    admin_token: str = ""
    github_token: str = ""
    app_id: str = ""
    app_private_key: str = ""  # PEM text or a path; checked by github.app_auth.load_private_key
    api_url: str = "https://api.github.com"
    self_login: str = "devflow[bot]"
    config_path: str = ".devflow.yml"
    dedupe_ttl: int = 3 * 86400  # GitHub lets a delivery be redelivered by hand for 3 days
    poison_attempts: int = 3  # attempts before an event the engine or GitHub refuses is dead-lettered
    max_retries: int = 12  # retries of GitHub or backend outages before the event is dead-lettered
    min_backoff: float = 1.0
    max_backoff: float = 600.0
    lock_ttl: float = 30.0  # an item lock outlives a dead worker by at most this
    order_wait: float = 30.0  # longest an event waits for an earlier one on the same item
    heartbeat_timeout: float = 60.0  # a worker silent this long is dead: its messages are requeued
    maintenance_chance: int = 10_000  # per million broker calls: how often dead workers are looked for
    config_ttl: int = 3600  # a cached .devflow.yml is read again after this (pushes refresh it sooner)
    budget_reserve: int = 50
    budget_wait: float = 30.0
    circuit_threshold: int = 5  # server errors in a row that open the circuit breaker
    circuit_open: float = 30.0  # seconds it stays open before one probe
    max_calls: int = 200  # GitHub calls one event may make
    job_deadline: float = 120.0
    secure_cookies: bool = True
    public_url: str = ""  # where people reach serve: links in dead-letter notices
    notify_slack: bool = False  # DEVFLOW_NOTIFY_SLACK_URL is set: every dead letter is told there too
    telemetry_url: str = ""  # empty: telemetry is off, and nothing is ever sent
    telemetry_interval: float = 86400.0
    telemetry_timeout: float = 5.0
    # the environment, for the variables a repository's `notify:` section names (read when sending)
    env: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, role: str) -> Settings:
        """``role``: ``serve`` needs the webhook secret, ``worker`` GitHub credentials."""
        secret = env.get("DEVFLOW_WEBHOOK_SECRET", "")
        admin = env.get("DEVFLOW_ADMIN_TOKEN", "")
        token = env.get("GITHUB_TOKEN", "")
        app_id, key = env.get("DEVFLOW_APP_ID", "").strip(), env.get("DEVFLOW_APP_PRIVATE_KEY", "")
        for value in (secret, admin, token, key, env.get("DEVFLOW_NOTIFY_SLACK_URL", "")):
            register_secret(value.strip())
        if role == "serve" and not secret:
            raise UsageError("DEVFLOW_WEBHOOK_SECRET is not set (the secret of the repository's or App's webhook)")
        if role == "serve" and admin and len(admin) < 16:
            raise UsageError("DEVFLOW_ADMIN_TOKEN must be at least 16 characters")
        if role == "worker" and not token and not (app_id and key):
            raise UsageError(
                "GitHub credentials are not set: GITHUB_TOKEN, or DEVFLOW_APP_ID and DEVFLOW_APP_PRIVATE_KEY"
            )
        if bool(app_id) != bool(key):
            raise UsageError("a GitHub App needs both DEVFLOW_APP_ID and DEVFLOW_APP_PRIVATE_KEY")
        api_url = env.get("GITHUB_API_URL", "").strip() or "https://api.github.com"
        telemetry = env.get("DEVFLOW_TELEMETRY_URL", "").strip()
        if telemetry and not https_or_loopback(telemetry):
            raise UsageError("DEVFLOW_TELEMETRY_URL must be an https:// URL")
        register_secret(telemetry)  # it may carry a collector's key: never logged
        return cls(
            redis=_url(env, "DEVFLOW_REDIS_URL", "redis", "redis://host:6379/0"),
            database=_url(env, "DEVFLOW_DATABASE_URL", "postgresql", "postgresql://user:password@host/devflow"),
            webhook_secret=secret,
            admin_token=admin,
            github_token=token,
            app_id=app_id,
            app_private_key=key,
            api_url=api_url.rstrip("/"),
            self_login=env.get("DEVFLOW_SELF_LOGIN", "").strip() or "devflow[bot]",
            config_path=env.get("DEVFLOW_CONFIG_PATH", "").strip() or ".devflow.yml",
            dedupe_ttl=int(env_number(env, "DEVFLOW_DEDUPE_TTL", 3 * 86400, minimum=60)),
            poison_attempts=int(env_number(env, "DEVFLOW_POISON_ATTEMPTS", 3, minimum=1)),
            max_retries=int(env_number(env, "DEVFLOW_MAX_RETRIES", 12, minimum=0)),
            min_backoff=env_number(env, "DEVFLOW_MIN_BACKOFF", 1.0, minimum=0.01),
            max_backoff=env_number(env, "DEVFLOW_MAX_BACKOFF", 600.0, minimum=0.01),
            lock_ttl=env_number(env, "DEVFLOW_ITEM_LOCK_TTL", 30.0, minimum=0.3),
            order_wait=env_number(env, "DEVFLOW_ORDER_WAIT", 30.0, minimum=0.0),
            heartbeat_timeout=env_number(env, "DEVFLOW_HEARTBEAT_TIMEOUT", 60.0, minimum=0.5),
            maintenance_chance=int(env_number(env, "DEVFLOW_MAINTENANCE_CHANCE", 10_000, minimum=1)),
            config_ttl=int(env_number(env, "DEVFLOW_CONFIG_TTL", 3600, minimum=1)),
            budget_reserve=int(env_number(env, "DEVFLOW_BUDGET_RESERVE", 50, minimum=0.0)),
            budget_wait=env_number(env, "DEVFLOW_BUDGET_WAIT", 30.0, minimum=0.0),
            circuit_threshold=int(env_number(env, "DEVFLOW_CIRCUIT_THRESHOLD", 5, minimum=1)),
            circuit_open=env_number(env, "DEVFLOW_CIRCUIT_OPEN", 30.0, minimum=0.1),
            max_calls=int(env_number(env, "DEVFLOW_MAX_CALLS", 200, minimum=1)),
            job_deadline=env_number(env, "DEVFLOW_JOB_DEADLINE", 120.0, minimum=1),
            # only for a plain-HTTP test setup: browsers drop Secure cookies from http:// origins
            secure_cookies=env.get("DEVFLOW_INSECURE_COOKIES", "") != "1",
            public_url=env.get("DEVFLOW_PUBLIC_URL", "").strip().rstrip("/"),
            notify_slack=bool(env.get("DEVFLOW_NOTIFY_SLACK_URL", "").strip()),
            telemetry_url=telemetry,
            telemetry_interval=env_number(env, "DEVFLOW_TELEMETRY_INTERVAL", 86400.0, minimum=1),
            telemetry_timeout=env_number(env, "DEVFLOW_TELEMETRY_TIMEOUT", 5.0, minimum=0.1),
            env=dict(env),
        )
