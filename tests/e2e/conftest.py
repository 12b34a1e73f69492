"""Start the real service (``python -m simulator``: Granian, ASGI app, fake Redis over TCP) as a
separate process, as a user would, and wait until it is healthy."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
SMALL_MEETING = ["--participants", "30", "--motions", "6", "--agenda-items", "5", "--polls", "2"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    url: str
    redis_port: int
    process: subprocess.Popen[bytes]
    log: Path
    delegate: int = 30
    """A participant in the Delegates group of the generated meeting (the last user)."""


def start_simulator(
    tmp: Path, *extra: str, sizes: list[str] = SMALL_MEETING, env: dict[str, str] | None = None
) -> Server:
    """``python -m simulator`` with ``extra`` options on free ports; ``sizes=[]``: the generated
    meeting of the README's run command; ``env``: variables of the service's configuration
    (``CACHE_MAX_BYTES``, ...)."""
    port, redis_port = free_port(), free_port()
    log = tmp / f"simulator-{port}.log"
    command = [sys.executable, "-m", "simulator", "--port", str(port), "--redis-port", str(redis_port)]
    environ = {**os.environ, "OPENSLIDES_HEARTBEAT_INTERVAL": "1s", "PYTHONUNBUFFERED": "1", **(env or {})}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*command, *sizes, *extra], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=environ
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"simulator exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/system/autoupdate/health", timeout=1).status_code == 200:
                # health answers before lifespan startup finished on some servers: wait for data
                httpx.get(f"{url}/system/autoupdate?single&k=organization/1/id", timeout=30)
                return Server(url, redis_port, process, log)
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"simulator did not become healthy:\n{log.read_text()}")


def stop(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@pytest.fixture(scope="session")
def unrestricted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_simulator(tmp_path_factory.mktemp("e2e"), "--unrestricted")
    yield server
    stop(server)


@pytest.fixture(scope="session")
def restricted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_simulator(tmp_path_factory.mktemp("e2e"))
    yield server
    stop(server)
