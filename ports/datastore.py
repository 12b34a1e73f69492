"""Datastore port: objects of the OpenSlides datastore, now or at a past position."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import msgspec


class HistoryEntry(msgspec.Struct, frozen=True):
    """One position that touched an object (``/system/autoupdate/history_information``)."""

    position: int
    timestamp: int
    user_id: int
    information: Any


class DatastoreError(Exception):
    """The datastore could not answer (connection lost, query failed)."""


class Datastore(Protocol):
    """Reads objects. Implementations must be safe for concurrent calls."""

    async def get_objects(
        self, fqids: Sequence[str], position: int | None = None
    ) -> dict[str, dict[str, Any] | None]:
        """Return every requested fqid: its fields (decoded JSON), or None if it does not exist.

        With ``position``, the state right after that position, rebuilt from the events.
        Raises :class:`DatastoreError` when the datastore cannot be read.
        """
        ...

    async def newest_position(self) -> int:
        """The newest position (0 for an empty datastore)."""
        ...

    async def history_information(self, fqid: str) -> list[HistoryEntry] | None:
        """Positions touching ``fqid`` that carry information, ascending; None if it never existed."""
        ...
