"""The production service process and what surrounds it in the integration tests.

Instances start exactly as the container image starts them (``SERVICE_COMMAND``, the
Dockerfile's ``CMD``), configured only by environment variables and secret files, and are judged
ready by ``HEALTH_COMMAND`` (the Dockerfile's ``HEALTHCHECK``). Data is written the way the
datastore writer writes it (``Writer``); a tiny fake auth service refreshes expired tokens. The
fixtures that build these live in ``conftest``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import asyncpg
import httpx
from redis.asyncio import Redis

from adapters.postgres_writer import WriteEvent, write
from simulator.generate import generate_meeting
from simulator.tokens import DevCredentials
from tests.integration.fake_service import FakeService, QuietHandler
from tests.integration.servers import PostgresServer, RedisServer, free_port

ROOT = Path(__file__).resolve().parents[2]

SERVICE_COMMAND = ("python", "-m", "adapters.server")
"""The image's ``CMD``: the production service."""
HEALTH_COMMAND = ("python", "-m", "adapters.server", "health")
"""The image's ``HEALTHCHECK``: exit 0 when the local instance is healthy."""
BUILD_DOC_COMMAND = ("python", "-m", "adapters.server", "build-doc")

START_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0
MESSAGE_TIMEOUT = 15.0
METRIC_SAVE_INTERVAL = 1.0

SUPERADMIN = 1
NEW_ID = 1000
"""Objects this module creates get ids from here on, far above the generated ones."""

_T = TypeVar("_T")


# The data: a small generated meeting, written as one position.


@dataclass(frozen=True)
class Meeting:
    export: dict[str, Any]
    position: int
    delegate: int
    """A participant in the meeting's default group (Delegates) only."""
    delegate_group: int

    def obj(self, collection: str, id: int) -> dict[str, Any]:
        found: dict[str, Any] = self.export[collection][str(id)]
        return found


def small_meeting() -> dict[str, Any]:
    return generate_meeting(
        participants=8, motions=3, agenda_items=3, speakers_per_list=2, polls=1, projectors=1, seed=7
    )


# Writing as the datastore writer does.


class Writer:
    """``postgres_writer.write`` in one transaction, then ``XADD ModifiedFields`` of its result."""

    def __init__(self, conn: asyncpg.Connection, redis: Redis) -> None:
        self.conn = conn
        self.redis = redis

    async def write(self, *events: WriteEvent, user_id: int = SUPERADMIN, information: Any = None) -> int:
        position, modified = await write(self.conn, events, user_id=user_id, information=information)
        await self.redis.xadd("ModifiedFields", modified)  # type: ignore[arg-type]
        return position


@contextlib.asynccontextmanager
async def writer(postgres: PostgresServer, redis: RedisServer) -> AsyncIterator[Writer]:
    conn = await asyncpg.connect(postgres.dsn)
    client = Redis(host=redis.host, port=redis.port)
    try:
        yield Writer(conn, client)
    finally:
        await client.aclose()
        await conn.close()


def create(fqid: str, **fields: Any) -> WriteEvent:
    return WriteEvent("create", fqid, {"id": int(fqid.split("/")[1]), **fields})


def update(fqid: str, **fields: Any) -> WriteEvent:
    return WriteEvent("update", fqid, fields)


def list_update(fqid: str, *, add: dict[str, list[Any]] | None = None, remove: Any = None) -> WriteEvent:
    return WriteEvent("update", fqid, list_fields={"add": add or {}, "remove": remove or {}})


# The fake auth service.


class FakeAuth(FakeService):
    """``POST /internal/auth/authenticate`` answers 200 with ``Authentication: <new_token>``."""

    def __init__(self) -> None:
        super().__init__()
        self.new_token = ""
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.start()

    def handler(self) -> type[QuietHandler]:
        auth = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                auth.requests.append(("POST", self.path, dict(self.headers.items())))
                if self.path != "/internal/auth/authenticate":
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Authentication", auth.new_token)
                self.send_header("Content-Length", "0")
                self.end_headers()

        return Handler

    def close(self) -> None:
        self.stop()


# The service process.


@dataclass
class Deployment:
    """Everything an instance needs besides its own port: the environment of the image."""

    postgres: PostgresServer
    redis: RedisServer
    secrets: Path
    logs: Path
    auth_port: int
    vote_port: int

    def environment(self, port: int, redis: RedisServer | None = None) -> dict[str, str]:
        redis = redis or self.redis
        dsn = urlsplit(self.postgres.dsn)
        inherited = {name: value for name, value in os.environ.items() if name in ("HOME", "LANG", "TMPDIR")}
        return {
            **inherited,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
            "AUTOUPDATE_PORT": str(port),
            "AUTOUPDATE_HOST": "127.0.0.1",
            "DATABASE_HOST": dsn.hostname or "",
            "DATABASE_PORT": str(dsn.port),
            "DATABASE_USER": self.postgres.user,
            "DATABASE_NAME": self.postgres.database,
            "DATABASE_PASSWORD_FILE": str(self.secrets / "postgres_password"),
            "MESSAGE_BUS_HOST": redis.host,
            "MESSAGE_BUS_PORT": str(redis.port),
            "OPENSLIDES_DEVELOPMENT": "false",
            "AUTH_TOKEN_KEY_FILE": str(self.secrets / "auth_token_key"),
            "AUTH_COOKIE_KEY_FILE": str(self.secrets / "auth_cookie_key"),
            "AUTH_HOST": "127.0.0.1",
            "AUTH_PORT": str(self.auth_port),
            "VOTE_HOST": "127.0.0.1",
            "VOTE_PORT": str(self.vote_port),
            "METRIC_SAVE_INTERVAL": f"{METRIC_SAVE_INTERVAL:g}s",
            "METRIC_INTERVAL": "2s",
            "OPENSLIDES_HEARTBEAT_INTERVAL": "1s",
        }


def health(environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``HEALTH_COMMAND`` as the container runtime runs it, in the instance's environment."""
    return subprocess.run(
        HEALTH_COMMAND, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=30, check=False
    )


class Instance:
    """One service process (``SERVICE_COMMAND``) with its log file."""

    def __init__(self, name: str, deployment: Deployment, redis: RedisServer | None = None) -> None:
        self.name = name
        self.postgres = deployment.postgres
        self.redis = redis or deployment.redis
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.environment = deployment.environment(self.port, redis)
        self.log = deployment.logs / f"{name}-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the process; return once ``HEALTH_COMMAND`` exits 0; raise with the log if not."""
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                SERVICE_COMMAND,
                cwd=ROOT,
                env=self.environment,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: Granian's workers end with it
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                code = self.process.returncode
                self.stop()
                raise RuntimeError(f"{self.name} exited with {code}:\n{self.log_text()}")
            try:  # a cheap probe first; then the image's own health check must agree
                answers = httpx.get(f"{self.url}/system/autoupdate/health", timeout=1).status_code == 200
            except httpx.HTTPError:
                answers = False
            if answers and health(self.environment).returncode == 0:
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer within {START_TIMEOUT:.0f} s:\n{self.log_text()}")

    def stop(self) -> None:
        """SIGTERM and wait; then SIGKILL whatever is left of its process group."""
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=STOP_TIMEOUT)
        with contextlib.suppress(ProcessLookupError):  # a worker that outlived its parent
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT)

    def kill(self) -> None:
        """SIGKILL its whole process group at once, as a crash or an OOM kill ends it: no stream
        is ended cleanly."""
        process, self.process = self.process, None
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT)

    async def logged(self, text: str, within: float = MESSAGE_TIMEOUT) -> None:
        """Wait until the log holds ``text``; fail after ``within`` seconds."""
        deadline = time.monotonic() + within
        while text not in self.log_text():
            assert time.monotonic() < deadline, f"{self.name} did not log {text!r}"
            await asyncio.sleep(0.05)

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else "(no log)"


@contextlib.contextmanager
def running(instance: Instance) -> Iterator[Instance]:
    instance.start()
    try:
        yield instance
    finally:
        instance.stop()


def run(main: Awaitable[_T], *instances: Instance, timeout: float = 90) -> _T:
    """Run a test's coroutine (bounded); on failure print the logs of ``instances``."""
    try:
        return asyncio.run(asyncio.wait_for(main, timeout))
    except BaseException:
        for instance in instances:
            print(f"===== log of {instance.name} ({instance.url}) =====\n{instance.log_text()}")
        raise


# HTTP helpers.


def headers_of(credentials: DevCredentials) -> dict[str, str]:
    """What a logged-in browser sends: the access token header and the refresh cookie."""
    return {"Authentication": credentials.authentication_header, "Cookie": f"refreshId={credentials.cookie}"}


def client() -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=httpx.Timeout(MESSAGE_TIMEOUT))


class Stream:
    """The messages of an open ``/system/autoupdate`` stream; heartbeats are counted, not returned.

    One task reads the lines into a queue, so a wait that times out never cancels the read of
    the response itself (cancelling a pending ``anext`` would end the line iterator for good).
    """

    _END = object()

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.heartbeats = 0
        self._lines: asyncio.Queue[Any] = asyncio.Queue()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for line in self.response.aiter_lines():
                if line:
                    self._lines.put_nowait(line)
        except Exception as error:
            self._lines.put_nowait(error)
        self._lines.put_nowait(self._END)

    async def _line(self, deadline: float) -> str | None:
        """The next line, ``None`` once the response ended; TimeoutError at ``deadline``."""
        item = await asyncio.wait_for(self._lines.get(), max(0.01, deadline - time.monotonic()))
        if isinstance(item, Exception):
            raise item
        return None if item is self._END else item

    async def next(self, within: float = MESSAGE_TIMEOUT) -> dict[str, Any]:
        """The next data message; fails if none comes ``within`` seconds or the stream ends."""
        deadline = time.monotonic() + within
        while True:
            line = await self._line(deadline)
            assert line is not None, "the stream ended"
            message: dict[str, Any] = json.loads(line)
            if message:
                assert "error" not in message, message
                return message
            self.heartbeats += 1

    async def quiet(self, seconds: float) -> None:
        """Nothing but heartbeats for ``seconds``, and the stream stays open."""
        deadline = time.monotonic() + seconds
        with contextlib.suppress(TimeoutError):
            while True:
                line = await self._line(deadline)
                assert line is not None, "the stream ended"
                assert json.loads(line) == {}, f"unexpected message {line!r}"
                self.heartbeats += 1

    async def ends(self, within: float = MESSAGE_TIMEOUT) -> list[str]:
        """Wait (``within`` seconds) until the server ends the response; the lines until then."""
        deadline = time.monotonic() + within
        rest: list[str] = []
        while (line := await self._line(deadline)) is not None:
            rest.append(line)
        return rest

    async def close(self) -> None:
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader


@contextlib.asynccontextmanager
async def stream(
    http: httpx.AsyncClient,
    url: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    query: str = "",
) -> AsyncIterator[Stream]:
    content = None if body is None else json.dumps(body)
    async with http.stream(
        "POST", f"{url}/system/autoupdate{query}", content=content, headers=headers or {}
    ) as response:
        if response.status_code != 200:
            await response.aread()
            raise AssertionError(f"stream answered {response.status_code}: {response.text}")
        opened = Stream(response)
        try:
            yield opened
        finally:
            await opened.close()


def relation_list(collection: str, **fields: Any) -> dict[str, Any]:
    return {"type": "relation-list", "collection": collection, "fields": fields or {"id": None}}
