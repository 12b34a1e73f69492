"""Real Postgres and Redis servers for integration tests: Docker containers or local binaries.

Integration tests must run wherever the project is developed or checked: on a machine with a
Docker engine (testcontainers), and on one without (CI containers, this project's dev box)
where the Debian ``postgresql`` and ``redis-server`` binaries are installed; those are started
by the simulator's launcher (:mod:`simulator.local_servers`), which the benchmark uses too. Both
kinds of server look the same to tests: a fixed host and port, plus ``stop()``/``start()`` on
that same port, so fault tests can take a server away and bring it back while clients keep
their address.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

from simulator.local_servers import (
    DATABASE,
    PERSISTENCE,
    USER,
    LocalPostgres,
    LocalRedis,
    ServerError,
    ServersUnavailable,
    execute,
    free_port,
    postgres_answers,
    redis_answers,
    wait_until,
)

__all__ = [
    "DATABASE",
    "PASSWORD",
    "SCHEMA",
    "USER",
    "PostgresServer",
    "RedisServer",
    "ServerError",
    "ServersUnavailable",
    "docker_answers",
    "free_port",
    "start_postgres",
    "start_redis",
]

SCHEMA = Path(__file__).resolve().parents[2] / "adapters" / "datastore_schema.sql"
PASSWORD = "openslides"
POSTGRES_IMAGE = "postgres:15"
REDIS_IMAGE = "redis:7"


class _Backend(Protocol):
    host: str

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def remove(self) -> None: ...


class _Server:
    """A server on a fixed address that can be stopped and started again on it."""

    def __init__(self, backend: _Backend, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self._backend = backend
        self._running = True

    def stop(self) -> None:
        if self._running:
            self._backend.stop()
            self._running = False

    def start(self) -> None:
        """Start again on the same port; returns once the server answers."""
        if not self._running:
            self._backend.start()
            self._running = True
            wait_until(self.answers, f"{type(self).__name__} on port {self.port}")

    @contextlib.contextmanager
    def stopped(self) -> Iterator[None]:
        """Stopped inside the block, running again after it, even when the block fails."""
        self.stop()
        try:
            yield
        finally:
            self.start()

    def close(self) -> None:
        self._backend.remove()

    def answers(self) -> bool:
        raise NotImplementedError


class PostgresServer(_Server):
    """Postgres with the ``openslides`` database and the datastore schema."""

    user = USER
    password = PASSWORD
    database = DATABASE

    @property
    def dsn(self) -> str:
        return f"postgresql://{quote(USER)}:{quote(PASSWORD)}@{self.host}:{self.port}/{DATABASE}"

    def answers(self) -> bool:
        return asyncio.run(postgres_answers(self.dsn))

    def execute(self, sql: str) -> None:
        """Run ``sql`` (several statements allowed) in the ``openslides`` database."""
        asyncio.run(execute(self.dsn, sql))


class RedisServer(_Server):
    """Redis, without persistence unless started with ``persistent=True``."""

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"

    def answers(self) -> bool:
        return redis_answers(self.host, self.port)


def docker_answers() -> bool:
    """Whether a Docker engine responds within a few seconds."""
    try:
        import docker

        docker.from_env(timeout=3).ping()
    except Exception:
        return False
    return True


def start_postgres(use_docker: bool) -> PostgresServer:
    """A running Postgres with the schema applied. Raises ServersUnavailable or ServerError."""
    port = free_port()
    backend = _postgres_container(port) if use_docker else LocalPostgres(port)
    server = PostgresServer(backend, backend.host, port)
    try:
        if use_docker:  # the local launcher has waited and made the database
            wait_until(server.answers, f"postgres on port {port}")
        server.execute(SCHEMA.read_text())
    except BaseException:
        server.close()
        raise
    return server


def start_redis(use_docker: bool, *, persistent: bool = False) -> RedisServer:
    """A running Redis. Raises ServersUnavailable or ServerError.

    ``persistent``: every write is in the append-only file before it is acknowledged, so the
    data survives ``stop()``/``start()`` (as a production Redis with AOF keeps it). Without it a
    restarted Redis is empty.
    """
    port = free_port()
    backend = _redis_container(port, persistent) if use_docker else LocalRedis(port, persistent=persistent)
    server = RedisServer(backend, backend.host, port)
    try:
        wait_until(server.answers, f"redis on port {port}")
    except BaseException:
        server.close()
        raise
    return server


# Docker.


class _Container:
    """A testcontainers container whose host port survives a stop and start."""

    def __init__(self, container: Any) -> None:
        self._container = container
        container.start()
        self.host: str = container.get_container_host_ip()

    def start(self) -> None:
        self._container.get_wrapped_container().start()

    def stop(self) -> None:
        self._container.get_wrapped_container().stop(timeout=5)

    def remove(self) -> None:
        self._container.stop()


def _postgres_container(port: int) -> _Container:
    try:
        from testcontainers.community.postgres import PostgresContainer
    except ImportError:
        from testcontainers.postgres import PostgresContainer
    container = PostgresContainer(
        POSTGRES_IMAGE, username=USER, password=PASSWORD, dbname=DATABASE, driver=None
    )
    return _Container(container.with_bind_ports(5432, port))


def _redis_container(port: int, persistent: bool = False) -> _Container:
    try:
        from testcontainers.community.redis import RedisContainer
    except ImportError:
        from testcontainers.redis import RedisContainer
    container = RedisContainer(REDIS_IMAGE).with_bind_ports(6379, port)
    if persistent:  # /data is in the container's own layer, which a stop and start keeps
        container = container.with_command(f"redis-server {' '.join(PERSISTENCE)}")
    return _Container(container)


# Helpers.
