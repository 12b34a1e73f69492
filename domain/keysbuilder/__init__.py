"""The keys-request language: which keys a connection asked for (spec §4).

Parse a request once (:func:`parse_many` for the HTTP body, :func:`parse_k` for ``?k=``),
then :func:`resolve` it against the current data whenever the data changes.
"""

from __future__ import annotations

from domain.keysbuilder.parse import DEFAULT_MAX_DEPTH, parse_k, parse_many, parse_single
from domain.keysbuilder.request import FieldRequest, KeyRequest, KeysRequest, Kind
from domain.keysbuilder.resolve import DEFAULT_MAX_KEYS, resolve

__all__ = [
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_MAX_KEYS",
    "FieldRequest",
    "KeyRequest",
    "KeysRequest",
    "Kind",
    "parse_k",
    "parse_many",
    "parse_single",
    "resolve",
]
