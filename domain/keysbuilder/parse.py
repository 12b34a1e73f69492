"""Parsing of keys requests: the HTTP body, a single request object, and the ``k`` parameter.

The checks, their order and their texts follow the upstream keysbuilder (spec §4.4), because
clients see them: a request object is decoded attribute by attribute in document order; a
wrong type in ``ids`` or ``collection`` is remembered and reported after the whole object was
read, while any error inside ``fields`` stops at once. Then come ``no ids``, positive ids, the
collection, the presence of ``fields`` and, last, whether each field exists. Errors inside a
field are wrapped with its name, so the message names the path (``field "a.b": …``).
Nesting deeper than ``max_depth`` field levels is a limit error (spec A4).
"""

from __future__ import annotations

from typing import Any, cast

from domain.atoi import INT64
from domain.errors import InvalidError, LimitError
from domain.keys import KeyParseError, parse_key
from domain.keysbuilder.go_json import NestingTooDeep, TypeMismatch, decode_first, is_blank, json_kind
from domain.keysbuilder.request import KINDS, FieldRequest, Fields, KeyRequest, KeysRequest, Kind
from domain.schema import is_valid_collection_field

DEFAULT_MAX_DEPTH = 16


def parse_many(body: bytes, *, max_depth: int = DEFAULT_MAX_DEPTH) -> KeysRequest:
    """The HTTP body: a non-empty JSON list of request objects (upstream ``ManyFromJSON``).

    A blank body is an empty request. Raises :class:`InvalidError` (``SyntaxError``: invalid
    requests, type mismatches, truncated JSON), :class:`JSONError` (malformed JSON) and
    :class:`LimitError` (nesting deeper than ``max_depth``).
    """
    if is_blank(body):
        return KeysRequest.empty()
    value = _decode(body, max_depth)
    if value is None or value == []:
        raise InvalidError("No data")
    try:
        if not isinstance(value, list):
            raise _mismatch(value, "list", "[]keysbuilder.body", ())
        decoder = _Decoder(max_depth)
        return KeysRequest(tuple(decoder.request(item) for item in value))
    except TypeMismatch as err:
        raise err.as_invalid() from None


def parse_single(body: bytes, *, max_depth: int = DEFAULT_MAX_DEPTH) -> KeysRequest:
    """One request object (upstream ``FromJSON``); errors as :func:`parse_many`, except that
    type mismatches are :class:`JSONError` with Go's text."""
    if is_blank(body):
        raise InvalidError("No data")
    value = _decode(body, max_depth)
    try:
        return KeysRequest((_Decoder(max_depth).request(value),))
    except TypeMismatch as err:
        raise err.as_json_error() from None


def parse_k(k: str | None) -> KeysRequest:
    """The ``k`` query parameter: comma separated keys, each requested as a plain field.

    Absent or empty means no keys. An empty element or one that is no valid key fails the
    whole request (spec A3); keys with an id ≤ 0 (``user/x/username``) are dropped.
    """
    if not k:
        return KeysRequest.empty()
    requests = []
    for element in k.split(","):
        collection, id, field = _key(element)
        if id > 0:
            requests.append(KeyRequest(collection, (id,), {field: None}))
    return KeysRequest(tuple(requests))


def _key(element: str) -> tuple[str, int, str]:
    try:
        if element:
            return parse_key(element)
    except KeyParseError:
        pass
    raise InvalidError(f"invalid key: {element}")


def _decode(body: bytes, max_depth: int) -> Any:
    try:
        return decode_first(body)
    except NestingTooDeep:
        raise _too_deep(max_depth) from None


def _too_deep(max_depth: int) -> LimitError:
    return LimitError(f"request nesting depth exceeds the limit of {max_depth}")


def _mismatch(value: Any, expected: str, go_type: str, path: tuple[str, ...]) -> TypeMismatch:
    return TypeMismatch(json_kind(value), expected, go_type, path)


class _Decoder:
    """Turns decoded JSON into request objects, checking as upstream does."""

    def __init__(self, max_depth: int) -> None:
        self.max_depth = max_depth

    def request(self, value: Any) -> KeyRequest:
        if value is not None and not isinstance(value, dict):
            raise _mismatch(value, "object", "keysbuilder.body", ())
        ids: list[int] | None = None
        collection = ""
        fields: Fields | None = None
        saved: TypeMismatch | None = None
        for name, item in (value or {}).items():
            if name == "ids":
                ids, error = _ids(item)
                saved = saved or error
            elif name == "collection":
                collection, error = _string(item, collection, ("collection",))
                saved = saved or error
            elif name == "fields":
                fields = self.fields(item, ("fields",), 1)
        if saved is not None:
            raise saved
        if not ids:
            raise InvalidError("no ids")
        if any(id <= 0 for id in ids):
            raise InvalidError("id has to be a positive number")
        if not collection:
            raise InvalidError("attribute collection is missing")
        if fields is None:
            raise InvalidError("attribte fields is missing")
        _check_exist(collection, fields)
        return KeyRequest(collection, tuple(ids), fields)

    def fields(self, value: Any, path: tuple[str, ...], level: int) -> Fields:
        """A ``fields`` object at field level ``level`` (1 for the request's own fields)."""
        if level > self.max_depth:
            raise _too_deep(self.max_depth)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise _mismatch(value, "object", "map[string]json.RawMessage", path)
        result: dict[str, FieldRequest | None] = {}
        for name, item in value.items():
            try:
                result[name] = self.description(item, (*path, name), level)
            except InvalidError as err:
                raise err.under(name) from None
        return result

    def description(self, value: Any, path: tuple[str, ...], level: int) -> FieldRequest | None:
        if value is None:
            return None
        if not isinstance(value, dict):
            raise _mismatch(value, "object", "keysbuilder.fieldDescription", path)
        kind, error = _string(value.get("type"), "", (*path, "type"))
        if error is not None:
            raise error
        if not kind:
            raise InvalidError("no type")
        if kind not in KINDS:
            raise InvalidError(f"unknown type {kind}")
        generic = kind.startswith("generic-")
        collection = ""
        fields: Fields | None = None
        saved: TypeMismatch | None = None
        for name, item in value.items():
            if name == "collection" and not generic:
                collection, error = _string(item, collection, (*path, "collection"))
                saved = saved or error
            elif name == "fields":
                fields = self.fields(item, (*path, "fields"), level + 1)
        if saved is not None:
            raise saved
        if not collection and not generic:
            raise InvalidError("no collection")
        if fields is None:
            raise InvalidError("no fields")
        if generic:
            return FieldRequest(cast(Kind, kind), None, fields)
        _check_exist(collection, fields)
        return FieldRequest(cast(Kind, kind), collection, fields)


def _ids(value: Any) -> tuple[list[int] | None, TypeMismatch | None]:
    """The ids and the first type error; like Go, a bad or ``null`` element counts as 0."""
    path = ("ids",)
    if value is None:
        return None, None
    if not isinstance(value, list):
        return None, _mismatch(value, "list", "[]int", path)
    ids: list[int] = []
    error: TypeMismatch | None = None
    for item in value:
        if item is None or (type(item) is int and -INT64 <= item < INT64):
            ids.append(item or 0)
            continue
        ids.append(0)
        if error is None:
            got = f"number {item!r}" if type(item) in (int, float) else json_kind(item)
            error = TypeMismatch(got, "number", "int", path)
    return ids, error


def _string(value: Any, current: str, path: tuple[str, ...]) -> tuple[str, TypeMismatch | None]:
    """A string attribute: ``null`` keeps the current value, another type is a type error."""
    if value is None:
        return current, None
    if isinstance(value, str):
        return value, None
    return current, _mismatch(value, "string", "string", path)


def _check_exist(collection: str, fields: Fields) -> None:
    for name in fields:
        if not is_valid_collection_field(collection, name):
            raise InvalidError(f"{collection}/{name} does not exist", (name,))
