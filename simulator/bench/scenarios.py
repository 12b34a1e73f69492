"""The scenarios of spec/benchmarks.md: B1 first response, B2 fan-out, B3 memory, B4 domain.

B1 to B3 talk HTTP to a running service (``Target``); B2 also writes through the real write
path (Postgres, then ``XADD ModifiedFields``). B4 runs the engine in this process on the
in-memory datastore. Each returns ``Result`` tables; nothing here asserts a target.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass
from typing import Any

import msgspec
from redis.asyncio import Redis

from domain.autoupdate.engine import Autoupdate
from domain.cache import Cache
from domain.keysbuilder.parse import parse_many
from domain.restrict.restricter import PermissionRestricter
from simulator.bench import proc
from simulator.bench.driver import Stream, Streams, progress
from simulator.bench.measure import BenchError, Target, credentials, percentile, rss, settle
from simulator.bench.report import Result, mb, ms, secs
from simulator.bench.writes import PERMISSION, Meeting, Writes
from simulator.datastore import MemoryDatastore
from simulator.requests import meeting_request

B1_ROLES = ("admin", "staff", "delegate", "anonymous")
STREAM_LIMIT_SECONDS = 6 * 3600
CHECK_CONCURRENCY = 2
SHOWN_MISMATCHES = 3


def _users(meeting: Meeting) -> dict[str, list[int]]:
    return {**meeting.roles(), "anonymous": [0]}


def _spread(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{ms(statistics.median(values))} / {ms(percentile(values, 90))}"


# -- B1 -------------------------------------------------------------------------------------


async def b1(target: Target, *, cold_runs: int, repeat: int) -> Result:
    """First response per role, cold (fresh process each) and warm (data cache filled)."""
    users = _users(target.meeting)
    cold: dict[str, list[float]] = {role: [] for role in B1_ROLES}
    if target.restart is not None:
        for run in range(cold_runs):
            for role in B1_ROLES:
                progress(f"B1 cold: {role}, run {run + 1}/{cold_runs}")
                await asyncio.to_thread(target.restart)
                _, seconds = await target.single(users[role][run % len(users[role])])
                cold[role].append(seconds)
    await target.fresh()
    result = Result(
        "B1 first response, meeting request, `?single`",
        (
            "role",
            "cold median / p90",
            "warm, first of its role",
            "warm, further users median / p90",
            "keys",
            "bytes",
        ),
    )
    for role in B1_ROLES:
        progress(f"B1 warm: {role}")
        times, keys, size = [], 0, 0
        for index in range(repeat):
            line, seconds = await target.single(users[role][index % len(users[role])])
            times.append(seconds)
            if index == 0:
                keys, size = len(msgspec.json.decode(line)), len(line) + 1
        result.rows.append(
            (role, _spread(cold[role]), ms(times[0]), _spread(times[1:]), str(keys), str(size))
        )
    distinct = {role: min(repeat, len(users[role])) for role in B1_ROLES}
    result.notes.append(
        f"cold: {cold_runs} fresh service process(es) per role"
        if target.restart is not None
        else "cold: not measured (the service is not started by the benchmark)"
    )
    result.notes.append(
        f"warm: {repeat} requests per role after one request of user 1; distinct users: "
        + ", ".join(f"{role} {count}" for role, count in distinct.items())
    )
    return result


# -- B2 and B3 ------------------------------------------------------------------------------


@dataclass
class Opened:
    """C streams with their first messages, and what opening them cost."""

    streams: Streams
    all_first: float
    median_first: float
    rss_before: int | None
    rss_after: int | None


async def open_streams(target: Target, count: int) -> Opened:
    """A fresh, warmed service; then ``count`` streams of users in the role mix at once."""
    progress(f"opening {count} streams")
    await target.fresh()
    await settle(target.pid(), None)
    rss_before = rss(target.pid())
    streams = Streams(target.endpoint, target.body)
    started = time.perf_counter()
    streams.open((user, credentials(user)) for user in target.meeting.role_mix(count))
    await streams.wait_first_messages(limit_seconds=STREAM_LIMIT_SECONDS)
    failed = [s for s in streams.streams if s.ended or s.status not in (None, 200)]
    if failed:
        first = failed[0]
        await streams.close()
        raise BenchError(
            f"{len(failed)} of {count} streams failed; user {first.user_id}: status {first.status}, "
            f"error {first.error}, first line {first.messages[0][1][:300]!r}"
            if first.messages
            else f"{len(failed)} of {count} streams failed; user {first.user_id}: {first.error}"
        )
    waits = [s.messages[0][0] - started for s in streams.streams]
    await settle(target.pid(), streams)
    return Opened(streams, max(waits), statistics.median(waits), rss_before, rss(target.pid()))


def b3(opened: Opened, count: int) -> Result:
    result = Result(f"B3 memory, C = {count}", ("figure", "value"))
    if opened.rss_before is None or opened.rss_after is None:
        result.notes.append("not measured: the service process is unknown (start it or pass --service-pid)")
        return result
    growth = opened.rss_after - opened.rss_before
    result.rows += [
        ("service RSS before the streams (warm cache)", mb(opened.rss_before)),
        (f"service RSS with {count} idle streams", mb(opened.rss_after)),
        ("RSS per open idle stream", mb(growth / count)),
    ]
    return result


@dataclass
class WriteFigures:
    kind: str
    receivers: int
    latency: float | None
    cpu: float | None


async def b2(target: Target, opened: Opened, count: int, writes: int) -> list[Result]:
    """The writes on the open streams, then the correctness check; closes the streams."""
    try:
        figures = await _writes(target, opened.streams, writes)
        mismatches = await _check(target, opened.streams.streams)
    finally:
        await opened.streams.close()
    users = len({s.user_id for s in opened.streams.streams})
    summary = Result(f"B2 fan-out, C = {count}", ("figure", "value"))
    summary.rows += [
        ("connections (distinct users)", f"{count} ({users})"),
        ("all first messages delivered", secs(opened.all_first)),
        ("first message, median over connections", secs(opened.median_first)),
    ]
    for label, selected in (
        ("content writes", [f for f in figures if f.kind != PERMISSION]),
        ("permission change", [f for f in figures if f.kind == PERMISSION]),
    ):
        summary.rows += _write_summary(label, selected)
    summary.rows.append(("mismatches", f"{len(mismatches)} of {count} connections"))
    summary.notes += mismatches[:SHOWN_MISMATCHES]
    detail = Result(
        f"B2 writes, C = {count}",
        ("#", "write", "connections with a message", "XADD → last message", "service CPU"),
    )
    for number, figure in enumerate(figures, start=1):
        detail.rows.append(
            (
                str(number),
                figure.kind,
                str(figure.receivers),
                "-" if figure.latency is None else secs(figure.latency),
                "-" if figure.cpu is None else secs(figure.cpu),
            )
        )
    return [summary, detail]


def _write_summary(label: str, figures: list[WriteFigures]) -> list[tuple[str, str]]:
    if not figures:
        return []
    latencies = [f.latency for f in figures if f.latency is not None]
    cpus = [f.cpu for f in figures if f.cpu is not None]
    receivers = sorted({f.receivers for f in figures})
    rows = [(f"{label}: writes, connections with a message", f"{len(figures)}, {_range(receivers)}")]
    if latencies:
        rows.append(
            (
                f"{label}: XADD → last message p50 / p95 / max",
                " / ".join(
                    secs(v) for v in (percentile(latencies, 50), percentile(latencies, 95), max(latencies))
                ),
            )
        )
    if cpus:
        rows.append(
            (
                f"{label}: service CPU per write median / max",
                f"{secs(statistics.median(cpus))} / {secs(max(cpus))}",
            )
        )
    return rows


def _range(values: list[int]) -> str:
    return str(values[0]) if len(values) == 1 else f"{values[0]} to {values[-1]}"


async def _writes(target: Target, streams: Streams, count: int) -> list[WriteFigures]:
    if target.write is None or target.redis_url is None:
        raise BenchError("B2 needs the database and Redis of the service (--database-url, --redis-url)")
    writes = Writes(target.meeting)
    bus = Redis.from_url(target.redis_url)
    figures: list[WriteFigures] = []
    try:
        for index, kind in enumerate(writes.plan(count)):
            modified = await target.write(writes.build(kind, index))
            target.meeting.apply(modified)
            seen = [len(stream.messages) for stream in streams.streams]
            pid = target.pid()
            cpu_before = None if pid is None else proc.cpu_seconds(pid)
            sent = time.perf_counter()
            await bus.xadd("ModifiedFields", modified)  # type: ignore[arg-type]
            await settle(pid, streams)
            cpu = None if pid is None or cpu_before is None else proc.cpu_seconds(pid) - cpu_before
            arrivals = [
                stream.messages[-1][0]
                for stream, before in zip(streams.streams, seen, strict=True)
                if len(stream.messages) > before
            ]
            latency = max(arrivals) - sent if arrivals else None
            figures.append(WriteFigures(kind, len(arrivals), latency, cpu))
            progress(
                f"write {index + 1}/{count} {kind}: {len(arrivals)} connections, "
                f"{'-' if latency is None else secs(latency)}, CPU {'-' if cpu is None else secs(cpu)}"
            )
    finally:
        await bus.aclose()
    return figures


async def _check(target: Target, streams: list[Stream]) -> list[str]:
    """Every stream's folded state against a fresh ``?single``; one line per mismatch."""
    mismatches: list[str] = []
    slots = asyncio.Semaphore(CHECK_CONCURRENCY)
    done = 0

    async def check(stream: Stream) -> None:
        nonlocal done
        async with slots:
            if stream.ended:
                mismatches.append(f"user {stream.user_id}: the stream ended ({stream.error or 'closed'})")
                return
            line, _ = await target.single(stream.user_id)
            difference = _difference(stream.fold(), msgspec.json.decode(line))
            if difference:
                mismatches.append(f"user {stream.user_id}: {difference}")
            done += 1
            if done % 50 == 0:
                progress(f"checked {done}/{len(streams)} streams, {len(mismatches)} mismatches")

    progress(f"checking {len(streams)} streams against ?single")
    await asyncio.gather(*(check(stream) for stream in streams))
    return mismatches


def _difference(folded: dict[str, Any], expected: dict[str, Any]) -> str:
    missing = sorted(expected.keys() - folded.keys())
    extra = sorted(folded.keys() - expected.keys())
    different = sorted(key for key in folded.keys() & expected.keys() if folded[key] != expected[key])
    parts = [
        f"{name} {len(keys)} (e.g. {', '.join(keys[:5])})"
        for name, keys in (("missing", missing), ("extra", extra), ("different", different))
        if keys
    ]
    return "; ".join(parts)


# -- B4 -------------------------------------------------------------------------------------


async def b4(export: dict[str, Any], *, repeat: int) -> Result:
    """Restricted keys per second of the engine's ``single``, warm cache, no HTTP."""
    datastore = MemoryDatastore()
    datastore.load_export(export)
    engine = Autoupdate(Cache(datastore), PermissionRestricter(), workers=1)
    request = parse_many(meeting_request())
    roles = Meeting.from_export(export).roles()
    result = Result(
        "B4 domain only, meeting request, warm cache", ("role", "keys", "median time", "keys per second")
    )
    try:
        for role in ("delegate", "admin"):
            progress(f"B4: {role}")
            user_id = roles[role][0]
            keys = len(await engine.single(user_id, request))  # fills the cache
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                await engine.single(user_id, request)
                times.append(time.perf_counter() - started)
            median = statistics.median(times)
            result.rows.append((role, str(keys), ms(median), f"{keys / median:,.0f}"))
    finally:
        await engine.close()
    result.notes.append(f"{repeat} runs per role after one warming run; engine with workers=1, no slides")
    return result
