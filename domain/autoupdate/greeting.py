"""A group's whole view in wire order, so each member's first message costs its patch only.

A stream's first message (and a ``single``) carries every visible key: about a megabyte for a
delegate's meeting request. Building that line for each of a thousand members of a group would
sort and format the same twenty thousand keys a thousand times; the group formats them once, in
key order, and each member's line is that list with its patch laid over. A member's message
neither copies the view nor holds its line before it is sent.
"""

from __future__ import annotations

from bisect import bisect
from collections.abc import Mapping

from domain.autoupdate.message import Message, part
from domain.autoupdate.view import view


class Greeting:
    """The parts ``"key":value`` of a group's view, sorted by key."""

    __slots__ = ("_keys", "_parts", "_position", "_shared", "values")

    def __init__(self, values: Mapping[str, bytes]) -> None:
        self.values = values
        self._keys = sorted(values)
        self._parts: list[bytes | None] = [part(key, values[key]) for key in self._keys]
        self._position = {key: index for index, key in enumerate(self._keys)}
        self._shared: Message | None = None

    def message(self, patch: Mapping[str, bytes | None]) -> Message:
        """The view with ``patch`` laid over (``None``: the member has no value there)."""
        if not patch:
            if self._shared is None:
                self._shared = Message(self.values, build=lambda: _line(self._parts))
            return self._shared
        return Message(view(self.values, patch), build=lambda: self._line(patch))

    def _line(self, patch: Mapping[str, bytes | None]) -> bytes:
        parts = list(self._parts)
        added: list[tuple[str, bytes]] = []
        for key, value in patch.items():
            index = self._position.get(key)
            if index is not None:
                parts[index] = None if value is None else part(key, value)
            elif value is not None:
                added.append((key, part(key, value)))
        for key, encoded in sorted(added, reverse=True):  # the highest position first
            parts.insert(bisect(self._keys, key), encoded)
        return _line(parts)


def _line(parts: list[bytes | None]) -> bytes:
    return b"{" + b",".join(p for p in parts if p is not None) + b"}\n"
