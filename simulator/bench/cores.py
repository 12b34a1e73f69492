"""Cores used: CPU seconds per second of wall time, of the service and of the driver, per phase.

A background task samples the CPU seconds of the service's process tree (Granian's supervisor
and workers, ``proc.cpu_seconds``) and of this process, so a phase (opening the streams, the
writes) is measured between any two moments by interpolating between samples.
"""

from __future__ import annotations

import asyncio
import bisect
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from simulator.bench import proc

SAMPLE_SECONDS = 0.2


@dataclass(frozen=True)
class Sample:
    at: float
    """``time.perf_counter()``"""
    service: float | None
    """CPU seconds of the service's process tree so far (None: unknown process)."""
    driver: float
    """CPU seconds of this process so far."""


def cpu_at(samples: Sequence[tuple[float, float]], at: float) -> float | None:
    """CPU seconds at ``at``, linear between the (time, CPU seconds) samples around it; None
    outside the sampled span."""
    times = [time_ for time_, _ in samples]
    index = bisect.bisect_left(times, at)
    if index < len(times) and times[index] == at:
        return samples[index][1]
    if index == 0 or index == len(times):
        return None
    (t0, c0), (t1, c1) = samples[index - 1], samples[index]
    return c0 + (c1 - c0) * (at - t0) / (t1 - t0)


def cores_used(samples: Sequence[tuple[float, float]], start: float, end: float) -> float | None:
    """CPU seconds per wall second between ``start`` and ``end`` (None: not sampled then)."""
    if end <= start:
        return None
    first, last = cpu_at(samples, start), cpu_at(samples, end)
    if first is None or last is None:
        return None
    return (last - first) / (end - start)


@dataclass
class CpuRecorder:
    """Samples the service's and the driver's CPU seconds while running (``start``/``stop``)."""

    pid: Callable[[], int | None]
    samples: list[Sample] = field(default_factory=list)
    _task: asyncio.Task[None] | None = None

    def sample(self) -> Sample:
        pid = self.pid()
        service = None if pid is None else proc.cpu_seconds(pid)
        taken = Sample(time.perf_counter(), service, time.process_time())
        self.samples.append(taken)
        return taken

    def start(self) -> None:
        self.sample()
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        self.sample()

    def service(self) -> list[tuple[float, float]]:
        return [(s.at, s.service) for s in self.samples if s.service is not None]

    def driver(self) -> list[tuple[float, float]]:
        return [(s.at, s.driver) for s in self.samples]

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(SAMPLE_SECONDS)
            self.sample()
