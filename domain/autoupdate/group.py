"""Groups of connections that share one computation, and their members.

Connections with the same request and the same permission profile form a group. The group is
computed for "a user of this profile whom no identity fact mentions" (the permissions are read
from one *representative* member); every member's view is the group's view with the member's
*patch* laid over it: the few keys where a decision that depends on identity (spec: "own"
objects, personal notes, submitters, …) comes out differently for that member. So a thousand
delegates cost one computation and one encoded message per change, plus their patches. Which
member came first does not matter: nobody's own data is in the group's view.

A member whose own data would change which keys are requested (its personal notes, for
instance, follow to more keys) gets a group of its own, computed for that member
(:attr:`Group.owner`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Hashable, Iterable, Mapping
from typing import TYPE_CHECKING, NamedTuple

from domain.autoupdate.greeting import Greeting
from domain.autoupdate.incremental import Kept
from domain.autoupdate.subscription import Subscription
from domain.keysbuilder import KeysRequest
from domain.restrict.context import NOBODY, DecisionKey
from domain.restrict.identity import IdentityFacts
from domain.restrict.memo import DecisionMemo

if TYPE_CHECKING:
    from domain.autoupdate.engine import Autoupdate

Values = dict[str, bytes]
"""Encoded values by key: the keys that have a visible value."""
Patch = dict[str, bytes | None]
"""Where a member's view differs from its group's: the member's value, or ``None``."""


class Member:
    """One connection of a group."""

    __slots__ = (
        "deps",
        "engine",
        "group",
        "patch",
        "patch_reads",
        "profile_deps",
        "recheck_profile",
        "stale",
        "subscription",
    )

    def __init__(self, engine: Autoupdate, group: Group, subscription: Subscription) -> None:
        self.engine = engine
        self.group = group
        self.subscription = subscription
        self.patch: Patch = {}
        self.deps: set[str] = set()
        """What the dependency index has this member under (kept by the index)."""
        self.patch_reads: set[str] = set()
        self.profile_deps: set[str] = set()
        self.stale = False
        """The patch must be computed again (data only this member's patch read changed)."""
        self.recheck_profile = False

    @property
    def user_id(self) -> int:
        return self.subscription.user_id

    def notify(self, changed: Iterable[str]) -> None:
        changed = set(changed)
        self.stale = True
        if not changed.isdisjoint(self.profile_deps):
            self.recheck_profile = True
        self.engine._schedule(self.group)


class Redecided(NamedTuple):
    """For a member, the values of the keys its own decisions change, and the keys read."""

    values: dict[str, bytes | None]
    reads: set[str]


class Seed(NamedTuple):
    """Decisions of a group another one split from (for a member whose view is no patch):
    valid for the new group's first computation while no change batch came in between. Their
    reads are the old group's, so the new group depends on those too."""

    memo: DecisionMemo
    differing: set[DecisionKey]
    generation: int
    deps: set[str]


class Group:
    """The shared computation; ``current`` is the view of a member whom no fact mentions (or
    of :attr:`owner`)."""

    def __init__(
        self, engine: Autoupdate, key: Hashable, representative: int, profile: Hashable, request: KeysRequest
    ) -> None:
        self.engine = engine
        self.key = key
        self.representative = representative
        self.profile = profile
        self.request = request
        self.admin = False
        self.members: set[Member] = set()
        self.current: Values = {}
        """The group's view; replaced on every change, never changed in place."""
        self.owner: int | None = None
        """The one user this group is computed for (a group of its own), else ``None``."""
        self._greeting: Greeting | None = None
        self.keys: Collection[str] = frozenset()
        """Every key the request resolves to (with or without a visible value)."""
        self.deps: set[str] = set()
        self.kept: Kept | None = None
        """The last computation, to continue from on a change (``incremental``)."""
        self.rounds = 0
        """Changes applied incrementally since the last computation from scratch."""
        self.identity: IdentityFacts | None = None
        self.generation = 0
        """The engine's change-batch count when the group was last computed."""
        self.seed: Seed | None = None
        """Decisions of the group this one split from, valid for the first computation while
        no change batch came in between (a member whose view is no patch starts from them)."""
        self.changed: set[str] = set()
        self.recompute = False
        self.idle_timer: asyncio.TimerHandle | None = None
        self.ready = asyncio.Event()
        self.failure: BaseException | None = None
        self.scheduled = self.running = self.rerun = self.dead = False

    def notify(self, changed: Iterable[str]) -> None:
        self.changed.update(key for key in changed if key in self.deps)
        self.engine._schedule(self)

    @property
    def viewer(self) -> int:
        """Whom the group's identity facts compare with: its owner, or nobody."""
        return NOBODY if self.owner is None else self.owner

    def greeting(self) -> Greeting:
        """The current view formatted for first messages (built once per view)."""
        if self._greeting is None or self._greeting.values is not self.current:
            self._greeting = Greeting(self.current)
        return self._greeting


def member_message(
    message: Mapping[str, bytes | None],
    before: Mapping[str, bytes],
    after: Mapping[str, bytes],
    keys: Collection[str],
    old: Patch,
    new: Patch,
) -> dict[str, bytes | None]:
    """What a member must be told, given the group's message and values ``before`` and
    ``after`` it, and the member's patch before (``old``) and after (``new``). Keys no longer
    requested are not reported (as for every stream)."""
    result = {key: value for key, value in message.items() if key not in old and key not in new}
    for key in old.keys() | new.keys():
        if key not in keys:
            continue
        was = old[key] if key in old else before.get(key)
        now = new[key] if key in new else after.get(key)
        if was != now:
            result[key] = now
    return result


def moved_message(
    before: Mapping[str, bytes], after: Mapping[str, bytes], keys: Collection[str]
) -> dict[str, bytes | None]:
    """What a member that changed groups must be told: the difference of its two views."""
    result: dict[str, bytes | None] = {}
    for key in keys:
        was, now = before.get(key), after.get(key)
        if was != now:
            result[key] = now
    return result
