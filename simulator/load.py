"""``python -m simulator load``: hold many autoupdate streams against a running service for a
while, write to them, and report errors, message latency and the service's memory over time.

Operators run OpenSlides' own load tool with its default request (organization → committees →
name, :data:`simulator.requests.ORGANIZATION_REQUEST`), so that is the default here too;
``--request meeting`` asks for what a participant's client subscribes to in a meeting.

How it works:

* **Streams** are opened in batches (each batch waits until its streams have their first
  message), over the bench driver's cheap HTTP/1.1 client (:func:`simulator.bench.driver.fetch`),
  each with development credentials of its own session (``--user``; ``0`` sends none). They
  are not reopened: a stream that ends before the run does counts as an error.
* **Writes** are ``XADD ModifiedFields <key> <json>``, as the datastore writer announces a
  change (the semantics of ``python -m simulator write``; the simulator also stores the
  change in its datastore). The value is ``"load <run> <n>"``, so every line that carries it
  names its write.
* **Latency** of a message is its arrival at the client minus the moment of its ``XADD``: the
  whole way through Redis, the service and the network, including this client's own work
  (its CPU time is reported, so a saturated client shows).
* **Memory** is the resident set size of the service's process tree (``--pid``, or found
  through the listening socket when the service runs on this machine).

The report (stdout, markdown) has the run's figures and a table over time; progress goes to
stderr. Exit status 0 when every stream was held to the end, got the last write, and no
error happened; 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import json
import os
import platform
import resource
import secrets
import shlex
import signal
import sys
import time
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

import msgspec
from redis.asyncio import Redis

from simulator.bench import proc
from simulator.bench.driver import HEARTBEAT, Endpoint, ProtocolError, fetch
from simulator.bench.measure import percentile
from simulator.requests import ORGANIZATION_REQUEST, meeting_request
from simulator.tokens import DevCredentials, mint

REQUESTS = {"organization": ORGANIZATION_REQUEST, "meeting": meeting_request()}
WRITE_KEYS = {"organization": "committee/1/name", "meeting": "meeting/1/name"}
"""The key written by default: one that every stream of the request receives."""
ERROR_PREFIX = b'{"error"'
SETTLE_SECONDS = 15.0
"""After the last write, how long the streams may take to get it."""


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(arguments)
    if args.streams < 1 or args.minutes <= 0 or args.write_interval <= 0:
        print("error: --streams, --minutes and --write-interval must be positive", file=sys.stderr)
        return 2
    try:
        endpoint = Endpoint.parse(args.url)
    except ValueError as error:
        print(f"error: --url: {error}", file=sys.stderr)
        return 2
    _raise_open_files_limit()
    load = Load(args, endpoint, "python -m simulator load " + shlex.join(arguments))
    return asyncio.run(load.run())


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m simulator load",
        description="Hold many autoupdate streams against a running service, write, and report "
        "errors, message latency and the service's memory.",
    )
    parser.add_argument("--url", default="http://127.0.0.1:9012", help="the service (default: %(default)s)")
    parser.add_argument(
        "--redis-url",
        default="redis://127.0.0.1:6379/0",
        help="its Redis, for the writes (default: %(default)s)",
    )
    parser.add_argument("--streams", type=int, default=3000, help="streams to hold (default: %(default)s)")
    parser.add_argument(
        "--minutes", type=float, default=10.0, help="how long to write (default: %(default)s)"
    )
    parser.add_argument(
        "--request",
        choices=sorted(REQUESTS),
        default="organization",
        help="keys request (default: %(default)s)",
    )
    parser.add_argument(
        "--write-key",
        help="the key written (default: committee/1/name, or meeting/1/name for --request meeting)",
    )
    parser.add_argument(
        "--write-interval", type=float, default=1.0, help="seconds between writes (default: %(default)s)"
    )
    parser.add_argument(
        "--user",
        type=int,
        default=1,
        help="user of the streams' credentials; 0 sends none (default: %(default)s)",
    )
    parser.add_argument(
        "--batch", type=int, default=250, help="streams opened at once (default: %(default)s)"
    )
    parser.add_argument(
        "--open-timeout",
        type=float,
        default=120.0,
        help="seconds for one batch to open (default: %(default)s)",
    )
    parser.add_argument("--pid", type=int, help="the service's process id (default: found by its port)")
    parser.add_argument(
        "--sample-seconds",
        type=float,
        default=10.0,
        help="seconds per row of the table over time (default: %(default)s)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    return parser


def _raise_open_files_limit() -> None:
    """Thousands of streams need thousands of sockets."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


@dataclass(eq=False)
class Client:
    """One stream: whether it opened, the last write it saw, and why it ended early."""

    credentials: DevCredentials | None
    task: asyncio.Task[None] | None = None
    opened: bool = False
    """Its first line was data."""
    refused: str | None = None
    """Why it did not open: an error answer, a failed connection, no first line in time."""
    ended: str | None = None
    """Why it ended before the run did (an error line, the response or connection ended)."""
    last_write: int = 0
    updates: int = 0
    error_lines: int = 0

    @property
    def held(self) -> bool:
        return self.opened and self.ended is None


@dataclass
class Sample:
    """One row of the table over time."""

    seconds: float
    held: int
    writes: int
    rss: int | None
    p50: float | None
    p95: float | None


@dataclass
class Figures:
    """What the report says; also written as JSON with ``--json``."""

    date: str
    machine: str
    command: str
    url: str
    request: str
    write_key: str
    streams: int
    opened: int = 0
    open_seconds: float = 0.0
    first_message_p50: float | None = None
    first_message_p95: float | None = None
    write_seconds: float = 0.0
    writes: int = 0
    held_at_end: int = 0
    converged: int = 0
    updates: int = 0
    open_failures: int = 0
    ended_early: int = 0
    error_lines: int = 0
    latency_count: int = 0
    latency_p50: float | None = None
    latency_p95: float | None = None
    latency_p99: float | None = None
    latency_max: float | None = None
    pid: int | None = None
    rss_start: int | None = None
    rss_end: int | None = None
    rss_peak: int | None = None
    client_cpu_seconds: float = 0.0
    interrupted: bool = False
    samples: list[Sample] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        return self.open_failures + self.ended_early + self.error_lines


class Load:
    def __init__(self, args: argparse.Namespace, endpoint: Endpoint, command: str) -> None:
        self.args = args
        self.endpoint = endpoint
        self.body = REQUESTS[args.request]
        self.key: str = args.write_key or WRITE_KEYS[args.request]
        self._key_bytes = json.dumps(self.key).encode()
        self.run_id = secrets.token_hex(4)
        self._prefix = f"load {self.run_id} "
        self.clients: list[Client] = []
        self.sent: dict[int, float] = {}
        self.latencies = array("d")
        self._window = array("d")
        self._firsts = array("d")
        """Seconds from the request to the first line, per opened stream."""
        self._tasks: list[asyncio.Task[None]] = []
        self._stop = asyncio.Event()
        self.pid = args.pid or listening_pid(endpoint)
        self.figures = Figures(
            date=datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            machine=_machine(),
            command=command,
            url=args.url,
            request=args.request,
            write_key=self.key,
            streams=args.streams,
            pid=self.pid,
        )

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        for number in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(number, self._interrupt)
        cpu_start = _cpu_seconds()
        self.figures.rss_start = self._rss()
        redis = Redis.from_url(self.args.redis_url)
        try:
            await redis.ping()
        except Exception as error:
            print(f"error: --redis-url {self.args.redis_url}: {error}", file=sys.stderr)
            await redis.aclose()
            return 2
        try:
            await self._open()
            if not self._stop.is_set():
                await self._write(redis)
        finally:
            await redis.aclose()
            self._finish()
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
        self.figures.client_cpu_seconds = _cpu_seconds() - cpu_start
        print(report(self.figures))
        if self.args.json is not None:
            self.args.json.write_text(json.dumps(msgspec.to_builtins(self.figures), indent=2) + "\n")
        ok = self.figures.errors == 0 and self.figures.converged == self.figures.streams
        return 0 if ok and not self.figures.interrupted else 1

    def _interrupt(self) -> None:
        progress("interrupted: reporting what was measured")
        self.figures.interrupted = True
        self._stop.set()

    # -- streams ------------------------------------------------------------------------------

    async def _open(self) -> None:
        """Open the streams batch by batch; each batch until its streams have a first line."""
        lifetime = int(self.args.minutes * 60 + self.args.open_timeout * 2 + 3600)
        started = time.perf_counter()
        while len(self.clients) < self.args.streams and not self._stop.is_set():
            batch = [
                Client(None if self.args.user == 0 else mint(self.args.user, lifetime_seconds=lifetime))
                for _ in range(min(self.args.batch, self.args.streams - len(self.clients)))
            ]
            for client in batch:
                client.task = asyncio.create_task(self._hold(client, time.perf_counter()))
                self._tasks.append(client.task)
            self.clients.extend(batch)
            deadline = time.perf_counter() + self.args.open_timeout
            while any(not c.opened and c.refused is None for c in batch) and not self._stop.is_set():
                if time.perf_counter() > deadline:
                    for client in batch:
                        if not client.opened and client.refused is None and client.task is not None:
                            client.refused = "no first message within --open-timeout"
                            client.task.cancel()
                    break
                await asyncio.sleep(0.02)
            progress(f"{sum(c.held for c in self.clients)} of {len(self.clients)} streams open")
        self.figures.open_seconds = time.perf_counter() - started
        self.figures.opened = sum(c.held for c in self.clients)

    async def _hold(self, client: Client, started: float) -> None:
        """Read one stream until it ends (or the run cancels it); record why it ended."""
        try:
            status = await fetch(
                self.endpoint,
                self.body,
                credentials=client.credentials,
                on_line=partial(self._line, client, started),
            )
            reason = f"status {status}: the response ended"
        except (OSError, ProtocolError, asyncio.IncompleteReadError) as error:
            reason = f"{type(error).__name__}: {error}"
        if client.opened:
            client.ended = client.ended or reason
        else:
            client.refused = client.refused or reason

    def _line(self, client: Client, started: float, line: bytes) -> None:
        now = time.perf_counter()
        if line.startswith(ERROR_PREFIX):
            error = line[:200].decode(errors="replace")
            if client.opened:
                client.error_lines += 1
                client.ended = client.ended or error
            else:
                client.refused = client.refused or error
            return
        if not client.opened:
            client.opened = True
            self._firsts.append(now - started)
            return
        if line == HEARTBEAT or self._key_bytes not in line:
            return
        value = msgspec.json.decode(line).get(self.key)
        if not isinstance(value, str) or not value.startswith(self._prefix):
            return
        write = int(value[len(self._prefix) :])
        sent = self.sent.get(write)
        if sent is not None:
            self.latencies.append(now - sent)
            self._window.append(now - sent)
        client.updates += 1
        client.last_write = max(client.last_write, write)

    # -- writes -------------------------------------------------------------------------------

    async def _write(self, redis: Redis) -> None:
        """One write every ``--write-interval`` for ``--minutes``; a sample every
        ``--sample-seconds``; then wait until the streams have the last write."""
        progress(f"writing {self.key} every {self.args.write_interval:g} s for {self.args.minutes:g} min")
        started = time.perf_counter()
        end = started + self.args.minutes * 60
        next_sample = started + self.args.sample_seconds
        next_write = started
        self._sample(0.0)
        while not self._stop.is_set():
            now = time.perf_counter()
            if now >= end:
                break
            if now >= next_write:
                await self._xadd(redis)
                next_write += self.args.write_interval
            if now >= next_sample:
                self._sample(now - started)
                next_sample += self.args.sample_seconds
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), max(0.0, min(next_write, next_sample, end) - now))
        self.figures.write_seconds = time.perf_counter() - started
        deadline = time.perf_counter() + SETTLE_SECONDS
        last = len(self.sent)
        while time.perf_counter() < deadline and not self._stop.is_set():
            if all(c.last_write == last for c in self.clients if c.held):
                break
            await asyncio.sleep(0.05)
        self._sample(time.perf_counter() - started)

    async def _xadd(self, redis: Redis) -> None:
        write = len(self.sent) + 1
        value = json.dumps(f"{self._prefix}{write}")
        self.sent[write] = time.perf_counter()
        await redis.xadd("ModifiedFields", {self.key: value})

    def _sample(self, seconds: float) -> None:
        window = sorted(self._window)
        self._window = array("d")
        sample = Sample(
            seconds=round(seconds, 1),
            held=sum(c.held for c in self.clients),
            writes=len(self.sent),
            rss=self._rss(),
            p50=percentile(window, 50) if window else None,
            p95=percentile(window, 95) if window else None,
        )
        self.figures.samples.append(sample)
        progress(
            f"{sample.seconds:7.1f} s: {sample.held} streams, {sample.writes} writes, "
            f"latency p50 {_ms(sample.p50)} p95 {_ms(sample.p95)}, RSS {_mib(sample.rss)}"
        )

    def _rss(self) -> int | None:
        if self.pid is None:
            return None
        try:
            return proc.rss_bytes(self.pid)
        except OSError:
            return None

    def _finish(self) -> None:
        figures = self.figures
        figures.writes = len(self.sent)
        figures.held_at_end = sum(c.held for c in self.clients)
        figures.converged = sum(1 for c in self.clients if c.held and c.last_write == len(self.sent))
        figures.updates = sum(c.updates for c in self.clients)
        figures.open_failures = sum(1 for c in self.clients if not c.opened)
        figures.ended_early = sum(1 for c in self.clients if c.opened and c.ended is not None)
        figures.error_lines = sum(c.error_lines for c in self.clients)
        for client in self.clients:
            reason = client.refused or client.ended or (None if client.opened else "not opened (interrupted)")
            if reason is not None:
                figures.failures[reason[:120]] = figures.failures.get(reason[:120], 0) + 1
        if self._firsts:
            firsts = sorted(self._firsts)
            figures.first_message_p50 = percentile(firsts, 50)
            figures.first_message_p95 = percentile(firsts, 95)
        if self.latencies:
            ordered = sorted(self.latencies)
            figures.latency_count = len(ordered)
            figures.latency_p50 = percentile(ordered, 50)
            figures.latency_p95 = percentile(ordered, 95)
            figures.latency_p99 = percentile(ordered, 99)
            figures.latency_max = ordered[-1]
        figures.rss_end = self._rss()
        known = [s.rss for s in figures.samples if s.rss is not None]
        known += [r for r in (figures.rss_start, figures.rss_end) if r is not None]
        figures.rss_peak = max(known) if known else None


# -- the report -------------------------------------------------------------------------------


def report(figures: Figures) -> str:
    """The figures as markdown: a table of the run, then one row per sample."""
    writes_per = f"every {figures.write_seconds / figures.writes:.2f} s" if figures.writes else "none"
    rows = [
        ("date", figures.date),
        ("machine", figures.machine),
        ("command", f"`{figures.command}`"),
        ("target", f"{figures.url}, request `{figures.request}`"),
        (
            "streams",
            f"{figures.streams} requested, {figures.opened} opened in {figures.open_seconds:.1f} s "
            f"(first message p50 {_ms(figures.first_message_p50)}, p95 {_ms(figures.first_message_p95)}), "
            f"**{figures.held_at_end} held at the end**",
        ),
        (
            "duration",
            f"{figures.write_seconds / 60:.1f} min of writes: {figures.writes} writes of "
            f"`{figures.write_key}` ({writes_per})",
        ),
        (
            "errors",
            f"**{figures.errors}** (open failures {figures.open_failures}, streams ended early "
            f"{figures.ended_early}, error lines {figures.error_lines})",
        ),
        (
            "updates",
            f"{figures.updates} received of {figures.writes * figures.streams} written to all streams; "
            f"{figures.converged} of {figures.streams} streams have the last write",
        ),
        (
            "latency (XADD → client)",
            f"p50 **{_ms(figures.latency_p50)}**, p95 **{_ms(figures.latency_p95)}**, "
            f"p99 {_ms(figures.latency_p99)}, max {_ms(figures.latency_max)} "
            f"over {figures.latency_count} messages",
        ),
        (
            "service RSS",
            f"start **{_mib(figures.rss_start)}**, end **{_mib(figures.rss_end)}**, "
            f"peak {_mib(figures.rss_peak)}"
            + (f" (process tree of pid {figures.pid})" if figures.pid else ""),
        ),
        ("load tool CPU", f"{figures.client_cpu_seconds:.0f} s"),
    ]
    if figures.interrupted:
        rows.append(("note", "interrupted before the end"))
    lines = ["| | |", "|---|---|", *(f"| {name} | {value} |" for name, value in rows)]
    if figures.failures:
        lines += ["", "| failure | streams |", "|---|---|"]
        lines += [f"| {reason} | {count} |" for reason, count in sorted(figures.failures.items())]
    lines += [
        "",
        "| time | streams held | writes | latency p50 | latency p95 | service RSS |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {s.seconds:.0f} s | {s.held} | {s.writes} | {_ms(s.p50)} | {_ms(s.p95)} | {_mib(s.rss)} |"
        for s in figures.samples
    ]
    return "\n".join(lines)


def _ms(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds * 1000:.1f} ms"


def _mib(size: int | None) -> str:
    return "n/a" if size is None else f"{size / 2**20:.0f} MiB"


def progress(text: str) -> None:
    print(f"[load] {text}", file=sys.stderr, flush=True)


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _machine() -> str:
    try:
        return proc.machine() + f", {platform.system()} {platform.release()}"
    except OSError:
        return f"{os.cpu_count()} CPUs, {platform.platform()}"


# -- finding the service's process -------------------------------------------------------------


def listening_pid(endpoint: Endpoint) -> int | None:
    """The topmost process that holds the socket listening on the endpoint's port, when the
    service runs on this machine (Linux ``/proc``); None otherwise."""
    host = urlsplit(f"http://{endpoint.host}").hostname
    if host not in ("127.0.0.1", "localhost", "::1", "0.0.0.0") or not proc.PROC.exists():
        return None
    inodes = _listening_inodes(endpoint.port)
    if not inodes:
        return None
    holders: dict[int, int] = {}  # pid -> parent pid
    for entry in proc.PROC.iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            for fd in (entry / "fd").iterdir():
                with contextlib.suppress(OSError):
                    target = os.readlink(fd)
                    if target.startswith("socket:[") and target[8:-1] in inodes:
                        holders[int(entry.name)] = _parent(int(entry.name))
                        break
    roots = [pid for pid, parent in holders.items() if parent not in holders]
    return _topmost_same_command(min(roots)) if roots else None


def _topmost_same_command(pid: int) -> int:
    """The farthest ancestor running the same command line: a server's supervisor process (a
    Granian worker may hold the listening socket alone)."""
    command = _cmdline(pid)
    while (parent := _parent(pid)) > 1 and _cmdline(parent) == command:
        pid = parent
    return pid


def _cmdline(pid: int) -> bytes:
    try:
        return (proc.PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return b""


def _listening_inodes(port: int) -> set[str]:
    inodes: set[str] = set()
    for table in ("tcp", "tcp6"):
        with contextlib.suppress(OSError):
            for line in (proc.PROC / "net" / table).read_text().splitlines()[1:]:
                parts = line.split()
                local, state, inode = parts[1], parts[3], parts[9]
                if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                    inodes.add(inode)
    return inodes


def _parent(pid: int) -> int:
    try:
        text = (proc.PROC / str(pid) / "stat").read_text()
    except OSError:
        return 0
    return int(text[text.rindex(")") + 2 :].split()[1])
