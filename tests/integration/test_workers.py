"""One instance with ``AUTOUPDATE_WORKERS=2``: two Granian worker processes, each with its own
engine and cache, sharing one listening socket, one Postgres and one Redis.

Which worker accepts a connection is the kernel's choice, so the test asks the kernel which
process holds the server side of each stream's connection (``/proc``, Linux), and opens streams
until both workers hold some. Then, as for several instances (``test_scale_out``): every write
reaches every stream, connection counts and metrics are the sum over both workers, and a logout
ends the session's streams on both.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis

from simulator.tokens import mint
from tests.integration.cluster import Subscriber, single
from tests.integration.deployment import (
    METRIC_SAVE_INTERVAL,
    SUPERADMIN,
    Deployment,
    Instance,
    Meeting,
    client,
    headers_of,
    run,
    running,
    stream,
    update,
    writer,
)

pytestmark = [pytest.mark.integration, pytest.mark.scale_out]

WORKERS = 2
MAX_STREAMS = 40
"""Streams opened at most until every worker holds one (the kernel spreads them far sooner)."""
PROC = Path("/proc")
COUNTS_ROUTE = "/system/autoupdate/connection_count"


@pytest.fixture(scope="module")
def workers(deployment: Deployment) -> Iterator[Instance]:
    instance = Instance("workers", deployment)
    instance.environment["AUTOUPDATE_WORKERS"] = str(WORKERS)
    with running(instance):
        yield instance


def worker_pids(instance: Instance) -> set[int]:
    """The worker processes: the children of Granian's main process."""
    assert instance.process is not None
    main = instance.process.pid
    children = set()
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                stat = (entry / "stat").read_text()
                if int(stat[stat.rindex(")") + 2 :].split()[1]) == main:
                    children.add(int(entry.name))
    return children


def holder(instance: Instance, response: httpx.Response, pids: set[int]) -> int:
    """The process among ``pids`` that holds the server side of the response's connection."""
    network = response.extensions["network_stream"]
    client_port = network.get_extra_info("client_addr")[1]
    inodes = set()
    for line in (PROC / "net" / "tcp").read_text().splitlines()[1:]:
        parts = line.split()
        local, remote, inode = parts[1], parts[2], parts[9]
        if int(local.split(":")[1], 16) == instance.port and int(remote.split(":")[1], 16) == client_port:
            inodes.add(f"socket:[{inode}]")
    for pid in pids:
        for fd in (PROC / str(pid) / "fd").iterdir():
            with contextlib.suppress(OSError):
                if os.readlink(fd) in inodes:
                    return pid
    raise AssertionError(f"no worker holds the connection from port {client_port}")


def test_two_workers_share_writes_counts_and_logouts(workers: Instance, meeting: Meeting) -> None:
    user = meeting.delegate
    leaving, staying, admin = mint(user), mint(user), headers_of(mint(SUPERADMIN))
    motion = meeting.obj("meeting", 1)["motion_ids"][0]
    pids = worker_pids(workers)
    assert len(pids) == WORKERS, pids

    async def counts_by_worker(expected: list[dict[str, int]]) -> None:
        """Ask on new connections until every worker has answered ``expected``."""
        answered: dict[int, list[dict[str, int]]] = {}
        deadline = time.monotonic() + 6 * METRIC_SAVE_INTERVAL + 10
        while any(answered.get(pid) != expected for pid in pids):
            assert time.monotonic() < deadline, f"answers by worker: {answered}, expected {expected}"
            async with (
                client() as fresh,
                fresh.stream(
                    "GET", f"{workers.url}/system/autoupdate/connection_count", headers=admin
                ) as got,
            ):
                pid = holder(workers, got, pids)
                await got.aread()
                assert got.status_code == 200, got.text
                answered[pid] = [{uid: n for uid, n in kind.items() if n} for kind in got.json()]
            await asyncio.sleep(0.05)

    def spread(held: dict[int, list[Subscriber]]) -> bool:
        """Every worker holds a stream of each session."""
        return all(
            {id(s.credentials) for s in group} == {id(leaving), id(staying)} for group in held.values()
        )

    async def main() -> None:
        async with (
            client() as http,
            writer(workers.postgres, workers.redis) as w,
            contextlib.AsyncExitStack() as stack,
        ):
            subscribers: list[Subscriber] = []
            held: dict[int, list[Subscriber]] = {pid: [] for pid in pids}
            while not spread(held):
                assert len(subscribers) < MAX_STREAMS, {pid: len(group) for pid, group in held.items()}
                subscriber = Subscriber(leaving if len(subscribers) % 2 else staying)
                subscriber.stream = await stack.enter_async_context(
                    stream(http, workers.url, subscriber.body, subscriber.headers)
                )
                await subscriber.first()
                held[holder(workers, subscriber.stream.response, pids)].append(subscriber)
                subscribers.append(subscriber)

            # Every write reaches the streams of both workers.
            await w.write(update(f"motion/{motion}", title="Seen by both workers"))
            for subscriber in subscribers:
                expected = await single(http, subscriber, workers.url)
                assert expected[f"motion/{motion}/title"] == "Seen by both workers"
                await subscriber.converge(expected)

            # Counts: each worker saves its own under its own name, and each answers the sum.
            await counts_by_worker([{str(user): len(subscribers)}, {}])
            metrics = await http.get(f"{workers.url}/system/autoupdate/metrics", headers=admin)
            assert f"autoupdate_connections_stream_current_connections {len(subscribers)}\n" in metrics.text

            # A logout ends the session's streams on both workers; the other session's stay.
            async with Redis(host=workers.redis.host, port=workers.redis.port) as redis:
                await redis.xadd("logout", {"sessionId": leaving.session_id})
            for subscriber in subscribers:
                assert subscriber.stream is not None
                if subscriber.credentials is leaving:
                    assert set(await subscriber.stream.ends()) <= {"{}"}
                else:
                    await subscriber.stream.quiet(0.2)

    run(main(), workers)
