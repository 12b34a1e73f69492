"""Configuration from the environment: defaults, parse rules, errors that name the variable,
secrets from files, and the generated documentation."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from adapters.config import Config, ConfigError, build_doc, load_config
from adapters.env_values import parse_bool, parse_duration
from adapters.variables import VARIABLES

DEV = {"OPENSLIDES_DEVELOPMENT": "true"}

UPSTREAM_ORDER = [
    "AUTOUPDATE_PORT",
    "MESSAGE_BUS_HOST",
    "MESSAGE_BUS_PORT",
    "OPENSLIDES_PUBLIC_ACCESS_ONLY",
    "OPENSLIDES_DEVELOPMENT",
    "DATABASE_PASSWORD_FILE",
    "DATABASE_USER",
    "DATABASE_HOST",
    "DATABASE_PORT",
    "DATABASE_NAME",
    "VOTE_PROTOCOL",
    "VOTE_HOST",
    "VOTE_PORT",
    "DEBUG_HAS_VOTED_USER_IDS",
    "AUTH_PROTOCOL",
    "AUTH_HOST",
    "AUTH_PORT",
    "AUTH_FAKE",
    "AUTH_TOKEN_KEY_FILE",
    "AUTH_COOKIE_KEY_FILE",
    "CONCURENT_WORKER",
    "CACHE_RESET",
    "METRIC_INTERVAL",
    "METRIC_SAVE_INTERVAL",
    "DISABLE_CONNECTION_COUNT",
    "OPENSLIDES_HEARTBEAT_INTERVAL",
]


def load(**environ: str) -> Config:
    return load_config({**DEV, **environ})


def test_upstream_variables_come_first_in_upstream_order() -> None:
    names = [variable.name for variable in VARIABLES]
    assert names[: len(UPSTREAM_ORDER)] == UPSTREAM_ORDER
    assert len(set(names)) == len(names)


def test_every_variable_is_a_config_field() -> None:
    fields = {field.name for field in dataclasses.fields(Config)}
    assert {variable.field for variable in VARIABLES} == fields - {"token_key", "cookie_key"}


def test_defaults() -> None:
    config = load()
    assert config.autoupdate_port == 9012
    assert (config.message_bus_host, config.message_bus_port) == ("localhost", 6379)
    assert config.openslides_public_access_only is False
    assert config.database_password_file == "/run/secrets/postgres_password"
    assert (config.database_user, config.database_host, config.database_port, config.database_name) == (
        "openslides",
        "localhost",
        5432,
        "openslides",
    )
    assert config.vote_url == "http://localhost:9013"
    assert config.auth_url == "http://localhost:9004"
    assert config.debug_has_voted_user_ids is False
    assert config.auth_fake is False
    assert config.auth_token_key_file == "/run/secrets/auth_token_key"
    assert config.auth_cookie_key_file == "/run/secrets/auth_cookie_key"
    assert config.concurent_worker == (os.cpu_count() or 1)
    assert config.cache_reset == 24 * 3600
    assert config.metric_interval == config.metric_save_interval == 300
    assert config.disable_connection_count is False
    assert config.openslides_heartbeat_interval == 300
    assert config.vote_timeout == 2
    assert config.max_body_size == 1048576
    assert config.max_request_depth == 16
    assert config.max_keys == 1_000_000
    assert config.max_request_ids == 100_000
    assert config.max_user_keys == 1_000_000
    assert config.cache_max_bytes == 128 * 1024 * 1024
    assert config.max_queued_messages == 64
    assert config.autoupdate_unrestricted is False
    assert config.autoupdate_host == "0.0.0.0"
    assert config.autoupdate_workers == 1
    assert config.autoupdate_backpressure == 10000
    assert config.autoupdate_ssl_certificate == config.autoupdate_ssl_keyfile == ""
    assert config.saves_connection_counts


def test_empty_value_means_default() -> None:
    assert load(AUTOUPDATE_PORT="", CACHE_RESET="", AUTH_FAKE="").autoupdate_port == 9012


def test_values_are_parsed() -> None:
    config = load(
        AUTOUPDATE_PORT="8000",
        MESSAGE_BUS_HOST="redis",
        CONCURENT_WORKER="3",
        DISABLE_CONNECTION_COUNT="1",
        AUTH_PROTOCOL="https",
        AUTH_HOST="auth",
        AUTH_PORT="443",
    )
    assert (config.autoupdate_port, config.message_bus_host, config.concurent_worker) == (8000, "redis", 3)
    assert config.disable_connection_count is True
    assert config.auth_url == "https://auth:443"


@pytest.mark.parametrize("text", ["1", "t", "T", "TRUE", "true", "True"])
def test_true_spellings(text: str) -> None:
    assert parse_bool(text) is True


@pytest.mark.parametrize("text", ["0", "f", "F", "FALSE", "false", "False"])
def test_false_spellings(text: str) -> None:
    assert parse_bool(text) is False


@pytest.mark.parametrize("text", ["yes", "on", "tRUE", " true", "2"])
def test_unparsable_boolean_stops_with_the_variable_name(text: str) -> None:
    with pytest.raises(ConfigError, match=f"AUTH_FAKE: invalid value {text!r}"):
        load(AUTH_FAKE=text)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("300", 300),
        ("-5", -5),
        ("0", 0),
        ("5m", 300),
        ("1h30m", 5400),
        ("250ms", 0.25),
        ("1.5h", 5400),
        (".5s", 0.5),
        ("5.s", 5),
        ("1h2m3s4ms5us6ns", 3723.004005006),
        ("10µs", 0.00001),
        ("10μs", 0.00001),
        ("-1m", -60),
        ("+2s", 2),
    ],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["5x", "1h30", "m", ".s", "-", "1..5s", "5 m", "1e3s", "9999999999h"])
def test_invalid_durations(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_invalid_duration_names_the_variable_and_value() -> None:
    with pytest.raises(ConfigError, match="METRIC_INTERVAL: invalid value '5 minutes'"):
        load(METRIC_INTERVAL="5 minutes")


@pytest.mark.parametrize("name", ["CACHE_RESET", "OPENSLIDES_HEARTBEAT_INTERVAL", "VOTE_TIMEOUT"])
@pytest.mark.parametrize("text", ["0", "-1s"])
def test_durations_that_must_be_positive(name: str, text: str) -> None:
    with pytest.raises(ConfigError, match=f"{name}: invalid value '{text}': must be greater than 0"):
        load(**{name: text})


def test_metric_interval_zero_disables_metrics() -> None:
    assert load(METRIC_INTERVAL="0").metric_interval == 0


def test_metric_save_interval_must_be_positive_while_counting_to_redis() -> None:
    with pytest.raises(ConfigError, match="METRIC_SAVE_INTERVAL: invalid value '0'"):
        load(METRIC_SAVE_INTERVAL="0")
    assert load(METRIC_SAVE_INTERVAL="0", DISABLE_CONNECTION_COUNT="true").metric_save_interval == 0
    public = load(METRIC_SAVE_INTERVAL="0", OPENSLIDES_PUBLIC_ACCESS_ONLY="true")
    assert not public.saves_connection_counts


@pytest.mark.parametrize("text", ["abc", "1.5", " 9012", "9_012", "0", "65536"])
def test_invalid_port_names_the_variable_and_value(text: str) -> None:
    with pytest.raises(ConfigError, match=f"AUTOUPDATE_PORT: invalid value {text!r}"):
        load(AUTOUPDATE_PORT=text)


def test_negative_worker_count_is_an_error() -> None:
    with pytest.raises(ConfigError, match="CONCURENT_WORKER: invalid value '-1'"):
        load(CONCURENT_WORKER="-1")


@pytest.mark.parametrize(
    "name",
    [
        "MAX_BODY_SIZE",
        "MAX_REQUEST_DEPTH",
        "MAX_KEYS",
        "MAX_REQUEST_IDS",
        "MAX_USER_KEYS",
        "MAX_QUEUED_MESSAGES",
        "AUTOUPDATE_WORKERS",
    ],
)
def test_limits_must_be_positive(name: str) -> None:
    with pytest.raises(ConfigError, match=f"{name}: invalid value '0'"):
        load(**{name: "0"})


def test_cache_budget_may_be_zero_but_not_negative() -> None:
    assert load(CACHE_MAX_BYTES="0").cache_max_bytes == 0
    with pytest.raises(ConfigError, match="CACHE_MAX_BYTES: invalid value '-1'"):
        load(CACHE_MAX_BYTES="-1")


def test_tls_needs_certificate_and_key() -> None:
    with pytest.raises(ConfigError, match="AUTOUPDATE_SSL_CERTIFICATE"):
        load(AUTOUPDATE_SSL_CERTIFICATE="/cert.pem")
    config = load(AUTOUPDATE_SSL_CERTIFICATE="/cert.pem", AUTOUPDATE_SSL_KEYFILE="/key.pem")
    assert config.autoupdate_ssl_keyfile == "/key.pem"


def test_development_secrets() -> None:
    config = load()
    assert config.token_key == b"auth-dev-token-key"
    assert config.cookie_key == b"auth-dev-cookie-key"
    assert config.database_password() == "openslides"
    assert "auth-dev" not in repr(config)


def test_secrets_are_the_raw_file_content(tmp_path: Path) -> None:
    files = {"token": b"token-key\n", "cookie": b" cookie key \n\n", "password": "pässword\n".encode()}
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    config = load_config(
        {
            "AUTH_TOKEN_KEY_FILE": str(tmp_path / "token"),
            "AUTH_COOKIE_KEY_FILE": str(tmp_path / "cookie"),
            "DATABASE_PASSWORD_FILE": str(tmp_path / "password"),
        }
    )
    assert config.token_key == b"token-key\n"
    assert config.cookie_key == b" cookie key \n\n"
    assert config.database_password() == "pässword\n"


def test_unreadable_auth_secret_names_variable_and_path(tmp_path: Path) -> None:
    (tmp_path / "token").write_bytes(b"k")
    missing = str(tmp_path / "nope")
    environ = {"AUTH_TOKEN_KEY_FILE": str(tmp_path / "token"), "AUTH_COOKIE_KEY_FILE": missing}
    with pytest.raises(ConfigError, match=f"AUTH_COOKIE_KEY_FILE: can not read secret file '{missing}'"):
        load_config(environ)


def test_database_password_is_read_only_when_asked(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope")
    config = load_config({"AUTH_FAKE": "true", "DATABASE_PASSWORD_FILE": missing})
    with pytest.raises(ConfigError, match=f"DATABASE_PASSWORD_FILE: can not read secret file '{missing}'"):
        config.database_password()


def test_auth_fake_needs_no_secret_files(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope")
    config = load_config({"AUTH_FAKE": "1", "AUTH_TOKEN_KEY_FILE": missing, "AUTH_COOKIE_KEY_FILE": missing})
    assert config.auth_fake
    assert config.token_key == config.cookie_key == b""


def test_doc_lists_every_variable_with_its_default() -> None:
    doc = build_doc()
    for variable in VARIABLES:
        default = f"`{variable.default}`" if variable.default else ""
        assert f"| `{variable.name}` | {default} | " in doc
    assert "`1h30m`" in doc


def test_doc_warns_that_unrestricted_mode_is_dangerous() -> None:
    line = next(line for line in build_doc().splitlines() if "`AUTOUPDATE_UNRESTRICTED`" in line)
    assert "Dangerous" in line
    assert "permission" in line
