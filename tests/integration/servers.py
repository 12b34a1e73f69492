"""Real Postgres and Redis servers for integration tests: Docker containers or local binaries.

Integration tests must run wherever the project is developed or checked: on a machine with a
Docker engine (testcontainers), and on one without (CI containers, this project's dev box)
where the Debian ``postgresql`` and ``redis-server`` binaries are installed. Both kinds of
server look the same to tests: a fixed host and port, plus ``stop()``/``start()`` on that same
port, so fault tests can take a server away and bring it back while clients keep their address.

Postgres refuses to run as root, so as root the local cluster belongs to the ``postgres``
system user (created if missing) and every Postgres command runs through ``runuser``.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

import asyncpg
import redis

SCHEMA = Path(__file__).resolve().parents[2] / "adapters" / "datastore_schema.sql"
USER = "openslides"
PASSWORD = "openslides"
DATABASE = "openslides"
READY_TIMEOUT_SECONDS = 60.0
POSTGRES_IMAGE = "postgres:15"
REDIS_IMAGE = "redis:7"
UNPRIVILEGED_USER = "postgres"


class ServersUnavailable(Exception):
    """Neither a Docker engine nor the local binaries can provide the server.

    A server that is there but fails to start raises RuntimeError instead: that is a broken
    environment to report, not a reason to skip.
    """


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
            _wait_until(self.answers, f"{type(self).__name__} on port {self.port}")

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
        return asyncio.run(_postgres_answers(self.dsn))

    def execute(self, sql: str) -> None:
        """Run ``sql`` (several statements allowed) in the ``openslides`` database."""
        asyncio.run(_execute(self.dsn, sql))


class RedisServer(_Server):
    """Redis, without persistence unless started with ``persistent=True``."""

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"

    def answers(self) -> bool:
        try:
            with redis.Redis(host=self.host, port=self.port, socket_timeout=1) as client:
                return bool(client.ping())
        except redis.RedisError:
            return False


def docker_answers() -> bool:
    """Whether a Docker engine responds within a few seconds."""
    try:
        import docker

        docker.from_env(timeout=3).ping()
    except Exception:
        return False
    return True


def start_postgres(use_docker: bool) -> PostgresServer:
    """A running Postgres with the schema applied. Raises ServersUnavailable or RuntimeError."""
    port = free_port()
    backend = _postgres_container(port) if use_docker else _LocalPostgres(port)
    server = PostgresServer(backend, backend.host, port)
    try:
        if use_docker:
            _wait_until(server.answers, f"postgres on port {port}")
        else:  # pg_ctl has waited until it answers; the database is still to be made
            asyncio.run(_create_database(port))
        server.execute(SCHEMA.read_text())
    except BaseException:
        server.close()
        raise
    return server


def start_redis(use_docker: bool, *, persistent: bool = False) -> RedisServer:
    """A running Redis. Raises ServersUnavailable or RuntimeError.

    ``persistent``: every write is in the append-only file before it is acknowledged, so the
    data survives ``stop()``/``start()`` (as a production Redis with AOF keeps it). Without it a
    restarted Redis is empty.
    """
    port = free_port()
    backend = _redis_container(port, persistent) if use_docker else _LocalRedis(port, persistent)
    server = RedisServer(backend, backend.host, port)
    try:
        _wait_until(server.answers, f"redis on port {port}")
    except BaseException:
        server.close()
        raise
    return server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


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
        container = container.with_command(f"redis-server {' '.join(_PERSISTENCE)}")
    return _Container(container)


# Local binaries.


class _LocalPostgres:
    """A throwaway cluster in a temp dir, tuned for speed (no fsync: tests need no durability)."""

    host = "127.0.0.1"

    def __init__(self, port: int) -> None:
        bin_dir = _postgres_bin_dir()
        self._runas = _unprivileged_prefix()
        self._dir = Path(tempfile.mkdtemp(prefix="autoupdate-pg-"))
        self._data = self._dir / "data"
        self._pg_ctl = str(bin_dir / "pg_ctl")
        if self._runas:
            user = pwd.getpwnam(UNPRIVILEGED_USER)
            os.chown(self._dir, user.pw_uid, user.pw_gid)
        options = (
            f"-p {port} -k {self._dir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._start = [self._pg_ctl, "-D", str(self._data), "-l", str(self._dir / "log")]
        self._start += ["-o", options, "-w", "-t", str(int(READY_TIMEOUT_SECONDS)), "start"]
        try:
            self._run(str(bin_dir / "initdb"), "-D", str(self._data), "-U", USER, "--auth=trust")
            self._run(*self._start[1:], pg_ctl=True)
        except BaseException:
            self.remove()
            raise

    def start(self) -> None:
        self._run(*self._start[1:], pg_ctl=True)

    def stop(self) -> None:
        self._run("-D", str(self._data), "-m", "fast", "-w", "stop", pg_ctl=True)

    def remove(self) -> None:
        if (self._data / "postmaster.pid").exists():
            with contextlib.suppress(RuntimeError):
                self.stop()
        shutil.rmtree(self._dir, ignore_errors=True)

    def _run(self, *args: str, pg_ctl: bool = False) -> None:
        command = [*self._runas, *([self._pg_ctl] if pg_ctl else []), *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            log = self._dir / "log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{' '.join(command)} failed: {done.stderr.strip()}\n{tail}")


def _postgres_bin_dir() -> Path:
    """The directory holding ``initdb`` and ``pg_ctl``: from PATH, else the Debian layout."""
    candidates = [Path(found).resolve().parent for found in filter(None, [shutil.which("pg_ctl")])]
    debian = glob.glob("/usr/lib/postgresql/*/bin")
    candidates += [Path(d) for d in sorted(debian, key=lambda d: int(Path(d).parent.name), reverse=True)]
    for candidate in candidates:
        if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
            return candidate
    raise ServersUnavailable("no Docker engine and no local postgres binaries (initdb, pg_ctl)")


def _unprivileged_prefix() -> list[str]:
    """As root, the command prefix that runs Postgres as the unprivileged system user."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam(UNPRIVILEGED_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", UNPRIVILEGED_USER],
            check=True,
            capture_output=True,
            timeout=60,
        )
    return ["runuser", "-u", UNPRIVILEGED_USER, "--"]


_PERSISTENCE = ("--appendonly", "yes", "--appendfsync", "always")
"""Every write reaches the append-only file before Redis answers it."""


class _LocalRedis:
    """``redis-server`` as a child process; persistent in a temp dir, or without persistence."""

    host = "127.0.0.1"

    def __init__(self, port: int, persistent: bool = False) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise ServersUnavailable("no Docker engine and no local redis-server binary")
        self._dir = Path(tempfile.mkdtemp(prefix="autoupdate-redis-"))
        self._command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(self._dir)]
        self._command += ["--save", "", "--daemonize", "no"]
        self._command += _PERSISTENCE if persistent else ("--appendonly", "no")
        self._process: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        self._process = subprocess.Popen(self._command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)
            self._process = None

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self._dir, ignore_errors=True)


# Helpers.


def _wait_until(ready: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while not ready():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not answer within {READY_TIMEOUT_SECONDS:.0f} s")
        time.sleep(0.1)


async def _postgres_answers(dsn: str) -> bool:
    try:
        conn = await asyncpg.connect(dsn, timeout=2)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
        return False
    await conn.close()
    return True


async def _create_database(port: int) -> None:
    conn = await asyncpg.connect(host="127.0.0.1", port=port, user=USER, database="postgres")
    try:
        await conn.execute(f"CREATE DATABASE {DATABASE}")
    finally:
        await conn.close()


async def _execute(dsn: str, sql: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()
