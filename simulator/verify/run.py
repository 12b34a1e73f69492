"""Replay a case on the real engine and compare every stream with a fresh computation.

The engine gets each write the way production gets it: the simulated datastore writer stores
the events and produces the ``ModifiedFields`` entry, which is parsed as the Redis adapter's
entries are. The reference is the plain computation (resolve the request, restrict every
value) for the user, read straight from the datastore: no cache, groups, patches, memo or
expansion involved.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import msgspec

from domain.autoupdate import Autoupdate
from domain.autoupdate.compute import user_values
from domain.autoupdate.subscription import Subscription
from domain.cache import Cache
from domain.changes import parse_changes
from domain.errors import ClientError
from domain.keysbuilder import KeysRequest
from domain.projector.content import calculate as calculate_content
from domain.projector.registry import default_registry
from domain.reader import Reader
from domain.restrict.restricter import PermissionRestricter
from simulator.datastore import MemoryDatastore
from simulator.verify.case import Case, Connect, Disconnect, Write

MAX_KEYS = 200_000
SETTLE_SECONDS = 20.0
"""How long the engine may take to settle after a write before the case counts as failing."""


@dataclass
class Failure:
    """Where a stream and a fresh computation disagreed."""

    step: int
    user: int
    request: int
    problem: str
    differences: dict[str, tuple[Any, Any]] = field(default_factory=dict)

    def kind(self) -> tuple[str, frozenset[str]]:
        """What shrinking keeps: the same problem on the same keys' collections and fields."""
        return self.problem.split(":")[0], frozenset(_shape(key) for key in self.differences)

    def render(self) -> str:
        lines = [f"step {self.step}: user {self.user}, request {self.request}: {self.problem}"]
        for key, (streamed, fresh) in sorted(self.differences.items()):
            lines.append(f"  {key}: stream {_text(streamed)}, fresh {_text(fresh)}")
        return "\n".join(lines)


@dataclass
class Stats:
    """What the checker compared (for its report)."""

    streams: int = 0
    checks: int = 0
    """Comparisons of a stream's folded state with a fresh computation."""
    keys: int = 0
    """Requested keys in those comparisons."""
    ended: int = 0
    """Streams that ended with an error a fresh request also gets (a user deleted, …)."""
    singles: int = 0
    """``single`` requests compared with a fresh computation."""


@dataclass
class _Stream:
    user: int
    request: int
    subscription: Subscription
    state: dict[str, Any] = field(default_factory=dict)
    open: bool = True


_ABSENT: Any = type("Absent", (), {"__repr__": lambda self: "(absent)"})()


async def run_case(export: dict[str, Any], case: Case, stats: Stats | None = None) -> Failure | None:
    """Replay ``case`` on ``export``; the first difference, or ``None``."""
    stats = Stats() if stats is None else stats
    datastore = MemoryDatastore()
    datastore.load_export(export)
    engine = Autoupdate(Cache(datastore), PermissionRestricter(), workers=2, slides=default_registry())
    requests = [request.parsed() for request in case.requests]
    streams: list[_Stream] = []
    async with engine.running():
        for number, step in enumerate(case.steps):
            if isinstance(step, Connect):
                failure = await _connect(engine, datastore, requests, streams, step, number)
                stats.streams += streams[-1].open if failure is None else 0
            elif isinstance(step, Disconnect):
                if step.stream < len(streams) and streams[step.stream].open:
                    streams[step.stream].open = False
                    streams[step.stream].subscription.close()
                failure = None
            else:
                _write(datastore, engine, step)
                if step.pause:
                    for _ in range(step.pause):
                        await asyncio.sleep(0)
                    continue
                if not await _settled(engine):
                    return Failure(number, 0, 0, f"engine did not settle within {SETTLE_SECONDS:.0f} s")
                failure = await _check(engine, datastore, requests, streams, number, stats)
            if failure is not None:
                return failure
        if not await _settled(engine):
            return Failure(len(case.steps), 0, 0, f"engine did not settle within {SETTLE_SECONDS:.0f} s")
        return await _check(engine, datastore, requests, streams, len(case.steps), stats)


async def _settled(engine: Autoupdate) -> bool:
    try:
        await asyncio.wait_for(engine.idle(), SETTLE_SECONDS)
    except TimeoutError:
        return False
    return True


def _write(datastore: MemoryDatastore, engine: Autoupdate, step: Write) -> None:
    try:
        events = datastore.events_of(step.changes)
        written = datastore.write(events, information={"verify": "write"})
    except ValueError:
        return  # a shrunk case may write what no longer fits its data: skipped, as a writer would
    changes = parse_changes({key: value.encode() for key, value in written.modified_fields.items()})
    engine.apply_changes(changes)


async def _connect(
    engine: Autoupdate,
    datastore: MemoryDatastore,
    requests: list[KeysRequest],
    streams: list[_Stream],
    step: Connect,
    number: int,
) -> Failure | None:
    request = requests[step.request % len(requests)]
    try:
        subscription = await asyncio.wait_for(engine.subscribe(step.user, request), SETTLE_SECONDS)
    except TimeoutError:
        return Failure(
            number, step.user, step.request, f"connect got no answer within {SETTLE_SECONDS:.0f} s"
        )
    except ClientError as error:
        fresh = await fresh_values(datastore, step.user, request)
        if isinstance(fresh, ClientError) and type(fresh) is type(error):
            streams.append(_Stream(step.user, step.request, _closed(step.user), open=False))
            return None
        return Failure(number, step.user, step.request, f"connect failed: {error!r}; fresh: {_text(fresh)}")
    streams.append(_Stream(step.user, step.request, subscription))
    return None


def _closed(user: int) -> Subscription:
    subscription = Subscription(user, 1, lambda _: None)
    subscription.close()
    return subscription


async def fresh_values(
    datastore: MemoryDatastore, user: int, request: KeysRequest
) -> dict[str, Any] | ClientError:
    """What a fresh computation gives: every requested key with its value (``None``: no
    visible value), or the error a fresh request would get."""
    reader = Reader(_Current(datastore))
    try:
        values = user_values(reader, PermissionRestricter(), user, request, MAX_KEYS)
    except ClientError as error:
        return error
    return {key: _plain(value) for key, value in values.items()}


class _Current:
    """The datastore's objects as they are now, for the reference computation: read directly,
    so it never runs again for objects to load; slide contents are calculated when read."""

    def __init__(self, datastore: MemoryDatastore) -> None:
        self._datastore = datastore
        self._contents: dict[str, Any] = {}

    def lookup(self, fqid: str) -> dict[str, Any] | None:
        obj = self._datastore.current(fqid)
        if obj is None or not fqid.startswith("projection/"):
            return obj
        if fqid not in self._contents:
            self._contents[fqid] = None  # while it is calculated, the projection reads without it
            projection = int(fqid.partition("/")[2])
            self._contents[fqid] = calculate_content(Reader(self), projection, default_registry())
        content = self._contents[fqid]
        return obj if content is None else {**obj, "content": content}


async def _check(
    engine: Autoupdate,
    datastore: MemoryDatastore,
    requests: list[KeysRequest],
    streams: list[_Stream],
    number: int,
    stats: Stats,
) -> Failure | None:
    fresh_by: dict[tuple[int, int], dict[str, Any] | ClientError] = {}
    for stream in streams:
        if not stream.open:
            continue
        ended = _fold(stream)
        key = (stream.user, stream.request)
        if key not in fresh_by:
            fresh_by[key] = await fresh_values(
                datastore, stream.user, requests[stream.request % len(requests)]
            )
        fresh = fresh_by[key]
        if isinstance(fresh, ClientError):
            if ended is None:
                return Failure(
                    number, stream.user, stream.request, f"stream open: a fresh request fails: {fresh!r}"
                )
            stream.open = False
            stats.ended += 1
            continue
        if ended is not None:
            return Failure(number, stream.user, stream.request, f"stream ended: {ended!r}")
        differences = {
            key: (stream.state.get(key, _ABSENT), _ABSENT if value is None else value)
            for key, value in fresh.items()
            if stream.state.get(key) != value
        }
        if differences:
            return Failure(number, stream.user, stream.request, "differs", differences)
        stats.checks += 1
        stats.keys += len(fresh)
        # A client forgets what it no longer requests (it follows the relations itself).
        stream.state = {key: value for key, value in stream.state.items() if key in fresh}
    for (user, request), fresh in fresh_by.items():  # ``single`` answers from the same groups
        if isinstance(fresh, ClientError):
            continue
        answer = await asyncio.wait_for(
            engine.single(user, requests[request % len(requests)]), SETTLE_SECONDS
        )
        expected = {key: value for key, value in fresh.items() if value is not None}
        single = answer.decoded()
        if single != expected:
            differences = {
                key: (single.get(key, _ABSENT), expected.get(key, _ABSENT))
                for key in single.keys() | expected.keys()
                if single.get(key) != expected.get(key)
            }
            return Failure(number, user, request, "single differs", differences)
        stats.singles += 1
    return None


def _fold(stream: _Stream) -> BaseException | None:
    """Take the stream's queued messages into its state; the error it ended with, if any."""
    subscription = stream.subscription
    while subscription.queued():
        message = subscription.next_nowait()
        for key, value in message.decoded().items():
            if value is None:
                stream.state.pop(key, None)
            else:
                stream.state[key] = value
    return subscription.error


def _plain(value: Any) -> Any:
    """A value as a client decodes it."""
    return None if value is None else msgspec.json.decode(msgspec.json.encode(value))


def _shape(key: str) -> str:
    collection, _, rest = key.partition("/")
    return f"{collection}/{rest.partition('/')[2]}"


def _text(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 200 else text[:200] + "…"
