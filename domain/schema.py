"""Questions about the data model, answered from the generated ``meta.schema``."""

from __future__ import annotations

from functools import cache

from meta.field import Field
from meta.schema import COLLECTIONS

__all__ = ["COLLECTIONS", "Field", "collection_fields", "field", "is_valid_collection_field", "modes"]


def field(collection: str, name: str) -> Field | None:
    """The field ``collection/name``, or None if the model has no such field."""
    fields = COLLECTIONS.get(collection)
    return None if fields is None else fields.get(name)


@cache
def modes(collection: str) -> frozenset[str]:
    """The restriction modes used by the fields of a collection (``A``, ``B``, …)."""
    return frozenset(f.mode for f in COLLECTIONS.get(collection, {}).values())


@cache
def collection_fields() -> frozenset[str]:
    """Every valid ``collection/field``, including one pseudo-field per restriction mode.

    The pseudo-fields (``agenda_item/A``) never hold data; upstream accepts them in requests.
    """
    names = {f"{c}/{f}" for c, fields in COLLECTIONS.items() for f in fields}
    names |= {f"{c}/{m}" for c in COLLECTIONS for m in modes(c)}
    return frozenset(names)


@cache
def fields_of_mode(collection: str, mode: str) -> tuple[str, ...]:
    """The fields of a collection in one restriction mode."""
    return tuple(name for name, f in COLLECTIONS.get(collection, {}).items() if f.mode == mode)


def is_valid_collection_field(collection: str, name: str) -> bool:
    return f"{collection}/{name}" in collection_fields()
