"""A small facade for reusing the service's logic from other tools, without a server.

It hides the internal modules (readers, data sources, parsing options) behind plain functions
with stable signatures. Example::

    from domain.api import parse_request, resolve_keys

    request = parse_request(b'[{"ids": [1], "collection": "user", "fields": {"username": null}}]')
    resolve_keys(request, {"user/1/username": "admin"})  # {"user/1/username"}

    visible_keys(data, user_id=5, keys=["motion/1/title"])      # what user 5 may see
    restricted_values(data, user_id=5, keys=["motion/1/title"])  # ... with relation lists filtered
    print(explain(data, user_id=5, key="motion/1/title"))        # which rule decided, on which data
    projection_content(data, projection_id=1)                    # a projector slide

Errors are :class:`domain.errors.ClientError` subclasses carrying the wire ``type`` and ``msg``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from domain.keysbuilder import KeysRequest, parse_many, resolve
from domain.projector.content import calculate as calculate_content
from domain.projector.context import SlideRegistry
from domain.projector.registry import default_registry
from domain.reader import FlatSource, Reader
from domain.restrict.context import Decision
from domain.restrict.explain import Explanation, explain_key
from domain.restrict.restricter import PermissionRestricter, UserPermissions

__all__ = [
    "Decision",
    "Explanation",
    "KeysRequest",
    "explain",
    "parse_request",
    "projection_content",
    "resolve_keys",
    "restricted_values",
    "visible_keys",
]


def parse_request(body: bytes | str) -> KeysRequest:
    """Parse a keys request in the HTTP body format (a JSON list of request objects)."""
    return parse_many(body.encode() if isinstance(body, str) else body)


def resolve_keys(request: KeysRequest, data: Mapping[str, Any]) -> set[str]:
    """The keys ``request`` stands for over ``data``, a flat mapping ``"collection/id/field"`` →
    decoded JSON value, read without any permission check."""
    return set(resolve(request, Reader(FlatSource(data))))


def restricted_values(data: Mapping[str, Any], user_id: int, keys: Iterable[str]) -> dict[str, Any]:
    """The values of ``keys`` that user ``user_id`` (0: public access) may see, with relation
    values filtered to visible targets; invisible or empty keys are left out."""
    restriction = _restriction(data, user_id)
    values = {key: restriction.value(key, data.get(key)) for key in keys}
    return {key: value for key, value in values.items() if value is not None}


def visible_keys(data: Mapping[str, Any], user_id: int, keys: Iterable[str]) -> set[str]:
    """The keys among ``keys`` that user ``user_id`` may see (and that have a value)."""
    return set(restricted_values(data, user_id, keys))


def explain(data: Mapping[str, Any], user_id: int, key: str) -> Explanation:
    """Why ``key`` is (not) visible for ``user_id``: the deciding rule, its reads, and the
    decisions it relied on (including those for the targets of a relation value)."""
    return explain_key(Reader(FlatSource(data)), PermissionRestricter(), user_id, key)


def _restriction(data: Mapping[str, Any], user_id: int) -> UserPermissions:
    return PermissionRestricter().for_user(Reader(FlatSource(data)), user_id)


def projection_content(
    data: Mapping[str, Any], projection_id: int, registry: SlideRegistry | None = None
) -> Any:
    """The slide content of ``projection/<projection_id>`` over ``data`` (what the service sends
    as ``projection/<id>/content``): the slide object, ``None``, or the error envelope."""
    slides = default_registry() if registry is None else registry
    return calculate_content(Reader(FlatSource(data)), projection_id, slides)
