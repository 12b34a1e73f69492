"""A request's resolution kept as a graph, so a changed relation re-expands only itself.

:func:`~domain.keysbuilder.resolve.resolve` walks the whole request each time. A stream lives
long and a write changes few relations, so the engine keeps the walk: a *node* is a key with
the request part it was reached with (plain, or a :class:`FieldRequest` to follow); a followed
node remembers the value it was expanded with and the nodes that value produced. Nodes are
reference counted (a key can be reached along several paths), so when a relation value changes
only the nodes it added or dropped are expanded or released (DESIGN §4). The keys are always
those :func:`resolve` returns for the same values (tested).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Collection
from typing import Any

from domain.errors import LimitError
from domain.keysbuilder.request import FieldRequest, Fields, KeysRequest
from domain.keysbuilder.resolve import targets
from domain.schema import is_valid_collection_field

Node = tuple[str, int]
"""``(key, id(description))``; 0 for a plain field."""

ValuesOf = Callable[[list[str]], dict[str, Any]]
"""Reads the values of relation keys to follow (already restricted for the user)."""


class Expansion:
    """The keys of one request for one user's view of the data, and how they were reached."""

    __slots__ = (
        "_descriptions",
        "_shared",
        "_valid",
        "added",
        "children",
        "follows",
        "key_refs",
        "refs",
        "removed",
        "values",
    )

    def __init__(self) -> None:
        self.refs: dict[Node, int] = {}
        self.key_refs: dict[str, int] = {}
        """Key → its live nodes; the keys of the request are this dict's keys."""
        self.follows: dict[str, tuple[int, ...]] = {}
        """Key → the descriptions (ids) it is followed with."""
        self.children: dict[Node, tuple[Node, ...]] = {}
        self.values: dict[str, Any] = {}
        """Followed key → the value it was expanded with."""
        self._descriptions: dict[int, FieldRequest] = {}
        self._valid: dict[tuple[str, int], tuple[tuple[str, FieldRequest | None, int], ...]] = {}
        """``(collection, id(fields))`` → the fields valid in that collection, with their
        description and its id (checked once, not per object)."""
        self.added: set[str] = set()
        """Keys that joined since :meth:`settle` (or the start)."""
        self.removed: set[str] = set()
        """Keys that left since :meth:`settle`."""
        self._shared = False
        """``refs`` and ``key_refs`` are another expansion's: copied before the first change."""

    @property
    def keys(self) -> Collection[str]:
        return self.key_refs.keys()

    def copy(self) -> Expansion:
        """A copy to change and discard if its reads were incomplete (children and values
        are replaced, never changed in place, so a shallow copy suffices). The two big counts
        (a key per requested key) are copied only when the copy changes them: most changes
        follow no relation to new values, and a kept expansion is never changed itself."""
        other = Expansion()
        other.refs = self.refs
        other.key_refs = self.key_refs
        other._shared = True
        other.follows = dict(self.follows)
        other.children = dict(self.children)
        other.values = dict(self.values)
        other._descriptions = self._descriptions
        other._valid = self._valid
        return other

    def start(self, request: KeysRequest, values_of: ValuesOf, max_keys: int) -> None:
        """Expand the whole request (into an empty expansion)."""
        pending: list[Node] = []
        for part in request.requests:
            for object_id in part.ids:
                self._add_fields(part.collection, object_id, part.fields, pending, [])
        self._expand(pending, values_of, max_keys)

    def change(self, values: dict[str, Any], values_of: ValuesOf, max_keys: int) -> None:
        """Followed keys have new values: re-expand what they reach now."""
        pending: list[Node] = []
        for key, value in values.items():
            if key not in self.follows or self.values.get(key) == value:
                continue
            self.values[key] = value
            for description_id in self.follows[key]:
                self._refollow((key, description_id), value, pending)
        self._expand(pending, values_of, max_keys)

    def settle(self) -> tuple[set[str], set[str]]:
        """The keys added and removed since the last call."""
        added, removed = self.added, self.removed
        self.added, self.removed = set(), set()
        return added, removed

    def _expand(self, pending: list[Node], values_of: ValuesOf, max_keys: int) -> None:
        while pending:
            if len(self.key_refs) > max_keys:
                raise LimitError(f"request resolves to more than {max_keys} keys")
            level, pending = pending, []
            values = values_of(list(dict.fromkeys(key for key, _ in level)))
            for node in level:
                if node not in self.refs or node in self.children:
                    continue  # released again, or already expanded on this level
                key = node[0]
                value = values.get(key)
                self.values[key] = value
                self.children[node] = self._nodes_of(node, value, pending)
        if len(self.key_refs) > max_keys:
            raise LimitError(f"request resolves to more than {max_keys} keys")

    def _refollow(self, node: Node, value: Any, pending: list[Node]) -> None:
        old = self.children.get(node, ())
        self.children[node] = self._nodes_of(node, value, pending)  # added before the old
        for child in old:  # are released: a child in both keeps its subtree
            self._release(child)

    def _nodes_of(self, node: Node, value: Any, pending: list[Node]) -> tuple[Node, ...]:
        if value is None:
            return ()
        key, description_id = node
        description = self._descriptions[description_id]
        added: list[Node] = []
        for collection, object_id in targets(key, description, value):
            self._add_fields(collection, object_id, description.fields, pending, added)
        return tuple(added)

    def _add_fields(
        self, collection: str, object_id: int, fields: Fields, pending: list[Node], added: list[Node]
    ) -> None:
        if object_id <= 0:
            return
        valid = self._valid.get((collection, id(fields)))
        if valid is None:
            valid = self._valid[(collection, id(fields))] = tuple(
                (name, description, 0 if description is None else id(description))
                for name, description in fields.items()
                if is_valid_collection_field(collection, name)
            )
        if self._shared:
            self._own()
        refs, key_refs, intern = self.refs, self.key_refs, sys.intern
        prefix = f"{collection}/{object_id}/"
        for name, description, description_id in valid:
            key = intern(prefix + name)  # one string per key, however many groups hold it
            node = (key, description_id)
            added.append(node)
            count = refs.get(node, 0)
            refs[node] = count + 1
            if count:
                continue
            if description is not None:
                self._descriptions[description_id] = description
                self.follows[key] = (*self.follows.get(key, ()), description_id)
                pending.append(node)
            keys = key_refs.get(key, 0)
            key_refs[key] = keys + 1
            if not keys:
                if key in self.removed:
                    self.removed.discard(key)
                else:
                    self.added.add(key)

    def _own(self) -> None:
        self.refs = dict(self.refs)
        self.key_refs = dict(self.key_refs)
        self._shared = False

    def _release(self, node: Node) -> None:
        if self._shared:
            self._own()
        count = self.refs[node] - 1
        if count:
            self.refs[node] = count
            return
        del self.refs[node]
        key, description_id = node
        if description_id:
            rest = tuple(d for d in self.follows[key] if d != description_id)
            if rest:
                self.follows[key] = rest
            else:
                del self.follows[key]
                self.values.pop(key, None)
            for child in self.children.pop(node, ()):
                self._release(child)
        keys = self.key_refs[key] - 1
        if keys:
            self.key_refs[key] = keys
            return
        del self.key_refs[key]
        if key in self.added:
            self.added.discard(key)
        else:
            self.removed.add(key)
