"""Go's ``strconv.Atoi``: how upstream reads an integer from text (ids in keys and fqids, map
keys), written once so every port of it accepts exactly the same strings."""

from __future__ import annotations

import re

INT64 = 1 << 63
"""Go's ``int`` (64 bits) holds ``-INT64 <= value < INT64``."""

_DECIMAL = re.compile(r"[+-]?[0-9]+")


def atoi(text: str) -> int | None:
    """The integer Go's ``strconv.Atoi`` reads from ``text`` (an optional sign and ASCII
    digits, no spaces or underscores, within int64), or ``None`` where Atoi fails."""
    if not _DECIMAL.fullmatch(text):
        return None
    value = int(text)
    return value if -INT64 <= value < INT64 else None
