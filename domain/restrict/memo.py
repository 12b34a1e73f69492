"""Permission decisions kept from one computation to the next, with what each one read.

A decision depends on the keys its rule read and on the decisions it used. Both are recorded
while deciding, so after a change only the decisions that read a changed key, and the ones that
used those, are decided again (DESIGN §4); every other decision, with the identity facts it
recorded, is reused as it is.

Meeting permissions are finer: a decision depends on the *questions* it asked of them ("has
``motion.can_see``", "is admin", "in these groups"), each a node of its own. When a key the
permissions read changes (a group's permissions, a user's groups), the permissions are computed
again and only the questions whose answer changed are forgotten (:meth:`DecisionMemo.invalidate`
returns the old permissions to compare with, ``RestrictContext.recheck`` compares). So adding
``agenda_item.can_see_internal`` to a group redecides what asked for it, not every decision.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple, TypeVar

from domain.restrict.permission import Permission

K = TypeVar("K", bound=Hashable)
V = TypeVar("V", bound=Hashable)

DecisionKey = tuple[str, str, int]
"""``(collection, mode, id)``."""

PERMS = "@perms"
"""The mode of the pseudo-decision ``("meeting", PERMS, id)``: the user's permissions in a
meeting, computed once; the questions asked of them use it."""
HAS = "@has "
"""Mode prefix of the question ``("meeting", HAS + permission, id)``: is ``permission`` granted."""
IS_ADMIN = "@admin"
"""Mode of the question ``("meeting", IS_ADMIN, id)``: is the user a meeting admin."""
IN_GROUPS = "@groups"
"""Mode of the question ``("meeting", IN_GROUPS, id)``: which groups is the user in (or admin)."""


def answer(permission: Permission, question: DecisionKey) -> Hashable:
    """The answer ``permission`` gives to ``question`` (a node of one of the modes above)."""
    mode = question[1]
    if mode.startswith(HAS):
        return permission.has(mode[len(HAS) :])
    if mode == IS_ADMIN:
        return permission.is_admin
    return permission.is_admin, permission.group_ids


@dataclass
class DecisionMemo:
    """The decisions of earlier computations for one user, and how to invalidate them.

    ``readers`` and ``used_by`` only grow (an entry of a decision that is gone is harmless: it
    invalidates nothing); a computation from scratch starts a new memo.
    """

    decisions: dict[DecisionKey, bool] = field(default_factory=dict)
    """Each decision taken: visible or not."""
    facts: dict[DecisionKey, set[int]] = field(default_factory=dict)
    """Per decision, the user ids it compared the request user with (transitively)."""
    list_facts: dict[DecisionKey, list[frozenset[int]]] = field(default_factory=dict)
    """Per decision, the id lists it looked the request user up in."""
    opaque: set[DecisionKey] = field(default_factory=set)
    """Decisions that used the request user's identity in a way not recorded as a fact."""
    perms: dict[int, Permission] = field(default_factory=dict)
    """The user's permissions per meeting."""
    readers: dict[str, set[DecisionKey]] = field(default_factory=dict)
    """Key → the decisions (and meeting permissions) that read it."""
    used_by: dict[DecisionKey, set[DecisionKey]] = field(default_factory=dict)
    """Decision → the decisions that used its result."""
    unscoped: set[str] = field(default_factory=set)
    """Keys read outside of any decision: a change of one invalidates everything."""
    targets: dict[DecisionKey, set[str]] = field(default_factory=dict)
    """Decision → the relation keys whose value it filtered (their values change with it)."""
    fresh: list[DecisionKey] = field(default_factory=list)
    """The decisions evaluated since this copy was made (not taken from the memo)."""

    def copy(self) -> DecisionMemo:
        """A copy a computation may change and discard (if it read an incomplete state).

        ``readers``, ``used_by`` and ``targets`` are shared: what a discarded computation adds
        to them only makes later invalidations more cautious."""
        return DecisionMemo(
            decisions=dict(self.decisions),
            facts=dict(self.facts),
            list_facts=dict(self.list_facts),
            opaque=set(self.opaque),
            perms=dict(self.perms),
            readers=self.readers,
            used_by=self.used_by,
            unscoped=set(self.unscoped),
            targets=self.targets,
        )

    def invalidate(self, changed: Iterable[str]) -> tuple[set[DecisionKey], dict[int, Permission]] | None:
        """Forget the decisions that depend on a changed key; return them, and the meeting
        permissions that read a changed key (forgotten too, but not the questions asked of
        them: compare the old with the new ones, see the module docstring). ``None``: a changed
        key was read outside of any decision, so nothing can be reused."""
        todo: list[DecisionKey] = []
        recheck: dict[int, Permission] = {}
        for key in changed:
            if key in self.unscoped:
                return None
            nodes = self.readers.get(key)
            if not nodes:
                continue
            for node in nodes:
                if node[1] != PERMS:
                    todo.append(node)
                    continue
                old = self.perms.pop(node[2], None)
                if old is not None:
                    recheck[node[2]] = old
                else:  # not computed in this memo: whatever asked it is forgotten
                    todo.append(node)
        return self.forget(todo), recheck

    def questions(self, meeting_id: int) -> Collection[DecisionKey]:
        """The questions ever asked of the permissions in ``meeting_id``."""
        return self.used_by.get(("meeting", PERMS, meeting_id), ())

    def forget(self, decisions: Iterable[DecisionKey]) -> set[DecisionKey]:
        """Forget these decisions and every decision that used one of them; return all."""
        todo = list(decisions)
        gone: set[DecisionKey] = set()
        while todo:
            node = todo.pop()
            if node in gone:
                continue
            gone.add(node)
            users = self.used_by.get(node)
            if users:
                todo.extend(users)
        for node in gone:
            self.decisions.pop(node, None)
            self.facts.pop(node, None)
            self.list_facts.pop(node, None)
            self.opaque.discard(node)
            if node[1] == PERMS:
                self.perms.pop(node[2], None)
        return gone

    def users_of(self, decisions: Iterable[DecisionKey]) -> set[int] | None:
        """The users these decisions compared the request user with (``None``: one of them used
        the identity opaquely, so it may differ for anybody)."""
        users: set[int] = set()
        for decision in decisions:
            if decision in self.opaque:
                return None
            users |= self.facts.get(decision, set())
            for ids in self.list_facts.get(decision, ()):
                users |= ids
        return users


class Inherited(NamedTuple):
    """Decisions taken for another user of the same permission profile, and the ones among
    them to decide again for this user (those that compared with either user)."""

    decisions: Mapping[DecisionKey, bool]
    redecide: Collection[DecisionKey]


def note(index: dict[K, set[V]], key: K, value: V) -> None:
    """Add ``value`` to ``index[key]`` (recording runs on every read: no set made in vain)."""
    values = index.get(key)
    if values is None:
        index[key] = {value}
    else:
        values.add(value)
