"""The Redis message bus against fakeredis's TCP server: delivery, batching, logouts, reconnects."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Iterator
from typing import Any, TypeVar

import fakeredis
import pytest
from fakeredis import TcpFakeServer
from redis.asyncio import Redis
from redis.typing import EncodableT, FieldT

from adapters.redis_bus import LOGOUT_LOOKBACK_MS, RedisBus
from ports.messagebus import MessageBus

T = TypeVar("T")
WAIT = 10.0
"""Upper bound for every wait, so a broken bus fails the test instead of hanging it."""


class FakeRedis:
    """A fakeredis TCP server that can be stopped and started again on the same port, keeping its data."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.data = fakeredis.FakeServer()
        self._server: TcpFakeServer | None = None

    def start(self) -> None:
        server = TcpFakeServer(("127.0.0.1", self.port))
        server.fake_server = self.data
        # A client still blocked in XREAD must not keep stop() waiting for its handler thread.
        server.daemon_threads = True
        server.block_on_close = False
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self._server = server

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def xadd(self, stream: str, fields: dict[FieldT, EncodableT], entry_id: str = "*") -> None:
        """Write directly into the data, also while the TCP server is down."""
        fakeredis.FakeStrictRedis(server=self.data).xadd(stream, fields, id=entry_id)


@pytest.fixture
def fake_redis() -> Iterator[FakeRedis]:
    server = FakeRedis()
    server.start()
    yield server
    server.stop()


def make_bus(server: FakeRedis) -> RedisBus:
    return RedisBus("127.0.0.1", server.port, block_ms=100)


async def within(awaitable: Awaitable[T], seconds: float = WAIT) -> T:
    return await asyncio.wait_for(awaitable, seconds)


async def next_batch(stream: AsyncIterator[T]) -> T:
    return await within(anext(stream))


async def first_batch_after_probing(
    server: FakeRedis, stream: AsyncIterator[dict[str, bytes]]
) -> dict[str, bytes]:
    """Start the stream and write probes until one arrives: from then on the reader is live.
    Returns everything up to the last probe, so the next batch holds only what the test writes."""
    first = asyncio.ensure_future(anext(stream))
    deadline = time.monotonic() + WAIT
    probes = 0
    while not first.done():
        assert time.monotonic() < deadline, "the bus never delivered a probe"
        probes += 1
        server.xadd("ModifiedFields", {f"probe/{probes}/id": str(probes)})
        await asyncio.sleep(0.05)
    received = first.result()
    while f"probe/{probes}/id" not in received:
        received |= await next_batch(stream)
    return received


def test_implements_the_message_bus_port() -> None:
    bus: MessageBus = RedisBus(block_ms=100)
    assert bus is not None


def test_delivers_entries_written_after_the_start_but_none_before(fake_redis: FakeRedis) -> None:
    async def scenario() -> None:
        fake_redis.xadd("ModifiedFields", {"user/1/username": '"old"'})
        bus = make_bus(fake_redis)
        changes = bus.changes()
        first = await first_batch_after_probing(fake_redis, changes)
        assert "user/1/username" not in first
        fake_redis.xadd("ModifiedFields", {"user/1/username": '"new"', "user/1/meta_position": "2"})
        assert await next_batch(changes) == {"user/1/username": b'"new"', "user/1/meta_position": b"2"}
        await changes.aclose()  # type: ignore[attr-defined]
        await bus.close()

    asyncio.run(scenario())


def test_merges_up_to_ten_entries_into_one_batch(fake_redis: FakeRedis) -> None:
    async def scenario() -> None:
        bus = make_bus(fake_redis)
        changes = bus.changes()
        await first_batch_after_probing(fake_redis, changes)
        fake_redis.xadd("ModifiedFields", {"motion/1/title": '"a"', "motion/1/text": '"t"'})
        fake_redis.xadd("ModifiedFields", {"motion/1/title": '"b"'})
        for i in range(2, 11):
            fake_redis.xadd("ModifiedFields", {f"motion/{i}/title": "null"})
        first = await next_batch(changes)
        assert first == {
            "motion/1/title": b'"b"',
            "motion/1/text": b'"t"',
            **{f"motion/{i}/title": b"null" for i in range(2, 10)},
        }
        assert await next_batch(changes) == {"motion/10/title": b"null"}
        await changes.aclose()  # type: ignore[attr-defined]
        await bus.close()

    asyncio.run(scenario())


def test_logouts_yield_session_ids_of_the_last_fifteen_minutes(fake_redis: FakeRedis) -> None:
    async def scenario() -> None:
        old = time.time_ns() // 1_000_000 - LOGOUT_LOOKBACK_MS - 60_000
        fake_redis.xadd("logout", {"sessionId": "expired"}, entry_id=f"{old}-0")
        fake_redis.xadd("logout", {"sessionId": "s1", "other": "x"})
        fake_redis.xadd("logout", {"other": "only"})
        fake_redis.xadd("logout", {"sessionId": "s2"})
        bus = make_bus(fake_redis)
        logouts = bus.logouts()
        assert await next_batch(logouts) == ["s1", "s2"]
        fake_redis.xadd("logout", {"sessionId": "s3"})
        assert await next_batch(logouts) == ["s3"]
        await logouts.aclose()  # type: ignore[attr-defined]
        await bus.close()

    asyncio.run(scenario())


def test_resumes_after_a_redis_restart_without_losing_entries(
    fake_redis: FakeRedis, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario() -> None:
        bus = make_bus(fake_redis)
        changes = bus.changes()
        await first_batch_after_probing(fake_redis, changes)
        received: list[dict[str, bytes]] = []

        async def consume() -> None:
            async for batch in changes:
                received.append(batch)

        consumer = asyncio.create_task(consume())
        fake_redis.xadd("ModifiedFields", {"tag/1/name": '"before"'})
        fake_redis.stop()
        await asyncio.sleep(0.3)  # the bus notices and backs off
        fake_redis.xadd("ModifiedFields", {"tag/2/name": '"while down"'})
        fake_redis.start()
        deadline = time.monotonic() + WAIT
        while not any("tag/2/name" in batch for batch in received):
            assert time.monotonic() < deadline, f"lost an entry, received {received}"
            await asyncio.sleep(0.05)
        consumer.cancel()
        await asyncio.gather(consumer, return_exceptions=True)
        await bus.close()
        keys = [key for batch in received for key in batch if not key.startswith("probe/")]
        assert keys == ["tag/1/name", "tag/2/name"]

    with caplog.at_level(logging.WARNING, logger="autoupdate.redis"):
        asyncio.run(scenario())
    assert any("reading ModifiedFields failed" in record.message for record in caplog.records)


@pytest.mark.parametrize(
    "options",
    [{"protocol": 2}, {"protocol": 3}, {"protocol": 3, "legacy_responses": False}],
    ids=["resp2", "resp3", "resp3-unified"],
)
def test_a_given_client_works_in_every_reply_shape_and_is_left_open(
    fake_redis: FakeRedis, options: dict[str, Any]
) -> None:
    async def scenario() -> None:
        client = Redis(host="127.0.0.1", port=fake_redis.port, **options)
        bus = RedisBus(client=client, block_ms=100)
        changes = bus.changes()
        await first_batch_after_probing(fake_redis, changes)
        fake_redis.xadd("ModifiedFields", {"tag/1/name": '"x"'})
        fake_redis.xadd("ModifiedFields", {"tag/2/name": '"y"'})
        assert await next_batch(changes) == {"tag/1/name": b'"x"', "tag/2/name": b'"y"'}
        await changes.aclose()  # type: ignore[attr-defined]
        await bus.close()
        assert await client.ping()
        await client.aclose()

    asyncio.run(scenario())
