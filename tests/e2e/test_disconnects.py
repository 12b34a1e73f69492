"""Clients that vanish leave nothing behind: streams, counters and tasks return to where they
were (spec issue "Reliability": abrupt disconnects free everything)."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e

CLIENTS = 300


def _metrics(server: Server) -> dict[str, float]:
    text = httpx.get(f"{server.url}/system/autoupdate/metrics", timeout=10).text
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return values


async def _open_and_abort(server: Server, count: int) -> None:
    host, port = server.url.removeprefix("http://").split(":")
    connections = []
    for index in range(count):
        reader, writer = await asyncio.open_connection(host, int(port))
        request = f"GET /system/autoupdate?k=user/{index % 20 + 1}/username HTTP/1.1\r\nHost: x\r\n\r\n"
        writer.write(request.encode())
        connections.append((reader, writer))
    for reader, _ in connections:
        await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 20)  # the stream is open
    for _, writer in connections:
        writer.transport.abort()  # no FIN handshake: a client that just disappears


def test_abrupt_disconnects_free_streams_counters_and_tasks(unrestricted: Server) -> None:
    before = _metrics(unrestricted)
    asyncio.run(_open_and_abort(unrestricted, CLIENTS))
    deadline = time.monotonic() + 20
    after = _metrics(unrestricted)
    while time.monotonic() < deadline and after["autoupdate_connections"] > 0:
        time.sleep(0.2)
        after = _metrics(unrestricted)
    assert after["autoupdate_connections"] == 0
    assert after["autoupdate_groups"] <= 20  # computed groups outlive their streams a minute
    assert after["autoupdate_connections_stream_current_connections_local"] == 0
    assert after["autoupdate_runtime_tasks"] <= before["autoupdate_runtime_tasks"] + 5
