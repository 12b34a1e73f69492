"""Decoding of request bodies with the error texts of Go's ``encoding/json``.

Clients see the upstream service's messages (spec §3.8, §4.4), and those are Go's. msgspec
decodes the happy path; only a body it rejects (malformed, trailing bytes after the first
value, too deep) goes through :func:`scan_first_value`, an iterative port of Go's scanner, which
finds Go's syntax message or the end of the first value. Like Go's ``Decoder.Decode``, only the
first JSON value counts; what follows it is ignored.
"""

from __future__ import annotations

import json
import re
from typing import Any

import msgspec

from domain.errors import InvalidError, JSONError

MAX_NESTING = 10_000
"""Go's scanner limit (``maxNestingDepth``); deeper input is rejected without reading on."""

_INCOMPLETE = "Body is not complete"
_SPACE = re.compile(rb"[ \t\r\n]*")
_STRING_RUN = re.compile(rb'[^"\\\x00-\x1f]*')
_DIGITS = re.compile(rb"[0-9]*")
_HEX = frozenset(b"0123456789abcdefABCDEF")
_ESCAPES = frozenset(b'"\\/bfnrt')
_LITERALS = {ord("t"): b"true", ord("f"): b"false", ord("n"): b"null"}
_GO_ESCAPES = {7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r", 92: "\\\\"}


class NestingTooDeep(Exception):
    """The body nests deeper than can be decoded; the caller turns this into a limit error."""


class TypeMismatch(Exception):
    """A JSON value of the wrong type for its place in the request (Go ``UnmarshalTypeError``).

    ``got`` is Go's description of the value (``string``, ``number 1.5``, …), ``expected`` the
    word ``ManyFromJSON`` uses (``object``, ``list``, ``number``, ``string``), ``go_type`` the Go
    type of the place, and ``path`` the attribute names from the request object down.
    """

    def __init__(self, got: str, expected: str, go_type: str, path: tuple[str, ...]) -> None:
        super().__init__(got, expected, go_type, path)
        self.got = got
        self.expected = expected
        self.go_type = go_type
        self.path = path

    def as_invalid(self) -> InvalidError:
        """The error ``ManyFromJSON`` (the HTTP body) reports."""
        dotted = ".".join(self.path)
        return InvalidError(f"wrong type at field `{dotted}`. Got {self.got}, expected {self.expected}")

    def as_json_error(self) -> JSONError:
        """The error ``FromJSON`` (a single request object) reports: Go's own text."""
        target = f"Go struct field .{'.'.join(self.path)}" if self.path else "Go value"
        return JSONError(f"json: cannot unmarshal {self.got} into {target} of type {self.go_type}")


def json_kind(value: Any) -> str:
    """Go's name for the JSON type of a decoded value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def is_blank(body: bytes) -> bool:
    """True for a body without a JSON value (Go's decoder sees EOF)."""
    return not body.strip(b" \t\r\n")


def decode_first(body: bytes) -> Any:
    """The first JSON value of a non-blank body.

    Raises :class:`JSONError` with Go's syntax message, :class:`InvalidError`
    ``Body is not complete`` for truncated input, or :class:`NestingTooDeep`.
    """
    try:
        return msgspec.json.decode(body)
    except (ValueError, RecursionError):  # msgspec.DecodeError is a ValueError
        pass
    start = _run_end(_SPACE, body, 0)
    end = scan_first_value(body, start)
    text = body[start:end].decode("utf-8", "replace")  # Go replaces invalid UTF-8 the same way
    try:
        return msgspec.json.decode(text)
    except RecursionError:
        raise NestingTooDeep from None
    except ValueError:
        pass
    try:
        # Valid for Go but not for msgspec: lone surrogate escapes, numbers beyond float range.
        return _replace_lone_surrogates(json.loads(text))
    except RecursionError:
        raise NestingTooDeep from None


def scan_first_value(data: bytes, pos: int) -> int:
    """Check the JSON value starting at ``pos`` as Go's scanner does; return where it ends."""
    n = len(data)
    stack: list[bool] = []  # True: inside an object, False: inside an array
    mode = "value"  # value | value_or_end | key | key_or_end | colon | next
    while True:
        pos = _run_end(_SPACE, data, pos)
        if pos >= n:
            raise InvalidError(_INCOMPLETE)
        c = data[pos]
        if mode == "next":
            in_object = stack[-1]
            if c == 0x2C:  # ,
                mode, pos = ("key" if in_object else "value"), pos + 1
                continue
            if c != (0x7D if in_object else 0x5D):
                raise _syntax(c, "after object key:value pair" if in_object else "after array element")
            stack.pop()
            pos += 1
        elif mode == "colon":
            if c != 0x3A:
                raise _syntax(c, "after object key")
            mode, pos = "value", pos + 1
            continue
        elif mode in ("key", "key_or_end"):
            if c == 0x7D and mode == "key_or_end":
                stack.pop()
                pos += 1
            elif c == 0x22:
                mode, pos = "colon", _scan_string(data, pos + 1)
                continue
            else:
                raise _syntax(c, "looking for beginning of object key string")
        elif c == 0x5D and mode == "value_or_end":
            stack.pop()
            pos += 1
        elif c in (0x7B, 0x5B):  # { [
            stack.append(c == 0x7B)
            if len(stack) > MAX_NESTING:
                raise NestingTooDeep
            mode, pos = ("key_or_end" if c == 0x7B else "value_or_end"), pos + 1
            continue
        elif c == 0x22:
            pos = _scan_string(data, pos + 1)
        elif c == 0x2D or 0x30 <= c <= 0x39:
            pos = _scan_number(data, pos)
        elif c in _LITERALS:
            pos = _scan_literal(data, pos)
        else:
            raise _syntax(c, "looking for beginning of value")
        if not stack:
            return pos
        mode = "next"


def _scan_string(data: bytes, pos: int) -> int:
    """Position after the closing quote of a string whose content starts at ``pos``."""
    n = len(data)
    while True:
        pos = _run_end(_STRING_RUN, data, pos)
        if pos >= n:
            raise InvalidError(_INCOMPLETE)
        c = data[pos]
        if c == 0x22:
            return pos + 1
        if c != 0x5C:
            raise _syntax(c, "in string literal")
        pos += 1
        if pos >= n:
            raise InvalidError(_INCOMPLETE)
        if data[pos] in _ESCAPES:
            pos += 1
        elif data[pos] == 0x75:  # u
            for i in range(pos + 1, pos + 5):
                if i >= n:
                    raise InvalidError(_INCOMPLETE)
                if data[i] not in _HEX:
                    raise _syntax(data[i], "in \\u hexadecimal character escape")
            pos += 5
        else:
            raise _syntax(data[pos], "in string escape code")


def _scan_number(data: bytes, pos: int) -> int:
    """Position after a number; a number may end at the end of the input (top level)."""
    n = len(data)
    if data[pos] == 0x2D:
        pos += 1
        if pos >= n:
            raise InvalidError(_INCOMPLETE)
        if not 0x30 <= data[pos] <= 0x39:
            raise _syntax(data[pos], "in numeric literal")
    pos = pos + 1 if data[pos] == 0x30 else _run_end(_DIGITS, data, pos + 1)
    if pos < n and data[pos] == 0x2E:  # .
        pos = _digits_after(data, pos + 1, "after decimal point in numeric literal")
    if pos < n and data[pos] in (0x65, 0x45):  # e E
        pos += 1
        if pos < n and data[pos] in (0x2B, 0x2D):
            pos += 1
        pos = _digits_after(data, pos, "in exponent of numeric literal")
    return pos


def _digits_after(data: bytes, pos: int, context: str) -> int:
    if pos >= len(data):
        raise InvalidError(_INCOMPLETE)
    if not 0x30 <= data[pos] <= 0x39:
        raise _syntax(data[pos], context)
    return _run_end(_DIGITS, data, pos)


def _scan_literal(data: bytes, pos: int) -> int:
    word = _LITERALS[data[pos]]
    for i in range(1, len(word)):
        if pos + i >= len(data):
            raise InvalidError(_INCOMPLETE)
        if data[pos + i] != word[i]:
            expecting = _quote_char(word[i])
            raise _syntax(data[pos + i], f"in literal {word.decode()} (expecting {expecting})")
    return pos + len(word)


def _syntax(c: int, context: str) -> JSONError:
    return JSONError(f"invalid character {_quote_char(c)} {context}")


def _quote_char(c: int) -> str:
    """Go's ``quoteChar``: the byte as a rune, quoted like ``strconv.Quote`` in single quotes."""
    if c == 0x27:
        return "'\\''"
    if c == 0x22:
        return "'\"'"
    if c in _GO_ESCAPES:
        return f"'{_GO_ESCAPES[c]}'"
    if c < 0x20 or c == 0x7F:
        return f"'\\x{c:02x}'"
    if 0x80 <= c <= 0xA0 or c == 0xAD:  # not printable for Go
        return f"'\\u{c:04x}'"
    return f"'{chr(c)}'"


def _run_end(pattern: re.Pattern[bytes], data: bytes, pos: int) -> int:
    """End of the (possibly empty) run of ``pattern`` at ``pos``."""
    match = pattern.match(data, pos)
    return pos if match is None else match.end()


def _replace_lone_surrogates(value: Any) -> Any:
    """Replace unpaired surrogates in decoded strings by U+FFFD, as Go's decoder does."""
    if not isinstance(value, list | dict):
        return _fix(value)
    stack: list[Any] = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            fixed = {_fix(key): item for key, item in node.items()}
            node.clear()
            node.update(fixed)
        for index, item in node.items() if isinstance(node, dict) else enumerate(node):
            if isinstance(item, list | dict):
                stack.append(item)
            else:
                node[index] = _fix(item)
    return value


def _fix(value: Any) -> Any:
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return value
