"""Check an OpenSlides export against the data model: known fields, required fields, and every
relation consistent in both directions.

Why: the service follows relations both ways (a motion's ``category_id`` and the category's
``motion_ids``); data where one side is missing makes permission checks and key trees disagree
with what OpenSlides would show. Generated data must pass this with zero problems; real exports
are only reported on.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

from meta.field import Field
from meta.schema import COLLECTIONS


def check_consistency(export: Mapping[str, Any]) -> list[str]:
    """Human-readable problems of ``export`` (``collection → {"<id>": object}``), empty if none.

    Keys starting with ``_`` (``_migration_index``) are bookkeeping and skipped.
    """
    index = _Index(export)
    problems: list[str] = []
    for collection, objects in export.items():
        if collection.startswith("_"):
            continue
        fields = COLLECTIONS.get(collection)
        if fields is None:
            problems.append(f"{collection}: unknown collection")
            continue
        if not isinstance(objects, Mapping):
            problems.append(f"{collection}: not an object of id → object")
            continue
        for raw_id, obj in objects.items():
            problems.extend(_object_problems(index, collection, str(raw_id), obj, fields))
    return problems


class _Index:
    """Objects by collection and integer id, plus cached sets of list values for membership tests
    (a meeting's ``speaker_ids`` is asked about once per speaker)."""

    def __init__(self, export: Mapping[str, Any]) -> None:
        self._objects: dict[str, dict[int, Mapping[str, Any]]] = {}
        for collection, objects in export.items():
            if collection.startswith("_") or not isinstance(objects, Mapping):
                continue
            by_id = self._objects.setdefault(collection, {})
            for raw_id, obj in objects.items():
                if isinstance(obj, Mapping) and str(raw_id).isdigit():
                    by_id[int(raw_id)] = obj
        self._sets: dict[tuple[str, int, str], frozenset[Any]] = {}

    def get(self, collection: str, id_: int) -> Mapping[str, Any] | None:
        return self._objects.get(collection, {}).get(id_)

    def members(self, collection: str, id_: int, name: str) -> frozenset[Any]:
        key = (collection, id_, name)
        cached = self._sets.get(key)
        if cached is None:
            obj = self.get(collection, id_) or {}
            value = obj.get(name)
            cached = (
                frozenset(v for v in value if isinstance(v, int | str))
                if isinstance(value, list)
                else frozenset()
            )
            self._sets[key] = cached
        return cached


def _object_problems(
    index: _Index, collection: str, raw_id: str, obj: Any, fields: Mapping[str, Field]
) -> Iterator[str]:
    fqid = f"{collection}/{raw_id}"
    if not isinstance(obj, Mapping):
        yield f"{fqid}: not an object"
        return
    if not raw_id.isdigit():
        yield f"{fqid}: the key is not an id"
        return
    if "id" in obj and obj["id"] != int(raw_id):
        yield f"{fqid}/id: {obj['id']!r} does not match the key"
    for name in _required(collection):
        if _is_unset(obj.get(name)):
            yield f"{fqid}/{name}: required field is not set"
    for name, value in obj.items():
        field = fields.get(name)
        if field is None:
            yield f"{fqid}/{name}: unknown field"
        elif field.is_relation and value is not None:
            yield from _relation_problems(index, collection, int(raw_id), name, field, value)


@cache
def _required(collection: str) -> tuple[str, ...]:
    return tuple(name for name, field in COLLECTIONS[collection].items() if field.required)


def _is_unset(value: Any) -> bool:
    return value is None or value == []


def _relation_problems(
    index: _Index, collection: str, id_: int, name: str, field: Field, value: Any
) -> Iterator[str]:
    where = f"{collection}/{id_}/{name}"
    if field.is_list:
        if not isinstance(value, list):
            yield f"{where}: {value!r} is not a list"
            return
        if len(set(map(repr, value))) != len(value):
            yield f"{where}: duplicate entries in {value!r}"
        targets = value
    else:
        targets = [value]
    for target in targets:
        yield from _target_problems(index, collection, id_, where, field, target)


def _target_problems(
    index: _Index, collection: str, id_: int, where: str, field: Field, target: Any
) -> Iterator[str]:
    """Problems of one reference: the target must exist and its reverse field must point back."""
    if field.is_generic:
        if not isinstance(target, str) or target.count("/") != 1 or not target.split("/")[1].isdigit():
            yield f"{where}: {target!r} is not a 'collection/id'"
            return
        target_collection, raw = target.split("/")
        target_id = int(raw)
        reverse = next((to for to in field.to if to.split("/")[0] == target_collection), None)
        if reverse is None:
            yield f"{where}: {target} is not one of the allowed collections {_collections(field)}"
            return
    else:
        if not isinstance(target, int) or isinstance(target, bool):
            yield f"{where}: {target!r} is not an id"
            return
        target_id, reverse = target, field.to[0]
        target_collection = reverse.split("/")[0]
    reverse_name = reverse.split("/")[1]
    target_obj = index.get(target_collection, target_id)
    if target_obj is None:
        yield f"{where}: {target_collection}/{target_id} does not exist"
        return
    reverse_field = COLLECTIONS[target_collection][reverse_name]
    back: int | str = f"{collection}/{id_}" if reverse_field.is_generic else id_
    if reverse_field.is_list:
        if back not in index.members(target_collection, target_id, reverse_name):
            yield f"{where}: {target_collection}/{target_id}/{reverse_name} does not contain {back!r}"
    elif target_obj.get(reverse_name) != back:
        found = target_obj.get(reverse_name)
        yield f"{where}: {target_collection}/{target_id}/{reverse_name} is {found!r}, not {back!r}"


def _collections(field: Field) -> list[str]:
    return [to.split("/")[0] for to in field.to]
