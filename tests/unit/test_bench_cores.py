"""The bench's cores used (``simulator.bench.cores``): CPU seconds per wall second between two
moments, from (time, CPU seconds) samples; and the recorder that takes them."""

from __future__ import annotations

import asyncio
import itertools
import os

import pytest

from simulator.bench.cores import CpuRecorder, cores_used, cpu_at

SAMPLES = [(0.0, 0.0), (1.0, 0.5), (2.0, 2.5)]


def test_cpu_between_samples_is_interpolated() -> None:
    assert cpu_at(SAMPLES, 1.0) == 0.5
    assert cpu_at(SAMPLES, 1.5) == pytest.approx(1.5)
    assert cpu_at(SAMPLES, -0.1) is None
    assert cpu_at(SAMPLES, 2.1) is None
    assert cpu_at([], 0.0) is None


def test_cores_used_is_cpu_seconds_per_wall_second() -> None:
    assert cores_used(SAMPLES, 0.0, 2.0) == pytest.approx(1.25)
    assert cores_used(SAMPLES, 1.0, 2.0) == pytest.approx(2.0)
    assert cores_used(SAMPLES, 0.5, 1.5) == pytest.approx(1.25)


def test_cores_used_is_unknown_outside_the_samples_or_for_no_time() -> None:
    assert cores_used(SAMPLES, 0.0, 3.0) is None
    assert cores_used(SAMPLES, 1.0, 1.0) is None


def test_the_recorder_samples_a_process_tree_and_this_process() -> None:
    async def run(pid: int | None) -> CpuRecorder:
        recorder = CpuRecorder(lambda: pid)
        recorder.start()
        await asyncio.sleep(0.3)
        await recorder.stop()
        return recorder

    known = asyncio.run(run(os.getpid()))
    assert len(known.samples) >= 3
    assert [at for at, _ in known.service()] == [s.at for s in known.samples]
    for series in (known.service(), known.driver()):
        assert all(earlier[1] <= later[1] for earlier, later in itertools.pairwise(series))
    unknown = asyncio.run(run(None))
    assert unknown.service() == []
    assert len(unknown.driver()) == len(unknown.samples)
