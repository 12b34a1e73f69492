"""What the scenarios share: the service under test, waiting for quiescence, percentiles.

A figure taken while the service is still busy with the previous step would mix two steps, so
each step waits until the service is quiet: no new message for ``quiet`` seconds and, when its
process is known, almost no CPU used during them.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from simulator.bench import proc
from simulator.bench.driver import Endpoint, Streams, progress, single
from simulator.bench.writes import Change, Meeting
from simulator.requests import client_meeting_request
from simulator.tokens import DevCredentials, mint

Writer = Callable[[Sequence[Change]], Awaitable[dict[str, str]]]
"""Writes events as one position to the datastore; returns the ``ModifiedFields`` entry."""

TOKEN_SECONDS = 24 * 60 * 60
IDLE_CPU_SHARE = 0.1
"""Quiet means less than this share of one core used by the service."""


class BenchError(Exception):
    """The service answered something a benchmark cannot measure (the message says what)."""


@dataclass
class Target:
    """The service under test and what the scenarios may do with it."""

    endpoint: Endpoint
    meeting: Meeting
    pid: Callable[[], int | None] = lambda: None
    """The service's (current) process id, when it runs on this machine."""
    restart: Callable[[], None] | None = None
    """Start a fresh service process (cold caches); None when the service is not ours."""
    redis_url: str | None = None
    write: Writer | None = None
    body: bytes = client_meeting_request()

    async def fresh(self) -> None:
        """A fresh service process when possible, warmed with one request of the superadmin."""
        if self.restart is not None:
            await asyncio.to_thread(self.restart)
        await self.single(1)

    async def single(self, user_id: int) -> tuple[bytes, float]:
        """The meeting request with ``?single`` as ``user_id`` (0: anonymous): the message line
        and the seconds until it was complete."""
        status, lines, seconds = await single(self.endpoint, self.body, credentials(user_id))
        if status != 200 or len(lines) != 1:
            raise BenchError(f"single request as user {user_id}: status {status}: {b''.join(lines)[:500]!r}")
        return lines[0], seconds


def credentials(user_id: int) -> DevCredentials | None:
    """Development credentials valid for the whole run; none for anonymous (user 0)."""
    return None if user_id == 0 else mint(user_id, lifetime_seconds=TOKEN_SECONDS)


async def settle(
    pid: int | None, streams: Streams | None, *, quiet: float = 1.0, limit_seconds: float = 3600
) -> float:
    """Wait until no message arrived for ``quiet`` seconds and the service (if ``pid``) was
    idle during them; return the seconds waited."""
    started = time.perf_counter()
    samples: list[tuple[float, float, int]] = []
    last_report = started
    while True:
        now = time.perf_counter()
        cpu = proc.cpu_seconds(pid) if pid is not None else 0.0
        count = streams.message_count() if streams is not None else 0
        samples.append((now, cpu, count))
        earlier = [sample for sample in samples if sample[0] <= now - quiet]
        if earlier:
            _, cpu_then, count_then = earlier[-1]
            if count == count_then and cpu - cpu_then <= IDLE_CPU_SHARE * quiet:
                return now - started
            samples = samples[len(earlier) - 1 :]
        if now - started > limit_seconds:
            raise BenchError(f"the service did not become quiet within {limit_seconds:.0f} s")
        if now - last_report > 10:
            progress(f"waiting for the service to finish: {now - started:.0f} s")
            last_report = now
        await asyncio.sleep(0.1)


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (``share`` in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, math.ceil(share / 100 * len(ordered)))
    return ordered[rank - 1]


def rss(pid: int | None) -> int | None:
    return None if pid is None else proc.rss_bytes(pid)
