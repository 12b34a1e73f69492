"""Session-wide Postgres and Redis for integration tests (see ``servers`` for where they come from).

Without Docker and without local binaries the tests are skipped with the reason, except in CI
(``CI=true``), where a skipped integration test would hide a broken pipeline, so they fail.
"""

from __future__ import annotations

import asyncio
import os
import warnings
from collections.abc import Callable, Iterator
from typing import NoReturn, TypeVar

import pytest

from adapters.load_export import export_events, import_information
from simulator.tokens import DEV_COOKIE_KEY, DEV_TOKEN_KEY
from tests.integration.deployment import Deployment, FakeAuth, Meeting, small_meeting, writer
from tests.integration.servers import (
    PostgresServer,
    RedisServer,
    ServersUnavailable,
    docker_answers,
    free_port,
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
        unavailable(err)


def unavailable(err: ServersUnavailable) -> NoReturn:
    """Skip with the reason, but fail in CI: there a missing server is a broken pipeline."""
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


# The deployment of the production service (``deployment``), one per test module.


@pytest.fixture(scope="module")
def meeting(postgres_server: PostgresServer, redis_server: RedisServer) -> Meeting:
    """A fresh datastore holding one small generated meeting, created in one position."""
    export = small_meeting()
    postgres_server.start()
    redis_server.start()
    postgres_server.execute(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE")

    async def load() -> int:
        async with writer(postgres_server, redis_server) as w:
            return await w.write(*export_events(export), information=import_information(export))

    position = asyncio.run(load())
    meeting = export["meeting"]["1"]
    group = meeting["default_group_id"]
    delegate = max(
        export["meeting_user"][str(mu)]["user_id"]
        for mu in export["group"][str(group)]["meeting_user_ids"]
        if export["meeting_user"][str(mu)]["group_ids"] == [group]
    )
    return Meeting(export, position, delegate, group)


@pytest.fixture(scope="module")
def fake_auth() -> Iterator[FakeAuth]:
    auth = FakeAuth()
    yield auth
    auth.close()


@pytest.fixture(scope="module")
def deployment(
    tmp_path_factory: pytest.TempPathFactory,
    postgres_server: PostgresServer,
    redis_server: RedisServer,
    meeting: Meeting,
    fake_auth: FakeAuth,
) -> Deployment:
    """Secret files with the development keys, but read from files as in production."""
    secrets = tmp_path_factory.mktemp("secrets")
    (secrets / "postgres_password").write_text(postgres_server.password)
    (secrets / "auth_token_key").write_text(DEV_TOKEN_KEY)
    (secrets / "auth_cookie_key").write_text(DEV_COOKIE_KEY)
    logs = tmp_path_factory.mktemp("logs")
    return Deployment(postgres_server, redis_server, secrets, logs, fake_auth.port, free_port())
