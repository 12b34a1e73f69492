"""A small facade for reusing the service's logic from other tools, without a server.

It hides the internal modules (readers, data sources, parsing options) behind plain functions
with stable signatures. Example::

    from domain.api import parse_request, resolve_keys

    request = parse_request(b'[{"ids": [1], "collection": "user", "fields": {"username": null}}]')
    resolve_keys(request, {"user/1/username": "admin"})  # {"user/1/username"}

Errors are :class:`domain.errors.ClientError` subclasses carrying the wire ``type`` and ``msg``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.keysbuilder import KeysRequest, parse_many, resolve
from domain.reader import FlatSource, Reader

__all__ = ["KeysRequest", "parse_request", "resolve_keys"]


def parse_request(body: bytes | str) -> KeysRequest:
    """Parse a keys request in the HTTP body format (a JSON list of request objects)."""
    return parse_many(body.encode() if isinstance(body, str) else body)


def resolve_keys(request: KeysRequest, data: Mapping[str, Any]) -> set[str]:
    """The keys ``request`` stands for over ``data``, a flat mapping ``"collection/id/field"`` →
    decoded JSON value, read without any permission check."""
    return set(resolve(request, Reader(FlatSource(data))))
