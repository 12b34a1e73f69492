"""Clients that vanish leave nothing behind: streams, counters and tasks return to where they
were (spec issue "Reliability": abrupt disconnects free everything)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e

CLIENTS = 1000


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


def _rss(server: Server) -> int:
    """Resident memory of the service's processes (Granian's main process and its worker)."""
    total = 0
    pids = [server.process.pid]
    children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children")
    if children.exists():
        pids += [int(pid) for pid in children.read_text().split()]
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
    return total


def test_abrupt_disconnects_free_streams_counters_and_tasks(unrestricted: Server) -> None:
    asyncio.run(_open_and_abort(unrestricted, 50))  # warm up: caches and groups exist
    time.sleep(1)
    before, rss_before = _metrics(unrestricted), _rss(unrestricted)
    asyncio.run(_open_and_abort(unrestricted, CLIENTS))
    deadline = time.monotonic() + 20
    after = _metrics(unrestricted)
    while time.monotonic() < deadline and after["autoupdate_connections"] > 0:
        time.sleep(0.2)
        after = _metrics(unrestricted)
    assert after["autoupdate_connections"] == 0
    # computed groups outlive their streams a minute: at most one per distinct request
    assert after["autoupdate_groups"] <= before["autoupdate_groups"] + 20
    assert after["autoupdate_connections_stream_current_connections_local"] == 0
    assert after["autoupdate_runtime_tasks"] <= before["autoupdate_runtime_tasks"] + 5
    grown = _rss(unrestricted) - rss_before
    assert grown < 64 * 2**20, f"RSS grew by {grown / 2**20:.0f} MiB after {CLIENTS} vanished clients"
