"""Session-wide Postgres and Redis for integration tests (see ``servers`` for where they come from).

Without Docker and without local binaries the tests are skipped with the reason, except in CI
(``CI=true``), where a skipped integration test would hide a broken pipeline, so they fail.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterator
from typing import TypeVar

import pytest

from tests.integration.servers import (
    PostgresServer,
    RedisServer,
    ServersUnavailable,
    docker_answers,
    start_postgres,
    start_redis,
)

_S = TypeVar("_S", PostgresServer, RedisServer)

TABLES = "positions, events, models, id_sequences, collectionfields, events_to_collectionfields"


def _start(starter: Callable[[bool], _S]) -> _S:
    """Docker when an engine answers (local binaries if its container fails), else local binaries."""
    try:
        if docker_answers():
            try:
                return starter(True)
            except Exception as err:
                warnings.warn(f"container failed ({err}); trying local binaries", stacklevel=1)
        return starter(False)
    except ServersUnavailable as err:
        if os.environ.get("CI") == "true":
            pytest.fail(f"integration servers unavailable in CI: {err}", pytrace=False)
        pytest.skip(f"integration servers unavailable: {err}")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """Postgres with the datastore schema; ``stop()``/``start()`` keep its port."""
    server = _start(start_postgres)
    yield server
    server.close()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """Redis without persistence; ``stop()``/``start()`` keep its port."""
    server = _start(start_redis)
    yield server
    server.close()


@pytest.fixture(scope="session")
def postgres_dsn(postgres_server: PostgresServer) -> str:
    return postgres_server.dsn


@pytest.fixture(scope="session")
def redis_url(redis_server: RedisServer) -> str:
    return redis_server.url


@pytest.fixture
def empty_postgres(postgres_server: PostgresServer) -> str:
    """The DSN of a datastore emptied for this test: positions start again at 1."""
    postgres_server.start()
    postgres_server.execute(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE")
    return postgres_server.dsn
