"""The table of environment variables: name, default, description and parser of each.

``adapters.config`` builds the configuration from it and ``build_doc`` documents it, so the
documentation cannot drift from the code. Order: upstream's ``environment.md``, then this
project's own variables.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from adapters.env_values import parse_bool, parse_duration, parse_int

T = TypeVar("T")


class ConfigError(Exception):
    """A configuration the service can not run with; the message names the variable."""


@dataclass(frozen=True, slots=True)
class Variable(Generic[T]):
    """One environment variable: unset or empty means ``default``."""

    name: str
    default: str
    description: str
    parse: Callable[[str], T]

    @property
    def field(self) -> str:
        """The ``Config`` attribute that holds the parsed value."""
        return self.name.lower()

    def read(self, environ: Mapping[str, str]) -> T:
        raw = environ.get(self.name) or self.default
        try:
            return self.parse(raw)
        except ValueError as error:
            raise ConfigError(f"{self.name}: invalid value {raw!r}: {error}") from None


def _int_in(low: int, high: int | None = None) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = parse_int(text)
        if value < low or (high is not None and value > high):
            raise ValueError(f"must be at least {low}" + ("" if high is None else f" and at most {high}"))
        return value

    return parse


def _positive_duration(text: str) -> float:
    seconds = parse_duration(text)
    if seconds <= 0:
        raise ValueError("must be greater than 0")
    return seconds


def _share(text: str) -> float:
    """A share of one core: 0 (off) up to 0.5."""
    share = float(text)
    if not 0 <= share <= 0.5:
        raise ValueError("must be between 0 and 0.5")
    return share


_port = _int_in(1, 65535)
_positive = _int_in(1)
_non_negative = _int_in(0)


def _worker_count(text: str) -> int:
    """``0`` means one per CPU, as upstream's GOMAXPROCS."""
    return _non_negative(text) or os.cpu_count() or 1


VARIABLES: tuple[Variable[Any], ...] = (
    Variable("AUTOUPDATE_PORT", "9012", "Port the HTTP server listens on.", _port),
    Variable("MESSAGE_BUS_HOST", "localhost", "Host of the redis server (message bus).", str),
    Variable("MESSAGE_BUS_PORT", "6379", "Port of the redis server.", _port),
    Variable(
        "OPENSLIDES_PUBLIC_ACCESS_ONLY",
        "false",
        "Public-access-only instance: the vote service is not used (`poll/live_votes` is read from "
        "the database) and connection counts are not saved to redis. Logged-in users still work.",
        parse_bool,
    ),
    Variable(
        "OPENSLIDES_DEVELOPMENT",
        "false",
        "Use the development secrets instead of the secret files: database password `openslides`, "
        "token key `auth-dev-token-key`, cookie key `auth-dev-cookie-key`. Never in production.",
        parse_bool,
    ),
    Variable(
        "DATABASE_PASSWORD_FILE",
        "/run/secrets/postgres_password",
        "File with the postgres password (the raw content; nothing is trimmed).",
        str,
    ),
    Variable("DATABASE_USER", "openslides", "Postgres user.", str),
    Variable("DATABASE_HOST", "localhost", "Postgres host.", str),
    Variable("DATABASE_PORT", "5432", "Postgres port.", _port),
    Variable("DATABASE_NAME", "openslides", "Postgres database name.", str),
    Variable("VOTE_PROTOCOL", "http", "Protocol of the vote service.", str),
    Variable("VOTE_HOST", "localhost", "Host of the vote service.", str),
    Variable("VOTE_PORT", "9013", "Port of the vote service.", _port),
    Variable(
        "DEBUG_HAS_VOTED_USER_IDS",
        "false",
        "Log debug lines about the connection to the vote service (the name is historic).",
        parse_bool,
    ),
    Variable("AUTH_PROTOCOL", "http", "Protocol of the auth service (refreshes expired tokens).", str),
    Variable("AUTH_HOST", "localhost", "Host of the auth service.", str),
    Variable("AUTH_PORT", "9004", "Port of the auth service.", _port),
    Variable(
        "AUTH_FAKE",
        "false",
        "Skip authentication: every request is user 1 and no auth secret file is read. Development only.",
        parse_bool,
    ),
    Variable(
        "AUTH_TOKEN_KEY_FILE",
        "/run/secrets/auth_token_key",
        "File with the HMAC key of the access tokens (the raw content).",
        str,
    ),
    Variable(
        "AUTH_COOKIE_KEY_FILE",
        "/run/secrets/auth_cookie_key",
        "File with the HMAC key of the refresh cookies (the raw content).",
        str,
    ),
    Variable(
        "CONCURENT_WORKER",
        "0",
        "Maximum number of computations running at the same time; `0` means the number of CPUs. "
        "(The spelling is upstream's.)",
        _worker_count,
    ),
    Variable(
        "CACHE_RESET", "24h", "Interval of a full reset of the data cache. Must be > 0.", _positive_duration
    ),
    Variable(
        "METRIC_INTERVAL", "5m", "Interval of the metric log line; `0` or less disables it.", parse_duration
    ),
    Variable(
        "METRIC_SAVE_INTERVAL",
        "5m",
        "Interval of saving connection counts to redis; counts older than twice this are ignored. "
        "Must be > 0 unless `DISABLE_CONNECTION_COUNT` or `OPENSLIDES_PUBLIC_ACCESS_ONLY` is set.",
        parse_duration,
    ),
    Variable(
        "DISABLE_CONNECTION_COUNT",
        "false",
        "Neither save connection counts to redis nor read them from it; this instance's own counts "
        "are still served.",
        parse_bool,
    ),
    Variable(
        "OPENSLIDES_HEARTBEAT_INTERVAL",
        "5m",
        "Idle time after which a stream gets the empty message `{}`. Must be > 0.",
        _positive_duration,
    ),
    Variable(
        "VOTE_TIMEOUT",
        "2s",
        "How long to wait for the vote service before `poll/*/live_votes` reads as absent. Must be > 0.",
        _positive_duration,
    ),
    Variable("MAX_BODY_SIZE", "1048576", "Maximum size of a request body in bytes.", _positive),
    Variable("MAX_REQUEST_DEPTH", "16", "Maximum nesting depth of a keys request.", _positive),
    Variable("MAX_KEYS", "1000000", "Maximum number of keys one connection may resolve to.", _positive),
    Variable(
        "MAX_REQUEST_IDS",
        "100000",
        "Maximum number of ids one request may name (in the body's `ids` and in `k`).",
        _positive,
    ),
    Variable(
        "MAX_USER_KEYS",
        "1000000",
        "Maximum number of keys the open streams and longpolls of one user may hold together "
        "(public access, user 0, is not counted: it is every anonymous client).",
        _positive,
    ),
    Variable(
        "CACHE_MAX_BYTES",
        "134217728",
        "Estimated bytes of data the cache keeps beyond what open streams read (128 MiB); the "
        "least recently used objects leave first and are loaded again when read. `0` keeps only "
        "what open streams read.",
        _non_negative,
    ),
    Variable(
        "MAX_QUEUED_MESSAGES",
        "64",
        "Messages that may wait for a slow client before its connection is closed.",
        _positive,
    ),
    Variable(
        "AUTOUPDATE_UNRESTRICTED",
        "false",
        "**Dangerous**, development only: skip all permission checks, so that every request, "
        "anonymous ones included, sees all data.",
        parse_bool,
    ),
    Variable("AUTOUPDATE_HOST", "0.0.0.0", "Address the HTTP server listens on.", str),
    Variable(
        "AUTOUPDATE_INTERNAL_ROUTES",
        "true",
        "Serve the unauthenticated internal routes (`/internal/autoupdate`, `/internal/autoupdate/explain`). "
        "Set `false` on an instance that is reachable from outside, and run a second instance "
        "with its own `AUTOUPDATE_PORT` on the internal network for them.",
        parse_bool,
    ),
    Variable("AUTOUPDATE_WORKERS", "1", "Number of Granian worker processes.", _positive),
    Variable(
        "AUTOUPDATE_BACKPRESSURE",
        "10000",
        "Maximum number of concurrent connections per worker process.",
        _positive,
    ),
    Variable(
        "AUTOUPDATE_SSL_CERTIFICATE",
        "",
        "Certificate file (PEM) to serve TLS, so browsers can talk HTTP/2 directly. "
        "Needs `AUTOUPDATE_SSL_KEYFILE`.",
        str,
    ),
    Variable("AUTOUPDATE_SSL_KEYFILE", "", "Private key file of `AUTOUPDATE_SSL_CERTIFICATE`.", str),
    Variable(
        "AUTOUPDATE_AUDIT",
        "0",
        "Share of one core (for example `0.05`) for the auditor, which recomputes random open "
        "streams from scratch, compares them with what they were sent, logs and counts a mismatch "
        "(`autoupdate_audit_mismatches`) and sends the correction. `0` switches it off.",
        _share,
    ),
)
