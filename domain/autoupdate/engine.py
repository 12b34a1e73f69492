"""The autoupdate engine: connections grouped by (request, permission profile), recomputed
when a key they read changes.

The parts, each in its module: ``groups`` finds and keeps the groups; a ``group`` runs rounds
(``round``: profiles, the group's view, patches, all on one state of the data) and tells its
``member``s; ``dispatch`` applies change batches and wakes exactly who read a changed key;
``longpoll`` serves longpolling requests. This facade is what the HTTP adapter and tools use.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

import anyio

from domain.autoupdate.audit import Auditor
from domain.autoupdate.compute import profile_of, require_existing_user, run_complete, user_values
from domain.autoupdate.dispatch import ChangeDispatch
from domain.autoupdate.groups import Groups
from domain.autoupdate.index import DependencyIndex
from domain.autoupdate.longpoll import longpoll
from domain.autoupdate.member import Member
from domain.autoupdate.message import Message
from domain.autoupdate.subscription import Subscription
from domain.cache import Cache
from domain.errors import ClientError
from domain.keysbuilder import KeysRequest
from domain.projector.context import SlideRegistry
from domain.reader import Reader
from domain.restrict import Restricter
from domain.restrict.context import RestrictContext
from domain.restrict.history import admin_meetings, history_rules
from domain.restrict.restricter import PermissionRestricter
from domain.snapshot import Snapshot
from domain.values import encode

IDLE_SECONDS = 60.0
"""How long a group outlives its last member (reconnects and ``single`` requests reuse it)."""


@dataclass(frozen=True)
class Limits:
    max_keys: int = 1_000_000
    max_queue: int = 64


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
        audit_share: float = 0.0,
    ):
        """``audit_share``: check random open streams against fresh computations, at most this
        share of a core while running (``AUTOUPDATE_AUDIT``; see ``audit``); ``0``: never."""
        self.cache = cache
        self.restricter = restricter
        self.limits = limits
        self._index = DependencyIndex(pins=cache)  # the cache keeps every object the index names
        self._groups = Groups(
            cache,
            restricter,
            self._index,
            workers=workers,
            max_keys=limits.max_keys,
            idle_seconds=idle_seconds,
        )
        self._dispatch = ChangeDispatch(cache, self._index, self._groups, slides)
        self._closing = anyio.Event()
        self.auditor = Auditor(self._groups)
        self._audit_share = audit_share

    async def single(self, user_id: int, request: KeysRequest) -> Message:
        """One message with every visible key that has a value (``?single``).

        Answered by the group of the user's request and profile (which stays a while after its
        last member left, ``IDLE_SECONDS``), so a user whose permissions equal an already
        computed user's costs only a patch."""
        member = await self._join(user_id, request, None)
        message = await member.answer.wait()
        assert message is not None  # a single's answer is its message
        return message

    async def subscribe(self, user_id: int, request: KeysRequest) -> Subscription:
        """Open a stream. Its first message (all visible values) is already queued.

        Raises the computation's error (e.g. a ``ClientError``) before anything is sent.
        """
        subscription = Subscription(user_id, self.limits.max_queue, lambda _: self._leave(member))
        member = Member(user_id, subscription)
        try:
            await self._join(user_id, request, member)
            await member.answer.wait()
        except BaseException:
            subscription.close()
            raise
        subscription.greeted = True
        return subscription

    async def _join(self, user_id: int, request: KeysRequest, member: Member | None) -> Member:
        """Find the group of the user's profile and put ``member`` (a new one for a ``single``)
        into its next round."""
        profile, _ = await run_complete(
            self.cache, partial(profile_of, restricter=self.restricter, user_id=user_id)
        )
        if member is None:
            member = Member(user_id, None)
        self._groups.get(request, profile, user_id).join(member)
        return member

    def _leave(self, member: Member) -> None:
        if member.group is not None:
            member.group.leave(member)

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

    async def longpoll(self, user_id: int, request: KeysRequest, state: str) -> tuple[Message, str]:
        """Wait until the client's state (see ``hashstate``) is outdated; return the diff and
        the new state."""

        async def compute() -> tuple[dict[str, Any], set[str]]:
            return await run_complete(
                self.cache,
                lambda reader: user_values(reader, self.restricter, user_id, request, self.limits.max_keys),
            )

        return await longpoll(compute, self._index, self._groups.slots, self._closing, state)

    async def explain(self, user_id: int, key: str) -> str:
        """Why ``key`` is (not) visible for ``user_id`` on the current data (spec R6)."""
        text, _ = await run_complete(self.cache, lambda reader: self.restricter.explain(reader, user_id, key))
        return text

    def apply_changes(self, changes: dict[str, Any]) -> list[str]:
        """Apply a batch of changed values (``None``: no value) and wake who read them; returns
        the calculated keys (slide contents) it invalidated (see ``dispatch``)."""
        return self._dispatch.apply(changes)

    async def idle(self) -> None:
        """Wait until every scheduled round has finished (tests, benchmarks, shutdown)."""
        await self._groups.background.idle()

    @asynccontextmanager
    async def running(self) -> AsyncIterator[Autoupdate]:
        """Run the engine's background work (rounds, idle timers, the auditor) and its cache's;
        the composition root enters this once, and leaving it closes the engine."""
        async with self.cache.running(), self._groups.background.running():
            if self._audit_share > 0:
                self._groups.background.spawn(self.auditor.run, self._audit_share, awaited=False)
            try:
                yield self
            finally:
                with anyio.CancelScope(shield=True):
                    await self.close()

    def group_sizes(self) -> list[int]:
        """The number of open streams of each group (tests, tools)."""
        return sorted(sum(1 for m in group.members if m.subscription is not None) for group in self._groups)

    def statistics(self) -> dict[str, int]:
        keys, objects = self.cache.statistics()
        members = [m for group in self._groups for m in group.members if m.subscription is not None]
        return {
            "datastore_cache_key_len": keys,
            "datastore_cache_objects": objects,
            "autoupdate_groups": len(self._groups),
            "autoupdate_connections": len(members),
            "autoupdate_patched_connections": sum(1 for m in members if m.patch),
            "autoupdate_watched_keys": len(self._index),
            "autoupdate_audit_checks": self.auditor.checks,
            "autoupdate_audit_mismatches": self.auditor.mismatches,
        }

    async def close(self) -> None:
        """End every stream and pending longpoll cleanly and stop background work (shutdown)."""
        self._closing.set()
        for group in self._groups:
            for member in list(group.members):
                if member.subscription is not None:
                    member.subscription.end()
        await self._groups.background.cancel()
