"""The bench's load driver (``simulator.bench.driver``) against a tiny local HTTP/1.1 server:
lines with their arrival, the request marked sent, and the first message kept in full only
when asked."""

from __future__ import annotations

import asyncio

import pytest

from simulator.bench.driver import FIRST_START, Endpoint, Streams
from simulator.bench.fanout import spread

FIRST = b'{"a/1/x": "' + b"y" * 1000 + b'"}'
LATER = b'{"a/1/x": "z"}'


async def _serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while (await reader.readline()) not in (b"\r\n", b""):
        pass  # the request head; the body (2 bytes) is not needed
    writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    for line in (FIRST, b"{}", LATER):
        chunk = line + b"\n"
        writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
    writer.write(b"0\r\n\r\n")
    await writer.drain()
    writer.close()


async def _streams() -> Streams:
    server = await asyncio.start_server(_serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        streams = Streams(Endpoint.parse(f"http://127.0.0.1:{port}"), b"{}")
        streams.open([(1, None)])
        streams.open([(2, None)], keep_first=False)
        await streams.wait_sent(limit_seconds=10)
        for _ in range(1000):  # until both responses ended (10 s at most)
            if all(stream.ended for stream in streams.streams):
                break
            await asyncio.sleep(0.01)
        await streams.close()
    return streams


def test_streams_keep_their_first_message_in_full_only_when_asked() -> None:
    kept, cut = asyncio.run(_streams()).streams
    assert kept.sent and cut.sent and kept.status == cut.status == 200
    assert [line for _, line in kept.messages] == [FIRST, LATER]  # the heartbeat after it is dropped
    assert [line for _, line in cut.messages] == [FIRST[:FIRST_START], LATER]
    assert kept.messages[1][1] is cut.messages[1][1]  # equal lines share one bytes object
    assert kept.fold() == {"a/1/x": "z"}
    with pytest.raises(ValueError, match="did not keep its first message"):
        cut.fold()


def test_the_checked_streams_are_spread_evenly() -> None:
    assert spread(10, 3) == [0, 3, 6]
    assert spread(4, 10) == [0, 1, 2, 3]
    assert spread(10_000, 1000)[:3] == [0, 10, 20]
