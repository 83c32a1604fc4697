"""Choosing the state store: the URL's scheme, where the URL comes from (the input, or the variable
.devflow.yml names: never the URL itself), its secrets, and how it is shown."""

from __future__ import annotations

import pytest

from devflow_action.app.state_wiring import choose, secrets_of
from devflow_action.config.loader import load_text
from devflow_action.diagnostics import ConfigError
from devflow_action.exits import UsageError
from devflow_action.state import open_store, parse

BASE = "version: 1\n"


@pytest.mark.parametrize(
    ("url", "backend", "shown"),
    [
        ("postgresql://devflow:s3cr%40t@db.internal:5432/devflow", "postgresql", "postgresql://devflow:***@db.internal:5432/devflow"),
        ("postgres://db/devflow?sslmode=require&password=pw2", "postgresql", "postgres://db/devflow?…"),
        ("redis://:s3cret@cache:6379/2", "redis", "redis://:***@cache:6379/2"),
        ("rediss://user:s3cret@cache/0", "redis", "rediss://user:***@cache/0"),
    ],
)  # fmt: skip
def test_the_scheme_names_the_backend_and_the_password_is_never_shown(url: str, backend: str, shown: str) -> None:
    parsed = parse(url)
    assert parsed is not None and (parsed.backend, parsed.shown) == (backend, shown)
    assert all(secret not in parsed.shown for secret in parsed.secrets if secret != parsed.url)


def test_every_form_of_the_password_is_a_secret() -> None:
    parsed = parse("postgresql://devflow:s3cr%40t@db/devflow?password=other")
    assert parsed is not None
    assert set(parsed.secrets) == {parsed.url, "s3cr%40t", "s3cr@t", "other"}


def test_an_empty_url_means_no_state_and_opens_nothing() -> None:
    assert parse("") is None and parse("   ") is None
    assert open_store("") is None


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://devflow.example.com/", "the orchestration service's URL must be https:// (the token signs the event, but the payload would travel in clear); http:// is accepted only for a service on this machine"),
        ("https:///hooks", "the orchestration URL names no host (https://devflow.example.com)"),
        ("mysql://u:hunter2@db/x", "the orchestration URL's scheme must be postgresql://, redis:// or rediss:// (state), or https:// (the orchestration service) (got 'mysql://'); leave it empty to run without either"),
        ("db.internal:5432", "the orchestration URL's scheme must be postgresql://, redis:// or rediss:// (state), or https:// (the orchestration service) (got none); leave it empty to run without either"),
        ("postgresql://u:hunter2@db:notaport/x", "the orchestration URL (postgresql://…) is malformed: check the host and port"),
    ],
)  # fmt: skip
def test_a_url_devflow_cannot_use_is_a_usage_error_that_does_not_repeat_it(url: str, message: str) -> None:
    with pytest.raises(UsageError) as info:
        parse(url)
    assert str(info.value) == message and "hunter2" not in str(info.value)


def test_a_malformed_url_is_masked_whole_with_the_token() -> None:
    assert secrets_of("postgresql://u:hunter2@db:notaport/x", "tok-123") == [
        "tok-123",
        "postgresql://u:hunter2@db:notaport/x",
    ]
    assert secrets_of("", "") == []


def test_the_orchestration_section_is_built_and_no_longer_warns() -> None:
    config = load_text(BASE + "orchestration: {url_env: DEVFLOW_STATE_URL, state_required: true}\n")
    assert config.warnings == ()
    assert config.orchestration is not None
    assert (config.orchestration.url_env, config.orchestration.state_required) == ("DEVFLOW_STATE_URL", True)


def test_a_url_in_devflow_yml_is_refused_with_what_to_do_instead() -> None:
    with pytest.raises(ConfigError) as info:
        load_text(BASE + "orchestration:\n  url: postgresql://devflow:hunter2@db/devflow\n")
    assert [d.text() for d in info.value.diagnostics] == [
        ".devflow.yml:3:3: orchestration.url: the URL holds a password: never write it in .devflow.yml; put it in "
        "a secret, pass it as an environment variable and name that variable with `url_env`"
    ]


def test_url_env_must_name_a_variable() -> None:
    with pytest.raises(ConfigError) as info:
        load_text(BASE + "orchestration: {url_env: 'postgresql://db/x'}\n")
    assert [d.text() for d in info.value.diagnostics] == [
        ".devflow.yml:2:26: orchestration.url_env: invalid value 'postgresql://db/x': name an environment variable, "
        "like DEVFLOW_STATE_URL"
    ]


def test_the_input_wins_over_the_variable_and_either_can_require_the_state() -> None:
    config = load_text(BASE + "orchestration: {url_env: STATE_URL, state_required: true}\n")
    env = {"STATE_URL": "redis://cache:6379/0"}
    from_input = choose("postgresql://db/devflow", False, config, env)
    assert from_input.url is not None and from_input.url.backend == "postgresql"
    assert (from_input.required, from_input.source) == (True, "the orchestration-url input")
    from_config = choose("", False, config, env)
    assert from_config.url is not None and from_config.url.backend == "redis"
    assert from_config.source == "$STATE_URL (orchestration.url_env)"
    assert choose("", False, config, {}).url is None
    plain = load_text(BASE)
    assert choose("", True, plain, env).required and choose("", False, plain, env).url is None


def test_a_dry_run_does_not_even_connect_to_the_store() -> None:
    import io

    from devflow_action.action import _open_state

    out = io.StringIO()
    env = {"INPUT_ORCHESTRATION-URL": "postgresql://devflow:hunter2@127.0.0.1:1/devflow"}
    assert _open_state(env, load_text(BASE), True, True, out) is None  # required, unreachable: still no error
    assert out.getvalue() == "Devflow: dry run: the state store is not used\n"
