"""Groups of connections that share one computation: their lifecycle and rounds.

Connections with the same request and the same permission profile form a group. The group is
computed for "a user of this profile whom no identity fact mentions" (the permissions are read
from one *representative* member); every member's view is the group's view with the member's
patch laid over it (``member``). So a thousand delegates cost one computation and one encoded
message per change, plus their patches. A member whose own data would change which keys are
requested (its personal notes, for instance, follow to more keys) gets a group of its own,
computed for that member (:attr:`Group.owner`).

Lifecycle (:class:`State`): a group is created ``SCHEDULED`` (its first round computes it),
``RUNNING`` while a round is computed, ``CURRENT`` when its view matches the data and nothing
is pending, ``SCHEDULED`` again when a change, a joiner or a stale member arrives, and
``ENDED`` once dropped (no members for a while, nobody of its profile left, or failed). All
work of a group runs in its rounds (``round``), one at a time.
"""

from __future__ import annotations

import contextlib
import enum
import logging
from collections.abc import Collection, Hashable, Iterable, Mapping
from typing import TYPE_CHECKING, NamedTuple

import anyio

from domain.autoupdate.compute import run_complete_reader
from domain.autoupdate.greeting import Greeting
from domain.autoupdate.incremental import Kept
from domain.autoupdate.member import Member, Values, member_message, moved_message
from domain.autoupdate.message import Message
from domain.autoupdate.round import Round, plan
from domain.autoupdate.view import view
from domain.keysbuilder import KeysRequest
from domain.restrict.context import NOBODY, DecisionKey
from domain.restrict.identity import IdentityFacts

if TYPE_CHECKING:
    from domain.autoupdate.groups import Groups

log = logging.getLogger("autoupdate.engine")


class State(enum.Enum):
    SCHEDULED = "scheduled"
    RUNNING = "running"
    CURRENT = "current"
    ENDED = "ended"


class Seed(NamedTuple):
    """The computation of the shared group of a group of one user (the group a member split
    from, or the current group of its profile): valid for the new computation while no change
    batch came in between. The new computation continues it (``incremental.from_seed``), so
    the new group depends on the shared group's reads too."""

    kept: Kept
    redecide: set[DecisionKey]
    """The decisions that compared with the new group's user: decided again for it."""
    generation: int
    deps: set[str]
    """Every key ``kept`` depends on: the leader's own set (which only grows while it is the
    same object), or a copy."""
    current: Values
    """The shared group's view, which ``kept`` computed."""
    leader: Group | None
    """The group to follow for ``deps`` (``None``: the new group is indexed under them)."""


def seed_of(group: Group, user_id: int, generation: int) -> Seed | None:
    """The seed a group of ``user_id`` takes from ``group`` (``None``: it has no computation)."""
    if group.kept is None or group.identity is None:
        return None
    redecide = group.identity.mentioning(user_id)
    if group.leader is None:
        return Seed(group.kept, redecide, generation, group.deps, group.current, group)
    return Seed(group.kept, redecide, generation, group.deps | group.leader.deps, group.current, None)


class Group:
    """The shared computation; :attr:`current` is the view of a member whom no fact mentions
    (or of :attr:`owner`)."""

    def __init__(
        self,
        groups: Groups,
        key: Hashable,
        representative: int,
        profile: Hashable,
        request: KeysRequest,
        owner: int | None = None,
        seed: Seed | None = None,
    ) -> None:
        self.groups = groups
        self.key = key
        self.representative = representative
        self.profile = profile
        self.request = request
        self.owner = owner
        """The one user this group is computed for (a group of its own), else ``None``."""
        self.seed = seed
        self.state = State.SCHEDULED
        self.admin = False
        """Computed for a meeting admin: its rounds skip the queue (as upstream does)."""
        self.members: set[Member] = set()
        """Greeted members: each client holds ``view(current, member.patch)``."""
        self.joiners: list[Member] = []
        """Members to take in with the next round."""
        self.current: Values = {}
        """The group's view; replaced on every change, never changed in place."""
        self.keys: Collection[str] = frozenset()
        """Every key the request resolves to (with or without a visible value)."""
        self.kept: Kept | None = None
        """The last computation, to continue from on a change (``incremental``)."""
        self.identity: IdentityFacts | None = None
        self.rounds = 0
        """Changes applied incrementally since the last computation from scratch."""
        self.changed: set[str] = set()
        """Changed keys the group read, not yet taken into a round."""
        self.deps: set[str] = set()
        """What the dependency index has this group under (kept by the index)."""
        self.leader: Group | None = None
        """The shared group whose computation this group continued, while it depends on every
        key that one does: a change of one of the leader's keys is this group's change too, so
        the index keeps this group under its own reads only (a thousand-key set fewer)."""
        self.followers: set[Group] = set()
        """The groups following this one (see :attr:`leader`)."""
        self.idle_timer: anyio.CancelScope | None = None
        self._greeting: Greeting | None = None
        self._more = False
        """Work arrived while a round was running: run another one."""
        self.scratch = False
        """The next round computes from scratch (the auditor found a wrong view)."""

    @property
    def viewer(self) -> int:
        """Whom the group's identity facts compare with: its owner, or nobody."""
        return NOBODY if self.owner is None else self.owner

    def greeting(self) -> Greeting:
        """The current view formatted for first messages (built once per view; a group of one
        user lets it go after its round, a megabyte or more it would hold for nobody)."""
        if self._greeting is None or self._greeting.values is not self.current:
            self._greeting = Greeting(self.current)
        return self._greeting

    # -- work arriving ------------------------------------------------------------------------

    def notify(self, changed: Iterable[str]) -> None:
        """Some of ``changed`` (a batch's keys) are among :attr:`deps` (or the leader's)."""
        theirs = self.leader.deps if self.leader is not None else ()
        self.changed.update(key for key in changed if key in self.deps or key in theirs)
        self.schedule()

    def join(self, member: Member, told: Mapping[str, bytes] | None = None) -> None:
        """Take ``member`` in with the next round; ``told``: the view its client holds."""
        member.group = self
        member.told = told
        self.joiners.append(member)
        self.groups.busy(self)
        self.schedule()

    def leave(self, member: Member) -> None:
        """The member's client left (or it moved elsewhere)."""
        self.members.discard(member)
        if member in self.joiners:
            self.joiners.remove(member)
        self.groups.index.remove(member)
        if not self.members and not self.joiners:
            self.groups.unused(self)

    def start_over(self, member: Member, told: Mapping[str, bytes]) -> None:
        """The member's client holds ``told`` (the auditor repaired it): take the member in
        again, and compute the group from scratch in the next round."""
        self.members.discard(member)
        self.groups.index.remove(member)
        self.scratch = True
        self.join(member, told)

    def schedule(self) -> None:
        if self.state is State.RUNNING:
            self._more = True
        elif self.state is State.CURRENT:
            self.state = State.SCHEDULED
            self.groups.spawn(self)

    # -- rounds -------------------------------------------------------------------------------

    async def run(self) -> None:
        """Run rounds until nothing is pending."""
        while self.state is State.SCHEDULED:
            slot = contextlib.nullcontext() if self.admin else self.groups.slots
            async with slot:
                if self.state is not State.SCHEDULED:
                    return
                self.state = State.RUNNING
                self._more = False
                try:
                    result, reader = await run_complete_reader(
                        self.groups.cache,
                        lambda reader: plan(
                            self, reader, self.groups.restricter, self.groups.max_keys, self.groups.generation
                        ),
                    )
                except Exception as error:
                    self.fail(error)
                    return
                if self.state is State.ENDED:
                    return
                self.apply(result, reader.reads)
                if self.state is State.RUNNING:
                    self.state = State.SCHEDULED if self._more else State.CURRENT
        if self.state is State.CURRENT and not self.members and not self.joiners:
            self.groups.unused(self)

    def apply(self, result: Round, reads: set[str]) -> None:
        """Carry out a round (synchronously: every client is told about one state)."""
        before = self.current
        joiners, self.joiners = self.joiners, []
        for member, moved in result.moves.items():
            told = member.told if member in joiners else view(before, member.patch)
            self._release(member)
            if moved.error is not None:
                member.fail(moved.error)
            else:
                member.profile_deps = result.profile_reads.get(member, member.profile_deps)
                self.groups.of_profile(self, moved.profile, member.user_id).join(member, told)
        if result.ends:  # everybody moved: nobody of this profile is left
            self.end()
            return
        self.admin = result.admin
        if result.computed is not None:
            self._settle(result, reads)
        else:
            self.groups.index.add(self, reads)
        self.representative = result.representative
        message = Message(result.message) if result.message else None
        for member in list(self.members):
            member.profile_deps = result.profile_reads.get(member, member.profile_deps)
            member.recheck_profile = False
            if member not in result.patches:
                if message is not None:
                    member.push(message)
                continue
            self._repatch(member, result, before, message)
        for member in joiners:
            if member not in result.moves:
                member.profile_deps = result.profile_reads.get(member, member.profile_deps)
                self._take_in(member, result)
        if self.owner is not None:  # its one member is greeted: a reconnect formats it again
            self._greeting = None

    def _settle(self, result: Round, reads: set[str]) -> None:
        computed = result.computed
        assert computed is not None and result.current is not None
        self.current = result.current
        self.kept = computed.kept
        self.keys = computed.kept.expansion.keys
        self.identity = result.identity
        self.changed = set()
        if result.from_scratch:
            self.scratch = False
            self.seed = None
            self.rounds = 0
            self.release_followers()  # this group's keys are replaced
            self.unfollow()
            seed = result.seed
            if seed is not None:  # the decisions taken over were not read again
                leader = seed.leader
                if leader is not None and leader.deps is seed.deps and leader.state is not State.ENDED:
                    self.leader = leader
                    leader.followers.add(self)
                else:
                    reads = reads | seed.deps
            self.groups.index.update(self, reads)
        else:
            self.rounds += 1
            self.groups.index.add(self, reads)

    def _repatch(
        self,
        member: Member,
        result: Round,
        before: Values,
        message: Message | None,
    ) -> None:
        """Tell a member whose patch the round may change what changed in its view."""
        member.stale = False
        patched = result.patches[member]
        if patched is None:  # its view is no patch of this group's any more
            self._release(member)
            self.groups.own_group(self, member.user_id).join(member, view(before, member.patch))
            return
        old = member.patch
        member.patch, member.patch_reads = patched
        self.groups.index.update(member, member.profile_deps | member.patch_reads)
        own = member_message(result.message, before, self.current, self.keys, old, member.patch)
        if message is not None and own == result.message:
            member.push(message)
        elif own:
            member.push(Message(own))

    def _take_in(self, member: Member, result: Round) -> None:
        """A joiner becomes a member: greeted, or told how this view differs from its last."""
        member.stale = member.recheck_profile = False
        patched = result.patches[member]
        if patched is None:
            self._release(member)
            self.groups.own_group(self, member.user_id).join(member, member.told)
            return
        member.patch, member.patch_reads = patched
        told, member.told = member.told, None
        if member.subscription is None:  # a single request: answered, not kept
            member.greet(self.greeting().message(member.patch))
            return
        self.members.add(member)
        self.groups.index.update(member, member.profile_deps | member.patch_reads)
        if told is None:
            member.greet(self.greeting().message(member.patch))
        else:
            member.push(Message(moved_message(told, view(self.current, member.patch), self.keys)))

    def _release(self, member: Member) -> None:
        self.members.discard(member)
        if member in self.joiners:
            self.joiners.remove(member)
        self.groups.index.remove(member)
        member.group = None

    def release_followers(self) -> None:
        """This group's keys are about to be replaced (or dropped): its followers are indexed
        under them from now on."""
        for follower in self.followers:
            follower.leader = None
            self.groups.index.add(follower, self.deps)
        self.followers = set()

    def unfollow(self) -> None:
        """Stop following the leader (this group's keys are replaced)."""
        if self.leader is not None:
            self.leader.followers.discard(self)
            self.leader = None

    def fail(self, error: BaseException) -> None:
        """A round failed: joiners get the error, members' streams end with it."""
        if self.kept is not None:
            log.warning("recompute for user %s failed: %s", self.representative, error)
        for member in [*self.joiners, *self.members]:
            self._release(member)
            member.fail(error)
        self.end()

    def end(self) -> None:
        self.state = State.ENDED
        self.groups.drop(self)
