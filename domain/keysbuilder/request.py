"""Immutable keys requests: what a connection asked for, independent of how it was sent.

A request is a tree. Each :class:`KeyRequest` names objects (``collection`` + ``ids``) and
their fields; a field is either plain (``None``) or a :class:`FieldRequest` that follows a
relation to more fields. Requests compare by value; :attr:`KeysRequest.fingerprint` gives the
same digest for equal requests, so connections that asked for the same thing can share work.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from types import MappingProxyType
from typing import Any, Literal

import msgspec

Kind = Literal["relation", "relation-list", "generic-relation", "generic-relation-list"]
KINDS: frozenset[str] = frozenset(("relation", "relation-list", "generic-relation", "generic-relation-list"))

Fields = Mapping[str, "FieldRequest | None"]


def _freeze(fields: Fields) -> Fields:
    return fields if isinstance(fields, MappingProxyType) else MappingProxyType(dict(fields))


def _fields_hash(fields: Fields) -> int:
    return hash(frozenset(fields.items()))


def _fields_depth(fields: Fields) -> int:
    """Number of field levels: 1 for plain fields only, +1 per followed relation."""
    return 1 + max((d.depth for d in fields.values() if d is not None), default=0)


@dataclass(frozen=True, slots=True)
class FieldRequest:
    """A field whose value is followed: ``collection`` is None for generic relations, whose
    value names the target collection itself."""

    kind: Kind
    collection: str | None
    fields: Fields

    def __post_init__(self) -> None:
        object.__setattr__(self, "fields", _freeze(self.fields))

    def __hash__(self) -> int:
        return hash((self.kind, self.collection, _fields_hash(self.fields)))

    @property
    def depth(self) -> int:
        return _fields_depth(self.fields)


@dataclass(frozen=True, slots=True)
class KeyRequest:
    """``fields`` of the objects ``collection/id`` for every id in ``ids``."""

    collection: str
    ids: tuple[int, ...]
    fields: Fields

    def __post_init__(self) -> None:
        object.__setattr__(self, "ids", tuple(self.ids))
        object.__setattr__(self, "fields", _freeze(self.fields))

    def __hash__(self) -> int:
        return hash((self.collection, self.ids, _fields_hash(self.fields)))

    @property
    def depth(self) -> int:
        return _fields_depth(self.fields)


@dataclass(frozen=True)
class KeysRequest:
    """Everything one connection asked for: the ``k`` keys and the body requests."""

    requests: tuple[KeyRequest, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "requests", tuple(self.requests))

    @classmethod
    def empty(cls) -> KeysRequest:
        return cls(())

    def concat(self, other: KeysRequest) -> KeysRequest:
        """This request's parts first, then ``other``'s (e.g. ``k`` keys, then the body)."""
        return KeysRequest(self.requests + other.requests)

    @property
    def depth(self) -> int:
        """The deepest field level of any part (0 for an empty request)."""
        return max((r.depth for r in self.requests), default=0)

    @cached_property
    def fingerprint(self) -> str:
        """A digest of the canonical form (fields sorted by name, ids as given)."""
        canonical = [[r.collection, list(r.ids), _canonical(r.fields)] for r in self.requests]
        return hashlib.blake2b(msgspec.json.encode(canonical), digest_size=16).hexdigest()


def _canonical(fields: Fields) -> list[Any]:
    return [
        [name, None if d is None else [d.kind, d.collection, _canonical(d.fields)]]
        for name, d in sorted(fields.items(), key=lambda item: item[0])
    ]
