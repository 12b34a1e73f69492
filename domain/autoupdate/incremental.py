"""A group's computation kept between changes, so a change costs what it changes (DESIGN §4).

What a computation keeps: the request's :class:`Expansion` (which relation reached which key)
and the :class:`DecisionMemo` (each permission decision with what it read). On a change batch
the decisions that read a changed key are forgotten; the keys to restrict again are the changed
ones and those whose visibility, or whose relation filter, used a forgotten decision; of those,
the followed relations whose visible value changed are expanded again. Everything else keeps its
value. The result is the same as a computation from scratch (property-tested).

Both steps are synchronous and change only copies: a run that read an incomplete state (objects
still to load) is discarded and run again, as every computation is (``compute``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any, NamedTuple

from domain.autoupdate.compute import require_existing_user
from domain.errors import ClientError
from domain.keysbuilder import KeysRequest, resolve
from domain.keysbuilder.expansion import Expansion
from domain.reader import Reader
from domain.restrict import Restricter, RestrictingReader, UserRestriction
from domain.restrict.memo import DecisionKey, DecisionMemo
from domain.schema import fields_of_mode


class Kept(NamedTuple):
    """What a group keeps of its last computation."""

    expansion: Expansion
    memo: DecisionMemo


class Computed(NamedTuple):
    """One run's result."""

    values: dict[str, Any]
    """Restricted values (``None``: not visible or empty) of the keys that may have changed:
    every key after a computation from scratch."""
    removed: set[str]
    """Keys no longer requested."""
    kept: Kept
    restriction: UserRestriction
    touched_users: set[int] | None
    """Users whom the decisions taken again compared with (``None``: anybody may be
    affected, e.g. after a computation from scratch)."""


def from_scratch(
    reader: Reader,
    restricter: Restricter,
    user_id: int,
    request: KeysRequest,
    max_keys: int,
    viewer: int | None = None,
) -> Computed:
    """The whole request for ``user_id`` (``viewer``: whom identity facts compare with, if
    not ``user_id``); a seed is continued by :func:`from_seed` instead."""
    memo = DecisionMemo()
    restriction = restricter.for_user(reader, user_id, memo=memo, viewer=viewer)
    require_existing_user(reader, user_id)
    expansion = Expansion()
    try:
        expansion.start(request, RestrictingReader(reader, restriction).get_many, max_keys)
    except ClientError:
        # Malformed data or too many keys: answer with the error the plain walk names first.
        resolve(request, RestrictingReader(reader, restricter.for_user(reader, user_id)), max_keys=max_keys)
        raise
    expansion.settle()
    values = _restricted(reader, restriction, expansion, expansion.keys)
    return Computed(values, set(), Kept(expansion, memo), restriction, None)


def after_changes(
    reader: Reader,
    restricter: Restricter,
    user_id: int,
    kept: Kept,
    changed: Iterable[str],
    max_keys: int,
    viewer: int | None = None,
) -> Computed | None:
    """The keys that may have changed after the change batch ``changed``; ``None`` if the
    computation must start from scratch: a key read outside of any decision changed, or most
    decisions are gone (a permission change), when starting over is cheaper than sorting out
    what they touched. ``user_id`` and ``viewer`` as for the kept one."""
    changed = set(changed)
    memo = kept.memo.copy()
    invalidated = memo.invalidate(changed)
    if invalidated is None:
        return None
    gone, permissions = invalidated
    restriction = restricter.for_user(reader, user_id, memo=memo, viewer=viewer)
    if permissions:
        gone |= restriction.recheck(permissions)
    if len(gone) * 2 > len(kept.memo.decisions):
        return None
    require_existing_user(reader, user_id)
    computed = _continued(reader, restriction, kept.expansion, memo, gone, changed, max_keys)
    users = kept.memo.users_of(gone)
    fresh = memo.users_of(memo.fresh)
    touched = None if users is None or fresh is None else users | fresh
    return computed._replace(touched_users=touched)


def from_seed(
    reader: Reader,
    restricter: Restricter,
    user_id: int,
    kept: Kept,
    redecide: Collection[DecisionKey],
    max_keys: int,
    viewer: int | None = None,
) -> Computed:
    """The first computation of a group of one user, continued from ``kept``: the computation
    of the shared group of the user's request and profile (for a user whom no fact mentions),
    on this state. The decisions that compared with the user (``redecide``) are decided again
    and what they judged is restricted, and expanded, again; every other key keeps the shared
    group's value (the same premise as a member's patch). Its values are the keys that differ
    from the shared group's view."""
    memo = kept.memo.copy()
    gone = memo.forget(redecide)
    restriction = restricter.for_user(reader, user_id, memo=memo, viewer=viewer)
    require_existing_user(reader, user_id)
    return _continued(reader, restriction, kept.expansion, memo, gone, set(), max_keys)


def _continued(
    reader: Reader,
    restriction: UserRestriction,
    kept: Expansion,
    memo: DecisionMemo,
    gone: set[DecisionKey],
    changed: set[str],
    max_keys: int,
) -> Computed:
    """Continue a kept expansion whose decisions ``gone`` were forgotten and whose keys
    ``changed`` changed: restrict what they judged again, re-expand the followed relations
    among them; the values are those of the keys that may have changed."""
    expansion = kept.copy()
    keys = expansion.key_refs
    dirty = {key for key in changed if key in keys}
    for decision in gone:
        dirty |= judged_keys(keys, decision, memo.targets)
    followed = [key for key in dirty if key in expansion.follows]
    restricting = RestrictingReader(reader, restriction)
    expansion.change(restricting.get_many(followed), restricting.get_many, max_keys)
    added, removed = expansion.settle()
    values = _restricted(reader, restriction, expansion, (dirty | added) - removed)
    return Computed(values, removed, Kept(expansion, memo), restriction, None)


def judged_keys(
    keys: Collection[str], decision: DecisionKey, targets: Mapping[DecisionKey, Iterable[str]]
) -> set[str]:
    """The requested keys whose value ``decision`` shapes: its object's fields of that mode
    (their visibility) and the relation keys it filtered (``targets``)."""
    collection, mode, id = decision
    found = {
        key
        for key in (f"{collection}/{id}/{name}" for name in fields_of_mode(collection, mode))
        if key in keys
    }
    found.update(key for key in targets.get(decision, ()) if key in keys)
    return found


def _restricted(
    reader: Reader, restriction: UserRestriction, expansion: Expansion, keys: Collection[str]
) -> dict[str, Any]:
    """The restricted values of ``keys``; followed relations have theirs from the expansion
    already (restricted on this state)."""
    follows, followed = expansion.follows, expansion.values
    values = restriction.restrict(reader.get_many(key for key in keys if key not in follows))
    values.update((key, followed[key]) for key in keys if key in follows)
    if reader.complete:
        restriction.report()
    return values
