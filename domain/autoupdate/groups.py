"""The groups of one engine: finding, creating and dropping them, and what they share.

A group is found by (request fingerprint, permission profile), or, for a member whose view is
no patch of its group's, by that group and the member. A group without members stays a while
(``idle_seconds``), so a reconnecting client or a ``single`` request finds it computed; idle
groups together keep at most ``IDLE_KEYS`` keys (the oldest go first), so requests nobody
streams cannot hold memory (docs/reliability.md, "Memory under hostile requests").
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator

import anyio

from domain.autoupdate.group import Group, Seed, State, seed_of
from domain.autoupdate.index import DependencyIndex
from domain.background import Background
from domain.cache import Cache
from domain.keysbuilder import KeysRequest
from domain.restrict import Restricter

IDLE_KEYS = 250_000
"""Keys all groups without members may keep together: about four meeting requests of the web
client (61,000 keys each, with and without a value, on the benchmark meeting), so each role's
group stays for the next user of its profile."""
IDLE_GROUP_KEYS = 80_000
"""A group with more keys is dropped as soon as its last member leaves (a request bigger than the
web client's meeting request is nobody's to reconnect to)."""


class Groups:
    """Every group of the engine, and the parts they share."""

    def __init__(
        self,
        cache: Cache,
        restricter: Restricter,
        index: DependencyIndex,
        *,
        workers: int,
        max_keys: int,
        idle_seconds: float,
    ) -> None:
        self.cache = cache
        self.restricter = restricter
        self.index = index
        self.max_keys = max_keys
        self.idle_seconds = idle_seconds
        self.slots = anyio.Semaphore(max(1, workers))
        """Rounds running at once (``CONCURENT_WORKER``); meeting admins skip the queue."""
        self.generation = 0
        """Change batches applied so far: a seed is valid while this is unchanged."""
        self._groups: dict[Hashable, Group] = {}
        self._idle: dict[Group, None] = {}
        """Groups without members, oldest first."""
        self.background = Background("the autoupdate engine")
        """Where rounds and idle timers run."""

    def __iter__(self) -> Iterator[Group]:
        return iter(list(self._groups.values()))

    def __len__(self) -> int:
        return len(self._groups)

    def get(self, request: KeysRequest, profile: Hashable, representative: int) -> Group:
        """The group of ``request`` and ``profile`` (created for ``representative`` if new)."""
        return self._found((request.fingerprint, profile), representative, profile, request)

    def of_profile(self, group: Group, profile: Hashable, user_id: int) -> Group:
        """The group of ``group``'s request for a member whose profile is now ``profile``."""
        return self.get(group.request, profile, user_id)

    def own_group(self, group: Group, user_id: int) -> Group:
        """The group of one user whose view is no patch of ``group``'s; its first computation
        starts from ``group``'s decisions that do not depend on who asks."""
        key = (group.key, user_id)
        seed = seed_of(group, user_id, self.generation) if key not in self._groups else None
        return self._found(key, user_id, group.profile, group.request, owner=user_id, seed=seed)

    def shared_seed(self, group: Group, generation: int) -> Seed | None:
        """For a group of one user that must compute from scratch: the decisions of the shared
        group of its request and profile, if that group is current (so every decision it kept
        holds on this state), without those that compared with the user."""
        assert group.owner is not None
        shared = self._groups.get((group.request.fingerprint, group.profile))
        if shared is None or shared.state is not State.CURRENT:
            return None
        return seed_of(shared, group.owner, generation)

    def _found(
        self,
        key: Hashable,
        representative: int,
        profile: Hashable,
        request: KeysRequest,
        owner: int | None = None,
        seed: Seed | None = None,
    ) -> Group:
        group = self._groups.get(key)
        if group is None:
            group = self._groups[key] = Group(self, key, representative, profile, request, owner, seed)
            self.spawn(group)
        return group

    def spawn(self, group: Group) -> None:
        """Run ``group``'s rounds in the background."""
        self.background.spawn(group.run)

    def busy(self, group: Group) -> None:
        """``group`` has members again: it is no longer dropped when idle."""
        self._idle.pop(group, None)
        if group.idle_timer is not None:
            group.idle_timer.cancel()
            group.idle_timer = None

    def unused(self, group: Group) -> None:
        """``group`` has no members: drop it after ``idle_seconds`` unless one comes back, or
        earlier when the idle groups keep more than ``IDLE_KEYS`` keys (at once when it has more
        than ``IDLE_GROUP_KEYS`` or the engine has stopped: no timer runs then)."""
        if group.state is not State.CURRENT or group.members or group.joiners:
            return
        if self.idle_seconds <= 0 or len(group.keys) > IDLE_GROUP_KEYS or not self.background.active:
            group.end()
            return
        if group.idle_timer is None:
            group.idle_timer = self.background.spawn(self._expire_later, group, awaited=False)
        self._idle[group] = None
        kept = sum(len(idle.keys) for idle in self._idle)
        for oldest in list(self._idle):
            if kept <= IDLE_KEYS:
                break
            kept -= len(oldest.keys)
            oldest.end()

    async def _expire_later(self, group: Group) -> None:
        await anyio.sleep(self.idle_seconds)
        group.idle_timer = None
        if group.state is State.CURRENT and not group.members and not group.joiners:
            group.end()

    def drop(self, group: Group) -> None:
        """Forget an ended group."""
        self.busy(group)
        group.release_followers()
        group.unfollow()
        self.index.remove(group)
        if self._groups.get(group.key) is group:
            del self._groups[group.key]
