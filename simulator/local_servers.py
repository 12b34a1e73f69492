"""Postgres and Redis from the installed binaries, on free local ports: the one launcher of the
benchmark (``bench --start-servers``) and of the integration tests on machines without Docker.

Each server can be stopped and started again on the same port, so fault tests can take a
server away while clients keep its address. Postgres refuses to run as root, so as root its
commands run as the ``postgres`` system user (created if missing) through ``runuser``. The
cluster trades durability for speed (no fsync): neither tests nor the benchmark measure the disk.
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
from collections.abc import Callable
from pathlib import Path

import asyncpg
import redis

HOST = "127.0.0.1"
USER = "openslides"
DATABASE = "openslides"
POSTGRES_SYSTEM_USER = "postgres"
READY_SECONDS = 60.0
PERSISTENCE = ("--appendonly", "yes", "--appendfsync", "always")
"""Every write reaches Redis' append-only file before Redis answers it."""


class ServerError(RuntimeError):
    """A server is there but did not start (a broken environment); the message says why."""


class ServersUnavailable(ServerError):
    """The binaries a server needs are not installed."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class LocalPostgres:
    """A throwaway cluster with the ``openslides`` database (empty: the caller applies a schema).

    It lives in ``directory``/postgres, or in a temporary directory of its own that
    :meth:`remove` deletes.
    """

    host = HOST

    def __init__(self, port: int, directory: Path | None = None) -> None:
        self.port = port
        bin_dir = _postgres_bin_dir()
        self._own_dir = directory is None
        if directory is None:
            self._dir = Path(tempfile.mkdtemp(prefix="autoupdate-pg-"))
        else:
            self._dir = directory / "postgres"
            self._dir.mkdir()
        self._runas = _unprivileged_prefix()
        if self._runas:
            account = pwd.getpwnam(POSTGRES_SYSTEM_USER)
            os.chown(self._dir, account.pw_uid, account.pw_gid)
        data = str(self._dir / "data")
        self._pg_ctl = [*self._runas, str(bin_dir / "pg_ctl"), "-D", data]
        options = (
            f"-p {port} -k {self._dir} -c listen_addresses={HOST} -c max_connections=200 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._start = [*self._pg_ctl, "-l", str(self._dir / "log"), "-o", options]
        self._start += ["-w", "-t", str(int(READY_SECONDS)), "start"]
        try:
            self._run([*self._runas, str(bin_dir / "initdb"), "-D", data, "-U", USER, "--auth=trust"])
            self.start()
            asyncio.run(_create_database(port))
        except BaseException:
            self.remove()
            raise

    @property
    def url(self) -> str:
        return f"postgresql://{USER}@{HOST}:{self.port}/{DATABASE}"

    def start(self) -> None:
        """Start (again, on the same port); returns once Postgres answers."""
        self._run(self._start)

    def stop(self) -> None:
        self._run([*self._pg_ctl, "-m", "fast", "-w", "stop"])

    def remove(self) -> None:
        """Stop if running, and delete the cluster if it lives in a directory of its own."""
        if (self._dir / "data" / "postmaster.pid").exists():
            with contextlib.suppress(ServerError):
                self.stop()
        if self._own_dir:
            shutil.rmtree(self._dir, ignore_errors=True)

    def _run(self, command: list[str]) -> None:
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            log = self._dir / "log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            output = done.stderr.strip() or done.stdout.strip()
            raise ServerError(f"{' '.join(command)} failed: {output}\n{tail}")


class LocalRedis:
    """``redis-server`` as a child process: without persistence, or with every write in the
    append-only file before it is acknowledged (``persistent``), so data survives a restart."""

    host = HOST

    def __init__(self, port: int, *, persistent: bool = False, log: Path | None = None) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise ServersUnavailable("no redis-server binary on PATH")
        self.port = port
        self._dir = Path(tempfile.mkdtemp(prefix="autoupdate-redis-"))
        self._log = log
        self._command = [binary, "--port", str(port), "--bind", HOST, "--dir", str(self._dir)]
        self._command += ["--save", "", "--daemonize", "no"]
        self._command += PERSISTENCE if persistent else ("--appendonly", "no")
        self._process: subprocess.Popen[bytes] | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def start(self) -> None:
        """Start (again, on the same port); returns once Redis answers."""
        if self._log is None:
            self._process = subprocess.Popen(
                self._command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
        else:
            with self._log.open("ab") as log:
                self._process = subprocess.Popen(self._command, stdout=log, stderr=subprocess.STDOUT)
        wait_until(self.answers, f"redis on port {self.port}")

    def answers(self) -> bool:
        return redis_answers(HOST, self.port)

    def stop(self) -> None:
        if self._process is not None:
            terminate(self._process)
            self._process = None

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self._dir, ignore_errors=True)


def wait_until(ready: Callable[[], bool], what: str) -> None:
    """Return once ``ready()``; :class:`ServerError` after :data:`READY_SECONDS`."""
    deadline = time.monotonic() + READY_SECONDS
    while not ready():
        if time.monotonic() > deadline:
            raise ServerError(f"{what} did not answer within {READY_SECONDS:.0f} s")
        time.sleep(0.1)


def terminate(process: subprocess.Popen[bytes]) -> None:
    """Stop a child process: politely, then by force."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)


def redis_answers(host: str, port: int) -> bool:
    """Whether a Redis server answers a ping."""
    try:
        with redis.Redis(host=host, port=port, socket_timeout=1) as client:
            return bool(client.ping())
    except redis.RedisError:
        return False


async def postgres_answers(dsn: str) -> bool:
    """Whether Postgres accepts a connection to the database of ``dsn``."""
    try:
        conn = await asyncpg.connect(dsn, timeout=2)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
        return False
    await conn.close()
    return True


async def execute(dsn: str, sql: str) -> None:
    """Run ``sql`` (several statements allowed) in the database of ``dsn``."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _create_database(port: int) -> None:
    conn = await asyncpg.connect(host=HOST, port=port, user=USER, database="postgres")
    try:
        await conn.execute(f"CREATE DATABASE {DATABASE}")
    finally:
        await conn.close()


def _postgres_bin_dir() -> Path:
    """The directory holding ``initdb`` and ``pg_ctl``: from PATH, else the Debian layout."""
    candidates = [Path(found).resolve().parent for found in filter(None, [shutil.which("pg_ctl")])]
    debian = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: int(Path(d).parent.name))
    for candidate in [*candidates, *map(Path, reversed(debian))]:
        if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
            return candidate
    raise ServersUnavailable("no postgres binaries (initdb, pg_ctl) found")


def _unprivileged_prefix() -> list[str]:
    """As root, the command prefix that runs Postgres as the unprivileged system user."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam(POSTGRES_SYSTEM_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", POSTGRES_SYSTEM_USER],
            check=True,
            capture_output=True,
            timeout=60,
        )
    return ["runuser", "-u", POSTGRES_SYSTEM_USER, "--"]
