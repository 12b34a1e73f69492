"""Resolution of a keys request into the keys it stands for, against the current data.

The tree is walked level by level (spec §4.5): all relation fields of one level are read with
ONE ``get_many`` call, their values name the objects of the next level. Plain fields are never
read. The result keeps level order without duplicates, and includes the relation fields
themselves (a client needs ``user/1/organization_id`` to find ``organization/1/name``).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

from domain.atoi import atoi
from domain.errors import InvalidKeyError, LimitError, ValueError_
from domain.keys import make_key
from domain.keysbuilder.go_json import json_kind
from domain.keysbuilder.request import FieldRequest, Fields, KeysRequest
from domain.reader import ValueReader

DEFAULT_MAX_KEYS = 1_000_000


def resolve(request: KeysRequest, reader: ValueReader, *, max_keys: int = DEFAULT_MAX_KEYS) -> list[str]:
    """The keys of ``request`` in level order, first occurrence kept.

    Raises :class:`ValueError_` for a relation value of the wrong JSON type,
    :class:`InvalidKeyError` for an id ≤ 0 in a relation list and :class:`LimitError` beyond
    ``max_keys`` keys. Errors of the reader propagate.
    """
    found = _Found(max_keys)
    for part in request.requests:
        for object_id in part.ids:
            found.add_fields(part.collection, object_id, part.fields)
    while found.follow:
        level = list(found.follow.values())
        found.follow = {}
        values = reader.get_many(dict.fromkeys(key for key, _ in level))
        for key, description in level:
            value = values.get(key)
            if value is not None:
                _expand(key, description, value, found)
    return list(found.keys)


class _Found:
    """The keys found so far, and the relation fields still to follow on the next level."""

    def __init__(self, max_keys: int) -> None:
        self.max_keys = max_keys
        self.keys: dict[str, None] = {}
        self.follow: dict[tuple[str, int], tuple[str, FieldRequest]] = {}

    def add_fields(self, collection: str, object_id: int, fields: Fields) -> None:
        """``collection/id/<field>`` for every field; invalid keys (id ≤ 0, unknown field) are skipped."""
        for name, description in fields.items():
            key = make_key(collection, object_id, name)
            if key is None:
                continue
            key = sys.intern(key)  # one string per key, however many connections hold it
            if key not in self.keys:
                if len(self.keys) >= self.max_keys:
                    raise LimitError(f"request resolves to more than {self.max_keys} keys")
                self.keys[key] = None
            if description is not None:
                self.follow.setdefault((key, id(description)), (key, description))


def _expand(key: str, description: FieldRequest, value: Any, found: _Found) -> None:
    for collection, object_id in targets(key, description, value):
        found.add_fields(collection, object_id, description.fields)


def targets(key: str, description: FieldRequest, value: Any) -> Iterator[tuple[str, int]]:
    """The objects ``(collection, id)`` the value of the followed relation ``key`` names.

    Raises the errors of :func:`resolve` for a value of the wrong type."""
    collection = description.collection or ""
    fields = description.fields
    if description.kind == "relation":
        if type(value) is not int:
            raise _value_error(key, value, "int")
        yield collection, value
    elif description.kind == "relation-list":
        if not isinstance(value, list) or any(type(item) is not int for item in value):
            raise _value_error(key, value, "[]int")
        for object_id in value:
            if object_id <= 0 and fields:
                name = next(iter(fields))
                raise InvalidKeyError(f"the key/fqfield is invalid: {collection}/{object_id}/{name}")
            yield collection, object_id
    elif description.kind == "generic-relation":
        if not isinstance(value, str):
            raise _value_error(key, value, "string")
        yield _generic(key, value)
    else:
        if not isinstance(value, list) or not all(isinstance(fqid, str) for fqid in value):
            raise _value_error(key, value, "[]string")
        for fqid in value:
            yield _generic(key, fqid)


def _generic(key: str, fqid: str) -> tuple[str, int]:
    collection, _, raw_id = fqid.partition("/")
    id = atoi(raw_id)
    if id is None:
        raise ValueError_(f'invalid value in key {key}. Got string "{fqid}", expected collection/id')
    return collection, id


def _value_error(key: str, value: Any, expected: str) -> ValueError_:
    return ValueError_(f"invalid value in key {key}. Got {json_kind(value)}, expected {expected}")
