"""Local servers for ``bench --start-servers``: Postgres and Redis from the installed binaries
(:mod:`simulator.local_servers`), and the production service (``python -m adapters.server``) as
a child process, all in one temporary directory that ``close`` removes.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

from simulator.local_servers import (
    DATABASE,
    USER,
    LocalPostgres,
    LocalRedis,
    ServerError,
    execute,
    free_port,
    terminate,
    wait_until,
)

BACKPRESSURE = 10_000
"""The service's default ``AUTOUPDATE_BACKPRESSURE``."""
SPARE_REQUESTS = 100
ROOT = Path(__file__).resolve().parents[2]
"""The repository: the service runs from it, so ``adapters`` is this checkout's."""


class Service:
    """``python -m adapters.server`` on a free port, against the given Postgres and Redis."""

    def __init__(
        self, directory: Path, database: LocalPostgres, bus: LocalRedis, *, workers: int = 1, streams: int = 0
    ) -> None:
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
            "AUTOUPDATE_WORKERS": str(workers),
            # Granian's limit of concurrent requests per worker: the streams and the checks fit
            "AUTOUPDATE_BACKPRESSURE": str(max(BACKPRESSURE, streams + SPARE_REQUESTS)),
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
        wait_until(lambda: self._healthy(process), f"the service on port {self.port}")

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
            terminate(self._process)
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
            self.postgres = LocalPostgres(free_port(), self.directory)
            asyncio.run(execute(self.postgres.url, schema))
            self.redis = LocalRedis(free_port(), log=self.directory / "redis.log")
        except BaseException:
            self.close()
            raise

    def start_service(self, *, workers: int = 1, streams: int = 0) -> Service:
        """The service with ``workers`` Granian workers, able to hold ``streams`` streams."""
        assert self.postgres is not None and self.redis is not None
        self.service = Service(self.directory, self.postgres, self.redis, workers=workers, streams=streams)
        return self.service

    def close(self) -> None:
        if self.service is not None:
            self.service.close()
        for server in (self.redis, self.postgres):
            if server is not None:
                server.remove()
        shutil.rmtree(self.directory, ignore_errors=True)
