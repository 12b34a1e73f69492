"""The data a case's writes are generated on, and schema-consistent edits of it.

A write must keep the data model whole: both sides of every relation, required fields set. A
:class:`Txn` stages edits on a :class:`World` (relation edges are added and removed on both
sides at once, deletions take their back-relations and the objects that cannot live without
them along) and turns them into the flat change map the datastore writer would announce.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any

from meta.field import Field
from meta.schema import COLLECTIONS

Object = dict[str, Any]
MAX_CASCADE = 40
"""Objects one deletion may take along (objects whose required relation it empties)."""


class Refused(Exception):
    """The edit would break the data model (an emptied required field, a missing target)."""


class World:
    """Objects by collection and id; changed only through :meth:`apply`."""

    def __init__(self, export: Mapping[str, Any]) -> None:
        self.objects: dict[str, dict[int, Object]] = {
            collection: {int(raw_id): copy.deepcopy(dict(obj)) for raw_id, obj in objects.items()}
            for collection, objects in export.items()
            if not collection.startswith("_") and collection in COLLECTIONS
        }
        self._next: dict[str, int] = {c: max(o, default=0) + 1 for c, o in self.objects.items()}

    def ids(self, collection: str) -> list[int]:
        return sorted(self.objects.get(collection, {}))

    def get(self, collection: str, id: int) -> Object | None:
        return self.objects.get(collection, {}).get(id)

    def new_id(self, collection: str) -> int:
        """An id never used in ``collection`` (deleted ids are not reused, as the writer does)."""
        return self._next.get(collection, 1)

    def apply(self, changes: Mapping[str, Any]) -> None:
        """Apply a flat change map (``None`` removes a field; an object left without fields is
        gone), the same way the simulated datastore applies it."""
        for key, value in changes.items():
            collection, raw_id, name = key.split("/")
            id = int(raw_id)
            objects = self.objects.setdefault(collection, {})
            obj = objects.get(id)
            if obj is None:
                if value is None:
                    continue
                obj = objects[id] = {"id": id}
                self._next[collection] = max(self._next.get(collection, 1), id + 1)
            if value is None:
                obj.pop(name, None)
            else:
                obj[name] = copy.deepcopy(value)
        for key in changes:
            collection, raw_id, _ = key.split("/")
            objects = self.objects.get(collection, {})
            if objects.get(int(raw_id)) == {}:
                del objects[int(raw_id)]

    def export(self) -> dict[str, Any]:
        return {
            collection: {str(id): copy.deepcopy(obj) for id, obj in objects.items()}
            for collection, objects in self.objects.items()
        }


def schema_field(collection: str, name: str) -> Field:
    return COLLECTIONS[collection][name]


def reverse_of(field: Field, target: str) -> str:
    """The name of the field on ``target`` that points back along ``field``."""
    for to in field.to:
        collection, _, reverse = to.partition("/")
        if collection == target:
            return reverse
    raise Refused(f"{target} is not a target of this relation")


def reference(holder: Field, collection: str, id: int) -> int | str:
    """How a field ``holder`` refers to ``collection/id``: an id, or an fqid if generic."""
    return f"{collection}/{id}" if holder.is_generic else id


def referenced(holder: Field, value: Any) -> tuple[str, int]:
    """The object a reference held in ``holder`` points to."""
    if holder.is_generic:
        collection, _, raw = str(value).partition("/")
        return collection, int(raw)
    return holder.to[0].partition("/")[0], int(value)


class Txn:
    """Edits staged on a world; :meth:`changes` is the write they make."""

    def __init__(self, world: World) -> None:
        self.world = world
        self._staged: dict[tuple[str, int], Object | None] = {}
        self._emptied: set[tuple[str, int, str]] = set()

    def obj(self, collection: str, id: int) -> Object | None:
        if (collection, id) in self._staged:
            return self._staged[(collection, id)]
        return self.world.get(collection, id)

    def _edit(self, collection: str, id: int) -> Object:
        key = (collection, id)
        if key not in self._staged:
            current = self.world.get(collection, id)
            if current is None:
                raise Refused(f"{collection}/{id} does not exist")
            self._staged[key] = copy.deepcopy(current)
        obj = self._staged[key]
        if obj is None:
            raise Refused(f"{collection}/{id} is deleted")
        return obj

    def set(self, collection: str, id: int, name: str, value: Any) -> None:
        """Set a field that is no relation."""
        obj = self._edit(collection, id)
        if value is None or value == []:
            obj.pop(name, None)
            self._emptied.add((collection, id, name))
        else:
            obj[name] = value

    def values(self, collection: str, id: int, name: str) -> list[Any]:
        """A relation field's references as a list (empty when unset)."""
        obj = self.obj(collection, id)
        value = None if obj is None else obj.get(name)
        if value is None:
            return []
        return list(value) if isinstance(value, list) else [value]

    def targets(self, collection: str, id: int, name: str) -> list[tuple[str, int]]:
        field = schema_field(collection, name)
        return [referenced(field, value) for value in self.values(collection, id, name)]

    def link(self, collection: str, id: int, name: str, target: str, target_id: int) -> None:
        """Add the relation ``collection/id/name`` → ``target/target_id`` on both sides; a single
        relation on either side lets go of what it held."""
        field = schema_field(collection, name)
        reverse = reverse_of(field, target)
        back = schema_field(target, reverse)
        if self.obj(target, target_id) is None:
            raise Refused(f"{target}/{target_id} does not exist")
        if (target, target_id) in self.targets(collection, id, name):
            return
        if not field.is_list:
            for old_collection, old_id in self.targets(collection, id, name):
                self.unlink(collection, id, name, old_collection, old_id)
        if not back.is_list:
            for old_collection, old_id in self.targets(target, target_id, reverse):
                self.unlink(target, target_id, reverse, old_collection, old_id)
        self._attach(collection, id, name, field, reference(field, target, target_id))
        self._attach(target, target_id, reverse, back, reference(back, collection, id))

    def unlink(self, collection: str, id: int, name: str, target: str, target_id: int) -> None:
        """Remove the relation ``collection/id/name`` → ``target/target_id`` on both sides."""
        field = schema_field(collection, name)
        reverse = reverse_of(field, target)
        back = schema_field(target, reverse)
        self._detach(collection, id, name, reference(field, target, target_id))
        if self.obj(target, target_id) is not None:
            self._detach(target, target_id, reverse, reference(back, collection, id))

    def _attach(self, collection: str, id: int, name: str, field: Field, value: int | str) -> None:
        obj = self._edit(collection, id)
        if field.is_list:
            obj[name] = [*(obj.get(name) or []), value]
        else:
            obj[name] = value

    def _detach(self, collection: str, id: int, name: str, value: int | str) -> None:
        obj = self._edit(collection, id)
        current = obj.get(name)
        if isinstance(current, list):
            rest = [v for v in current if v != value]
            if rest:
                obj[name] = rest
            else:
                obj.pop(name, None)
                self._emptied.add((collection, id, name))
        elif current == value:
            obj.pop(name, None)
            self._emptied.add((collection, id, name))

    def create(self, collection: str, fields: Mapping[str, Any]) -> int:
        """A new object with ``fields`` that are no relations; link its relations afterwards."""
        id = self.world.new_id(collection)
        while self.obj(collection, id) is not None or (collection, id) in self._staged:
            id += 1
        self._staged[(collection, id)] = {"id": id, **fields}
        return id

    def delete(self, collection: str, id: int, *, taken: int = 0) -> None:
        """Delete an object with its back-relations; objects whose required relation this
        empties are deleted too."""
        if self.obj(collection, id) is None:
            return
        if taken > MAX_CASCADE:
            raise Refused("the deletion would take too many objects along")
        orphans: list[tuple[str, int]] = []
        for name, field in COLLECTIONS[collection].items():
            if not field.is_relation:
                continue
            for target, target_id in self.targets(collection, id, name):
                if self.obj(target, target_id) is None:
                    continue
                reverse = reverse_of(field, target)
                self.unlink(collection, id, name, target, target_id)
                if schema_field(target, reverse).required and not self.values(target, target_id, reverse):
                    orphans.append((target, target_id))
        self._staged[(collection, id)] = None
        for index, (target, target_id) in enumerate(orphans):
            self.delete(target, target_id, taken=taken + index + 1)

    def changes(self) -> dict[str, Any]:
        """The flat change map of the staged edits; raises :class:`Refused` if a required field
        of an object that stays was emptied."""
        for collection, id, name in self._emptied:
            obj = self.obj(collection, id)
            if obj is not None and schema_field(collection, name).required and obj.get(name) in (None, []):
                raise Refused(f"{collection}/{id}/{name} is required")
        changes: dict[str, Any] = {}
        for (collection, id), new in self._staged.items():
            old = self.world.get(collection, id)
            prefix = f"{collection}/{id}/"
            if new is None:
                changes.update((prefix + name, None) for name in old or {})
                continue
            for name in {*(old or {}), *new}:
                value = new.get(name)
                if old is None or old.get(name) != value:
                    changes[prefix + name] = value
        return changes

    def touched(self) -> Iterator[tuple[str, int]]:
        return iter(self._staged)
