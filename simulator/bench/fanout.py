"""Scenarios B2 (fan-out of writes to C streams) and B3 (memory per open stream).

Both start the same way (``open_streams``): a fresh service warmed with one request, then C
streams of distinct users in the meeting's role mix, all with the meeting request, opened at
once (in batches of ``batch`` established connections, so thousands do not overflow the
listen backlog). B3 is the service's RSS before and after; B2 then sends its writes on a
schedule (``schedule``), and finally compares every stream's folded state with a fresh
``?single``.

The comparison is what a client sees: keys that left a stream's key set are never reported
(spec service §5.3; clients follow the relation fields), so the folded state is first narrowed
to the keys its own relation values lead to from the request.
"""

from __future__ import annotations

import asyncio
import resource
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

from domain.api import parse_request, resolve_keys
from simulator.bench import proc
from simulator.bench.cores import CpuRecorder, cores_used
from simulator.bench.driver import Stream, Streams, metrics, progress
from simulator.bench.measure import BenchError, Target, credentials, percentile, rss, settle
from simulator.bench.report import Result, mb, secs
from simulator.bench.schedule import WriteFigures, WritePhase, send_writes
from simulator.bench.writes import CONTENT_KINDS, PERMISSION, middle

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
    cpu: CpuRecorder
    """Samples the CPU of the service and the driver from the opening until ``close``."""
    started: float
    all_first: float
    median_first: float
    rss_before: int | None
    rss_after: int | None
    driver_rss: int
    """The driver's peak resident memory so far."""
    processes: int | None
    """The service's processes (Granian's supervisor and workers), if it runs here."""
    sharing: dict[str, int] | None
    """The service's gauges with the streams open (groups, patched connections), if it has any."""

    def cores(self) -> tuple[float | None, float | None]:
        """Cores used by the service and by the driver until every first message arrived."""
        end = self.started + self.all_first
        return (
            cores_used(self.cpu.service(), self.started, end),
            cores_used(self.cpu.driver(), self.started, end),
        )

    async def close(self) -> None:
        await self.streams.close()
        await self.cpu.stop()


async def open_streams(target: Target, count: int, *, batch: int, check: int | None = None) -> Opened:
    """A fresh, warmed service; then ``count`` streams of users in the role mix at once, in
    batches of ``batch`` established connections; only ``check`` of them, spread evenly (default:
    all), keep their first message for the correctness check."""
    progress(f"opening {count} streams")
    await target.fresh()
    await settle(target.pid(), None)
    rss_before = rss(target.pid())
    clients = [(user, credentials(user)) for user in target.meeting.role_mix(count)]
    streams = Streams(target.endpoint, target.body)
    cpu = CpuRecorder(target.pid)
    cpu.start()
    started = cpu.samples[-1].at
    kept = set(spread(count, count if check is None else check))
    for offset in range(0, count, batch):
        for index in range(offset, min(offset + batch, count)):
            streams.open([clients[index]], keep_first=index in kept)
        if offset + batch < count:
            await streams.wait_sent(limit_seconds=STREAM_LIMIT_SECONDS)
            progress(f"requests sent on {len(streams.streams)}/{count} streams")
    await streams.wait_first_messages(limit_seconds=STREAM_LIMIT_SECONDS)
    failed = [s for s in streams.streams if s.ended or s.status not in (None, 200)]
    if failed:
        await streams.close()
        await cpu.stop()
        first = failed[0]
        line = first.messages[0][1][:300] if first.messages else b""
        raise BenchError(
            f"{len(failed)} of {count} streams failed; user {first.user_id}: "
            f"status {first.status}, error {first.error}, first line {line!r}"
        )
    waits = [s.messages[0][0] - started for s in streams.streams]
    await settle(target.pid(), streams)
    rss_after = rss(target.pid())
    pid = target.pid()
    processes = None if pid is None else len(proc.tree(pid))
    driver_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    sharing = await metrics(target.endpoint, credentials(1))
    all_first, median_first = max(waits), statistics.median(waits)
    return Opened(
        streams, cpu, started, all_first, median_first, rss_before, rss_after, driver_rss, processes, sharing
    )


def b3(opened: Opened, count: int) -> Result:
    result = Result(f"B3 memory, C = {count}", ("figure", "value"))
    result.rows.append(("all first messages delivered (the streams opened at once)", secs(opened.all_first)))
    result.rows.append(("cores used until then (service / driver)", _cores(*opened.cores())))
    if opened.sharing is not None:
        for name, label in SHARING.items():
            if name in opened.sharing:
                result.rows.append((label, str(opened.sharing[name])))
    result.rows.append((f"driver peak RSS with {count} streams", mb(opened.driver_rss)))
    if opened.processes is not None:
        result.rows.append(("service processes (Granian's supervisor and workers)", str(opened.processes)))
    if opened.rss_before is None or opened.rss_after is None:
        result.notes.append("not measured: the service process is unknown (start it or pass --service-pid)")
        return result
    result.rows += [
        ("service RSS before the streams (warm cache)", mb(opened.rss_before)),
        (f"service RSS with {count} idle streams", mb(opened.rss_after)),
        ("RSS per open idle stream", mb((opened.rss_after - opened.rss_before) / count)),
    ]
    return result


async def b2(
    target: Target, opened: Opened, count: int, writes: int, *, permission_at: int | None, interval: float
) -> list[Result]:
    """The writes on the open streams, then the correctness check; closes the streams."""
    try:
        phase = await send_writes(
            target, opened.streams, opened.cpu, count=writes, permission_at=permission_at, interval=interval
        )
        checked = [stream for stream in opened.streams.streams if stream.keep_first]
        mismatches, dropped = await _check(target, checked)
    finally:
        await opened.close()
    users = len({s.user_id for s in opened.streams.streams})
    at = middle(writes) if permission_at is None else permission_at
    summary = Result(f"B2 fan-out, C = {count}", ("figure", "value"))
    summary.rows += [
        ("connections (distinct users)", f"{count} ({users})"),
        ("all first messages delivered", secs(opened.all_first)),
        ("first message, median over connections", secs(opened.median_first)),
        ("cores used opening the streams (service / driver)", _cores(*opened.cores())),
        (
            f"{writes} writes, one every {interval:g} s, permission change as write {at}: "
            "first XADD → last message",
            secs(phase.seconds),
        ),
        ("cores used during the writes (service / driver)", _cores(phase.service_cores, phase.driver_cores)),
        ("mismatches", f"{len(mismatches)} of {len(checked)} connections" + _sample(len(checked), count)),
    ]
    summary.notes += mismatches[:SHOWN_MISMATCHES]
    summary.failures = len(mismatches)
    if dropped:
        summary.notes.append(
            f"{dropped} connections hold keys no longer requested (never reported, spec §5.3); "
            "the check follows their relation fields instead"
        )
    return [summary, _by_kind(phase, count), _each(phase.figures, count)]


def spread(count: int, chosen: int) -> list[int]:
    """``chosen`` of the indexes ``0..count-1``, evenly spread (all when ``chosen >= count``)."""
    chosen = min(chosen, count)
    return [index * count // chosen for index in range(chosen)]


def _sample(checked: int, count: int) -> str:
    return "" if checked == count else f" (an even sample of the {count}, --check-streams)"


def _secs(value: float | None) -> str:
    return "-" if value is None else secs(value)


def _cores(service: float | None, driver: float | None) -> str:
    return " / ".join("-" if value is None else f"{value:.2f}" for value in (service, driver))


def _spread(values: Sequence[float], shares: Sequence[float]) -> str:
    return " / ".join(secs(percentile(values, share)) for share in shares) if values else "-"


def _by_kind(phase: WritePhase, count: int) -> Result:
    result = Result(
        f"B2 writes by kind, C = {count}",
        (
            "write",
            "writes",
            "connections with a message",
            "XADD → last message p50 / p95 / max",
            "queueing p50 / p95",
            "processing p50 / p95",
            "service CPU until the next write median / max",
        ),
    )
    figures = phase.figures
    permission = next((index for index, f in enumerate(figures) if f.kind == PERMISSION), len(figures))
    content = [(index, f) for index, f in enumerate(figures) if f.kind != PERMISSION]
    groups = [(kind, [f for f in figures if f.kind == kind]) for kind in (*CONTENT_KINDS, PERMISSION)]
    groups += [
        ("content writes before the permission change", [f for index, f in content if index < permission]),
        ("content writes after the permission change", [f for index, f in content if index > permission]),
        ("all content writes", [f for _, f in content]),
    ]
    for label, selected in groups:
        if not selected:
            continue
        timings = [f.timing for f in selected]
        latencies = [t.latency for t in timings if t.latency is not None]
        cpus = [f.cpu for f in selected if f.cpu is not None]
        receivers = sorted({f.receivers for f in selected})
        result.rows.append(
            (
                label,
                str(len(selected)),
                str(receivers[0]) if len(receivers) == 1 else f"{receivers[0]} to {receivers[-1]}",
                _spread(latencies, (50, 95, 100)),
                _spread([t.queueing for t in timings if t.queueing is not None], (50, 95)),
                _spread([t.processing for t in timings if t.processing is not None], (50, 95)),
                f"{secs(statistics.median(cpus))} / {secs(max(cpus))}" if cpus else "-",
            )
        )
    result.notes.append(
        "queueing: how long the write waited for the previous one, estimated from outside as "
        "max(0, last message of the previous write reaching a connection - this write's XADD), "
        "at most its latency; processing: the rest of its latency (docs/benchmarks.md)"
    )
    silent = sorted({f.kind for f in figures if f.receivers == 0})
    if silent:
        result.notes.append(
            f"no connection got a message for some writes ({', '.join(silent)}): what they changed is "
            "not in the meeting request's view of these users, so they have no latency"
        )
    delivery = phase.delivery
    if delivery.guessed or delivery.extra or delivery.unsent:
        result.notes.append(
            f"messages attributed to a write without carrying its keys: {delivery.guessed}; "
            f"not attributed: {delivery.extra} after their write's message, "
            f"{delivery.unsent} before the writes"
        )
    return result


def _each(figures: list[WriteFigures], count: int) -> Result:
    result = Result(
        f"B2 each write, C = {count}",
        (
            "#",
            "write",
            "connections with a message",
            "XADD → last message",
            "queueing",
            "processing",
            "service CPU until the next write",
        ),
    )
    for number, figure in enumerate(figures, start=1):
        timing = figure.timing
        result.rows.append(
            (
                str(number),
                figure.kind,
                str(figure.receivers),
                *(_secs(value) for value in (timing.latency, timing.queueing, timing.processing)),
                _secs(figure.cpu),
            )
        )
    return result


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
