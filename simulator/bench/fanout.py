"""Scenarios B2 (fan-out of writes to C streams) and B3 (memory per open stream).

Both start the same way (``open_streams``): a fresh service warmed with one request, then C
streams of distinct users in the meeting's role mix, all with the meeting request, opened at
once. B3 is the service's RSS before and after; B2 then writes through the real write path
(Postgres rows, then ``XADD ModifiedFields``), measures each write once the service is quiet
again, and finally compares every stream's folded state with a fresh ``?single``.

The comparison is what a client sees: keys that left a stream's key set are never reported
(spec service §5.3; clients follow the relation fields), so the folded state is first narrowed
to the keys its own relation values lead to from the request.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass
from typing import Any

import msgspec
from redis.asyncio import Redis

from domain.api import parse_request, resolve_keys
from simulator.bench import proc
from simulator.bench.driver import Stream, Streams, metrics, progress
from simulator.bench.measure import BenchError, Target, credentials, percentile, rss, settle
from simulator.bench.report import Result, mb, secs
from simulator.bench.writes import CONTENT_KINDS, PERMISSION, Writes

STREAM_LIMIT_SECONDS = 6 * 3600
SHARING = {
    "autoupdate_groups": "groups (connections computed together; this service's metric)",
    "autoupdate_patched_connections": "connections with a patch over their group's view",
}
CHECK_CONCURRENCY = 2
SHOWN_MISMATCHES = 3


@dataclass
class Opened:
    """C streams with their first messages, and what opening them cost."""

    streams: Streams
    all_first: float
    median_first: float
    rss_before: int | None
    rss_after: int | None
    sharing: dict[str, int] | None
    """The service's gauges with the streams open (groups, patched connections), if it has any."""


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
        await streams.close()
        first = failed[0]
        line = first.messages[0][1][:300] if first.messages else b""
        raise BenchError(
            f"{len(failed)} of {count} streams failed; user {first.user_id}: "
            f"status {first.status}, error {first.error}, first line {line!r}"
        )
    waits = [s.messages[0][0] - started for s in streams.streams]
    await settle(target.pid(), streams)
    rss_after = rss(target.pid())
    sharing = await metrics(target.endpoint, credentials(1))
    return Opened(streams, max(waits), statistics.median(waits), rss_before, rss_after, sharing)


def b3(opened: Opened, count: int) -> Result:
    result = Result(f"B3 memory, C = {count}", ("figure", "value"))
    result.rows.append(("all first messages delivered (the streams opened at once)", secs(opened.all_first)))
    if opened.sharing is not None:
        for name, label in SHARING.items():
            if name in opened.sharing:
                result.rows.append((label, str(opened.sharing[name])))
    if opened.rss_before is None or opened.rss_after is None:
        result.notes.append("not measured: the service process is unknown (start it or pass --service-pid)")
        return result
    result.rows += [
        ("service RSS before the streams (warm cache)", mb(opened.rss_before)),
        (f"service RSS with {count} idle streams", mb(opened.rss_after)),
        ("RSS per open idle stream", mb((opened.rss_after - opened.rss_before) / count)),
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
        mismatches, dropped = await _check(target, opened.streams.streams)
    finally:
        await opened.streams.close()
    users = len({s.user_id for s in opened.streams.streams})
    summary = Result(f"B2 fan-out, C = {count}", ("figure", "value"))
    summary.rows += [
        ("connections (distinct users)", f"{count} ({users})"),
        ("all first messages delivered", secs(opened.all_first)),
        ("first message, median over connections", secs(opened.median_first)),
        ("mismatches", f"{len(mismatches)} of {count} connections"),
    ]
    summary.notes += mismatches[:SHOWN_MISMATCHES]
    summary.failures = len(mismatches)
    if dropped:
        summary.notes.append(
            f"{dropped} connections hold keys no longer requested (never reported, spec §5.3); "
            "the check follows their relation fields instead"
        )
    return [summary, _by_kind(figures, count), _each(figures, count)]


def _by_kind(figures: list[WriteFigures], count: int) -> Result:
    result = Result(
        f"B2 writes by kind, C = {count}",
        (
            "write",
            "writes",
            "connections with a message",
            "XADD → last message p50 / p95 / max",
            "service CPU median / max",
        ),
    )
    groups = [(kind, [f for f in figures if f.kind == kind]) for kind in (*CONTENT_KINDS, PERMISSION)]
    groups.append(("all content writes", [f for f in figures if f.kind != PERMISSION]))
    for label, selected in groups:
        if not selected:
            continue
        latencies = [f.latency for f in selected if f.latency is not None]
        cpus = [f.cpu for f in selected if f.cpu is not None]
        receivers = sorted({f.receivers for f in selected})
        result.rows.append(
            (
                label,
                str(len(selected)),
                str(receivers[0]) if len(receivers) == 1 else f"{receivers[0]} to {receivers[-1]}",
                " / ".join(
                    secs(v) for v in (percentile(latencies, 50), percentile(latencies, 95), max(latencies))
                )
                if latencies
                else "-",
                f"{secs(statistics.median(cpus))} / {secs(max(cpus))}" if cpus else "-",
            )
        )
    if any(f.kind == "vote" for f in figures):
        result.notes.append(
            "vote: a started poll shows nothing of its votes in the meeting request (votescast is "
            "hidden until the poll is finished; voted_ids is not requested), so no message is expected"
        )
    return result


def _each(figures: list[WriteFigures], count: int) -> Result:
    result = Result(
        f"B2 each write, C = {count}",
        ("#", "write", "connections with a message", "XADD → last message", "service CPU"),
    )
    for number, figure in enumerate(figures, start=1):
        latency = "-" if figure.latency is None else secs(figure.latency)
        cpu = "-" if figure.cpu is None else secs(figure.cpu)
        result.rows.append((str(number), figure.kind, str(figure.receivers), latency, cpu))
    return result


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


async def _check(target: Target, streams: list[Stream]) -> tuple[list[str], int]:
    """Every stream's view against a fresh ``?single``: one line per mismatch, and how many
    streams hold keys no longer requested."""
    request = parse_request(target.body)
    mismatches: list[str] = []
    slots = asyncio.Semaphore(CHECK_CONCURRENCY)
    done = dropped = 0

    async def check(stream: Stream) -> None:
        nonlocal done, dropped
        async with slots:
            if stream.ended:
                mismatches.append(f"user {stream.user_id}: the stream ended ({stream.error or 'closed'})")
                return
            line, _ = await target.single(stream.user_id)
            try:
                folded = stream.fold()
            except ValueError as error:
                mismatches.append(str(error))
                return
            view = {key: folded[key] for key in resolve_keys(request, folded) if key in folded}
            dropped += len(view) < len(folded)
            difference = _difference(view, msgspec.json.decode(line))
            if difference:
                mismatches.append(f"user {stream.user_id}: {difference}")
            done += 1
            if done % 50 == 0:
                progress(f"checked {done}/{len(streams)} streams, {len(mismatches)} mismatches")

    progress(f"checking {len(streams)} streams against ?single")
    await asyncio.gather(*(check(stream) for stream in streams))
    return mismatches, dropped


def _difference(view: dict[str, Any], expected: dict[str, Any]) -> str:
    missing = sorted(expected.keys() - view.keys())
    extra = sorted(view.keys() - expected.keys())
    different = sorted(key for key in view.keys() & expected.keys() if view[key] != expected[key])
    return "; ".join(
        f"{name} {len(keys)} (e.g. {', '.join(keys[:5])})"
        for name, keys in (("missing", missing), ("extra", extra), ("different", different))
        if keys
    )
