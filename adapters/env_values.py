"""Values of environment variables as the Go service reads them: booleans like
``strconv.ParseBool``, integers like ``strconv.Atoi``, durations as OpenSlides writes them (a plain
integer is seconds, anything else is Go ``time.ParseDuration`` syntax: ``250ms``, ``1h30m``,
``1.5h``).

Existing OpenSlides deployments set these variables, so the same strings must mean the same here.
Each parser raises ``ValueError`` with a short reason; the caller adds the variable's name.
"""

from __future__ import annotations

import re

_NANOSECONDS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,  # U+00B5 MICRO SIGN
    "μs": 1_000,  # U+03BC GREEK SMALL LETTER MU
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}
_MAX_NANOSECONDS = 2**63 - 1  # Go's time.Duration is an int64 of nanoseconds.

_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})
_INTEGER = re.compile(r"[+-]?[0-9]+")
_COMPONENT = re.compile(r"([0-9]*)(?:\.([0-9]*))?([^0-9.]*)")


def parse_bool(text: str) -> bool:
    """Go ``strconv.ParseBool``, except that anything else is an error, not ``false``."""
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError("not a boolean (use true or false)")


def parse_int(text: str) -> int:
    """A decimal integer as Go ``strconv.Atoi`` reads it (no spaces, no underscores)."""
    if not _INTEGER.fullmatch(text):
        raise ValueError("not an integer")
    return int(text)


def parse_duration(text: str) -> float:
    """The duration in seconds; raises ``ValueError`` for text Go would reject."""
    if _INTEGER.fullmatch(text):
        return float(int(text))
    return _parse_go_duration(text) / 1_000_000_000


def _parse_go_duration(text: str) -> int:
    """Nanoseconds of a Go duration string like ``-1h2m3.5s``."""
    sign = -1 if text.startswith("-") else 1
    rest = text[1:] if text[:1] in "+-" else text
    if rest == "0":
        return 0
    if not rest:
        raise ValueError(f"invalid duration {text!r}")
    total = 0
    position = 0
    while position < len(rest):
        match = _COMPONENT.match(rest, position)
        assert match is not None  # every part of the pattern is optional
        whole, fraction, unit = match.group(1), match.group(2) or "", match.group(3)
        if not whole and not fraction:
            raise ValueError(f"invalid duration {text!r}")
        if not unit:
            raise ValueError(f"missing unit in duration {text!r}")
        scale = _NANOSECONDS.get(unit)
        if scale is None:
            raise ValueError(f"unknown unit {unit!r} in duration {text!r}")
        total += int(whole or "0") * scale + int(fraction or "0") * scale // 10 ** len(fraction)
        if total > _MAX_NANOSECONDS:
            raise ValueError(f"invalid duration {text!r}: out of range")
        position = match.end()
    return sign * total
