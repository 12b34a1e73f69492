"""One round of a group: everything it must decide about a change, on one state of the data.

A round takes the group's pending work (changed keys, joiners, members whose profile or patch
may have changed) and computes, synchronously and therefore on one consistent state:

1. which members (and joiners) no longer have the group's permission profile: they move;
2. whether the group's representative still has the profile (else another member takes over,
   or, with nobody left of the profile, the group ends);
3. the group's new view (continued incrementally from the last round, or from scratch);
4. the patch of every member the change may concern, and of every joiner, on the new view.

Nothing is changed here; :meth:`Group.apply` carries the round out without awaiting anything,
so no change batch can land between computing a round and telling the clients about it.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from domain.autoupdate.compute import is_meeting_admin, profile_of
from domain.autoupdate.incremental import Computed, after_changes, from_scratch, from_seed, judged_keys
from domain.autoupdate.member import Member, Patch, Values, encoded, patch_of
from domain.diff import diff, same
from domain.errors import ClientError
from domain.reader import Reader
from domain.restrict import Restricter
from domain.restrict.identity import IdentityFacts
from domain.restrict.memo import Inherited

if TYPE_CHECKING:
    from domain.autoupdate.group import Group, Seed

FRESH_START_ROUNDS = 1000
"""After this many incremental rounds a group computes from scratch once: what it keeps of
past computations (reads of decisions no longer taken) only grows in between."""

Profile = Hashable


@dataclass
class Moved:
    """A member that leaves the group: for the group of ``profile``, or ended by ``error``."""

    profile: Profile = None
    error: ClientError | None = None


@dataclass
class Round:
    """What one round decided (see the module docstring)."""

    representative: int
    moves: dict[Member, Moved] = field(default_factory=dict)
    profile_reads: dict[Member, set[str]] = field(default_factory=dict)
    ends: bool = False
    """Nobody of the group's profile is left: the group ends after its members moved."""
    computed: Computed | None = None
    """The group's new computation (``None``: its view stays as it is)."""
    from_scratch: bool = False
    message: dict[str, bytes | None] = field(default_factory=dict)
    current: Values | None = None
    touched: set[int] | None = field(default_factory=set)
    """Users whose patch the new computation may change (``None``: anybody)."""
    identity: IdentityFacts | None = None
    """How the new computation depends on who asks (its patches' index included)."""
    patches: dict[Member, tuple[Patch, set[str]] | None] = field(default_factory=dict)
    """New patches and what they read; ``None``: the member needs a group of its own."""
    admin: bool = False
    seed: Seed | None = None
    """The decisions a computation from scratch started from (their reads are the group's too)."""


def plan(group: Group, reader: Reader, restricter: Restricter, max_keys: int, generation: int) -> Round:
    """Compute a round of ``group`` on the state ``reader`` reads (``generation``: the number of
    change batches applied so far)."""
    joiners = list(group.joiners)
    members = list(group.members)
    result = Round(group.representative)
    for member in joiners + [m for m in members if m.recheck_profile]:
        _check_profile(group, member, reader, restricter, result)
    staying = [m for m in members + joiners if m not in result.moves]
    if not _has_profile(group.representative, group.profile, reader, restricter):
        others = [m.user_id for m in staying]
        if not others:
            result.ends = True
            return result
        result.representative = others[0]
    first = group.kept is None
    if first:
        result.admin = is_meeting_admin(reader, result.representative)
    else:
        result.admin = group.admin
    computed = _compute(group, reader, restricter, max_keys, generation, result.representative)
    if computed is not None:
        result.computed, result.from_scratch, result.seed = computed
        base = result.seed.current if result.seed is not None else None
        result.message, result.current = _view(group.current, result.computed, result.from_scratch, base)
        result.touched = result.computed.touched_users
        result.identity = result.computed.restriction.identity()
    kept = result.computed.kept if result.computed is not None else group.kept
    identity = result.identity if result.computed is not None else group.identity
    current = result.current if result.current is not None else group.current
    assert kept is not None
    for member in staying:
        if member in joiners or _involved(member, result):
            result.patches[member] = patch_for(
                reader, restricter, member.user_id, group.owner, identity, kept.expansion.keys,
                kept.expansion.follows, current,
            )  # fmt: skip
    return result


def _check_profile(
    group: Group, member: Member, reader: Reader, restricter: Restricter, result: Round
) -> None:
    own = Reader(reader.source)
    try:
        profile = profile_of(own, restricter, member.user_id)
    except ClientError as error:
        result.moves[member] = Moved(error=error)
        profile = None
    _merge_missing(reader, own)
    result.profile_reads[member] = own.reads
    if member not in result.moves and profile != group.profile:
        result.moves[member] = Moved(profile)


def _has_profile(user_id: int, profile: Profile, reader: Reader, restricter: Restricter) -> bool:
    try:
        return profile_of(reader, restricter, user_id) == profile
    except ClientError:
        return False


def _compute(
    group: Group, reader: Reader, restricter: Restricter, max_keys: int, generation: int, representative: int
) -> tuple[Computed, bool, Seed | None] | None:
    """The group's new computation, whether it started from scratch, and the seed it started
    from (``None``: nothing to compute)."""
    kept = group.kept
    scratch = (
        kept is None
        or group.scratch
        or representative != group.representative
        or group.rounds >= FRESH_START_ROUNDS
    )
    if not scratch and not group.changed:
        return None
    if not scratch:
        assert kept is not None
        computed = after_changes(
            reader, restricter, representative, kept, group.changed, max_keys, viewer=group.viewer
        )
        if computed is not None:
            return computed, False, None
    seed = group.seed if group.seed is not None and group.seed.generation == generation else None
    if seed is None and group.owner is not None:
        seed = group.groups.shared_seed(group, generation)
    if seed is not None:  # what does not depend on who asks holds for this user too
        computed = from_seed(
            reader, restricter, representative, seed.kept, seed.redecide, max_keys, group.viewer
        )
        return computed, True, seed
    computed = from_scratch(reader, restricter, representative, group.request, max_keys, group.viewer)
    return computed, True, None


def _view(
    current: Values, computed: Computed, scratch: bool, base: Values | None
) -> tuple[dict[str, bytes | None], Values]:
    """The group's message and new view after ``computed``: from scratch (every key), or
    continued from ``base`` (a seed's view), or from ``current``."""
    values = encoded(computed.values)
    if scratch and base is None:
        return diff(current, values, same)
    if base is not None:
        view = dict(base)
        for key in (*computed.removed, *values):
            view.pop(key, None)
        view.update((key, value) for key, value in values.items() if value is not None)
        return diff(current, {key: view.get(key) for key in computed.kept.expansion.keys}, same)
    message, visible = diff(current, values, same)
    view = dict(current)
    for key in (*computed.removed, *values):  # removed: forgotten silently (spec §5.3)
        view.pop(key, None)
    view.update(visible)
    return message, view


def _involved(member: Member, result: Round) -> bool:
    """Whether the round may change the member's patch."""
    return (
        result.touched is None
        or member.stale
        or member.user_id in result.touched
        or (bool(member.patch) and not member.patch.keys().isdisjoint(result.message))
    )


def patch_for(
    reader: Reader,
    restricter: Restricter,
    user_id: int,
    owner: int | None,
    identity: IdentityFacts | None,
    keys: Collection[str],
    follows: Mapping[str, Any],
    current: Mapping[str, bytes],
) -> tuple[Patch, set[str]] | None:
    """Where ``user_id``'s view differs from the group's, and the keys that told; ``None`` if
    a difference would change which keys are requested (the user needs a group of its own).
    Only the decisions that compared with this user are decided again, for this user."""
    if user_id == owner or identity is None:
        return {}, set()
    redecide = identity.mentioning(user_id)
    if not redecide:
        return {}, set()
    own = Reader(reader.source)
    restriction = restricter.for_user(own, user_id, Inherited(identity.decisions, redecide))
    affected: set[str] = set()
    for decision in redecide:
        if restriction.decide(decision) != identity.decisions.get(decision):
            affected |= judged_keys(keys, decision, identity.targets)
    if not affected.isdisjoint(follows):
        _merge_missing(reader, own)
        return None
    values = encoded(restriction.restrict(own.get_many(affected)))
    _merge_missing(reader, own)
    return patch_of(current, values), own.reads


def _merge_missing(reader: Reader, own: Reader) -> None:
    """A computation is complete only if its parts read nothing missing."""
    reader.missing |= own.missing
    reader.pending |= own.pending
