"""Configuration from environment variables (spec Part B §2 plus this project's own).

``load_config`` turns the table in ``adapters.variables`` into one typed ``Config`` and reads the
secrets; ``build_doc`` renders the same table for the README. Every invalid value stops the
service at start with a ``ConfigError`` naming the variable.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from adapters.variables import VARIABLES, ConfigError

__all__ = ["Config", "ConfigError", "build_doc", "load_config"]

DEV_TOKEN_KEY = b"auth-dev-token-key"
DEV_COOKIE_KEY = b"auth-dev-cookie-key"
DEV_DATABASE_PASSWORD = "openslides"


@dataclass(frozen=True, slots=True)
class Config:
    """The parsed configuration. Each field is the lower-cased variable name; durations are in
    seconds. ``token_key`` and ``cookie_key`` are empty when ``AUTH_FAKE`` is set, and never
    shown in ``repr`` (so logging the configuration leaks no secret)."""

    autoupdate_port: int
    message_bus_host: str
    message_bus_port: int
    openslides_public_access_only: bool
    openslides_development: bool
    database_password_file: str
    database_user: str
    database_host: str
    database_port: int
    database_name: str
    vote_protocol: str
    vote_host: str
    vote_port: int
    debug_has_voted_user_ids: bool
    auth_protocol: str
    auth_host: str
    auth_port: int
    auth_fake: bool
    auth_token_key_file: str
    auth_cookie_key_file: str
    concurent_worker: int
    cache_reset: float
    metric_interval: float
    metric_save_interval: float
    disable_connection_count: bool
    openslides_heartbeat_interval: float
    vote_timeout: float
    max_body_size: int
    max_request_depth: int
    max_keys: int
    max_request_ids: int
    max_user_keys: int
    cache_max_bytes: int
    max_queued_messages: int
    autoupdate_unrestricted: bool
    autoupdate_host: str
    autoupdate_internal_routes: bool
    autoupdate_workers: int
    autoupdate_backpressure: int
    autoupdate_ssl_certificate: str
    autoupdate_ssl_keyfile: str
    autoupdate_audit: float
    token_key: bytes = dataclasses.field(default=b"", repr=False)
    cookie_key: bytes = dataclasses.field(default=b"", repr=False)

    @property
    def auth_url(self) -> str:
        return f"{self.auth_protocol}://{self.auth_host}:{self.auth_port}"

    @property
    def vote_url(self) -> str:
        return f"{self.vote_protocol}://{self.vote_host}:{self.vote_port}"

    @property
    def saves_connection_counts(self) -> bool:
        """Whether this instance writes its connection counts to redis (spec §8.2)."""
        return not (self.disable_connection_count or self.openslides_public_access_only)

    def database_password(self) -> str:
        """The postgres password, read now: tools without a database need no password file."""
        if self.openslides_development:
            return DEV_DATABASE_PASSWORD
        raw = _read_secret("DATABASE_PASSWORD_FILE", self.database_password_file)
        try:
            return raw.decode()
        except UnicodeDecodeError:
            raise ConfigError(
                f"DATABASE_PASSWORD_FILE: {self.database_password_file!r} is not UTF-8"
            ) from None


def load_config(environ: Mapping[str, str]) -> Config:
    """Parse and check every variable; read the auth keys unless ``AUTH_FAKE`` is set."""
    config = Config(**{variable.field: variable.read(environ) for variable in VARIABLES})
    if config.saves_connection_counts and config.metric_save_interval <= 0:
        raise ConfigError(
            f"METRIC_SAVE_INTERVAL: invalid value {environ['METRIC_SAVE_INTERVAL']!r}: must be > 0 "
            "while connection counts are saved to redis"
        )
    if bool(config.autoupdate_ssl_certificate) != bool(config.autoupdate_ssl_keyfile):
        raise ConfigError("AUTOUPDATE_SSL_CERTIFICATE and AUTOUPDATE_SSL_KEYFILE must be set together")
    if config.auth_fake:
        return config
    if config.openslides_development:
        return dataclasses.replace(config, token_key=DEV_TOKEN_KEY, cookie_key=DEV_COOKIE_KEY)
    return dataclasses.replace(
        config,
        token_key=_read_secret("AUTH_TOKEN_KEY_FILE", config.auth_token_key_file),
        cookie_key=_read_secret("AUTH_COOKIE_KEY_FILE", config.auth_cookie_key_file),
    )


def _read_secret(variable: str, path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise ConfigError(f"{variable}: can not read secret file {path!r}: {error.strerror}") from None


def build_doc() -> str:
    """The variable table in markdown, showing defaults only (upstream's ``build-doc``)."""
    lines = [
        "Unset or empty variables take their default. Booleans: `1,t,T,TRUE,true,True` or "
        "`0,f,F,FALSE,false,False`; anything else stops the service (upstream silently read it "
        "as false). Durations: a plain integer is seconds, otherwise Go syntax such as `250ms`, "
        "`1h30m` or `1.5h`. Any invalid value stops the service at start with a message naming "
        "the variable.",
        "",
        "| Variable | Default | Description |",
        "|---|---|---|",
    ]
    for variable in VARIABLES:
        default = f"`{variable.default}`" if variable.default else ""
        description = variable.description.replace("|", "\\|")
        lines.append(f"| `{variable.name}` | {default} | {description} |")
    return "\n".join(lines) + "\n"
