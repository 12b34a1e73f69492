"""Local servers for ``bench --start-servers``: Postgres and Redis from the installed binaries,
and the production service (``python -m adapters.server``) as a child process.

Everything lives in one temporary directory (database cluster, logs) that ``close`` removes.
Postgres refuses to run as root, so as root its commands run as the ``postgres`` system user
through ``runuser``. The cluster trades durability for speed (no fsync): the benchmark
measures the autoupdate service, not the disk.
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
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import asyncpg
import httpx
import redis

USER = "openslides"
DATABASE = "openslides"
POSTGRES_SYSTEM_USER = "postgres"
ROOT = Path(__file__).resolve().parents[2]
"""The repository: the service runs from it, so ``adapters`` is this checkout's."""
READY_SECONDS = 60.0


class ServerError(Exception):
    """A server is missing or did not start; the message says which and why."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalPostgres:
    """A throwaway cluster with the ``openslides`` database and ``schema`` applied."""

    def __init__(self, directory: Path, schema: str) -> None:
        self.port = free_port()
        self._dir = directory / "postgres"
        self._dir.mkdir()
        self._runas: list[str] = []
        if os.geteuid() == 0:
            self._runas = ["runuser", "-u", POSTGRES_SYSTEM_USER, "--"]
            _ensure_system_user(POSTGRES_SYSTEM_USER)
            account = pwd.getpwnam(POSTGRES_SYSTEM_USER)
            os.chown(self._dir, account.pw_uid, account.pw_gid)
        binaries = _postgres_binaries()
        data = str(self._dir / "data")
        self._pg_ctl = [*self._runas, str(binaries / "pg_ctl"), "-D", data]
        options = (
            f"-p {self.port} -k {self._dir} -c listen_addresses=127.0.0.1 -c max_connections=200 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        _run([*self._runas, str(binaries / "initdb"), "-D", data, "-U", USER, "--auth=trust"])
        _run([*self._pg_ctl, "-l", str(self._dir / "log"), "-o", options, "-w", "start"])
        try:
            asyncio.run(self._prepare(schema))
        except BaseException:
            self.close()
            raise

    @property
    def url(self) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{DATABASE}"

    async def _prepare(self, schema: str) -> None:
        conn = await asyncpg.connect(host="127.0.0.1", port=self.port, user=USER, database="postgres")
        try:
            await conn.execute(f"CREATE DATABASE {DATABASE}")
        finally:
            await conn.close()
        conn = await asyncpg.connect(self.url)
        try:
            await conn.execute(schema)
        finally:
            await conn.close()

    def close(self) -> None:
        with contextlib.suppress(ServerError):
            _run([*self._pg_ctl, "-m", "fast", "-w", "stop"])


class LocalRedis:
    """``redis-server`` without persistence."""

    def __init__(self, directory: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise ServerError("no redis-server binary on PATH")
        self.port = free_port()
        command = [
            binary,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ]
        with (directory / "redis.log").open("wb") as log:
            self._process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        client = redis.Redis(port=self.port, socket_timeout=1)
        _wait(lambda: _redis_answers(client), "redis-server")
        client.close()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def close(self) -> None:
        _terminate(self._process)


class Service:
    """``python -m adapters.server`` on a free port, against the given Postgres and Redis."""

    def __init__(self, directory: Path, database: LocalPostgres, bus: LocalRedis) -> None:
        self.port = free_port()
        self._log = directory / "service.log"
        self._env = {
            **os.environ,
            "OPENSLIDES_DEVELOPMENT": "true",
            "AUTOUPDATE_HOST": "127.0.0.1",
            "AUTOUPDATE_PORT": str(self.port),
            "DATABASE_HOST": "127.0.0.1",
            "DATABASE_PORT": str(database.port),
            "DATABASE_USER": USER,
            "DATABASE_NAME": DATABASE,
            "MESSAGE_BUS_HOST": "127.0.0.1",
            "MESSAGE_BUS_PORT": str(bus.port),
            "DISABLE_CONNECTION_COUNT": "true",
            "METRIC_INTERVAL": "0",
            "PYTHONUNBUFFERED": "1",
        }
        self._process: subprocess.Popen[bytes] | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        if self._process is None:
            raise ServerError("the service is not running")
        return self._process.pid

    def start(self) -> None:
        with self._log.open("ab") as log:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "adapters.server"],
                cwd=ROOT,
                env=self._env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        process = self._process
        _wait(lambda: self._healthy(process), f"the service on port {self.port}")

    def restart(self) -> None:
        """A fresh process: empty caches (a cold start)."""
        self.close()
        self.start()

    def log_tail(self, size: int = 3000) -> str:
        return self._log.read_text(errors="replace")[-size:] if self._log.exists() else ""

    def _healthy(self, process: subprocess.Popen[bytes]) -> bool:
        if process.poll() is not None:
            raise ServerError(f"the service exited with {process.returncode}:\n{self.log_tail()}")
        try:
            return httpx.get(f"{self.url}/system/autoupdate/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def close(self) -> None:
        if self._process is not None:
            _terminate(self._process)
            self._process = None


class LocalServers:
    """Postgres, Redis and the service in one temporary directory."""

    def __init__(self, schema: str) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="autoupdate-bench-"))
        os.chmod(self.directory, 0o755)  # the postgres system user must reach its directory
        self.postgres: LocalPostgres | None = None
        self.redis: LocalRedis | None = None
        self.service: Service | None = None
        try:
            self.postgres = LocalPostgres(self.directory, schema)
            self.redis = LocalRedis(self.directory)
        except BaseException:
            self.close()
            raise

    def start_service(self) -> Service:
        assert self.postgres is not None and self.redis is not None
        self.service = Service(self.directory, self.postgres, self.redis)
        return self.service

    def close(self) -> None:
        for server in (self.service, self.redis, self.postgres):
            if server is not None:
                server.close()
        shutil.rmtree(self.directory, ignore_errors=True)


def _postgres_binaries() -> Path:
    """The directory holding ``initdb`` and ``pg_ctl``: from PATH, else the Debian layout."""
    candidates = [Path(found).resolve().parent for found in filter(None, [shutil.which("pg_ctl")])]
    debian = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: int(Path(d).parent.name))
    for candidate in [*candidates, *map(Path, reversed(debian))]:
        if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
            return candidate
    raise ServerError("no postgres binaries (initdb, pg_ctl) found")


def _ensure_system_user(name: str) -> None:
    try:
        pwd.getpwnam(name)
    except KeyError:
        _run(["useradd", "--system", "--no-create-home", name])


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise ServerError(f"{' '.join(command)} failed: {done.stderr.strip() or done.stdout.strip()}")


def _redis_answers(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


def _wait(ready: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while not ready():
        if time.monotonic() > deadline:
            raise ServerError(f"{what} did not answer within {READY_SECONDS:.0f} s")
        time.sleep(0.1)


def _terminate(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)
