"""The autoupdate engine: connections grouped by (request, permission profile), recomputed
when a key they read changes.

A group is computed once (for a representative user) and its messages are encoded once; each
member adds only a small patch where identity-dependent decisions differ (``group``). A change
batch wakes only the groups and members whose recorded reads it touches (dependency index);
the group continues its last computation with just what the batch changed (``incremental``).
Changes that arrive while a group waits or computes are coalesced into one more round.
Recomputes share ``workers`` slots; meeting admins skip the queue (as upstream does).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from domain.autoupdate.compute import (
    is_meeting_admin,
    require_existing_user,
    run_complete,
    run_complete_reader,
    user_values,
)
from domain.autoupdate.group import (
    Group,
    Member,
    Patch,
    Redecided,
    Seed,
    Values,
    member_message,
    moved_message,
)
from domain.autoupdate.hashstate import decode_state, encode_state
from domain.autoupdate.incremental import Computed, after_changes, from_scratch, judged_keys
from domain.autoupdate.index import DependencyIndex
from domain.autoupdate.message import Message
from domain.autoupdate.subscription import Subscription
from domain.autoupdate.view import view
from domain.cache import Cache
from domain.diff import diff, same
from domain.errors import ClientError
from domain.keysbuilder import KeysRequest
from domain.projector.content import calculate as calculate_content
from domain.projector.context import SlideRegistry
from domain.reader import Reader
from domain.restrict import Restricter
from domain.restrict.context import DecisionKey, RestrictContext
from domain.restrict.history import admin_meetings, history_rules
from domain.restrict.restricter import PermissionRestricter
from domain.snapshot import Snapshot
from domain.values import encode, value_hash

log = logging.getLogger("autoupdate.engine")

IDLE_SECONDS = 60.0
"""How long a group outlives its last member (reconnects and ``single`` requests reuse it)."""
FRESH_START_ROUNDS = 1000
"""After this many incremental rounds a group computes from scratch once: what it keeps of
past computations (reads of decisions no longer taken) only grows in between."""


@dataclass(frozen=True)
class Limits:
    max_keys: int = 1_000_000
    max_queue: int = 64


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
        idle_seconds: float = IDLE_SECONDS,
    ):
        self.cache = cache
        self.restricter = restricter
        self.limits = limits
        self._slides = slides
        self._calculated: dict[str, _Calculated] = {}
        if slides is not None:
            cache.calculate_with(frozenset({"projection/content"}), self._calculate)
        self._slots = asyncio.Semaphore(max(1, workers))
        self._index = DependencyIndex(pins=cache)  # issue 14: the cache keeps what the index names
        self._groups: dict[Hashable, Group] = {}
        self._closing = asyncio.Event()
        self.idle_seconds = idle_seconds
        self._generation = 0
        """Counts applied change batches: a decision memo is reusable while this is unchanged."""
        self._tasks: set[asyncio.Task[None]] = set()

    # -- public API -------------------------------------------------------------------------

    async def single(self, user_id: int, request: KeysRequest) -> Message:
        """One message with every visible key that has a value (``?single``).

        Answered from the group of the user's request and profile (which stays alive a while
        after its last member left, ``IDLE_SECONDS``), so a user whose permissions equal an
        already computed user's costs only a patch."""
        profile, _ = await run_complete(self.cache, partial(self._profile, user_id))
        group = self._group((request.fingerprint, profile), user_id, profile, request)
        await group.ready.wait()
        if group.failure is not None:
            raise group.failure
        busy = group.scheduled or group.running or bool(group.changed)  # changes not applied yet
        patched = None if busy else await self._patch(group, user_id)
        self._drop_if_empty(group)
        if patched is None or group.scheduled or group.running:
            values, _ = await self._compute(user_id, request)
            return Message({key: encode(value) for key, value in values.items() if value is not None})
        return group.greeting().message(patched[0])

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
        profile, reader = await run_complete_reader(self.cache, partial(self._profile, user_id))
        subscription = Subscription(user_id, self.limits.max_queue, lambda _: self._leave(member))
        group = self._group((request.fingerprint, profile), user_id, profile, request)
        member = Member(self, group, subscription)
        member.profile_deps = reader.reads
        group.members.add(member)
        try:
            await self._join(member, group)
        except BaseException:
            subscription.close()
            raise
        subscription.greeted = True
        subscription.push(member.group.greeting().message(member.patch))
        return subscription

    async def longpoll(self, user_id: int, request: KeysRequest, state: str) -> tuple[Message, str]:
        """Wait until the client's state (see ``hashstate``) is outdated; return the diff and
        the new state."""
        previous = decode_state(state)
        while not self._closing.is_set():
            waiter = _Waiter()
            async with self._slots:
                values, reads = await self._compute(user_id, request)
                encoded = _encoded(values)
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
        self._generation += 1
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
            "autoupdate_patched_connections": sum(
                1 for g in self._groups.values() for m in g.members if m.patch
            ),
            "autoupdate_watched_keys": len(self._index),
        }

    async def close(self) -> None:
        """End every stream and pending longpoll cleanly and stop background work (shutdown)."""
        self._closing.set()
        for group in list(self._groups.values()):
            for member in list(group.members):
                member.subscription.end()
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

    def _profile(self, user_id: int, reader: Reader) -> Hashable:
        require_existing_user(reader, user_id)
        return self.restricter.profile(reader, user_id)

    def _group(
        self,
        key: Hashable,
        representative: int,
        profile: Hashable,
        request: KeysRequest,
        owner: int | None = None,
    ) -> Group:
        group = self._groups.get(key)
        if group is None:
            group = self._groups[key] = Group(self, key, representative, profile, request)
            group.owner = owner
            self._spawn(self._refresh(group))
        return group

    async def _join(self, member: Member, group: Group) -> None:
        """Wait for the group's first computation and give the member its patch; a member whose
        view cannot be a patch of this group's gets a group of its own."""
        await group.ready.wait()
        if group.failure is not None:
            raise group.failure
        patched = await self._patch(group, member.user_id)
        if patched is None:
            group.members.discard(member)
            self._drop_if_empty(group)
            own = self._own_group(group, member.user_id)
            own.members.add(member)
            member.group = own
            await own.ready.wait()
            if own.failure is not None:
                raise own.failure
            patched = {}, set()
        member.patch, member.patch_reads = patched
        self._index.update(member, member.profile_deps | member.patch_reads)

    def _own_group(self, group: Group, user_id: int) -> Group:
        """The group of one user whose view differs structurally from ``group``'s; its first
        computation starts from ``group``'s decisions that do not depend on who asks."""
        own = self._group((group.key, user_id), user_id, group.profile, group.request, owner=user_id)
        if group.identity is not None and group.kept is not None and not own.ready.is_set():
            differing = group.identity.mentioning(user_id)
            own.seed = Seed(group.kept.memo, differing, group.generation, group.deps)
        return own

    def _schedule(self, group: Group) -> None:
        if group.dead:
            return
        if group.running:
            group.rerun = True
        elif not group.scheduled:
            group.scheduled = True
            self._spawn(self._refresh(group))

    async def _refresh(self, group: Group) -> None:
        first = not group.ready.is_set()
        if first:
            try:
                admin, _ = await run_complete(
                    self.cache, lambda reader: is_meeting_admin(reader, group.representative)
                )
            except Exception as error:
                self._fail(group, error)
                return
            group.admin = admin
        slot = contextlib.nullcontext() if group.admin else self._slots
        async with slot:
            if group.dead:
                return
            group.scheduled, group.running = False, True
            changed, group.changed = group.changed, set()
            before = group.current
            try:
                if not first:
                    await self._check_representative(group)
                if first or group.recompute or group.kept is None or group.rounds >= FRESH_START_ROUNDS:
                    message, touched = await self._recompute(group), None
                else:
                    message, touched = await self._incremental(group, changed)
            except Exception as error:
                self._fail(group, error)
                return
            finally:
                group.running = False
            if group.dead:
                return
            group.ready.set()
            if not first:
                await self._tell_members(group, message, before, touched)
        if not group.members:
            self._drop_if_empty(group)
            return
        if group.rerun:
            group.rerun = False
            self._schedule(group)

    async def _tell_members(
        self, group: Group, message: dict[str, bytes | None], before: Values, touched: set[int] | None
    ) -> None:
        """Send each member what changed in its view; one shared message for all whose patch is
        not involved. ``touched``: the users whose patch may have changed (``None``: anybody)."""
        shared = Message(message) if message else None
        for member in list(group.members):
            if member.group is not group or not member.subscription.greeted:
                continue
            if member.recheck_profile:
                member.recheck_profile = False
                if await self._moved(member):
                    continue
            involved = (
                touched is None
                or member.stale
                or member.user_id in touched
                or (member.patch and not member.patch.keys().isdisjoint(message))
            )
            if not involved:
                if shared is not None:
                    member.subscription.push(shared)
                continue
            member.stale = False
            old = member.patch
            patched = await self._patch(group, member.user_id)
            if patched is None:
                await self._move(member, old_view=view(before, old), to_own=True)
                continue
            new, member.patch_reads = patched
            member.patch = new
            self._index.update(member, member.profile_deps | member.patch_reads)
            own = member_message(message, before, group.current, group.keys, old, new)
            if own == message and shared is not None:
                member.subscription.push(shared)
            elif own:
                member.subscription.push(Message(own))

    async def _check_representative(self, group: Group) -> None:
        """The group computes for its representative; if that user's profile changed (or the
        user is gone), another member of the profile takes over and the group recomputes."""
        try:
            profile, _ = await run_complete(self.cache, partial(self._profile, group.representative))
        except ClientError:
            profile = None
        if profile == group.profile:
            return
        for member in group.members:
            if member.user_id != group.representative:
                group.representative = member.user_id
                group.recompute = True
                return

    async def _moved(self, member: Member) -> bool:
        """Check a member's profile; move it to the group of its new profile if it changed."""
        profile, reader = await run_complete_reader(self.cache, partial(self._profile, member.user_id))
        member.profile_deps = reader.reads
        if profile == member.group.profile:
            return False
        await self._move(member, old_view=view(member.group.current, member.patch), profile=profile)
        return True

    async def _move(
        self,
        member: Member,
        *,
        old_view: Mapping[str, bytes],
        profile: Hashable = None,
        to_own: bool = False,
    ) -> None:
        """Move a member to another group and tell it the difference between its two views."""
        old = member.group
        old.members.discard(member)
        if to_own:
            new = self._own_group(old, member.user_id)
        else:
            new = self._group((old.request.fingerprint, profile), member.user_id, profile, old.request)
        new.members.add(member)
        member.group = new
        try:
            await self._join(member, new)
        except Exception as error:
            member.subscription.end(error)
            return
        message = moved_message(old_view, view(member.group.current, member.patch), member.group.keys)
        if message:
            member.subscription.push(Message(message))
        self._drop_if_empty(old)

    async def _patch(self, group: Group, user_id: int) -> tuple[Patch, set[str]] | None:
        """Where ``user_id``'s view differs from the group's, and the keys that told. ``None``
        if a difference would change which keys are requested (the user then needs a
        computation of its own). Only the decisions that compared with this user are decided
        again, for this user."""
        identity = group.identity
        if user_id == group.owner or identity is None:
            return {}, set()
        mine = identity.mentioning(user_id)
        if not mine:
            return {}, set()
        own = await self._decide_again(group, user_id, identity.memo, mine)
        if own is None:
            return None
        return _patch_of(group, own.values), own.reads

    async def _decide_again(
        self, group: Group, user_id: int, base: Mapping[DecisionKey, bool], deciding: set[DecisionKey]
    ) -> Redecided | None:
        """Decide ``deciding`` again for ``user_id`` (a member: its profile is the group's),
        everything else as in ``base``; the values of the keys whose decisions changed.
        ``None`` if a changed decision filtered a relation that was followed."""

        def again(reader: Reader) -> Redecided | None:
            restriction = self.restricter.for_user(reader, user_id, (base, deciding))
            assert group.identity is not None
            affected: set[str] = set()
            for decision in deciding:
                if restriction.decide(decision) != base.get(decision):
                    affected |= judged_keys(group.keys, decision, group.identity.targets)
            if group.kept is not None and not affected.isdisjoint(group.kept.expansion.follows):
                return None
            raw = reader.get_many(affected)
            values = _encoded(restriction.restrict(raw))
            return Redecided(values, set())

        result, reader = await run_complete_reader(self.cache, again)
        return None if result is None else result._replace(reads=reader.reads)

    async def _recompute(self, group: Group) -> dict[str, bytes | None]:
        """The whole request from scratch (for a member whom no fact mentions, or the owner);
        returns what changed."""
        seed = group.seed if group.seed is not None and group.seed.generation == self._generation else None

        def compute(reader: Reader) -> Computed:
            memo = None
            if seed is not None:  # decisions that do not depend on who asks hold for this user too
                memo = seed.memo.copy()
                memo.forget(seed.differing)
            return from_scratch(
                reader,
                self.restricter,
                group.representative,
                group.request,
                self.limits.max_keys,
                memo,
                identity=group.viewer,
            )

        computed, reader = await run_complete_reader(self.cache, compute)
        message, group.current = diff(group.current, _encoded(computed.values), same)
        reads = reader.reads
        if seed is not None:  # the decisions taken over were not read again: their reads count
            reads = reads | seed.deps
        self._settle(group, computed)
        self._index.update(group, reads)
        group.rounds = 0
        group.recompute = False
        group.seed = None
        return message

    async def _incremental(
        self, group: Group, changed: set[str]
    ) -> tuple[dict[str, bytes | None], set[int] | None]:
        """Continue the group's last computation after ``changed`` (``incremental``); returns
        what changed and the users whose patch may have changed (``None``: anybody)."""
        assert group.kept is not None
        kept = group.kept
        if not changed:
            return {}, set()
        computed, reader = await run_complete_reader(
            self.cache,
            lambda reader: after_changes(
                reader,
                self.restricter,
                group.representative,
                kept,
                changed,
                self.limits.max_keys,
                identity=group.viewer,
            ),
        )
        if computed is None:
            return await self._recompute(group), None
        encoded = _encoded(computed.values)
        message, visible = diff(group.current, encoded, same)
        current = dict(group.current)
        for key in (*computed.removed, *encoded):  # removed: forgotten silently (spec §5.3)
            current.pop(key, None)
        current.update(visible)
        group.current = current
        self._settle(group, computed)
        self._index.add(group, reader.reads)
        group.rounds += 1
        return message, computed.touched_users

    def _settle(self, group: Group, computed: Computed) -> None:
        """Keep a computation's result in its group."""
        group.kept = computed.kept
        group.keys = computed.kept.expansion.keys
        group.identity = computed.restriction.identity()
        group.generation = self._generation

    def _fail(self, group: Group, error: BaseException) -> None:
        if not group.ready.is_set():
            group.failure = error
            group.ready.set()
        else:
            log.warning("recompute for user %s failed: %s", group.representative, error)
            for member in list(group.members):
                member.subscription.end(error)
        self._drop(group)

    def _leave(self, member: Member) -> None:
        member.group.members.discard(member)
        self._index.remove(member)
        self._drop_if_empty(member.group)

    def _drop_if_empty(self, group: Group) -> None:
        """Drop a group without members once it has been idle for ``IDLE_SECONDS``: a member
        that reconnects (or a ``single``) meanwhile finds it computed."""
        if group.members or not group.ready.is_set() or group.running or group.dead:
            return
        if group.failure is not None or self.idle_seconds <= 0:
            self._drop(group)
            return
        if group.idle_timer is None:
            group.idle_timer = asyncio.get_running_loop().call_later(
                self.idle_seconds, self._drop_if_still_empty, group
            )

    def _drop_if_still_empty(self, group: Group) -> None:
        group.idle_timer = None
        if not group.members and not group.running and not group.dead:
            self._drop(group)

    def _drop(self, group: Group) -> None:
        if group.idle_timer is not None:
            group.idle_timer.cancel()
            group.idle_timer = None
        group.dead = True
        self._index.remove(group)
        if self._groups.get(group.key) is group:
            del self._groups[group.key]


def _encoded(values: Mapping[str, Any]) -> dict[str, bytes | None]:
    """Each value encoded once (``None``: no visible value)."""
    return {key: None if value is None else encode(value) for key, value in values.items()}


def _patch_of(group: Group, values: dict[str, bytes | None]) -> Patch:
    """The values that differ from the group's."""
    return {key: value for key, value in values.items() if value != group.current.get(key)}


async def _first(*events: asyncio.Event) -> None:
    """Wait until any of ``events`` is set."""
    waits = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()
