"""Writes announced the way the OpenSlides datastore writer announces them: one ``XADD`` to
``ModifiedFields``, values as JSON. The simulator stores each announced batch in its datastore
as a new position before the engine sees it, so a write is a real change for every reader."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec
from redis.asyncio import Redis

MODIFIED_FIELDS_STREAM = "ModifiedFields"


def encode_changes(changes: Mapping[str, Any]) -> dict[str, bytes]:
    """``key → JSON bytes`` as the writer puts them in the stream (``None`` becomes ``null``)."""
    return {key: msgspec.json.encode(value) for key, value in changes.items()}


class BusWriter:
    """Implements :class:`ports.writer.ChangeWriter` over a (fake) Redis."""

    def __init__(self, client: Redis) -> None:
        self._client = client

    async def write(self, changes: Mapping[str, Any]) -> str:
        entry = await self._client.xadd(MODIFIED_FIELDS_STREAM, encode_changes(changes))  # type: ignore[arg-type]
        return entry.decode() if isinstance(entry, bytes) else str(entry)
