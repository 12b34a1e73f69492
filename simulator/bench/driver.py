"""A cheap load driver: many autoupdate streams over plain asyncio HTTP/1.1 connections.

Why hand-written: a thousand streams that each receive a megabyte must not cost the machine
more than the service under test does, and the driver must work against any compatible
service (this one, upstream's Go service), given only a base URL and the development tokens.
So a request is a few header lines written to a socket and a response is read as a status
line, headers and a chunked (or sized, or closed-delimited) body cut into lines. Every line is
kept as raw bytes with its arrival time; equal lines of different streams share one bytes
object; a stream opened with ``keep_first=False`` keeps only the start of its first message
(thousands of distinct first messages of a megabyte each would cost the driver more memory
than the service). Decoding and folding happen only when asked (``Stream.fold``), after the measurement.
Compressed streams (``compress``) are not supported.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import msgspec

from simulator.tokens import DevCredentials

ROUTE = "/system/autoupdate"
METRICS_ROUTE = "/system/autoupdate/metrics"
HEARTBEAT = b"{}"
_READ_SIZE = 1 << 16
FIRST_START = 200


class ProtocolError(Exception):
    """The server's answer is not HTTP/1.1 as this driver understands it."""


@dataclass(frozen=True)
class Endpoint:
    """Where the service listens: ``http://host:port[/prefix]``."""

    host: str
    port: int
    prefix: str = ""

    @classmethod
    def parse(cls, url: str) -> Endpoint:
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"not an http:// URL: {url!r}")
        return cls(parts.hostname, parts.port or 80, parts.path.rstrip("/"))


class _Lines:
    """Cuts a byte stream into lines (without the ``\\n``)."""

    def __init__(self, emit: Callable[[bytes], None]) -> None:
        self._emit = emit
        self._buffer = bytearray()

    def feed(self, data: bytes) -> None:
        start = 0
        while (end := data.find(b"\n", start)) >= 0:
            self._buffer += data[start:end]
            self._emit(bytes(self._buffer))
            self._buffer.clear()
            start = end + 1
        self._buffer += data[start:]

    def close(self) -> None:
        if self._buffer:
            self._emit(bytes(self._buffer))
            self._buffer.clear()


async def fetch(
    endpoint: Endpoint,
    body: bytes,
    *,
    query: str = "",
    credentials: DevCredentials | None = None,
    on_line: Callable[[bytes], None],
    route: str = ROUTE,
    on_sent: Callable[[], None] | None = None,
) -> int:
    """POST ``body`` to ``route`` (the autoupdate route); call ``on_sent`` once the request is
    written; pass every response line to ``on_line`` until the response ends; return the
    status code."""
    reader, writer = await asyncio.open_connection(endpoint.host, endpoint.port, limit=_READ_SIZE)
    try:
        writer.write(_request(endpoint, route, body, query, credentials))
        await writer.drain()
        if on_sent is not None:
            on_sent()
        status, headers = await _read_head(reader)
        lines = _Lines(on_line)
        await _read_body(reader, headers, lines.feed)
        lines.close()
        return status
    finally:
        writer.close()


def _request(
    endpoint: Endpoint, route: str, body: bytes, query: str, credentials: DevCredentials | None
) -> bytes:
    target = endpoint.prefix + route + (f"?{query}" if query else "")
    head = [
        f"POST {target} HTTP/1.1",
        f"Host: {endpoint.host}:{endpoint.port}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
    ]
    if credentials is not None:
        head.append(f"Authentication: {credentials.authentication_header}")
        head.append(f"Cookie: refreshId={credentials.cookie}")
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


async def _read_head(reader: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
    status_line = await reader.readline()
    parts = status_line.split(None, 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
        raise ProtocolError(f"bad status line: {status_line[:100]!r}")
    headers: dict[str, str] = {}
    while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
        name, sep, value = line.decode("latin-1").partition(":")
        if not sep:
            raise ProtocolError(f"bad header line: {line[:100]!r}")
        headers[name.strip().lower()] = value.strip()
    return int(parts[1]), headers


async def _read_body(
    reader: asyncio.StreamReader, headers: dict[str, str], feed: Callable[[bytes], None]
) -> None:
    if "chunked" in headers.get("transfer-encoding", "").lower():
        while True:
            size_line = await reader.readline()
            try:
                size = int(size_line.split(b";")[0].strip(), 16)
            except ValueError:
                raise ProtocolError(f"bad chunk size line: {size_line[:100]!r}") from None
            if size == 0:
                while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                    pass  # trailer fields
                return
            feed(await reader.readexactly(size))
            await reader.readexactly(2)  # the CRLF after the chunk
    elif "content-length" in headers:
        feed(await reader.readexactly(int(headers["content-length"])))
    else:
        while data := await reader.read(_READ_SIZE):
            feed(data)


@dataclass(eq=False)
class Stream:
    """One client: its messages as (arrival time, raw line), and how its response ended."""

    user_id: int
    credentials: DevCredentials | None
    messages: list[tuple[float, bytes]] = field(default_factory=list)
    keep_first: bool = True
    """False: only the first ``FIRST_START`` bytes of the first message are kept (no ``fold``)."""
    status: int | None = None
    error: str | None = None
    sent: bool = False
    """The request is written (the connection is established)."""
    ended: bool = False

    def fold(self) -> dict[str, Any]:
        """The values the client holds after applying every message (``null`` deletes)."""
        if not self.keep_first:
            raise ValueError(f"user {self.user_id}: the stream did not keep its first message")
        state: dict[str, Any] = {}
        for _, line in self.messages:
            message = msgspec.json.decode(line)
            if not isinstance(message, dict) or "error" in message:
                raise ValueError(f"user {self.user_id}: not a data message: {line[:200]!r}")
            for key, value in message.items():
                if value is None:
                    state.pop(key, None)
                else:
                    state[key] = value
        return state


class Streams:
    """Open streams against one endpoint; each line arrives with its time."""

    def __init__(self, endpoint: Endpoint, body: bytes) -> None:
        self.endpoint = endpoint
        self.body = body
        self.streams: list[Stream] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._shared: dict[bytes, bytes] = {}

    def open(self, clients: Iterable[tuple[int, DevCredentials | None]], *, keep_first: bool = True) -> None:
        """Start one stream per (user id, credentials); returns at once."""
        for user_id, credentials in clients:
            stream = Stream(user_id, credentials, keep_first=keep_first)
            self.streams.append(stream)
            self._tasks.append(asyncio.create_task(self._run(stream)))

    def message_count(self) -> int:
        return sum(len(stream.messages) for stream in self.streams)

    async def wait_first_messages(self, *, limit_seconds: float, progress_every: float = 5.0) -> None:
        """Until every stream has its first message or ended; progress on stderr."""
        await self._wait(lambda s: bool(s.messages), "first messages", limit_seconds, progress_every)

    async def wait_sent(self, *, limit_seconds: float, progress_every: float = 5.0) -> None:
        """Until every stream has sent its request or ended; progress on stderr."""
        await self._wait(lambda s: s.sent, "requests sent", limit_seconds, progress_every)

    async def _wait(
        self, reached: Callable[[Stream], bool], what: str, limit_seconds: float, progress_every: float
    ) -> None:
        started = time.perf_counter()
        last_report = started
        while True:
            waiting = [s for s in self.streams if not reached(s) and not s.ended]
            now = time.perf_counter()
            if not waiting:
                return
            if now - started > limit_seconds:
                raise TimeoutError(f"{len(waiting)} streams without {what} after {limit_seconds:.0f} s")
            if now - last_report >= progress_every:
                done = len(self.streams) - len(waiting)
                progress(f"{what} {done}/{len(self.streams)} after {now - started:.0f} s")
                last_report = now
            await asyncio.sleep(0.05)

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()

    async def _run(self, stream: Stream) -> None:
        def on_line(line: bytes) -> None:
            if stream.messages:
                if line == HEARTBEAT:
                    return
            elif not stream.keep_first:
                line = line[:FIRST_START]
            stream.messages.append((time.perf_counter(), self._shared.setdefault(line, line)))

        def on_sent() -> None:
            stream.sent = True

        try:
            stream.status = await fetch(
                self.endpoint, self.body, credentials=stream.credentials, on_line=on_line, on_sent=on_sent
            )
        except (OSError, ProtocolError, asyncio.IncompleteReadError) as error:
            stream.error = f"{type(error).__name__}: {error}"
        finally:
            stream.ended = True


async def single(
    endpoint: Endpoint, body: bytes, credentials: DevCredentials | None
) -> tuple[int, list[bytes], float]:
    """One ``?single`` request: status, the response lines, and seconds until it was complete."""
    lines: list[bytes] = []
    started = time.perf_counter()
    status = await fetch(endpoint, body, query="single", credentials=credentials, on_line=lines.append)
    return status, lines, time.perf_counter() - started


async def metrics(endpoint: Endpoint, credentials: DevCredentials | None) -> dict[str, int] | None:
    """The service's Prometheus gauges (``/system/autoupdate/metrics``); ``None`` when it has
    none (another implementation, or not allowed)."""
    lines: list[bytes] = []
    status = await fetch(endpoint, b"", credentials=credentials, on_line=lines.append, route=METRICS_ROUTE)
    if status != 200:
        return None
    values: dict[str, int] = {}
    for line in lines:
        name, _, value = line.decode().partition(" ")
        if name and not name.startswith("#") and value.strip().isdigit():
            values[name] = int(value)
    return values


def progress(text: str) -> None:
    """A progress line for long runs, on stderr."""
    print(f"[bench] {text}", file=sys.stderr, flush=True)
