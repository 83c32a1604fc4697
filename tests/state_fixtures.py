"""Real Postgres and Redis for the state tests (``.ci/run`` starts them and sets the variables).

Locally, tests that need a server skip with the reason when its variable is unset. Each test gets
its own throwaway Postgres database (``devflow_test_<random>``, dropped afterwards) or Redis key
prefix (its keys deleted afterwards), so engineers sharing one server never collide.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import pytest

PG_ENV, REDIS_ENV = "DEVFLOW_TEST_POSTGRES", "DEVFLOW_TEST_REDIS"


def pg_conninfo() -> str:
    conninfo = os.environ.get(PG_ENV, "")
    if not conninfo:
        pytest.skip(f"{PG_ENV} is not set (libpq conninfo of a Postgres for tests, e.g. "
                    "'host=127.0.0.1 port=55432 user=postgres dbname=postgres'; .ci/run sets it)")  # fmt: skip
    return conninfo


def redis_base() -> str:
    url = os.environ.get(REDIS_ENV, "")
    if not url:
        pytest.skip(f"{REDIS_ENV} is not set (a Redis URL for tests, e.g. redis://127.0.0.1:6390/0; .ci/run sets it)")
    return url


def pg_url(dbname: str, *, password: str | None = None, port: int | None = None) -> str:
    """A postgresql:// URL for ``dbname`` on the test server (through ``port`` when a proxy stands in)."""
    from psycopg.conninfo import conninfo_to_dict

    info = conninfo_to_dict(pg_conninfo())
    user = quote(str(info.get("user", "postgres")))
    secret = f":{quote(password)}" if password else ""
    host = str(info.get("host", "127.0.0.1"))
    return f"postgresql://{user}{secret}@{host}:{port or info.get('port', 5432)}/{dbname}"


def pg_address() -> tuple[str, int]:
    from psycopg.conninfo import conninfo_to_dict

    info = conninfo_to_dict(pg_conninfo())
    return str(info.get("host", "127.0.0.1")), int(info.get("port") or 5432)


def redis_address() -> tuple[str, int, int]:
    from redis.connection import parse_url

    opts: dict[str, Any] = parse_url(redis_base())  # type: ignore[no-untyped-call]
    return str(opts.get("host", "127.0.0.1")), int(opts.get("port", 6379)), int(opts.get("db", 0))


@pytest.fixture
def pg_database() -> Iterator[str]:
    """The name of a fresh, empty database on the test server; dropped afterwards."""
    import psycopg

    name = f"devflow_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_conninfo(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield name
    with psycopg.connect(pg_conninfo(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A database migrated once per session, copied by ``pg_migrated`` (a copy is faster than migrating)."""
    import psycopg

    from devflow_action.state import open_store

    name = f"devflow_test_template_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_conninfo(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    store = open_store(pg_url(name))
    assert store is not None
    store.close()
    yield name
    with psycopg.connect(pg_conninfo(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_migrated(pg_template: str) -> Iterator[str]:
    """A fresh database with the current schema; dropped afterwards."""
    import psycopg

    name = f"devflow_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_conninfo(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"')
    yield name
    with psycopg.connect(pg_conninfo(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test's own on the test Redis; its keys are deleted afterwards."""
    import redis

    prefix = f"devflow_test_{uuid.uuid4().hex[:12]}:"
    yield prefix
    client = redis.Redis.from_url(redis_base())
    try:
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def redis_url(prefix: str, *, password: str | None = None, port: int | None = None) -> str:
    host, real_port, db = redis_address()
    secret = f":{quote(password)}@" if password else ""
    return f"redis://{secret}{host}:{port or real_port}/{db}?prefix={quote(prefix)}"


@pytest.fixture(params=["postgresql", "redis"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_url(backend: str, request: pytest.FixtureRequest) -> Callable[..., str]:
    """``make_url(password=None, port=None)``: a URL of this test's own store on the chosen backend."""
    if backend == "postgresql":
        name = request.getfixturevalue("pg_migrated")
        return lambda **kw: pg_url(name, **kw)
    prefix = request.getfixturevalue("redis_prefix")
    return lambda **kw: redis_url(prefix, **kw)


@pytest.fixture
def server_address(backend: str) -> tuple[str, int]:
    """Host and port of the chosen backend's test server (for a proxy in front of it)."""
    return pg_address() if backend == "postgresql" else redis_address()[:2]
