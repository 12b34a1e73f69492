"""The autoupdate engine: connections grouped by (user, request), recomputed when a key they
read changes.

Connections with the same user and the same request form one group: computed once, diffed once,
and the same encoded message goes to every member, so per-connection state is only a queue.
A change batch wakes only the groups whose recorded reads it touches (dependency index);
changes that arrive while a group is waiting or computing are coalesced into one more round.
Recomputes share ``workers`` slots; meeting admins skip the queue (as upstream does).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Hashable, Iterable
from dataclasses import dataclass
from typing import Any

import anyio

from domain.autoupdate.compute import (
    is_meeting_admin,
    require_existing_user,
    run_complete,
    run_complete_reader,
    user_values,
)
from domain.autoupdate.hashstate import decode_state, encode_state
from domain.autoupdate.index import DependencyIndex
from domain.autoupdate.message import Message
from domain.autoupdate.subscription import Subscription
from domain.cache import Cache
from domain.diff import diff, same
from domain.errors import ClientError
from domain.keysbuilder import KeysRequest
from domain.projector.content import calculate as calculate_content
from domain.projector.context import SlideRegistry
from domain.reader import Reader
from domain.restrict import Restricter
from domain.restrict.context import RestrictContext
from domain.restrict.history import admin_meetings, history_rules
from domain.restrict.restricter import PermissionRestricter
from domain.schema import field as schema_field
from domain.snapshot import Snapshot
from domain.values import encode, value_hash

log = logging.getLogger("autoupdate.engine")


@dataclass(frozen=True)
class Limits:
    max_keys: int = 1_000_000
    max_queue: int = 64


class _Group:
    """Connections sharing one computation; holds the values last sent to all of them."""

    def __init__(self, engine: Autoupdate, key: Hashable, user_id: int, request: KeysRequest) -> None:
        self.engine = engine
        self.key = key
        self.user_id = user_id
        self.request = request
        self.admin = False
        self.members: set[Subscription] = set()
        self.current: dict[str, bytes] = {}
        self.deps: set[str] = set()
        self.structural: set[str] = set()
        """The reads that decided what is read or visible (relations followed, permission
        checks); a change elsewhere only replaces values (the fast path)."""
        self.changed: set[str] = set()
        self.recompute = True
        self.ready = asyncio.Event()
        self.failure: BaseException | None = None
        self.scheduled = self.running = self.rerun = self.dead = False

    def notify(self, changed: Iterable[str]) -> None:
        self.changed.update(key for key in changed if key in self.deps)
        self.engine._schedule(self)


class _Calculated:
    """A calculated key (``projection/1/content``) and the keys its last calculation read."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.deps: set[str] = set()

    def notify(self, changed: Iterable[str]) -> None:
        """Handled by :meth:`Autoupdate.apply_changes` (it invalidates the value first)."""


class _Waiter:
    """A longpolling request waiting for any of its keys to change."""

    def __init__(self) -> None:
        self.deps: set[str] = set()
        self.event = asyncio.Event()

    def notify(self, changed: Iterable[str]) -> None:
        self.event.set()


class Autoupdate:
    def __init__(
        self,
        cache: Cache,
        restricter: Restricter,
        *,
        workers: int,
        limits: Limits = Limits(),
        slides: SlideRegistry | None = None,
    ):
        self.cache = cache
        self.restricter = restricter
        self.limits = limits
        self._slides = slides
        self._calculated: dict[str, _Calculated] = {}
        if slides is not None:
            cache.calculate_with(frozenset({"projection/content"}), self._calculate)
        self._slots = asyncio.Semaphore(max(1, workers))
        self._index = DependencyIndex()
        self._groups: dict[Hashable, _Group] = {}
        self._closing = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()

    # -- public API -------------------------------------------------------------------------

    async def single(self, user_id: int, request: KeysRequest) -> Message:
        """One message with every visible key that has a value (``?single``)."""
        values, _ = await self._compute(user_id, request)
        return Message({key: encode(value) for key, value in values.items() if value is not None})

    async def single_at(self, user_id: int, request: KeysRequest, position: int) -> Message:
        """``single`` on the data as it was right after ``position`` (``?position=N``, spec A6).

        Visibility follows the history rules (``domain.restrict.history``), with the user's
        role judged on the current data.
        """
        newest = await self.cache.datastore.newest_position()
        if not 0 < position <= newest:
            raise ClientError(
                f"position {position} does not exist (newest is {newest})", type="invalid_input"
            )

        def role(reader: Reader) -> tuple[bool, frozenset[int]]:
            require_existing_user(reader, user_id)
            context = RestrictContext(reader, user_id, {})
            return context.oml("can_manage_organization"), admin_meetings(context)

        (orga_manager, meetings), _ = await run_complete(self.cache, role)
        restricter = PermissionRestricter(rules=history_rules(user_id, orga_manager, meetings))
        values, _ = await run_complete(
            Snapshot(self.cache.datastore, position),
            lambda reader: user_values(
                reader, restricter, user_id, request, self.limits.max_keys, require_user=False
            ),
        )
        return Message({key: encode(value) for key, value in values.items() if value is not None})

    async def subscribe(self, user_id: int, request: KeysRequest) -> Subscription:
        """Open a stream. Its first message (all visible values) is already queued.

        Raises the computation's error (e.g. a ``ClientError``) before anything is sent.
        """
        key = (user_id, request.fingerprint)
        group = self._groups.get(key)
        if group is None:
            group = self._groups[key] = _Group(self, key, user_id, request)
            self._spawn(self._refresh(group))
        subscription = Subscription(user_id, self.limits.max_queue, lambda sub: self._leave(group, sub))
        group.members.add(subscription)
        try:
            await group.ready.wait()
        except BaseException:
            subscription.close()
            raise
        if group.failure is not None:
            subscription.close()
            raise group.failure
        subscription.greeted = True
        subscription.push(Message(dict(group.current)))
        return subscription

    async def longpoll(self, user_id: int, request: KeysRequest, state: str) -> tuple[Message, str]:
        """Wait until the client's state (see ``hashstate``) is outdated; return the diff and
        the new state."""
        previous = decode_state(state)
        while not self._closing.is_set():
            waiter = _Waiter()
            async with self._slots:
                values, reads = await self._compute(user_id, request)
                encoded = {key: None if value is None else encode(value) for key, value in values.items()}
                message, previous = diff(previous, encoded, value_hash)
                if message:
                    return Message(message), encode_state(previous)
                self._index.update(waiter, reads)
            try:
                await _first(waiter.event, self._closing)
            finally:
                self._index.remove(waiter)
        return Message({}), encode_state(previous)  # shutting down: the client polls again elsewhere

    async def explain(self, user_id: int, key: str) -> str:
        """Why ``key`` is (not) visible for ``user_id`` on the current data (spec R6)."""
        text, _ = await run_complete(self.cache, lambda reader: self.restricter.explain(reader, user_id, key))
        return text

    def apply_changes(self, changes: dict[str, Any]) -> list[str]:
        """Apply a batch of changed values (``None``: no value) and wake who read them.

        Calculated keys (slide contents) that read a changed key are invalidated and count as
        changed too; the next reader calculates them again, on the new data (one consistent
        state, spec A9). Returns those keys.
        """
        self.cache.apply(changes)
        affected = self._index.affected(changes)
        invalidated = [d for d in affected if isinstance(d, _Calculated)]
        for calculated in invalidated:
            self._index.remove(calculated)
            self.cache.invalidate(calculated.key)
        keys = [calculated.key for calculated in invalidated]
        changed: list[str] = [*changes, *keys]
        if keys:
            affected = (affected - set(invalidated)) | self._index.affected(keys)
        for dependent in affected:
            dependent.notify(changed)
        return keys

    async def _calculate(self, key: str) -> Any:
        """Calculate a slide content once for everybody and remember what it read."""
        assert self._slides is not None
        slides = self._slides
        projection_id = int(key.split("/")[1])
        value, reads = await run_complete(
            self.cache, lambda reader: calculate_content(reader, projection_id, slides)
        )
        calculated = self._calculated.get(key)
        if calculated is None:
            calculated = self._calculated[key] = _Calculated(key)
        self._index.update(calculated, reads)
        return value

    async def messages(self, subscription: Subscription) -> AsyncIterator[Message]:
        """Iterate a subscription's messages until it ends (helper for adapters and tests)."""
        with contextlib.suppress(anyio.EndOfStream):
            while True:
                yield await subscription.next()

    async def idle(self) -> None:
        """Wait until every scheduled recompute has finished (tests, benchmarks, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def statistics(self) -> dict[str, int]:
        keys, objects = self.cache.statistics()
        return {
            "datastore_cache_key_len": keys,
            "datastore_cache_objects": objects,
            "autoupdate_groups": len(self._groups),
            "autoupdate_connections": sum(len(g.members) for g in self._groups.values()),
            "autoupdate_watched_keys": len(self._index),
        }

    async def close(self) -> None:
        """End every stream and pending longpoll cleanly and stop background work (shutdown)."""
        self._closing.set()
        for group in list(self._groups.values()):
            for member in list(group.members):
                member.end()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # -- internals --------------------------------------------------------------------------

    async def _compute(self, user_id: int, request: KeysRequest) -> tuple[dict[str, Any], set[str]]:
        return await run_complete(
            self.cache,
            lambda reader: user_values(reader, self.restricter, user_id, request, self.limits.max_keys),
        )

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _schedule(self, group: _Group) -> None:
        if group.dead:
            return
        if group.running:
            group.rerun = True
        elif not group.scheduled:
            group.scheduled = True
            self._spawn(self._refresh(group))

    async def _refresh(self, group: _Group) -> None:
        first = not group.ready.is_set()
        if first:
            admin, _ = await run_complete(self.cache, lambda reader: is_meeting_admin(reader, group.user_id))
            group.admin = admin
        slot = contextlib.nullcontext() if group.admin else self._slots
        async with slot:
            if group.dead:
                return
            group.scheduled, group.running = False, True
            changed, group.changed = group.changed, set()
            try:
                message = await self._values_changed(group, changed) if not first else None
                if message is None:
                    message = await self._recompute(group)
            except Exception as error:
                self._fail(group, error)
                return
            finally:
                group.running = False
            if group.dead:
                return
            if message and not first:
                shared = Message(message)
                for member in list(group.members):
                    if member.greeted:
                        member.push(shared)
            group.ready.set()
            if not group.members:
                self._drop(group)
                return
        if group.rerun:
            group.rerun = False
            self._schedule(group)

    async def _recompute(self, group: _Group) -> dict[str, bytes | None]:
        """The whole request from scratch; returns what changed."""
        values, reader = await run_complete_reader(
            self.cache,
            lambda reader: user_values(
                reader, self.restricter, group.user_id, group.request, self.limits.max_keys
            ),
        )
        encoded = {key: None if value is None else encode(value) for key, value in values.items()}
        message, group.current = diff(group.current, encoded, same)
        group.structural = reader.structural
        self._index.update(group, reader.reads)
        return message

    async def _values_changed(self, group: _Group, changed: set[str]) -> dict[str, bytes | None] | None:
        """The fast path: when every changed key is a plain value of the group (not read to
        decide anything, not a relation), only those keys can change. A key that was visible
        stays visible (its decision read nothing that changed); a key without a visible value
        before gets its decision now. ``None`` when the whole request must be recomputed."""
        if not changed or not changed.isdisjoint(group.structural):
            return None
        for key in changed:
            field = schema_field(*key.split("/")[::2])
            if field is None or field.is_relation:
                return None

        def values(reader: Reader) -> dict[str, Any]:
            reader.leaves = True
            raw = reader.get_many(changed)
            reader.leaves = False
            unknown = {key: value for key, value in raw.items() if key not in group.current}
            if unknown:
                raw.update(self.restricter.for_user(reader, group.user_id).restrict(unknown))
            return raw

        new, reader = await run_complete_reader(self.cache, values)
        if not reader.reads <= group.deps:
            group.structural |= reader.structural
            self._index.update(group, group.deps | reader.reads)
        message: dict[str, bytes | None] = {}
        for key, value in new.items():
            if value is None:
                if group.current.pop(key, None) is not None:
                    message[key] = None
                continue
            value_bytes = encode(value)
            if group.current.get(key) != value_bytes:
                group.current[key] = value_bytes
                message[key] = value_bytes
        return message

    def _fail(self, group: _Group, error: BaseException) -> None:
        if not group.ready.is_set():
            group.failure = error
            group.ready.set()
        else:
            log.warning("recompute for user %s failed: %s", group.user_id, error)
            for member in list(group.members):
                member.end(error)
        self._drop(group)

    def _leave(self, group: _Group, subscription: Subscription) -> None:
        group.members.discard(subscription)
        if not group.members and group.ready.is_set():
            self._drop(group)

    def _drop(self, group: _Group) -> None:
        group.dead = True
        self._index.remove(group)
        if self._groups.get(group.key) is group:
            del self._groups[group.key]


async def _first(*events: asyncio.Event) -> None:
    """Wait until any of ``events`` is set."""
    waits = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()
