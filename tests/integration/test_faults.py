"""Faults of the services around the real production process, and clients that do not read.

The process is started as in ``deployment`` (``python -m adapters.server`` with secret
files, real Postgres and Redis); around it run a scripted auth service and a fake vote service
that the tests stop and start again on the same port. What each fault must (not) do:

* **Redis** stopped and restarted while streams are open and writes continue: covered by
  ``test_service_process`` (f), ``test_redis_restart_loses_no_update`` and
  ``test_redis_restart_without_persistence``; not repeated here.
* **Postgres** down: open streams keep running from the cache (a change announced on Redis
  reaches them); a new request that needs data the cache does not hold gets a 500
  ``InternalError`` at once; one whose data is cached is served; once Postgres is back, new
  requests work without a restart of the service.
* **Vote service** down: only ``poll/*/live_votes`` is affected (it keeps its last state);
  reads never wait for it, other keys keep changing, and it catches up when the vote service
  is back.
* **Auth service** down: an expired access token can not be refreshed, so that request gets
  a 500 ``InternalError``; valid tokens and open streams are not affected; the refresh works
  again once the auth service is back.
* **Slow consumers**: a client that stops reading its stream is detached from the engine after
  ``MAX_QUEUED_MESSAGES`` messages, so the service's memory does not grow with what it is sent.

Every wait is bounded; processes end in fixture teardowns; a failing test prints the logs.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import queue
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from adapters.vote_client import LIVE_VOTES_PATH
from simulator.bench.proc import rss_bytes
from simulator.tokens import mint
from tests.integration.deployment import (
    MESSAGE_TIMEOUT,
    SUPERADMIN,
    Deployment,
    Instance,
    Meeting,
    Stream,
    client,
    headers_of,
    run,
    running,
    stream,
    update,
    writer,
)
from tests.integration.fake_service import FakeService, QuietHandler
from tests.integration.servers import PostgresServer
from tests.integration.test_security import ScriptedAuth

pytestmark = pytest.mark.integration

PROMPT = 5.0
"""An answer that does not wait for a dead dependency comes well within this many seconds."""
INTERNAL_ERROR = {
    "error": {
        "type": "InternalError",
        "msg": "Something went wrong on the server. The admin is already informed.",
    }
}
SLOW_CONSUMER_LOG = "disconnecting a client that does not read its stream"
"""What ``adapters.http.autoupdate_route`` logs when it disconnects a slow consumer."""


# A fake vote service.


class FakeVotes(FakeService):
    """``GET /internal/vote/live_votes``: the full state as one JSON object, then one object per
    change, on a response that never ends while the service runs (the vote service's protocol,
    spec §5.9). ``stop()`` ends every open response and stops listening; ``start()`` listens
    again on the same port."""

    def __init__(self) -> None:
        super().__init__()
        self.polls: dict[int, dict[str, str | None]] = {}
        self.connections = 0
        self._listeners: set[queue.Queue[bytes]] = set()
        self._lock = threading.Lock()
        self._stopping = threading.Event()

    def vote(self, poll: int, user: int, value: str | None) -> None:
        with self._lock:
            self.polls.setdefault(poll, {})[str(user)] = value
            change = json.dumps({poll: {str(user): value}}).encode()
            for listener in self._listeners:
                listener.put(change)

    def handler(self) -> type[QuietHandler]:
        votes = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                if self.path != LIVE_VOTES_PATH:
                    self.send_error(404)
                    return
                changes: queue.Queue[bytes] = queue.Queue()
                with votes._lock:
                    votes.connections += 1
                    votes._listeners.add(changes)
                    full = json.dumps(votes.polls).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/octet-stream")
                    self.end_headers()
                    self.wfile.write(full)
                    self.wfile.flush()
                    while not votes._stopping.is_set():
                        with contextlib.suppress(queue.Empty):
                            self.wfile.write(changes.get(timeout=0.05))
                            self.wfile.flush()
                finally:
                    with votes._lock:
                        votes._listeners.discard(changes)

        return Handler

    def start(self) -> None:
        self._stopping.clear()
        super().start()

    def stop(self) -> None:
        """Ends every open response, and nothing listens on the port any more."""
        self._stopping.set()  # open responses end within one poll of their queue
        super().stop()
        deadline = time.monotonic() + 5
        while self._listeners and time.monotonic() < deadline:
            time.sleep(0.02)


@pytest.fixture(scope="module")
def votes() -> Iterator[FakeVotes]:
    with FakeVotes() as fake:
        yield fake


@pytest.fixture(scope="module")
def auth() -> Iterator[ScriptedAuth]:
    """Answers every refresh with 200 and ``new_token`` (set by each test) until stopped."""
    with ScriptedAuth(200) as scripted_auth:
        yield scripted_auth


@pytest.fixture(scope="module")
def dependent(deployment: Deployment, auth: ScriptedAuth, votes: FakeVotes) -> Iterator[Instance]:
    """An instance with an auth service and a vote service that the tests take away."""
    setup = dataclasses.replace(deployment, auth_port=auth.port, vote_port=votes.port)
    with running(Instance("dependent", setup)) as instance:
        yield instance


def others(meeting: Meeting, count: int) -> list[int]:
    """Users of the meeting other than the superadmin and the delegate, fewest first."""
    ids = sorted(int(id) for id in meeting.export["user"])
    return [id for id in ids if id not in (SUPERADMIN, meeting.delegate)][:count]


async def xadd(instance: Instance, changes: dict[str, Any]) -> None:
    """Announce changed keys as the datastore writer does (values JSON-encoded)."""
    async with Redis(host=instance.redis.host, port=instance.redis.port) as redis:
        fields = {key: json.dumps(value) for key, value in changes.items()}
        await redis.xadd("ModifiedFields", fields)  # type: ignore[arg-type]


async def timed_get(http: httpx.AsyncClient, url: str, headers: dict[str, str]) -> tuple[int, Any, float]:
    """Status, JSON body and seconds of a request that must answer at once (``single``, or
    an error before the first byte of a stream)."""
    started = time.monotonic()
    async with http.stream("GET", url, headers=headers) as response:
        if response.status_code == 200 and "single" not in url:
            async for line in response.aiter_lines():
                return 200, json.loads(line), time.monotonic() - started
        await response.aread()
        return response.status_code, response.json(), time.monotonic() - started


# Postgres.


@contextlib.asynccontextmanager
async def stopped(server: PostgresServer) -> AsyncIterator[None]:
    """``server.stopped()`` for a coroutine: its blocking calls run in a thread, so the event
    loop (and the streams it reads) keeps going."""
    await asyncio.to_thread(server.stop)
    try:
        yield
    finally:
        await asyncio.to_thread(server.start)


def test_postgres_down_streams_continue_new_requests_fail_then_recover(
    dependent: Instance, meeting: Meeting, postgres_server: PostgresServer
) -> None:
    """While Postgres is down: the open stream gets a change announced on Redis (the cache holds
    its data), a request for data the cache does not hold answers 500 ``InternalError`` at once
    (stream mode and ``single``), a request for cached data is served, health stays up. After
    Postgres is back: the same requests work and the open stream still follows changes."""
    user = others(meeting, 1)[0]
    key = f"user/{user}/first_name"
    tags = meeting.obj("meeting", 1)["tag_ids"]
    uncached = f"k=tag/{tags[0]}/name,tag/{tags[0]}/meeting_id"
    admin = headers_of(mint(SUPERADMIN))
    url = f"{dependent.url}/system/autoupdate"

    async def main() -> None:
        async with (
            client() as http,
            stream(http, dependent.url, headers=admin, query=f"?k={key}") as opened,
        ):
            assert await opened.next() == {key: meeting.obj("user", user)["first_name"]}
            async with stopped(postgres_server):
                await xadd(dependent, {key: "Written while Postgres is down"})
                assert await opened.next() == {key: "Written while Postgres is down"}

                for query in (f"?{uncached}", f"?single&{uncached}"):
                    status, body, seconds = await timed_get(http, url + query, admin)
                    assert (status, body) == (500, INTERNAL_ERROR), query
                    assert seconds < PROMPT, query
                status, body, _ = await timed_get(http, f"{url}?single&k={key}", admin)
                assert (status, body) == (200, {key: "Written while Postgres is down"})
                assert (await http.get(f"{dependent.url}/system/autoupdate/health")).status_code == 200
                await opened.quiet(0.5)
                assert "from postgres at" in dependent.log_text()

            # Postgres is back: no restart of the service needed.
            tag = meeting.obj("tag", tags[0])
            for query in (f"?single&{uncached}", f"?{uncached}"):
                status, body, _ = await timed_get(http, url + query, admin)
                assert (status, body) == (
                    200,
                    {f"tag/{tags[0]}/name": tag["name"], f"tag/{tags[0]}/meeting_id": 1},
                ), query
            async with writer(dependent.postgres, dependent.redis) as w:
                await w.write(update(f"user/{user}", first_name="Written after the restart"))
            assert await opened.next() == {key: "Written after the restart"}

    try:
        run(main(), dependent)
    finally:
        postgres_server.start()


def test_postgres_down_first_stream_of_a_user_fails_cleanly(
    dependent: Instance, meeting: Meeting, postgres_server: PostgresServer
) -> None:
    """A user whose data the cache does not hold yet opens a stream while Postgres is down: a
    500 at once; after Postgres is back, the same request of that user works. (A regression
    test: the engine of commit 59bc733 never finished such a stream's first computation, so
    the request hung, and so did the same request after Postgres was back.)"""
    user = others(meeting, 2)[1]
    credentials = headers_of(mint(user))
    url = f"{dependent.url}/system/autoupdate?k=user/{user}/username"

    async def main() -> None:
        async with httpx.AsyncClient(timeout=httpx.Timeout(PROMPT)) as http:

            async def answer() -> tuple[int, Any]:
                try:
                    status, body, _ = await timed_get(http, url, credentials)
                except httpx.ReadTimeout:
                    return 0, "no answer within the timeout"
                return status, body

            async with stopped(postgres_server):
                assert await answer() == (500, INTERNAL_ERROR)
            assert await answer() == (200, {f"user/{user}/username": meeting.obj("user", user)["username"]})

    try:
        run(main(), dependent)
    finally:
        postgres_server.start()


# The vote service.


def test_vote_service_down_only_live_votes_degrade(
    dependent: Instance, meeting: Meeting, votes: FakeVotes
) -> None:
    """Live votes reach an open stream; the vote service goes away: the stream stays open with
    the last live votes, other keys of it keep changing, a new request for ``live_votes``
    answers at once; the vote service comes back with a new state: the stream gets it."""
    poll = meeting.obj("poll", int(next(iter(meeting.export["poll"]))))
    poll_id = poll["id"]
    assert poll["state"] == "started"
    voter, late_voter = others(meeting, 2)
    title, live = f"poll/{poll_id}/title", f"poll/{poll_id}/live_votes"
    admin = headers_of(mint(SUPERADMIN))

    async def until(opened: Stream, expected: dict[str, Any]) -> None:
        """Messages until the folded state holds ``expected`` (the first message may come
        before or after the vote service's state arrived)."""
        state: dict[str, Any] = {}
        deadline = time.monotonic() + MESSAGE_TIMEOUT
        while any(state.get(k) != v for k, v in expected.items()):
            state.update(await opened.next(within=max(0.1, deadline - time.monotonic())))

    async def main() -> None:
        async with (
            client() as http,
            stream(http, dependent.url, headers=admin, query=f"?k={title},{live}") as opened,
        ):
            votes.vote(poll_id, voter, "Y")
            await until(opened, {title: poll["title"], live: {str(voter): "Y"}})

            votes.stop()
            await dependent.logged("vote service: the live_votes stream ended")
            await xadd(dependent, {title: "Renamed while the vote service is down"})
            assert await opened.next() == {title: "Renamed while the vote service is down"}
            started = time.monotonic()
            response = await http.get(
                f"{dependent.url}/system/autoupdate?single&k={title},{live}", headers=admin
            )
            assert time.monotonic() - started < PROMPT
            assert response.status_code == 200, response.text
            assert response.json() == {
                title: "Renamed while the vote service is down",
                live: {str(voter): "Y"},  # the last state the vote service sent
            }
            await opened.quiet(1.5)  # no error line, only heartbeats

            votes.vote(poll_id, late_voter, "N")  # cast while the service could not tell
            votes.start()
            await until(opened, {live: {str(voter): "Y", str(late_voter): "N"}})

    try:
        run(main(), dependent)
    finally:
        votes.start()
    assert dependent.alive


# The auth service.


def test_auth_service_down_fails_only_refreshes(
    dependent: Instance, meeting: Meeting, auth: ScriptedAuth
) -> None:
    """An expired token needs the auth service: refreshed while it answers; 503
    ``auth_unavailable`` while it is unreachable or answers 500, with one log line for each
    reason; refreshed again once it is back. Valid tokens and an open stream do not notice."""
    user = meeting.delegate
    expired = mint(user, lifetime_seconds=-60)
    valid = mint(user)
    auth.new_token = mint(user, session_id=expired.session_id).authentication_header
    query = f"?single&k=user/{user}/username"
    username = {f"user/{user}/username": meeting.obj("user", user)["username"]}

    async def main() -> None:
        async with (
            client() as http,
            stream(http, dependent.url, headers=headers_of(valid), query=f"?k=user/{user}/id") as opened,
        ):
            assert await opened.next() == {f"user/{user}/id": user}
            url = f"{dependent.url}/system/autoupdate{query}"

            refreshed = await http.get(url, headers=headers_of(expired))
            assert (refreshed.status_code, refreshed.json()) == (200, username)
            assert refreshed.headers["Authentication"] == auth.new_token

            auth.stop()
            try:
                status, body, seconds = await timed_get(http, url, headers_of(expired))
                assert (status, body) == (503, auth_unavailable("can not reach the auth service"))
                assert seconds < PROMPT
                status, body, _ = await timed_get(http, url, headers_of(valid))
                assert (status, body) == (200, username)
                await opened.quiet(1.5)
            finally:
                auth.start()
            assert "can not reach the auth service" in dependent.log_text()

            auth.status = 500
            try:
                status, body, _ = await timed_get(http, url, headers_of(expired))
                assert (status, body) == (503, auth_unavailable("auth-service returned status 500"))
            finally:
                auth.status = 200
            assert "auth-service returned status 500" in dependent.log_text()

            recovered = await http.get(url, headers=headers_of(expired))
            assert (recovered.status_code, recovered.json()) == (200, username)

    run(main(), dependent)


def auth_unavailable(reason: str) -> dict[str, Any]:
    msg = f"can not refresh the access token: {reason}; try again later"
    return {"error": {"type": "auth_unavailable", "msg": msg}}


# Slow consumers.

QUEUED = 2
VALUE_SIZE = 256 * 1024
WRITES = 160
"""40 MiB of messages to one client: far more than the kernel buffers between it and the service."""
"""The end of a chunked HTTP/1.1 body (the connection itself stays open)."""


@pytest.fixture(scope="module")
def tight(deployment: Deployment) -> Iterator[Instance]:
    """An instance that queues at most ``QUEUED`` messages per client."""
    instance = Instance("tight", deployment)
    instance.environment["MAX_QUEUED_MESSAGES"] = str(QUEUED)
    with running(instance):
        yield instance


@contextlib.asynccontextmanager
async def not_reading(instance: Instance, key: str) -> AsyncIterator[socket.socket]:
    """A raw HTTP/1.1 stream with a tiny receive buffer; it reads only the response head."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(MESSAGE_TIMEOUT)
    try:
        sock.connect(("127.0.0.1", instance.port))
        credentials = headers_of(mint(SUPERADMIN))
        head = [f"GET /system/autoupdate?k={key} HTTP/1.1", f"Host: 127.0.0.1:{instance.port}"]
        head += [f"{name}: {value}" for name, value in credentials.items()]
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        received = b""
        while b"\r\n\r\n" not in received:
            data = await asyncio.to_thread(sock.recv, 1024)
            assert data, "the service closed the connection"
            received += data
        assert received.startswith(b"HTTP/1.1 200"), received[:200]
        yield sock
    finally:
        sock.close()


async def metrics(instance: Instance, http: httpx.AsyncClient) -> dict[str, float]:
    response = await http.get(
        f"{instance.url}/system/autoupdate/metrics", headers=headers_of(mint(SUPERADMIN))
    )
    assert response.status_code == 200, response.text
    return {
        name: float(value)
        for name, value in (line.rsplit(" ", 1) for line in response.text.splitlines() if line[:1] != "#")
    }


async def until_metric(instance: Instance, http: httpx.AsyncClient, name: str, value: float) -> None:
    deadline = time.monotonic() + MESSAGE_TIMEOUT
    while (seen := (await metrics(instance, http))[name]) != value:
        assert time.monotonic() < deadline, f"{name} is {seen}, expected {value}"
        await asyncio.sleep(0.1)


async def logged_again(instance: Instance, text: str, before: int, within: float = MESSAGE_TIMEOUT) -> None:
    """Wait until the log holds ``text`` more than ``before`` times."""
    deadline = time.monotonic() + within
    while instance.log_text().count(text) <= before:
        assert time.monotonic() < deadline, f"{instance.name} did not log {text!r} (again)"
        await asyncio.sleep(0.05)


async def flood(instance: Instance, key: str) -> str:
    """``WRITES`` large values of ``key``, one per ``XADD``; returns the last value."""
    async with Redis(host=instance.redis.host, port=instance.redis.port) as redis:
        value = ""
        for index in range(WRITES):
            value = f"{index:04d}" + "x" * VALUE_SIZE
            await redis.xadd("ModifiedFields", {key: json.dumps(value)})
    return value


async def trim(instance: Instance) -> None:
    """Keep the session's Redis small, once the service has read everything (trimming earlier
    would delete entries it has not read yet)."""
    async with Redis(host=instance.redis.host, port=instance.redis.port) as redis:
        await redis.xtrim("ModifiedFields", maxlen=0)


def test_slow_consumer_is_detached_and_memory_stays_bounded(tight: Instance, meeting: Meeting) -> None:
    """A client that stops reading stops getting messages after ``MAX_QUEUED_MESSAGES``: the
    engine drops it (``autoupdate_connections``), the service does not hold what it could not
    send (its memory grows by far less than the 40 MiB written) and keeps serving everybody
    else the latest data. The slow client is disconnected with a log line: reading again, it
    finds what the kernel buffers held and then the closed connection."""
    user = others(meeting, 1)[0]
    key = f"user/{user}/last_name"

    async def main() -> None:
        async with client() as http, not_reading(tight, key) as sock:
            await until_metric(tight, http, "autoupdate_connections", 1)
            assert tight.process is not None
            before = rss_bytes(tight.process.pid)
            last = await flood(tight, key)
            await until_metric(tight, http, "autoupdate_connections", 0)  # the slow client is detached
            grown = rss_bytes(tight.process.pid) - before
            assert grown < WRITES * VALUE_SIZE / 2, f"RSS grew by {grown / 2**20:.0f} MiB"
            deadline = time.monotonic() + 30  # everybody else is served the latest write
            while time.monotonic() < deadline:
                answer = await http.get(
                    f"{tight.url}/system/autoupdate?k={key}&single", headers=headers_of(mint(SUPERADMIN))
                )
                if json.loads(answer.text) == {key: last}:
                    break
                await asyncio.sleep(0.2)
            assert json.loads(answer.text) == {key: last}
            await trim(tight)

            await logged_again(tight, SLOW_CONSUMER_LOG, 0, within=15)
            await until_metric(tight, http, "autoupdate_connections_stream_current_connections_local", 0)
            # The client reads again: what the kernel buffers held, then the closed connection.
            received = 0
            while data := await asyncio.to_thread(sock.recv, 1 << 20):
                received += len(data)
            assert received < WRITES * VALUE_SIZE / 2

    run(main(), tight)


def test_client_that_never_reads_is_disconnected(tight: Instance, meeting: Meeting) -> None:
    """A client that never reads, and never closes, is disconnected with a log line once its
    backlog is full; the service stops counting its connection."""
    user = others(meeting, 2)[1]
    key = f"user/{user}/last_name"

    async def main() -> None:
        async with client() as http, not_reading(tight, key):
            await until_metric(tight, http, "autoupdate_connections_stream_current_connections_local", 1)
            logged = tight.log_text().count(SLOW_CONSUMER_LOG)
            await flood(tight, key)
            await logged_again(tight, SLOW_CONSUMER_LOG, logged, within=10)
            await until_metric(tight, http, "autoupdate_connections_stream_current_connections_local", 0)
            await trim(tight)

    run(main(), tight)
