"""Decoding of request bodies with the error texts of Go's ``encoding/json``.

Clients see the upstream service's messages (spec §3.8, §4.4), and those are Go's. msgspec
decodes the happy path. A body it rejects goes to Python's C decoder, which reads only the
first JSON value (like Go's ``Decoder.Decode``; trailing bytes are ignored) and, for malformed
input, tells where the first error is and what it expected there. From that point
:func:`scan`, a port of Go's scanner, reproduces Go's message, so error texts cost no
Python-speed pass over a large body. Both grammars are RFC 8259; Python's extra constants
(``NaN``, ``Infinity``) are rejected with Go's texts.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

import msgspec

from domain.errors import InvalidError, JSONError

_INCOMPLETE = "Body is not complete"
_SPACE = re.compile(rb"[ \t\r\n]*")
_STRING_RUN = re.compile(rb'[^"\\\x00-\x1f]*')
_DIGITS = re.compile(rb"[0-9]*")
_SURROGATES = re.compile(r"[\ud800-\udfff]|\\u[dD][89a-fA-F]")
_HEX = frozenset(b"0123456789abcdefABCDEF")
_ESCAPES = frozenset(b'"\\/bfnrt')
_NUMBER_BYTES = frozenset(b"0123456789+-.eE")
_LITERALS = {ord("t"): b"true", ord("f"): b"false", ord("n"): b"null"}
_GO_ESCAPES = {7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r", 92: "\\\\"}
_MODES = {  # Python's message → Go's scanner state at the reported position
    "Expecting value": ("value", False),
    "Expecting property name enclosed in double quotes": ("key", True),
    "Expecting ':' delimiter": ("colon", True),
    "Illegal trailing comma before end of array": ("next", False),  # Python ≥ 3.13, at the comma
    "Illegal trailing comma before end of object": ("next", True),
}


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
    text = body.decode("utf-8", "surrogateescape")  # keeps a 1:1 way back to the bytes
    start = len(text) - len(text.lstrip(" \t\r\n"))
    try:
        value, end = _DECODER.raw_decode(text, start)
    except json.JSONDecodeError as err:
        raise _go_error(body, text, start, err) from None
    except RecursionError:
        raise NestingTooDeep from None
    if type(value) in (int, float):  # Go reads on after a top-level "1." (all ASCII: end is a byte offset)
        _number_end(body, end)
    return _replace_lone_surrogates(value) if _SURROGATES.search(text) else value


def _reject_constant(name: str) -> Any:
    if name == "-Infinity":
        raise _syntax(ord("I"), "in numeric literal")
    raise _syntax(ord(name[0]), "looking for beginning of value")


def _parse_int(literal: str) -> int | float:
    """Python refuses to convert huge digit strings; Go reads them (and then rejects them)."""
    return int(literal) if len(literal) < sys.int_info.str_digits_check_threshold else float(literal)


_DECODER = json.JSONDecoder(parse_constant=_reject_constant, parse_int=_parse_int)


def _go_error(data: bytes, text: str, start: int, err: json.JSONDecodeError) -> Exception:
    """Go's error for a body Python found malformed at ``err.pos``, by running Go's scanner
    from there in the state Python's message describes."""
    pos = len(text[: err.pos].encode("utf-8", "surrogateescape"))
    try:
        if err.msg.startswith("Unterminated string"):
            return InvalidError(_INCOMPLETE)
        if err.msg.startswith(("Invalid \\escape", "Invalid control character")):
            _scan_string(data, pos)
        elif err.msg.startswith("Invalid \\uXXXX escape"):  # reported at the "u"
            _scan_string(data, pos - 1)
        elif err.msg == "Expecting ',' delimiter":
            scan(data, _number_end(data, pos), "next", [_in_object(text, start, err.pos)])
        else:
            mode, in_object = _MODES[err.msg]
            scan(data, pos, mode, [in_object])
    except (JSONError, InvalidError) as go_error:
        return go_error
    raise AssertionError(f"Go's scanner accepts what Python rejects: {err}")  # pragma: no cover


def _number_end(data: bytes, pos: int) -> int:
    """Python ends ``1.`` or ``1e`` before the dot; Go reads on and fails inside the number."""
    if pos >= len(data) or data[pos] not in b".eE":
        return pos
    begin = pos
    while begin > 0 and data[begin - 1] in _NUMBER_BYTES:
        begin -= 1
    if begin == pos or data[begin] not in b"-0123456789":
        return pos  # the value before was a literal such as ``true``
    return _scan_number(data, begin)


def _in_object(text: str, start: int, pos: int) -> bool:
    """Whether the innermost open container at ``pos`` is an object: only there does a ``]``
    fail right at ``pos``."""
    try:
        _DECODER.raw_decode(text[:pos] + "]", start)
    except json.JSONDecodeError as probe:
        return probe.pos == pos
    return False


def scan(data: bytes, pos: int, mode: str = "value", stack: list[bool] | None = None) -> int:
    """Check JSON as Go's scanner does, from ``pos`` in ``mode`` with the open containers in
    ``stack`` (True: object), and return where the value ends; the defaults check one value.

    Raises Go's errors, as :func:`decode_first` documents.
    """
    n = len(data)
    stack = [] if stack is None else stack
    while True:
        pos = _run_end(_SPACE, data, pos)
        if pos >= n:
            raise InvalidError(_INCOMPLETE)
        c = data[pos]
        if mode == "next":  # after a value inside a container
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
