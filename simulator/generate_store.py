"""The object store the meeting generator writes into: objects with schema defaults, and links
that always set both sides of a relation.

Why: a generated meeting must be consistent in both directions of every relation. Setting each
reverse field by hand in every generator function is where such data goes wrong; here one call
(``link``) writes both sides, using the reverse field named in the schema.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from meta.field import Field
from meta.schema import COLLECTIONS

Obj = dict[str, Any]

MIGRATION_INDEX = 68
"""The ``_migration_index`` of the OpenSlides export format the generated data follows."""


class ExportBuilder:
    """Collections of objects under construction, turned into an export by ``export()``."""

    def __init__(self) -> None:
        self._collections: dict[str, dict[int, Obj]] = {}

    def next_id(self, collection: str) -> int:
        """The id the next object of ``collection`` gets (ids are dense, starting at 1)."""
        return len(self._collections.get(collection, {})) + 1

    def add(self, collection: str, fields: Obj) -> int:
        """Create an object with the schema's defaults, overridden by ``fields``; returns its id.

        Relation fields must not be passed here: use ``link`` so the other side is set too.
        """
        id_ = self.next_id(collection)
        schema = COLLECTIONS[collection]
        for name in fields:
            if name not in schema:
                raise KeyError(f"{collection}/{name} is not in the schema")
            if schema[name].is_relation:
                raise ValueError(f"{collection}/{name} is a relation: use link()")
        obj = {"id": id_, **_fresh(_defaults(collection)), **fields}
        self._collections.setdefault(collection, {})[id_] = obj
        return id_

    def get(self, collection: str, id_: int) -> Obj:
        return self._collections[collection][id_]

    def ids(self, collection: str) -> list[int]:
        return list(self._collections.get(collection, {}))

    def link(self, collection: str, id_: int, name: str, target_id: int, target_collection: str = "") -> None:
        """Point ``collection/id_/name`` at ``target_id`` and add the back reference on the target.

        ``target_collection`` is needed only for generic relations. Both objects must exist.
        """
        field = COLLECTIONS[collection][name]
        reverse_collection, reverse_name = _reverse(collection, name, target_collection)
        target = self._collections[reverse_collection][target_id]
        source = self._collections[collection][id_]
        _put(source, name, field, f"{reverse_collection}/{target_id}" if field.is_generic else target_id)
        reverse_field = COLLECTIONS[reverse_collection][reverse_name]
        _put(target, reverse_name, reverse_field, f"{collection}/{id_}" if reverse_field.is_generic else id_)

    def counts(self) -> dict[str, int]:
        return {collection: len(objects) for collection, objects in self._collections.items()}

    def export(self) -> dict[str, Any]:
        """The export-shaped dict: ``_migration_index`` and ``collection → {"<id>": object}``."""
        result: dict[str, Any] = {"_migration_index": MIGRATION_INDEX}
        for collection, objects in self._collections.items():
            result[collection] = {str(id_): obj for id_, obj in objects.items()}
        return result


@cache
def _reverse(collection: str, name: str, target_collection: str) -> tuple[str, str]:
    """The target collection and reverse field of a relation (generic ones by target collection)."""
    field = COLLECTIONS[collection][name]
    if not field.is_relation:
        raise ValueError(f"{collection}/{name} is not a relation")
    if not field.is_generic:
        reverse_collection, reverse_name = field.to[0].split("/")
        return reverse_collection, reverse_name
    for to in field.to:
        reverse_collection, reverse_name = to.split("/")
        if reverse_collection == target_collection:
            return reverse_collection, reverse_name
    raise ValueError(f"{collection}/{name} cannot point to {target_collection!r}")


def _put(obj: Obj, name: str, field: Field, value: int | str) -> None:
    """Append to a list relation, or set a single one; a single one is never silently replaced."""
    if field.is_list:
        obj.setdefault(name, []).append(value)
        return
    current = obj.get(name)
    if current is not None and current != value:
        raise ValueError(f"{obj['id']}/{name} already points to {current!r}, not {value!r}")
    obj[name] = value


@cache
def _defaults(collection: str) -> Obj:
    """Defaults the schema declares for non-relation fields: the backend writes them on create."""
    return {
        name: field.default
        for name, field in COLLECTIONS[collection].items()
        if field.default is not None and not field.is_relation and not field.calculated
    }


def _fresh(values: Obj) -> Obj:
    """A copy whose list values are not shared with the cached defaults."""
    return {name: list(value) if isinstance(value, list) else value for name, value in values.items()}
