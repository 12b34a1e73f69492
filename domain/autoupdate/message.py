"""One message of a stream: changed keys and their encoded values, encoded once for all."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import msgspec


class Message:
    """``key → encoded JSON value`` (``None`` is sent as ``null``).

    The same instance goes to every connection of a group, so its wire form is built once;
    adapters keep their own derived forms (e.g. the compressed line) in :attr:`derived`.
    """

    __slots__ = ("_build", "_line", "derived", "values")

    def __init__(
        self, values: Mapping[str, bytes | None], *, build: Callable[[], bytes] | None = None
    ) -> None:
        """``build``: makes the wire form faster than from ``values`` (it must match them);
        called when the line is first needed, so a queued message holds no line yet."""
        self.values = values
        self._build = build
        self._line: bytes | None = None
        self.derived: dict[str, bytes] = {}

    def __bool__(self) -> bool:
        return bool(self.values)

    def __len__(self) -> int:
        return len(self.values)

    @property
    def line(self) -> bytes:
        """The JSON object followed by ``\\n``, keys sorted."""
        if self._line is None:
            if self._build is not None:
                self._line, self._build = self._build(), None
            else:
                parts = [part(key, value) for key, value in sorted(self.values.items())]
                self._line = b"{" + b",".join(parts) + b"}\n"
        return self._line

    def decoded(self) -> dict[str, Any]:
        """The message as plain Python values (for tests and tools)."""
        result: dict[str, Any] = msgspec.json.decode(self.line)
        return result


def part(key: str, value: bytes | None) -> bytes:
    """One member of the wire object: ``"key":value``."""
    return b'"%s":%s' % (key.encode(), b"null" if value is None else value)
