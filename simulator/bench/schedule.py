"""B2's writes, sent on a schedule: one every ``interval`` seconds, not waiting for the delivery
of the previous one, so a write that takes long delays the ones after it (head-of-line
blocking) and that shows as their queueing.

Each write goes through the real write path (Postgres rows, then ``XADD ModifiedFields``).
When the service is quiet again, the streams' messages are attributed to the writes
(``delivery``) and each write's latency is split into queueing and processing (``queueing``);
the CPU figures come from the samples of ``cores``.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from redis.asyncio import Redis

from simulator.bench.cores import CpuRecorder, cores_used, cpu_at
from simulator.bench.delivery import Delivery, MessageKeys, attribute
from simulator.bench.driver import Streams, progress
from simulator.bench.measure import BenchError, Target, settle
from simulator.bench.queueing import Timing, split
from simulator.bench.report import secs
from simulator.bench.writes import Writes


@dataclass(frozen=True)
class WriteFigures:
    kind: str
    receivers: int
    timing: Timing
    cpu: float | None
    """Service CPU seconds from this write's XADD to the next one's (the last: to the end)."""


@dataclass
class WritePhase:
    """The writes' figures and the cores used from the first XADD to the last message."""

    figures: list[WriteFigures]
    delivery: Delivery
    seconds: float
    service_cores: float | None
    driver_cores: float | None


async def send_writes(
    target: Target,
    streams: Streams,
    cpu: CpuRecorder,
    *,
    count: int,
    permission_at: int | None,
    interval: float,
) -> WritePhase:
    """Send ``count`` writes ``interval`` seconds apart, wait until the service is quiet, and
    measure them."""
    if target.write is None or target.redis_url is None:
        raise BenchError("B2 needs the database and Redis of the service (--database-url, --redis-url)")
    writes = Writes(target.meeting)
    plan = writes.plan(count, permission_at)
    before = [len(stream.messages) for stream in streams.streams]
    sent: list[float] = []
    changed: list[frozenset[str]] = []
    bus = Redis.from_url(target.redis_url)
    try:
        begin = time.perf_counter()
        for index, kind in enumerate(plan):
            await asyncio.sleep(max(0.0, begin + index * interval - time.perf_counter()))
            modified = await target.write(writes.build(kind, index))
            target.meeting.apply(modified)
            sent.append(cpu.sample().at)
            await bus.xadd("ModifiedFields", modified)  # type: ignore[arg-type]
            changed.append(frozenset(modified))
            progress(f"write {index + 1}/{count} {kind} sent")
        await settle(target.pid(), streams)
    finally:
        await bus.aclose()
    cpu.sample()
    messages = [stream.messages[start:] for stream, start in zip(streams.streams, before, strict=True)]
    delivery = attribute(messages, sent, changed, MessageKeys(frozenset().union(*changed)))
    done = delivery.done
    end = max((at for at in done if at is not None), default=sent[-1])
    service = cpu.service()
    bounds = [*sent[1:], end]
    figures = []
    for index, (kind, timing) in enumerate(zip(plan, split(sent, done), strict=True)):
        first, last = cpu_at(service, sent[index]), cpu_at(service, max(bounds[index], sent[index]))
        used = None if first is None or last is None else last - first
        figures.append(WriteFigures(kind, len(delivery.arrivals[index]), timing, used))
        progress(f"write {index + 1}/{count} {kind}: {_line(figures[-1])}")
    return WritePhase(
        figures,
        delivery,
        end - sent[0],
        cores_used(service, sent[0], end),
        cores_used(cpu.driver(), sent[0], end),
    )


def _line(figure: WriteFigures) -> str:
    timing = figure.timing
    if timing.latency is None or timing.queueing is None:
        latency = "no message"
    else:
        latency = f"{secs(timing.latency)} (queueing {secs(timing.queueing)})"
    cpu = "-" if figure.cpu is None else secs(figure.cpu)
    return f"{figure.receivers} connections, {latency}, CPU {cpu}"
